/**
 * WriteTxnMarkers (key 27), versions 0-1, flexible from 1: a transaction coordinator asks a
 * partition leader to write commit or abort markers. Kafka's brokers send it to each other;
 * `kafka-transactions abort` sends it to end a hanging transaction by hand.
 */
import { array, arrayOf, bool, defineApi, int16, int32, int64, string } from '../schema.js';

export const WriteTxnMarkers = defineApi({
  key: 27,
  name: 'WriteTxnMarkers',
  versions: '0-1',
  flexible: '1+',
  request: {
    markers: array('0+', {
      producerId: int64('0+'),
      producerEpoch: int16('0+'),
      transactionResult: bool('0+'),
      topics: array('0+', { name: string('0+'), partitionIndexes: arrayOf('int32', '0+') }),
      coordinatorEpoch: int32('0+'),
    }),
  },
  response: {
    markers: array('0+', {
      producerId: int64('0+'),
      topics: array('0+', {
        name: string('0+'),
        partitions: array('0+', { partitionIndex: int32('0+'), errorCode: int16('0+') }),
      }),
    }),
  },
});
