/**
 * UpdateMetadata (key 6), versions 0-8, flexible from 6: a ZooKeeper-mode controller sends
 * every broker the cluster's live brokers and partition states, which brokers then serve in
 * Metadata responses.
 *
 * Non-obvious:
 * - Partition states are flat (`ungroupedPartitionStates`, each with its topic name) in
 *   versions 0-4 and grouped under `topicStates` from 5; both use one partition struct whose
 *   `topicName` exists only in 0-4. v4 adds `offlineReplicas`, v7 the topic id.
 * - A broker has one `v0Host`/`v0Port` in v0 and a list of `endpoints` from v1; an
 *   endpoint's `listener` name appears in v3 (before it, the security protocol names the
 *   listener). `rack` appears in v2 and may be null; absent, it reads as "" as in Kafka.
 * - v8 adds `isKRaftController` (KIP-866) and a tagged `type` (tag 0: 0 unknown,
 *   1 incremental, 2 full), both for a KRaft controller driving a ZooKeeper migration.
 *   `type` sits between the controller id and epoch in Kafka's field order, but being tagged
 *   it travels at the end.
 * - `zkVersion` is the partition state's znode version (the partition epoch elsewhere).
 * - The response is only an error code, in every version.
 */
import { array, arrayOf, bool, defineApi, int16, int32, int64, int8, string, uuid } from '../schema.js';

const partitionState = {
  topicName: string('0-4'),
  partitionIndex: int32('0+'),
  controllerEpoch: int32('0+'),
  leader: int32('0+'),
  leaderEpoch: int32('0+'),
  isr: arrayOf('int32', '0+'),
  zkVersion: int32('0+'),
  replicas: arrayOf('int32', '0+'),
  offlineReplicas: arrayOf('int32', '4+'),
};

export const UpdateMetadata = defineApi({
  key: 6,
  name: 'UpdateMetadata',
  versions: '0-8',
  flexible: '6+',
  request: {
    controllerId: int32('0+'),
    isKRaftController: bool('8+', { default: false }),
    type: int8('8+', { default: 0, tag: 0, tagged: '8+' }),
    controllerEpoch: int32('0+'),
    brokerEpoch: int64('5+', { default: -1 }),
    ungroupedPartitionStates: array('0-4', partitionState),
    topicStates: array('5+', {
      topicName: string('5+'),
      topicId: uuid('7+'),
      partitionStates: array('5+', partitionState),
    }),
    liveBrokers: array('0+', {
      id: int32('0+'),
      v0Host: string('0'),
      v0Port: int32('0'),
      endpoints: array('1+', {
        port: int32('1+'),
        host: string('1+'),
        listener: string('3+'),
        securityProtocol: int16('1+'),
      }),
      rack: string('2+', { nullable: '0+' }),
    }),
  },
  response: {
    errorCode: int16('0+'),
  },
});
