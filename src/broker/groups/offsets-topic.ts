/**
 * The group coordinator on a broker: `__consumer_offsets` as a normal topic of the Broker
 * (partitions, logs, compaction), the coordinator's appends to it, loading it at start, and
 * the coordinator's place beside the Broker for the handlers to find.
 *
 *   startBroker ─► startGroupCoordinator(broker)
 *                    ├─ an existing __consumer_offsets: every partition read (loader.ts) and
 *                    │  replayed into the coordinator
 *                    ├─ a missing one is created on the first group write (as Kafka creates it
 *                    │  on demand): offsets.topic.num.partitions partitions,
 *                    │  cleanup.policy=compact, segment.bytes from offsets.topic.segment.bytes
 *                    └─ coordinatorOf(broker) answers the handlers from then on
 *   close ─► stopGroupCoordinator(broker): parked requests answered, timers dropped
 *
 * Appends are one record batch per call (uncompressed, CreateTime now), through
 * broker.host.append like a producer's with acks=all: the caller is answered after the
 * append returns. Transactional offset commits are a transactional batch of their producer
 * (sequence 0, written as a coordinator's, whose sequences the log does not check).
 *
 * Main thread.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { encodeBatch } from '../../protocol/records/batch.js';
import type { Broker, TopicProblem, TopicState } from '../broker.js';
import { GroupCoordinator, groupConfigFrom, type LogRecord, type OffsetsLog } from './coordinator.js';
import type { Scheduler } from './deadline-queue.js';
import { type LoadStats, loadTopic } from './loader.js';

export const OFFSETS_TOPIC = '__consumer_offsets';

const coordinators = new WeakMap<Broker, GroupCoordinator>();

/** The broker's group coordinator; undefined before it has loaded (or without one). */
export function coordinatorOf(broker: Broker): GroupCoordinator | undefined {
  return coordinators.get(broker);
}

class TopicOffsetsLog implements OffsetsLog {
  readonly numPartitions: number;
  private readonly broker: Broker;
  /** The topic, created on the first write when the broker started without it (as Kafka does). */
  private topic: Promise<TopicState | TopicProblem> | undefined;

  constructor(broker: Broker, topic: TopicState | undefined) {
    this.broker = broker;
    this.topic = topic ? Promise.resolve(topic) : undefined;
    // Fixed at start: a group's partition must not move while the broker runs.
    this.numPartitions = topic?.partitions.length ?? (broker.config.values['offsets.topic.num.partitions'] as number);
  }

  async append(partition: number, records: LogRecord[], txn?: { producerId: number; producerEpoch: number }): Promise<number> {
    this.topic ??= ensureOffsetsTopic(this.broker);
    const topic = await this.topic;
    if (!('meta' in topic)) {
      // Not created (a storage error, or too many operations on the name): the next write tries again.
      this.topic = undefined;
      return topic.errorCode;
    }
    const p = topic.partitions[partition];
    if (!p) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    const batch = encodeBatch(
      records.map((r) => ({ key: r.key, value: r.value })),
      txn ? { producerId: txn.producerId, producerEpoch: txn.producerEpoch, baseSequence: 0, transactional: true } : {},
    );
    const reply = await this.broker.host.append(p.handle, batch, 'coordinator');
    if (reply.errorCode === 0) this.broker.noteOffsets(p, reply.logStartOffset, reply.logEndOffset);
    return reply.errorCode;
  }
}

/** Creates __consumer_offsets through the Broker API when it does not exist yet; the problem when it cannot. */
export async function ensureOffsetsTopic(broker: Broker): Promise<TopicState | TopicProblem> {
  const existing = broker.topics.get(OFFSETS_TOPIC);
  if (existing) return existing;
  const v = broker.config.values;
  const configs = { 'cleanup.policy': 'compact', 'segment.bytes': String(v['offsets.topic.segment.bytes']), 'compression.type': 'producer' };
  return broker.createTopic(OFFSETS_TOPIC, v['offsets.topic.num.partitions'] as number, configs, true);
}

const EMPTY_LOAD: LoadStats = Object.freeze({ partitions: 0, batches: 0, records: 0, bytes: 0, skippedBatches: 0, failedPartitions: [] });

export interface StartedGroups {
  coordinator: GroupCoordinator;
  load: LoadStats;
  loadMs: number;
}

export async function startGroupCoordinator(broker: Broker, options: { scheduler?: Scheduler; log?: (message: string) => void } = {}): Promise<StartedGroups> {
  const started = performance.now();
  // An existing topic is loaded now; a fresh broker creates it on the first group write, so
  // that starting a broker does not pay for opening offsets.topic.num.partitions logs.
  const topic = broker.topics.get(OFFSETS_TOPIC);
  const coordinator = new GroupCoordinator(groupConfigFrom(broker.config.values), new TopicOffsetsLog(broker, topic), {
    scheduler: options.scheduler,
    log: options.log,
    partitionExists: (t, p) => broker.partition(t, p) !== undefined,
  });
  const load = topic
    ? await loadTopic(broker, OFFSETS_TOPIC, broker.config.values['offsets.load.buffer.size'] as number, {
        record: (k, v, producerId) => coordinator.replay(k, v, producerId),
        marker: (producerId, commit) => coordinator.replayMarker(producerId, commit),
      })
    : EMPTY_LOAD;
  coordinator.finishLoading();
  if (coordinator.skippedRecords > 0 || load.skippedBatches > 0) {
    broker.logger.warn(`${OFFSETS_TOPIC}: ${load.skippedBatches} batches and ${coordinator.skippedRecords} records could not be decoded and were skipped`);
  }
  coordinator.markUnloaded(load.failedPartitions.map((f) => f.partition));
  for (const f of load.failedPartitions) {
    broker.logger.error(`${OFFSETS_TOPIC}-${f.partition} could not be loaded (${f.reason}); its groups answer COORDINATOR_LOAD_IN_PROGRESS until a restart loads it`);
  }
  coordinators.set(broker, coordinator);
  return { coordinator, load, loadMs: performance.now() - started };
}

export function stopGroupCoordinator(broker: Broker): void {
  coordinators.get(broker)?.shutdown();
}
