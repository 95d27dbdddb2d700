/**
 * TxnOffsetCommit (key 28), versions 0-5, flexible from 3: offsets committed as part of a
 * transaction, visible once it commits. v2 adds the committed leader epoch, v3 the member id,
 * group instance id and generation (checked like OffsetCommit's), v4 TRANSACTION_ABORTABLE;
 * v5 (Kafka 4.0, KIP-890 part 2) has the same fields and adds the group's partition to the
 * transaction itself, with no AddOffsetsToTxn first.
 */
import { array, defineApi, int16, int32, int64, string } from '../schema.js';

export const TxnOffsetCommit = defineApi({
  key: 28,
  name: 'TxnOffsetCommit',
  versions: '0-5',
  flexible: '3+',
  request: {
    transactionalId: string('0+'),
    groupId: string('0+'),
    producerId: int64('0+'),
    producerEpoch: int16('0+'),
    generationId: int32('3+', { default: -1 }),
    memberId: string('3+', { default: '' }),
    groupInstanceId: string('3+', { nullable: '3+', default: null }),
    topics: array('0+', {
      name: string('0+'),
      partitions: array('0+', {
        partitionIndex: int32('0+'),
        committedOffset: int64('0+'),
        committedLeaderEpoch: int32('2+', { default: -1 }),
        committedMetadata: string('0+', { nullable: '0+' }),
      }),
    }),
  },
  response: {
    throttleTimeMs: int32('0+'),
    topics: array('0+', {
      name: string('0+'),
      partitions: array('0+', { partitionIndex: int32('0+'), errorCode: int16('0+') }),
    }),
  },
});
