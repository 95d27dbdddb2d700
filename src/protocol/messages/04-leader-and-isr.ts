/**
 * LeaderAndIsr (key 4), versions 0-7, flexible from 4: a ZooKeeper-mode controller tells a
 * broker which partitions it leads or follows, with each partition's leader, epoch and ISR.
 *
 * Non-obvious:
 * - Versions 0-1 list partitions flat (`ungroupedPartitionStates`, each carrying its topic
 *   name); from 2 they are grouped under `topicStates` and the partition's own `topicName`
 *   is gone. Both lists use the same partition struct, whose fields follow the message version.
 * - `partitionEpoch` is the partition's ZooKeeper znode version under a ZooKeeper controller.
 * - v1 adds `isNew`, v3 the reassignment's replicas, v6 `leaderRecoveryState` (KIP-704: 1 while
 *   a partition recovers from an unclean election).
 * - v5 adds the topic id and `type` (0 unknown, 1 incremental, 2 full: whether the request
 *   lists every partition the broker should host); the response then names topics by id, and
 *   its per-partition errors move from the flat `partitionErrors` (versions 0-4) to `topics`.
 * - v7's `isKRaftController` (KIP-866) says that a KRaft controller sends the request while a
 *   cluster migrates off ZooKeeper; it sits between the two controller fields.
 * - `addingReplicas` and `removingReplicas` (v3+, KIP-455) are empty, not null, when no
 *   reassignment is under way: Kafka never declared them nullable.
 */
import { array, arrayOf, bool, defineApi, int16, int32, int64, int8, string, uuid } from '../schema.js';

const partitionState = {
  topicName: string('0-1'),
  partitionIndex: int32('0+'),
  controllerEpoch: int32('0+'),
  leader: int32('0+'),
  leaderEpoch: int32('0+'),
  isr: arrayOf('int32', '0+'),
  partitionEpoch: int32('0+'),
  replicas: arrayOf('int32', '0+'),
  addingReplicas: arrayOf('int32', '3+'),
  removingReplicas: arrayOf('int32', '3+'),
  isNew: bool('1+', { default: false }),
  leaderRecoveryState: int8('6+', { default: 0 }),
};

const partitionError = {
  topicName: string('0-4'),
  partitionIndex: int32('0+'),
  errorCode: int16('0+'),
};

export const LeaderAndIsr = defineApi({
  key: 4,
  name: 'LeaderAndIsr',
  versions: '0-7',
  flexible: '4+',
  request: {
    controllerId: int32('0+'),
    isKRaftController: bool('7+', { default: false }),
    controllerEpoch: int32('0+'),
    brokerEpoch: int64('2+', { default: -1 }),
    type: int8('5+'),
    ungroupedPartitionStates: array('0-1', partitionState),
    topicStates: array('2+', {
      topicName: string('2+'),
      topicId: uuid('5+'),
      partitionStates: array('2+', partitionState),
    }),
    liveLeaders: array('0+', {
      brokerId: int32('0+'),
      hostName: string('0+'),
      port: int32('0+'),
    }),
  },
  response: {
    errorCode: int16('0+'),
    partitionErrors: array('0-4', partitionError),
    topics: array('5+', {
      topicId: uuid('5+'),
      partitionErrors: array('5+', partitionError),
    }),
  },
});
