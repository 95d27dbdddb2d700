/**
 * AlterConfigs (key 33), versions 0-2, flexible from 2.
 *
 * The legacy whole-resource alter: the configs sent replace every dynamic config of the
 * resource (IncrementalAlterConfigs, key 44, is the per-key form). v1 changes only throttling
 * behaviour; v2 switches to the flexible encodings. No field changes across versions.
 */
import { array, bool, defineApi, int16, int32, int8, string } from '../schema.js';

export const AlterConfigs = defineApi({
  key: 33,
  name: 'AlterConfigs',
  versions: '0-2',
  flexible: '2+',
  request: {
    resources: array('0+', {
      resourceType: int8('0+'),
      resourceName: string('0+'),
      configs: array('0+', {
        name: string('0+'),
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
