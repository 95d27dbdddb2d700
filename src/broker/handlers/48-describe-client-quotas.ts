/**
 * DescribeClientQuotas (key 48), versions 0-1: the client quotas set on the entities a filter
 * matches (KIP-546), what `kafka-configs --describe --entity-type users|clients|ips` sends.
 *
 * As a Kafka 3.9 broker in KRaft mode answers it (KafkaApis.handleDescribeClientQuotasRequest,
 * ClientQuotasImage.describe): a filter it refuses fails the whole request with the error at the
 * top level and null entries (DescribeClientQuotasRequest.getErrorResponse), INVALID_REQUEST, or
 * UNSUPPORTED_VERSION for an entity type other than user, client-id and ip.
 *
 * Authorization (KafkaApis.handleDescribeClientQuotasRequest): DESCRIBE_CONFIGS on the cluster,
 * else CLUSTER_AUTHORIZATION_FAILED at the top level and null entries.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { DescribeClientQuotas } from '../../protocol/messages/index.js';
import { ClientQuotaFilterError } from '../security/quota-store.js';
import { defineHandler } from '../router.js';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../security/acl.js';

export default defineHandler({
  api: DescribeClientQuotas,
  async handle({ broker, authorize }, request) {
    if (!authorize(AclOperation.DESCRIBE_CONFIGS, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null, entries: null };
    }
    try {
      const entries = broker.security.quotas.describe(request.components, request.strict);
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, entries };
    } catch (e) {
      if (!(e instanceof ClientQuotaFilterError)) throw e;
      return { throttleTimeMs: 0, errorCode: e.errorCode, errorMessage: e.message, entries: null };
    }
  },
});
