/**
 * CreateAcls (key 30), v0-3: adds ACL bindings, kept on disk (security/authorizer.ts); one result
 * per creation, in order, each refused on its own as Kafka refuses it (acl.ts
 * validateAclBinding: INVALID_REQUEST with Kafka's message).
 *
 * Needs ALTER on the cluster (every result CLUSTER_AUTHORIZATION_FAILED). Without an authorizer
 * every result is SECURITY_DISABLED, "No Authorizer is configured.", as in Kafka.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { CreateAcls } from '../../protocol/messages/index.js';
import { type AclBinding, AclOperation, CLUSTER_RESOURCE_NAME, ResourceType, validateAclBinding } from '../security/acl.js';
import { defineHandler } from '../router.js';

export default defineHandler({
  api: CreateAcls,
  async handle({ broker, authorize }, request) {
    const authorizer = broker.security.authorizer;
    const all = (errorCode: number, errorMessage: string | null) => ({ throttleTimeMs: 0, results: request.creations.map(() => ({ errorCode, errorMessage })) });
    if (!authorizer.enabled) return all(ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured.');
    if (!authorize(AclOperation.ALTER, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) return all(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, null);
    const results: { errorCode: number; errorMessage: string | null }[] = [];
    const valid: AclBinding[] = [];
    for (const c of request.creations) {
      const binding = {
        resourceType: c.resourceType,
        resourceName: c.resourceName,
        patternType: c.resourcePatternType,
        principal: c.principal,
        host: c.host,
        operation: c.operation,
        permission: c.permissionType,
      } as AclBinding;
      const invalid = validateAclBinding(binding);
      results.push(invalid ?? { errorCode: ErrorCode.NONE, errorMessage: null });
      if (!invalid) valid.push(binding);
    }
    try {
      await authorizer.create(valid);
    } catch (e) {
      broker.logger.error(`writing ACLs: ${(e as Error).message}`);
      for (const r of results) if (r.errorCode === ErrorCode.NONE) Object.assign(r, { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: 'The ACLs could not be stored' });
    }
    return { throttleTimeMs: 0, results };
  },
});
