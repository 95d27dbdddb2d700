/**
 * AlterClientQuotas (key 49), versions 0-1, flexible from 1.
 *
 * Sets or removes quota keys ("producer_byte_rate", "request_percentage", …) on client
 * entities (KIP-546), entities named as in DescribeClientQuotas. An op with `remove` deletes
 * the key and its value is ignored. The response has one entry per entity, echoing it with its
 * error. The two versions carry the same fields.
 */
import { array, bool, defineApi, float64, int16, int32, string } from '../schema.js';

export const AlterClientQuotas = defineApi({
  key: 49,
  name: 'AlterClientQuotas',
  versions: '0-1',
  flexible: '1+',
  request: {
    entries: array('0+', {
      entity: array('0+', {
        entityType: string('0+'),
        entityName: string('0+', { nullable: '0+' }),
      }),
      ops: array('0+', {
        key: string('0+'),
        value: float64('0+'),
        remove: bool('0+'),
      }),
    }),
    validateOnly: bool('0+'),
  },
  response: {
    throttleTimeMs: int32('0+'),
    entries: array('0+', {
      errorCode: int16('0+'),
      errorMessage: string('0+', { nullable: '0+' }),
      entity: array('0+', {
        entityType: string('0+'),
        entityName: string('0+', { nullable: '0+' }),
      }),
    }),
  },
});
