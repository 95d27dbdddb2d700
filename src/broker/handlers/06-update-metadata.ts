/**
 * UpdateMetadata (key 6), v0-8: the controller's picture of the cluster — live brokers and
 * every partition's leader, ISR and replicas — for this broker's metadata cache
 * (cluster/metadata-cache.ts), which Metadata and the leadership hints answer from. Cluster
 * mode only. A request from a controller older than one already heard from answers
 * STALE_CONTROLLER_EPOCH.
 *
 * Authorization: CLUSTER_ACTION on the cluster, else CLUSTER_AUTHORIZATION_FAILED.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { UpdateMetadata } from '../../protocol/messages/index.js';
import { defineHandler } from '../router.js';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../security/acl.js';

export default defineHandler({
  api: UpdateMetadata,
  async handle({ broker, authorize }, request) {
    const cluster = broker.cluster;
    if (!cluster) return { errorCode: ErrorCode.UNSUPPORTED_VERSION };
    if (!authorize(AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) return { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED };
    return { errorCode: cluster.metadata.update(request) ? ErrorCode.NONE : ErrorCode.STALE_CONTROLLER_EPOCH };
  },
});
