/**
 * AlterReplicaLogDirs (key 34), versions 0-2, flexible from 2: moves replicas between a
 * broker's log directories (`kafka-reassign-partitions --reassignment-json-file` with
 * `log_dirs`). Sent to the broker that hosts the replicas, not to the controller.
 *
 * Version 1 changes no field: it only promises that a throttled answer is sent before the
 * broker throttles (KIP-219).
 */
import { array, arrayOf, defineApi, int16, int32, string } from '../schema.js';

export const AlterReplicaLogDirs = defineApi({
  key: 34,
  name: 'AlterReplicaLogDirs',
  versions: '0-2',
  flexible: '2+',
  request: {
    dirs: array('0+', {
      path: string('0+'),
      topics: array('0+', {
        name: string('0+'),
        partitions: arrayOf('int32', '0+'),
      }),
    }),
  },
  response: {
    throttleTimeMs: int32('0+'),
    results: array('0+', {
      topicName: string('0+'),
      partitions: array('0+', {
        partitionIndex: int32('0+'),
        errorCode: int16('0+'),
      }),
    }),
  },
});
