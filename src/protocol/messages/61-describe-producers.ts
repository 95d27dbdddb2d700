/**
 * DescribeProducers (key 61), version 0 only, flexible.
 *
 * Non-obvious: `producerEpoch` is an int32 here, although producer epochs are int16
 * everywhere else in the protocol.
 */
import { array, arrayOf, defineApi, int16, int32, int64, string } from '../schema.js';

export const DescribeProducers = defineApi({
  key: 61,
  name: 'DescribeProducers',
  versions: '0',
  flexible: '0+',
  request: {
    topics: array('0+', {
      name: string('0+'),
      partitionIndexes: arrayOf('int32', '0+'),
    }),
  },
  response: {
    throttleTimeMs: int32('0+'),
    topics: array('0+', {
      name: string('0+'),
      partitions: array('0+', {
        partitionIndex: int32('0+'),
        errorCode: int16('0+'),
        errorMessage: string('0+', { nullable: '0+', default: null }),
        activeProducers: array('0+', {
          producerId: int64('0+'),
          producerEpoch: int32('0+'),
          lastSequence: int32('0+', { default: -1 }),
          lastTimestamp: int64('0+', { default: -1 }),
          coordinatorEpoch: int32('0+'),
          currentTxnStartOffset: int64('0+', { default: -1 }),
        }),
      }),
    }),
  },
});
