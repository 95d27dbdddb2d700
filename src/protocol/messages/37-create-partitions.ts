/**
 * CreatePartitions (key 37), versions 0-3, flexible from 2.
 *
 * `count` is the topic's new total partition count. `assignments` is null to let the broker
 * place the new partitions, or one entry per new partition listing its replicas' broker ids.
 * v1 and v3 change only behaviour (throttling, THROTTLING_QUOTA_EXCEEDED), not fields.
 */
import { array, arrayOf, bool, defineApi, int16, int32, string } from '../schema.js';

export const CreatePartitions = defineApi({
  key: 37,
  name: 'CreatePartitions',
  versions: '0-3',
  flexible: '2+',
  request: {
    topics: array('0+', {
      name: string('0+'),
      count: int32('0+'),
      assignments: array('0+', { brokerIds: arrayOf('int32', '0+') }, { nullable: '0+' }),
    }),
    timeoutMs: int32('0+'),
    validateOnly: bool('0+'),
  },
  response: {
    throttleTimeMs: int32('0+'),
    results: array('0+', {
      name: string('0+'),
      errorCode: int16('0+'),
      errorMessage: string('0+', { nullable: '0+', default: null }),
    }),
  },
});
