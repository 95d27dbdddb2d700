/**
 * ListPartitionReassignments (key 46), version 0 only, flexible (KIP-455): the reassignments
 * in progress (`kafka-reassign-partitions --list`, `--verify`).
 *
 * Non-obvious: a null `topics` (the default) lists every reassignment in progress. In the
 * response, `replicas` is the whole current set, adding and removing replicas included.
 */
import { array, arrayOf, defineApi, int16, int32, string } from '../schema.js';

export const ListPartitionReassignments = defineApi({
  key: 46,
  name: 'ListPartitionReassignments',
  versions: '0',
  flexible: '0+',
  request: {
    timeoutMs: int32('0+', { default: 60000 }),
    topics: array(
      '0+',
      {
        name: string('0+'),
        partitionIndexes: arrayOf('int32', '0+'),
      },
      { nullable: '0+', default: null },
    ),
  },
  response: {
    throttleTimeMs: int32('0+'),
    errorCode: int16('0+'),
    errorMessage: string('0+', { nullable: '0+' }),
    topics: array('0+', {
      name: string('0+'),
      partitions: array('0+', {
        partitionIndex: int32('0+'),
        replicas: arrayOf('int32', '0+'),
        addingReplicas: arrayOf('int32', '0+'),
        removingReplicas: arrayOf('int32', '0+'),
      }),
    }),
  },
});
