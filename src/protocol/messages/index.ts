/**
 * The registry of every API Spindle declares, in protocol-table order, with lookup by key.
 *
 * Adding an API: declare it in NN-name.ts and list it here; the round-trip tests pick it up
 * from this list, and the broker advertises it once a handler serves it (broker/router.ts).
 */
import type { ApiSpec } from '../schema.js';
import { Produce } from './00-produce.js';
import { Fetch } from './01-fetch.js';
import { ListOffsets } from './02-list-offsets.js';
import { Metadata } from './03-metadata.js';
import { LeaderAndIsr } from './04-leader-and-isr.js';
import { StopReplica } from './05-stop-replica.js';
import { UpdateMetadata } from './06-update-metadata.js';
import { ControlledShutdown } from './07-controlled-shutdown.js';
import { OffsetCommit } from './08-offset-commit.js';
import { OffsetFetch } from './09-offset-fetch.js';
import { FindCoordinator } from './10-find-coordinator.js';
import { JoinGroup } from './11-join-group.js';
import { Heartbeat } from './12-heartbeat.js';
import { LeaveGroup } from './13-leave-group.js';
import { SyncGroup } from './14-sync-group.js';
import { DescribeGroups } from './15-describe-groups.js';
import { ListGroups } from './16-list-groups.js';
import { SaslHandshake } from './17-sasl-handshake.js';
import { ApiVersions } from './18-api-versions.js';
import { CreateTopics } from './19-create-topics.js';
import { DeleteTopics } from './20-delete-topics.js';
import { DeleteRecords } from './21-delete-records.js';
import { InitProducerId } from './22-init-producer-id.js';
import { OffsetForLeaderEpoch } from './23-offset-for-leader-epoch.js';
import { AddPartitionsToTxn } from './24-add-partitions-to-txn.js';
import { AddOffsetsToTxn } from './25-add-offsets-to-txn.js';
import { EndTxn } from './26-end-txn.js';
import { WriteTxnMarkers } from './27-write-txn-markers.js';
import { TxnOffsetCommit } from './28-txn-offset-commit.js';
import { DescribeAcls } from './29-describe-acls.js';
import { CreateAcls } from './30-create-acls.js';
import { DeleteAcls } from './31-delete-acls.js';
import { DescribeConfigs } from './32-describe-configs.js';
import { AlterConfigs } from './33-alter-configs.js';
import { AlterReplicaLogDirs } from './34-alter-replica-log-dirs.js';
import { DescribeLogDirs } from './35-describe-log-dirs.js';
import { SaslAuthenticate } from './36-sasl-authenticate.js';
import { CreatePartitions } from './37-create-partitions.js';
import { DeleteGroups } from './42-delete-groups.js';
import { ElectLeaders } from './43-elect-leaders.js';
import { IncrementalAlterConfigs } from './44-incremental-alter-configs.js';
import { AlterPartitionReassignments } from './45-alter-partition-reassignments.js';
import { ListPartitionReassignments } from './46-list-partition-reassignments.js';
import { OffsetDelete } from './47-offset-delete.js';
import { DescribeClientQuotas } from './48-describe-client-quotas.js';
import { AlterClientQuotas } from './49-alter-client-quotas.js';
import { DescribeUserScramCredentials } from './50-describe-user-scram-credentials.js';
import { AlterUserScramCredentials } from './51-alter-user-scram-credentials.js';
import { AlterPartition } from './56-alter-partition.js';
import { DescribeCluster } from './60-describe-cluster.js';
import { DescribeProducers } from './61-describe-producers.js';
import { DescribeTransactions } from './65-describe-transactions.js';
import { ListTransactions } from './66-list-transactions.js';

