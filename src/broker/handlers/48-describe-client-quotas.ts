/**
 * DescribeClientQuotas (key 48), versions 0-1: the client quotas set on the entities a filter
 * matches (KIP-546), what `kafka-configs --describe --entity-type users|clients|ips` sends.
 *
 * As a Kafka 3.9 broker in KRaft mode answers it (KafkaApis.handleDescribeClientQuotasRequest,
 * ClientQuotasImage.describe): a filter it refuses fails the whole request with the error at the
 * top level and null entries (DescribeClientQuotasRequest.getErrorResponse), INVALID_REQUEST, or
 * UNSUPPORTED_VERSION for an entity type other than user, client-id and ip.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { DescribeClientQuotas } from '../../protocol/messages/index.js';
import { ClientQuotaFilterError } from '../security/quota-store.js';
import { defineHandler } from '../router.js';

export default defineHandler({
  api: DescribeClientQuotas,
  // Authorization: Kafka requires DESCRIBE_CONFIGS on the cluster, else CLUSTER_AUTHORIZATION_FAILED at the top level.
  async handle({ broker }, request) {
    try {
      const entries = broker.security.quotas.describe(request.components, request.strict);
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, entries };
    } catch (e) {
      if (!(e instanceof ClientQuotaFilterError)) throw e;
      return { throttleTimeMs: 0, errorCode: e.errorCode, errorMessage: e.message, entries: null };
    }
  },
});
