/**
 * DeleteTopics (key 20), versions 0-6, flexible from 4.
 *
 * Versions 0-5 name the topics in `topicNames`; v6 replaces it with `topics`, where each entry
 * gives a name or a topic id (the name may be null when the id is given). The response's topic
 * name becomes nullable in v6 for the same reason, and carries the topic id. v5 adds a
 * per-topic error message. Versions 1-3 differ only in behaviour (throttling, the
 * TOPIC_DELETION_DISABLED error), not in fields.
 */
import { array, arrayOf, defineApi, int16, int32, string, uuid } from '../schema.js';

export const DeleteTopics = defineApi({
  key: 20,
  name: 'DeleteTopics',
  versions: '0-6',
  flexible: '4+',
  request: {
    topics: array('6+', {
      name: string('6+', { nullable: '6+', default: null }),
      topicId: uuid('6+'),
    }),
    topicNames: arrayOf('string', '0-5'),
    timeoutMs: int32('0+'),
  },
  response: {
    throttleTimeMs: int32('1+'),
    responses: array('0+', {
      name: string('0+', { nullable: '6+' }),
      topicId: uuid('6+'),
      errorCode: int16('0+'),
      errorMessage: string('5+', { nullable: '5+', default: null }),
    }),
  },
});
