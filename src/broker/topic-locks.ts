/**
 * TopicLocks: one queue per topic name, so that the operations that create, delete or reshape a
 * topic — CreateTopics, auto-creation, DeleteTopics, CreatePartitions, topic config changes
 * (Broker's lifecycle methods) — run one at a time per name, in the order they came, each
 * seeing what the one before it left. What they check (does the topic exist, how many
 * partitions has it) is checked again inside the lock, so a request that was checked before
 * another finished still gets Kafka's answer (TOPIC_ALREADY_EXISTS, UNKNOWN_TOPIC_OR_PARTITION)
 * rather than a half-done state.
 *
 *   name ──► collision key ('.' as '_') ──► queue: [running] ◄─ waiting ◄─ waiting …
 *
 * Names that collide share a queue, because creating one must see whether the other exists.
 * Operations on different names run concurrently.
 *
 * Limit: at most MAX_OPERATIONS_PER_TOPIC operations (running and waiting) per name; one more
 * is refused, not queued, and the caller answers a retriable error. 64 is MAX_QUEUED_RESPONSES,
 * what one connection may have in flight: a client flooding one name cannot make the broker
 * hold more than a connection's worth of waiting operations for it. A queue that empties is
 * forgotten, so the map holds only names with work in progress.
 *
 * Main thread.
 */
import { collisionKey } from '../core/topic-name.js';

export const MAX_OPERATIONS_PER_TOPIC = 64;

interface Queue {
  /** Settles when the last operation queued so far has finished. */
  tail: Promise<void>;
  /** Operations running or waiting. */
  length: number;
}

export class TopicLocks {
  private readonly queues = new Map<string, Queue>();

  /**
   * Runs `operation` once every operation queued before it on the name (or a colliding one) has
   * finished, and settles as it does; undefined, without running it, when the name already has
   * MAX_OPERATIONS_PER_TOPIC operations.
   */
  run<T>(name: string, operation: () => Promise<T>): Promise<T> | undefined {
    const key = collisionKey(name);
    let queue = this.queues.get(key);
    if (!queue) this.queues.set(key, (queue = { tail: Promise.resolve(), length: 0 }));
    if (queue.length >= MAX_OPERATIONS_PER_TOPIC) return undefined;
    queue.length++;
    const q = queue;
    const result = q.tail.then(operation);
    q.tail = result.then(
      () => this.finished(key, q),
      () => this.finished(key, q),
    );
    return result;
  }

  private finished(key: string, queue: Queue): void {
    queue.length--;
    if (queue.length === 0 && this.queues.get(key) === queue) this.queues.delete(key);
  }

  /** Names with operations running or waiting. */
  get busyNames(): number {
    return this.queues.size;
  }
}
