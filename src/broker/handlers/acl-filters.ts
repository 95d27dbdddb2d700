/**
 * The ACL filter of a DescribeAcls request or of one DeleteAcls filter, as acl.ts takes it:
 * a null name, principal or host matches any.
 */
import type { AclBindingFilter } from '../security/acl.js';

export interface WireAclFilter {
  resourceTypeFilter: number;
  resourceNameFilter: string | null;
  patternTypeFilter: number;
  principalFilter: string | null;
  hostFilter: string | null;
  operation: number;
  permissionType: number;
}

export function aclFilterOf(f: WireAclFilter): AclBindingFilter {
  return {
    resourceType: f.resourceTypeFilter as AclBindingFilter['resourceType'],
    resourceName: f.resourceNameFilter,
    patternType: f.patternTypeFilter as AclBindingFilter['patternType'],
    principal: f.principalFilter,
    host: f.hostFilter,
    operation: f.operation as AclBindingFilter['operation'],
    permission: f.permissionType as AclBindingFilter['permission'],
  };
}
