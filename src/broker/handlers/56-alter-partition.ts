/**
 * AlterPartition (key 56), v0-3: a partition leader asks the controller to change its ISR
 * (KIP-497). Served by the broker that is the controller (cluster/controller.ts checks the
 * sender's epochs and writes the state znode); any other broker answers NOT_CONTROLLER, and
 * a single node does not serve it at all (it is only advertised in a cluster).
 *
 * Authorization: CLUSTER_ACTION on the cluster, else CLUSTER_AUTHORIZATION_FAILED.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { AlterPartition } from '../../protocol/messages/index.js';
import { defineHandler } from '../router.js';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../security/acl.js';

export default defineHandler({
  api: AlterPartition,
  async handle({ broker, authorize, version }, request) {
    const controller = broker.cluster?.controller;
    const refuse = (errorCode: number) => ({ throttleTimeMs: 0, errorCode, topics: [] });
    if (!authorize(AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) return refuse(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    if (!controller?.active) return refuse(ErrorCode.NOT_CONTROLLER);
    return controller.alterPartition(request, version);
  },
});
