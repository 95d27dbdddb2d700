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
 */
import { AlterClientQuotas } from '../../protocol/messages/index.js';
import { defineHandler } from '../router.js';

export default defineHandler({
  api: AlterClientQuotas,
  // Authorization: Kafka requires ALTER_CONFIGS on the cluster, else CLUSTER_AUTHORIZATION_FAILED for every entry.
  async handle({ broker }, request) {
    const { entries, writeError } = await broker.security.quotas.alter(request.entries, request.validateOnly);
    if (writeError) broker.logger.error(`writing client quotas: ${writeError.message}`);
    return { throttleTimeMs: 0, entries };
  },
});
