/**
 * IncrementalAlterConfigs (key 44), versions 0-1, flexible from 1.
 *
 * Changes individual config keys, leaving the others alone (KIP-339). `configOperation` is
 * 0 SET, 1 DELETE, 2 APPEND or 3 SUBTRACT (the last two for list-valued configs). The two
 * versions carry the same fields; v1 only switches to the flexible encodings.
 */
import { array, bool, defineApi, int16, int32, int8, string } from '../schema.js';

export const IncrementalAlterConfigs = defineApi({
  key: 44,
  name: 'IncrementalAlterConfigs',
  versions: '0-1',
  flexible: '1+',
  request: {
    resources: array('0+', {
      resourceType: int8('0+'),
      resourceName: string('0+'),
      configs: array('0+', {
        name: string('0+'),
        configOperation: int8('0+'),
        value: string('0+', { nullable: '0+' }),
      }),
    }),
    validateOnly: bool('0+'),
  },
  response: {
    throttleTimeMs: int32('0+'),
    responses: array('0+', {
      errorCode: int16('0+'),
      errorMessage: string('0+', { nullable: '0+' }),
      resourceType: int8('0+'),
      resourceName: string('0+'),
    }),
  },
});
