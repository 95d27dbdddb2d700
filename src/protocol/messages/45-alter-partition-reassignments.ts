/**
 * AlterPartitionReassignments (key 45), version 0 only, flexible (KIP-455): starts or cancels
 * moving partitions to new replica sets (`kafka-reassign-partitions --execute`/`--cancel`).
 *
 * Non-obvious: a partition's `replicas` is the target replica set, or null to cancel a
 * reassignment in progress; null is also its default. Later Kafka versions add a version 1
 * with `allowReplicationFactorChange`; Kafka 3.9 has only version 0.
 */
import { array, arrayOf, defineApi, int16, int32, string } from '../schema.js';

export const AlterPartitionReassignments = defineApi({
  key: 45,
  name: 'AlterPartitionReassignments',
  versions: '0',
  flexible: '0+',
  request: {
    timeoutMs: int32('0+', { default: 60000 }),
    topics: array('0+', {
      name: string('0+'),
      partitions: array('0+', {
        partitionIndex: int32('0+'),
        replicas: arrayOf('int32', '0+', { nullable: '0+', default: null }),
      }),
    }),
  },
  response: {
    throttleTimeMs: int32('0+'),
    errorCode: int16('0+'),
    errorMessage: string('0+', { nullable: '0+' }),
    responses: array('0+', {
      name: string('0+'),
      partitions: array('0+', {
        partitionIndex: int32('0+'),
        errorCode: int16('0+'),
        errorMessage: string('0+', { nullable: '0+' }),
      }),
    }),
  },
});
