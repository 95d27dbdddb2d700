/**
 * StopReplica (key 5), versions 0-4, flexible from 2: a ZooKeeper-mode controller tells a
 * broker to stop replicating partitions, and whether to delete their logs.
 *
 * Non-obvious:
 * - The partitions take three shapes: a flat list of (topic, partition) in v0, topics with
 *   partition indexes in v1-2, and from v3 `topicStates` whose partitions each carry their
 *   own leader epoch and `deletePartition` flag (KIP-570), replacing the request-wide
 *   `deletePartitions` of versions 0-2.
 * - A leader epoch of -2 in v3+ means "delete regardless of epoch" (a topic being deleted);
 *   -1, the default, means no epoch is known.
 * - v4's `isKRaftController` (KIP-866) marks requests from a KRaft controller during a
 *   ZooKeeper migration. The response is the same in every version.
 */
import { array, arrayOf, bool, defineApi, int16, int32, int64, string } from '../schema.js';

export const StopReplica = defineApi({
  key: 5,
  name: 'StopReplica',
  versions: '0-4',
  flexible: '2+',
  request: {
    controllerId: int32('0+'),
    isKRaftController: bool('4+', { default: false }),
    controllerEpoch: int32('0+'),
    brokerEpoch: int64('1+', { default: -1 }),
    deletePartitions: bool('0-2'),
    ungroupedPartitions: array('0', {
      topicName: string('0'),
      partitionIndex: int32('0'),
    }),
    topics: array('1-2', {
      name: string('1-2'),
      partitionIndexes: arrayOf('int32', '1-2'),
    }),
    topicStates: array('3+', {
      topicName: string('3+'),
      partitionStates: array('3+', {
        partitionIndex: int32('3+'),
        leaderEpoch: int32('3+', { default: -1 }),
        deletePartition: bool('3+'),
      }),
    }),
  },
  response: {
    errorCode: int16('0+'),
    partitionErrors: array('0+', {
      topicName: string('0+'),
      partitionIndex: int32('0+'),
      errorCode: int16('0+'),
    }),
  },
});
