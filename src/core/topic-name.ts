/**
 * Topic names, checked as Kafka checks them: 1 to 249 characters from [a-zA-Z0-9._-], and
 * neither "." nor "..". Two names that differ only in '.' versus '_' collide, because metric
 * names turn dots into underscores; creating the second is refused.
 */

export const MAX_TOPIC_NAME_LENGTH = 249;
const LEGAL = /^[a-zA-Z0-9._-]+$/;

/** Why a name is not a legal topic name, or undefined when it is. */
export function topicNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the topic name is empty';
  if (name === '.' || name === '..') return `the topic name cannot be "${name}"`;
  if (name.length > MAX_TOPIC_NAME_LENGTH) return `the topic name is ${name.length} characters long; at most ${MAX_TOPIC_NAME_LENGTH} are allowed`;
  if (!LEGAL.test(name)) return `the topic name "${name}" has characters other than ASCII letters, digits, '.', '_' and '-'`;
  return undefined;
}

/** The form two names share when they collide: dots as underscores. */
export function collisionKey(name: string): string {
  return name.replace(/\./g, '_');
}

/** Kafka's internal topics, which clients may not create or delete by name. */
export const INTERNAL_TOPICS: ReadonlySet<string> = new Set(['__consumer_offsets', '__transaction_state']);
