/**
 * StopReplica (key 5), v0-4: the controller tells this broker to stop fetching partitions and,
 * for a deleted topic or a replica moved away, to remove their logs (cluster mode only;
 * cluster/replica-manager.ts).
 *
 * Authorization: CLUSTER_ACTION on the cluster, else CLUSTER_AUTHORIZATION_FAILED.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { StopReplica } from '../../protocol/messages/index.js';
import { defineHandler } from '../router.js';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../security/acl.js';

export default defineHandler({
  api: StopReplica,
  async handle({ broker, authorize }, request) {
    const cluster = broker.cluster;
    if (!cluster) return { errorCode: ErrorCode.UNSUPPORTED_VERSION, partitionErrors: [] };
    if (!authorize(AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) return { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, partitionErrors: [] };
    return cluster.replicas.stopReplica(request);
  },
});
