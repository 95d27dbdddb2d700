/**
 * ControlledShutdown (key 7), v1-3: a broker about to stop asks the controller to move the
 * leadership of its partitions to other in-sync replicas first (cluster/controller.ts); the
 * answer lists the partitions it still leads. Served by the controller, NOT_CONTROLLER
 * elsewhere. Version 0 (a request header without a client id, Kafka 0.8) is not served.
 *
 * Authorization: CLUSTER_ACTION on the cluster, else CLUSTER_AUTHORIZATION_FAILED.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { ControlledShutdown } from '../../protocol/messages/index.js';
import { defineHandler } from '../router.js';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../security/acl.js';

export default defineHandler({
  api: ControlledShutdown,
  versions: [1, 3],
  async handle({ broker, authorize }, request) {
    const controller = broker.cluster?.controller;
    if (!authorize(AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) return { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, remainingPartitions: [] };
    if (!controller?.active) return { errorCode: ErrorCode.NOT_CONTROLLER, remainingPartitions: [] };
    return controller.controlledShutdown(request.brokerId, request.brokerEpoch);
  },
});
