/**
 * ListTransactions (key 66), versions 0-1, flexible: the transactional ids a coordinator knows,
 * filtered by state and producer id (KIP-664), and from v1 by how long they have run (KIP-994).
 */
import { array, arrayOf, defineApi, int16, int32, int64, string } from '../schema.js';

export const ListTransactions = defineApi({
  key: 66,
  name: 'ListTransactions',
  versions: '0-1',
  flexible: '0+',
  request: {
    stateFilters: arrayOf('string', '0+'),
    producerIdFilters: arrayOf('int64', '0+'),
    durationFilter: int64('1+', { default: -1 }),
  },
  response: {
    throttleTimeMs: int32('0+'),
    errorCode: int16('0+'),
    unknownStateFilters: arrayOf('string', '0+'),
    transactionStates: array('0+', {
      transactionalId: string('0+'),
      producerId: int64('0+'),
      transactionState: string('0+'),
    }),
  },
});
