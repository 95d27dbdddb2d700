/**
 * LeaderAndIsr (key 4), v0-7: the controller tells this broker which partitions it leads and
 * which it follows, with each partition's leader epoch, replicas and ISR (cluster mode only;
 * served by the replica manager, cluster/replica-manager.ts).
 *
 * Authorization: CLUSTER_ACTION on the cluster, as Kafka's KafkaApis.handleLeaderAndIsrRequest;
 * refused, every partition answers CLUSTER_AUTHORIZATION_FAILED.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { LeaderAndIsr } from '../../protocol/messages/index.js';
import { defineHandler } from '../router.js';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../security/acl.js';

export default defineHandler({
  api: LeaderAndIsr,
  async handle({ broker, authorize }, request) {
    const cluster = broker.cluster;
    if (!cluster || !authorize(AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) {
      const errorCode = cluster ? ErrorCode.CLUSTER_AUTHORIZATION_FAILED : ErrorCode.UNSUPPORTED_VERSION;
      return {
        errorCode,
        partitionErrors: (request.ungroupedPartitionStates ?? []).map((p) => ({ topicName: p.topicName, partitionIndex: p.partitionIndex, errorCode })),
        topics: (request.topicStates ?? []).map((t) => ({ topicId: t.topicId, partitionErrors: t.partitionStates.map((p) => ({ topicName: t.topicName, partitionIndex: p.partitionIndex, errorCode })) })),
      };
    }
    return cluster.replicas.leaderAndIsr(request);
  },
});
