/**
 * CreateTopics (key 19), versions 0-7, flexible from 5.
 *
 * Request field names keep Kafka's lower-case spelling (`timeoutMs`, `validateOnly`), which is
 * already camelCase. From v4, numPartitions and replicationFactor may both be -1 without an
 * assignment, meaning "use the broker defaults". From v5 the response echoes the created
 * topic's partition count, replication factor and configs (null when they are not returned,
 * with the reason in the tagged topicConfigErrorCode); v7 adds the new topic's id. v6 changes
 * no field (it may answer THROTTLING_QUOTA_EXCEEDED).
 */
import { array, arrayOf, bool, defineApi, int16, int32, int8, string, uuid } from '../schema.js';

export const CreateTopics = defineApi({
  key: 19,
  name: 'CreateTopics',
  versions: '0-7',
  flexible: '5+',
  request: {
    topics: array('0+', {
      name: string('0+'),
      numPartitions: int32('0+'),
      replicationFactor: int16('0+'),
      assignments: array('0+', {
        partitionIndex: int32('0+'),
        brokerIds: arrayOf('int32', '0+'),
      }),
      configs: array('0+', {
        name: string('0+'),
        value: string('0+', { nullable: '0+' }),
      }),
    }),
    timeoutMs: int32('0+', { default: 60000 }),
    validateOnly: bool('1+', { default: false }),
  },
  response: {
    throttleTimeMs: int32('2+'),
    topics: array('0+', {
      name: string('0+'),
      topicId: uuid('7+'),
      errorCode: int16('0+'),
      errorMessage: string('1+', { nullable: '0+' }),
      topicConfigErrorCode: int16('5+', { tag: 0, tagged: '5+' }),
      numPartitions: int32('5+', { default: -1 }),
      replicationFactor: int16('5+', { default: -1 }),
      configs: array(
        '5+',
        {
          name: string('5+'),
          value: string('5+', { nullable: '5+' }),
          readOnly: bool('5+'),
          configSource: int8('5+', { default: -1 }),
          isSensitive: bool('5+'),
        },
        { nullable: '5+' },
      ),
    }),
  },
});
