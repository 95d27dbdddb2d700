/**
 * DescribeConfigs (key 32), versions 0-4, flexible from 4.
 *
 * v0 reports each config entry with an isDefault flag; v1 drops it for configSource (an int8
 * enum, -1 when absent) and adds the synonyms list, asked for with includeSynonyms. v3 adds
 * includeDocumentation and, per entry, configType and documentation. A null configurationKeys
 * list asks for every key of the resource.
 */
import { array, arrayOf, bool, defineApi, int16, int32, int8, string } from '../schema.js';

export const DescribeConfigs = defineApi({
  key: 32,
  name: 'DescribeConfigs',
  versions: '0-4',
  flexible: '4+',
  request: {
    resources: array('0+', {
      resourceType: int8('0+'),
      resourceName: string('0+'),
      configurationKeys: arrayOf('string', '0+', { nullable: '0+' }),
    }),
    includeSynonyms: bool('1+', { default: false }),
    includeDocumentation: bool('3+', { default: false }),
  },
  response: {
    throttleTimeMs: int32('0+'),
    results: array('0+', {
      errorCode: int16('0+'),
      errorMessage: string('0+', { nullable: '0+' }),
      resourceType: int8('0+'),
      resourceName: string('0+'),
      configs: array('0+', {
        name: string('0+'),
        value: string('0+', { nullable: '0+' }),
        readOnly: bool('0+'),
        isDefault: bool('0'),
        configSource: int8('1+', { default: -1 }),
        isSensitive: bool('0+'),
        synonyms: array('1+', {
          name: string('1+'),
          value: string('1+', { nullable: '0+' }),
          source: int8('1+'),
        }),
        configType: int8('3+', { default: 0 }),
        documentation: string('3+', { nullable: '0+' }),
      }),
    }),
  },
});
