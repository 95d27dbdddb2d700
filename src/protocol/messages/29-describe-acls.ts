/**
 * DescribeAcls (key 29), versions 0-3, flexible from 2.
 *
 * Lists the ACLs that match one filter, grouped by the resource they guard. Every filter field
 * is an int8 enum or a nullable string where null (or the ANY value, 1) matches everything:
 * resource type 2 TOPIC, 3 GROUP, 4 CLUSTER, 5 TRANSACTIONAL_ID, 6 DELEGATION_TOKEN, 7 USER;
 * pattern type 2 MATCH, 3 LITERAL, 4 PREFIXED; operation 2 ALL, 3 READ, 4 WRITE … 14
 * DESCRIBE_TOKENS; permission type 2 DENY, 3 ALLOW. v1 adds the pattern type (KIP-290,
 * prefixed ACLs); v0 knows only literal names, so the pattern type reads as 3 there. v2 only
 * switches to the flexible encodings, and v3 only allows the USER resource type (KIP-373).
 */
import { array, defineApi, int16, int32, int8, string } from '../schema.js';

export const DescribeAcls = defineApi({
  key: 29,
  name: 'DescribeAcls',
  versions: '0-3',
  flexible: '2+',
  request: {
    resourceTypeFilter: int8('0+'),
    resourceNameFilter: string('0+', { nullable: '0+' }),
    patternTypeFilter: int8('1+', { default: 3 }),
    principalFilter: string('0+', { nullable: '0+' }),
    hostFilter: string('0+', { nullable: '0+' }),
    operation: int8('0+'),
    permissionType: int8('0+'),
  },
  response: {
    throttleTimeMs: int32('0+'),
    errorCode: int16('0+'),
    errorMessage: string('0+', { nullable: '0+' }),
    resources: array('0+', {
      resourceType: int8('0+'),
      resourceName: string('0+'),
      patternType: int8('1+', { default: 3 }),
      acls: array('0+', {
        principal: string('0+'),
        host: string('0+'),
        operation: int8('0+'),
        permissionType: int8('0+'),
      }),
    }),
  },
});