export { Produce } from './00-produce.js';
export { Fetch } from './01-fetch.js';
export { ListOffsets } from './02-list-offsets.js';
export { Metadata } from './03-metadata.js';
export { LeaderAndIsr } from './04-leader-and-isr.js';
export { StopReplica } from './05-stop-replica.js';
export { UpdateMetadata } from './06-update-metadata.js';
export { ControlledShutdown } from './07-controlled-shutdown.js';
export { OffsetCommit } from './08-offset-commit.js';
export { OffsetFetch } from './09-offset-fetch.js';
export { FindCoordinator } from './10-find-coordinator.js';
export { JoinGroup } from './11-join-group.js';
export { Heartbeat } from './12-heartbeat.js';
export { LeaveGroup } from './13-leave-group.js';
export { SyncGroup } from './14-sync-group.js';
export { DescribeGroups } from './15-describe-groups.js';
export { ListGroups } from './16-list-groups.js';
export { SaslHandshake } from './17-sasl-handshake.js';
export { ApiVersions } from './18-api-versions.js';
export { CreateTopics } from './19-create-topics.js';
export { DeleteTopics } from './20-delete-topics.js';
export { DeleteRecords } from './21-delete-records.js';
export { InitProducerId } from './22-init-producer-id.js';
export { OffsetForLeaderEpoch } from './23-offset-for-leader-epoch.js';
export { AddPartitionsToTxn } from './24-add-partitions-to-txn.js';
export { AddOffsetsToTxn } from './25-add-offsets-to-txn.js';
export { EndTxn } from './26-end-txn.js';
export { WriteTxnMarkers } from './27-write-txn-markers.js';
export { TxnOffsetCommit } from './28-txn-offset-commit.js';
export { DescribeAcls } from './29-describe-acls.js';
export { CreateAcls } from './30-create-acls.js';
export { DeleteAcls } from './31-delete-acls.js';
export { DescribeConfigs } from './32-describe-configs.js';
export { AlterConfigs } from './33-alter-configs.js';
export { AlterReplicaLogDirs } from './34-alter-replica-log-dirs.js';
export { DescribeLogDirs } from './35-describe-log-dirs.js';
export { SaslAuthenticate } from './36-sasl-authenticate.js';
export { CreatePartitions } from './37-create-partitions.js';
export { DeleteGroups } from './42-delete-groups.js';
export { ElectLeaders } from './43-elect-leaders.js';
export { IncrementalAlterConfigs } from './44-incremental-alter-configs.js';
export { AlterPartitionReassignments } from './45-alter-partition-reassignments.js';
export { ListPartitionReassignments } from './46-list-partition-reassignments.js';
export { OffsetDelete } from './47-offset-delete.js';
export { DescribeClientQuotas } from './48-describe-client-quotas.js';
export { AlterClientQuotas } from './49-alter-client-quotas.js';
export { DescribeUserScramCredentials } from './50-describe-user-scram-credentials.js';
export { AlterUserScramCredentials } from './51-alter-user-scram-credentials.js';
export { AlterPartition } from './56-alter-partition.js';
export { DescribeCluster } from './60-describe-cluster.js';
export { DescribeProducers } from './61-describe-producers.js';
export { DescribeTransactions } from './65-describe-transactions.js';
export { ListTransactions } from './66-list-transactions.js';

export const APIS: readonly ApiSpec[] = Object.freeze([
  Produce, Fetch, ListOffsets, Metadata, LeaderAndIsr, StopReplica, UpdateMetadata, ControlledShutdown, OffsetCommit, OffsetFetch, FindCoordinator, JoinGroup, Heartbeat, LeaveGroup, SyncGroup, DescribeGroups, ListGroups, SaslHandshake, ApiVersions, CreateTopics, DeleteTopics, DeleteRecords, InitProducerId, OffsetForLeaderEpoch, AddPartitionsToTxn, AddOffsetsToTxn, EndTxn, WriteTxnMarkers, TxnOffsetCommit, DescribeAcls, CreateAcls, DeleteAcls, DescribeConfigs, AlterConfigs, AlterReplicaLogDirs, DescribeLogDirs, SaslAuthenticate, CreatePartitions, DeleteGroups, ElectLeaders, IncrementalAlterConfigs, AlterPartitionReassignments, ListPartitionReassignments, OffsetDelete, DescribeClientQuotas, AlterClientQuotas, DescribeUserScramCredentials, AlterUserScramCredentials, AlterPartition, DescribeCluster, DescribeProducers, DescribeTransactions, ListTransactions,
]);

const byKey: (ApiSpec | undefined)[] = [];
for (const api of APIS) {
  if (byKey[api.key]) throw new Error(`API key ${api.key} declared twice`);
  byKey[api.key] = api;
}

/** The declaration for an API key, or undefined when Spindle does not know it. */
export function apiByKey(key: number): ApiSpec | undefined {
  return key >= 0 ? byKey[key] : undefined;
}
