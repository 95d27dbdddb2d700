/**
 * DescribeClientQuotas (key 48), versions 0-1, flexible from 1.
 *
 * Reads the quotas set for client entities (KIP-546). An entity is a list of (entityType,
 * entityName) pairs, the types being "user", "client-id" and "ip"; a null entityName stands for
 * the type's default entity. Each filter component matches one entity type by matchType: 0 the
 * exact name in `match`, 1 the default entity (match null), 2 any named entity (match null).
 * With `strict`, entities that carry types the filter does not mention are left out. Quota
 * values are float64. The two versions carry the same fields.
 */
import { array, bool, defineApi, float64, int16, int32, int8, string } from '../schema.js';

export const DescribeClientQuotas = defineApi({
  key: 48,
  name: 'DescribeClientQuotas',
  versions: '0-1',
  flexible: '1+',
  request: {
    components: array('0+', {
      entityType: string('0+'),
      matchType: int8('0+'),
      match: string('0+', { nullable: '0+' }),
    }),
    strict: bool('0+'),
  },
  response: {
    throttleTimeMs: int32('0+'),
    errorCode: int16('0+'),
    errorMessage: string('0+', { nullable: '0+' }),
    entries: array(
      '0+',
      {
        entity: array('0+', {
          entityType: string('0+'),
          entityName: string('0+', { nullable: '0+' }),
        }),
        values: array('0+', {
          key: string('0+'),
          value: float64('0+'),
        }),
      },
      { nullable: '0+' },
    ),
  },
});
