/**
 * EndTxn (key 26), versions 0-4, flexible from 3: commit or abort the ongoing transaction. v2
 * tells the broker the client understands PRODUCER_FENCED, v4 TRANSACTION_ABORTABLE.
 */
import { bool, defineApi, int16, int32, int64, string } from '../schema.js';

export const EndTxn = defineApi({
  key: 26,
  name: 'EndTxn',
  versions: '0-4',
  flexible: '3+',
  request: {
    transactionalId: string('0+'),
    producerId: int64('0+'),
    producerEpoch: int16('0+'),
    committed: bool('0+'),
  },
  response: {
    throttleTimeMs: int32('0+'),
    errorCode: int16('0+'),
  },
});
