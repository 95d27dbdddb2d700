/**
 * CreateAcls (key 30), versions 0-3, flexible from 2.
 *
 * Adds ACL bindings, each a resource (type, name, pattern type) and an entry (principal, host,
 * operation, permission type), with the enums of DescribeAcls but no ANY or MATCH values: a
 * binding names one thing. The response has one result per creation, in request order.
 * v1 adds resourcePatternType (KIP-290); a v0 binding is literal (3). v2 only switches to the
 * flexible encodings, and v3 only allows the USER resource type (KIP-373).
 */
import { array, defineApi, int16, int32, int8, string } from '../schema.js';

export const CreateAcls = defineApi({
  key: 30,
  name: 'CreateAcls',
  versions: '0-3',
  flexible: '2+',
  request: {
    creations: array('0+', {
      resourceType: int8('0+'),
      resourceName: string('0+'),
      resourcePatternType: int8('1+', { default: 3 }),
      principal: string('0+'),
      host: string('0+'),
      operation: int8('0+'),
      permissionType: int8('0+'),
    }),
  },
  response: {
    throttleTimeMs: int32('0+'),
    results: array('0+', {
      errorCode: int16('0+'),
      errorMessage: string('0+', { nullable: '0+' }),
    }),
  },
});
