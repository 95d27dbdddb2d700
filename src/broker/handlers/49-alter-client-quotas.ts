/**
 * AlterClientQuotas (key 49), versions 0-1: sets and removes quota keys on client entities
 * (KIP-546), what `kafka-configs --alter --add-config|--delete-config … --entity-type
 * users|clients|ips` sends. The broker keeps them durably (security/quota-store.ts); the quota
 * enforcer reads them through ClientQuotaStore.quotasFor.
 *
 * As Kafka 3.9's controller answers it (ControllerApis.handleAlterClientQuotas,
 * QuorumController.alterClientQuotas, ClientQuotaControlManager): one result per distinct
 * entity, echoing it, NONE or INVALID_REQUEST with Kafka's message; `validateOnly` checks
 * everything and changes nothing; the entities that pass are written together.
 *
 * Authorization (ControllerApis.handleAlterClientQuotas): ALTER_CONFIGS on the cluster, else
 * every entry of the request, echoed, answers CLUSTER_AUTHORIZATION_FAILED "Cluster
 * authorization failed." (AlterClientQuotasRequest.getErrorResponse) and nothing changes.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { AlterClientQuotas } from '../../protocol/messages/index.js';
import { defineHandler } from '../router.js';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../security/acl.js';

export default defineHandler({
  api: AlterClientQuotas,
  async handle({ broker, authorize }, request) {
    if (!authorize(AclOperation.ALTER_CONFIGS, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) {
      const entries = request.entries.map((e) => ({
        errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
        errorMessage: 'Cluster authorization failed.',
        entity: e.entity.map((x) => ({ entityType: x.entityType, entityName: x.entityName })),
      }));
      return { throttleTimeMs: 0, entries };
    }
    const { entries, writeError } = await broker.security.quotas.alter(request.entries, request.validateOnly);
    if (writeError) broker.logger.error(`writing client quotas: ${writeError.message}`);
    return { throttleTimeMs: 0, entries };
  },
});
