/**
 * DescribeUserScramCredentials (key 50), v0: which users have SCRAM credentials, with each
 * mechanism's iteration count (never the credential itself).
 *
 * As Kafka's controller answers it (ScramControlManager): no users (null or empty) lists every
 * user that has one; a user named twice is answered DUPLICATE_RESOURCE, a user without
 * credentials RESOURCE_NOT_FOUND, each in its own result.
 *
 * Authorization (KafkaApis.handleDescribeUserScramCredentialsRequest): DESCRIBE on the cluster,
 * else CLUSTER_AUTHORIZATION_FAILED at the top level and one result per user asked with it —
 * with an empty user name, as DescribeUserScramCredentialsRequest.getErrorResponse leaves it.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { DescribeUserScramCredentials } from '../../protocol/messages/index.js';
import { SCRAM_MECHANISM_CODES } from '../security/scram-store.js';
import { defineHandler } from '../router.js';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../security/acl.js';

export default defineHandler({
  api: DescribeUserScramCredentials,
  async handle({ broker, authorize }, request) {
    if (!authorize(AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) {
      const errorCode = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
      return { throttleTimeMs: 0, errorCode, errorMessage: null, results: (request.users ?? []).map(() => ({ user: '', errorCode, errorMessage: null, credentialInfos: [] })) };
    }
    const store = broker.security.scram;
    const info = (credentials: { mechanism: keyof typeof SCRAM_MECHANISM_CODES; iterations: number }[]) =>
      credentials.map((c) => ({ mechanism: SCRAM_MECHANISM_CODES[c.mechanism], iterations: c.iterations }));
    const asked = request.users;
    if (asked === null || asked.length === 0) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        results: store.describe().map((d) => ({ user: d.user, errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos: info(d.credentials) })),
      };
    }
    const counts = new Map<string, number>();
    for (const u of asked) counts.set(u.name, (counts.get(u.name) ?? 0) + 1);
    const results = [...counts.keys()].map((user) => {
      if (counts.get(user)! > 1) {
        return { user, errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: 'Cannot describe SCRAM credentials for the same user twice in a single request', credentialInfos: [] };
      }
      const d = store.describeUser(user);
      if (!d) return { user, errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to describe a user credential that does not exist', credentialInfos: [] };
      return { user, errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos: info(d.credentials) };
    });
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, results };
  },
});
