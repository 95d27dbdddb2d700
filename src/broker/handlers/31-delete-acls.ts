/**
 * DeleteAcls (key 31), v0-3: removes the ACLs each filter matches, and answers each filter with
 * the bindings it removed (a binding two filters match is listed under both, as Kafka's
 * controller lists it); an invalid filter gets INVALID_REQUEST on its own.
 *
 * Needs ALTER on the cluster (every filter CLUSTER_AUTHORIZATION_FAILED). Without an authorizer
 * every filter is SECURITY_DISABLED, as in Kafka.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { DeleteAcls } from '../../protocol/messages/index.js';
import { type AclBindingFilter, AclOperation, CLUSTER_RESOURCE_NAME, ResourceType, validateAclFilter } from '../security/acl.js';
import { defineHandler } from '../router.js';
import { aclFilterOf } from './acl-filters.js';

export default defineHandler({
  api: DeleteAcls,
  async handle({ broker, authorize }, request) {
    const authorizer = broker.security.authorizer;
    const all = (errorCode: number, errorMessage: string | null) => ({ throttleTimeMs: 0, filterResults: request.filters.map(() => ({ errorCode, errorMessage, matchingAcls: [] })) });
    if (!authorizer.enabled) return all(ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured.');
    if (!authorize(AclOperation.ALTER, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) return all(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, null);
    const filters = request.filters.map(aclFilterOf);
    const errors = filters.map(validateAclFilter);
    const valid: AclBindingFilter[] = filters.filter((_, i) => errors[i] === null);
    let removed: Awaited<ReturnType<typeof authorizer.delete>>;
    try {
      removed = await authorizer.delete(valid);
    } catch (e) {
      broker.logger.error(`writing ACLs: ${(e as Error).message}`);
      return all(ErrorCode.UNKNOWN_SERVER_ERROR, 'The ACLs could not be stored');
    }
    let next = 0;
    return {
      throttleTimeMs: 0,
      filterResults: filters.map((_, i) => {
        const error = errors[i];
        if (error) return { errorCode: error.errorCode, errorMessage: error.errorMessage, matchingAcls: [] };
        return {
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          matchingAcls: removed[next++]!.map((b) => ({
            errorCode: ErrorCode.NONE,
            errorMessage: null,
            resourceType: b.resourceType,
            resourceName: b.resourceName,
            patternType: b.patternType,
            principal: b.principal,
            host: b.host,
            operation: b.operation,
            permissionType: b.permission,
          })),
        };
      }),
    };
  },
});
