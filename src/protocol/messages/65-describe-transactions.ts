/**
 * DescribeTransactions (key 65), version 0, flexible: the coordinator's view of transactional
 * ids (KIP-664). Its producerEpoch is an int16, unlike DescribeProducers' int32.
 */
import { array, arrayOf, defineApi, int16, int32, int64, string } from '../schema.js';

export const DescribeTransactions = defineApi({
  key: 65,
  name: 'DescribeTransactions',
  versions: '0',
  flexible: '0+',
  request: {
    transactionalIds: arrayOf('string', '0+'),
  },
  response: {
    throttleTimeMs: int32('0+'),
    transactionStates: array('0+', {
      errorCode: int16('0+'),
      transactionalId: string('0+'),
      transactionState: string('0+'),
      transactionTimeoutMs: int32('0+'),
      transactionStartTimeMs: int64('0+'),
      producerId: int64('0+'),
      producerEpoch: int16('0+'),
      topics: array('0+', { topic: string('0+'), partitions: arrayOf('int32', '0+') }),
    }),
  },
});
