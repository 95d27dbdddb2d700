/**
 * DescribeAcls (key 29), v0-3: the ACLs a filter matches, grouped by resource pattern, as Kafka's
 * AclApis answers (the filter's meaning is acl.ts's: ANY, MATCH, literal, prefixed).
 *
 * Needs DESCRIBE on the cluster (CLUSTER_AUTHORIZATION_FAILED). Without an authorizer:
 * SECURITY_DISABLED, "No Authorizer is configured.", as Kafka answers.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { DescribeAcls } from '../../protocol/messages/index.js';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType, validateAclFilter } from '../security/acl.js';
import { defineHandler } from '../router.js';
import { aclFilterOf } from './acl-filters.js';

export default defineHandler({
  api: DescribeAcls,
  async handle({ broker, authorize }, request) {
    const authorizer = broker.security.authorizer;
    const answer = (errorCode: number, errorMessage: string | null, resources: { resourceType: number; resourceName: string; patternType: number; acls: { principal: string; host: string; operation: number; permissionType: number }[] }[] = []) => ({
      throttleTimeMs: 0,
      errorCode,
      errorMessage,
      resources,
    });
    if (!authorizer.enabled) return answer(ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured.');
    if (!authorize(AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) return answer(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, null);
    const filter = aclFilterOf(request);
    const invalid = validateAclFilter(filter);
    if (invalid) return answer(invalid.errorCode, invalid.errorMessage);
    const groups = new Map<string, { resourceType: number; resourceName: string; patternType: number; acls: { principal: string; host: string; operation: number; permissionType: number }[] }>();
    for (const b of authorizer.describe(filter)) {
      const id = `${b.resourceType}|${b.patternType}|${b.resourceName}`;
      let g = groups.get(id);
      if (!g) groups.set(id, (g = { resourceType: b.resourceType, resourceName: b.resourceName, patternType: b.patternType, acls: [] }));
      g.acls.push({ principal: b.principal, host: b.host, operation: b.operation, permissionType: b.permission });
    }
    return answer(ErrorCode.NONE, null, [...groups.values()]);
  },
});
