/**
 * DeleteAcls (key 31), versions 0-3, flexible from 2.
 *
 * Removes every ACL matching each of several filters (the filter of DescribeAcls, repeated) and
 * answers, per filter in request order, with the bindings it removed, each with its own error.
 * v1 adds the pattern type (KIP-290), literal (3) when absent in v0. v2 only switches to the
 * flexible encodings, and v3 only allows the USER resource type (KIP-373).
 */
import { array, defineApi, int16, int32, int8, string } from '../schema.js';

export const DeleteAcls = defineApi({
  key: 31,
  name: 'DeleteAcls',
  versions: '0-3',
  flexible: '2+',
  request: {
    filters: array('0+', {
      resourceTypeFilter: int8('0+'),
      resourceNameFilter: string('0+', { nullable: '0+' }),
      patternTypeFilter: int8('1+', { default: 3 }),
      principalFilter: string('0+', { nullable: '0+' }),
      hostFilter: string('0+', { nullable: '0+' }),
      operation: int8('0+'),
      permissionType: int8('0+'),
    }),
  },
  response: {
    throttleTimeMs: int32('0+'),
    filterResults: array('0+', {
      errorCode: int16('0+'),
      errorMessage: string('0+', { nullable: '0+' }),
      matchingAcls: array('0+', {
        errorCode: int16('0+'),
        errorMessage: string('0+', { nullable: '0+' }),
        resourceType: int8('0+'),
        resourceName: string('0+'),
        patternType: int8('1+', { default: 3 }),
        principal: string('0+'),
        host: string('0+'),
        operation: int8('0+'),
        permissionType: int8('0+'),
      }),
    }),
  },
});
