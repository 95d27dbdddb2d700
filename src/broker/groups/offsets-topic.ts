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
 * Appends are one record batch per call (uncompressed, CreateTime now), through the
 * internal-topic log (../internal-topic.ts), answered once appended. Transactional offset commits are a transactional batch of their producer
 * (sequence 0, written as a coordinator's, whose sequences the log does not check).
 *
 * Main thread.
 */
import { encodeBatch } from '../../protocol/records/batch.js';
import type { Broker, TopicProblem, TopicState } from '../broker.js';
import { ensureInternalTopic, InternalTopicLog, type InternalTopicSpec } from '../internal-topic.js';
import { GroupCoordinator, groupConfigFrom, type LogRecord, type OffsetsLog } from './coordinator.js';
import type { Scheduler } from './deadline-queue.js';
import { type LoadStats, loadPartition, loadTopic } from './loader.js';

export const OFFSETS_TOPIC = '__consumer_offsets';

const coordinators = new WeakMap<Broker, GroupCoordinator>();

/** The broker's group coordinator; undefined before it has loaded (or without one). */
export function coordinatorOf(broker: Broker): GroupCoordinator | undefined {
  return coordinators.get(broker);
}

/** The offsets topic's spec, from the broker's offsets.topic.* keys. */
function offsetsTopicSpec(broker: Broker): InternalTopicSpec {
  const v = broker.config.values;
  return { name: OFFSETS_TOPIC, partitions: v['offsets.topic.num.partitions'] as number, segmentBytes: v['offsets.topic.segment.bytes'] as number, compression: 'producer' };
}

/** The group coordinator's log: each call one batch, a transactional one for a transaction's offsets. */
class TopicOffsetsLog implements OffsetsLog {
  private readonly log: InternalTopicLog;

  constructor(broker: Broker) {
    this.log = new InternalTopicLog(broker, offsetsTopicSpec(broker));
  }

  get numPartitions(): number {
    return this.log.numPartitions;
  }

  append(partition: number, records: LogRecord[], txn?: { producerId: number; producerEpoch: number }): Promise<number> {
    const batch = encodeBatch(
      records.map((r) => ({ key: r.key, value: r.value })),
      txn ? { producerId: txn.producerId, producerEpoch: txn.producerEpoch, baseSequence: 0, transactional: true } : {},
    );
    return this.log.appendBatch(partition, batch);
  }
}

/** Creates __consumer_offsets through the Broker API when it does not exist yet; the problem when it cannot. */
export function ensureOffsetsTopic(broker: Broker): Promise<TopicState | TopicProblem> {
  return ensureInternalTopic(broker, offsetsTopicSpec(broker));
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
  const coordinator = new GroupCoordinator(groupConfigFrom(broker.config.values), new TopicOffsetsLog(broker), {
    scheduler: options.scheduler,
    log: options.log,
    // In a cluster a group may commit offsets of partitions this broker holds no replica of.
    partitionExists: (t, p) => (broker.cluster ? broker.cluster.metadata.partition(t, p) !== undefined : broker.partition(t, p) !== undefined),
  });
  const load = topic
    ? await loadTopic(broker, OFFSETS_TOPIC, broker.config.values['offsets.load.buffer.size'] as number, {
        record: (k, v, producerId) => coordinator.replay(k, v, producerId),
        marker: (producerId, commit) => coordinator.replayMarker(producerId, commit),
      })
    : EMPTY_LOAD;
  coordinator.finishLoading();
  // In a cluster the groups of a partition are loaded when this broker becomes its leader (groupPartitionLed).
  if (broker.cluster) coordinator.coordinateOwnedOnly();
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

/**
 * Cluster mode: this broker began or stopped leading partition `partition` of
 * __consumer_offsets (the replica manager's leadership events): the coordinator loads its
 * groups from the log, or drops them, as Kafka's onElection / onResignation do.
 */
export function groupPartitionLed(broker: Broker, partition: number, leader: boolean): void {
  const coordinator = coordinators.get(broker);
  if (!coordinator) return;
  if (!leader) {
    coordinator.unloadPartition(partition);
    return;
  }
  const p = broker.partition(OFFSETS_TOPIC, partition);
  if (!p) return;
  const stats: LoadStats = { partitions: 0, batches: 0, records: 0, bytes: 0, skippedBatches: 0, failedPartitions: [] };
  void coordinator.loadPartition(partition, (visit) => loadPartition(broker, p, broker.config.values['offsets.load.buffer.size'] as number, visit, stats));
}

export function stopGroupCoordinator(broker: Broker): void {
  coordinators.get(broker)?.shutdown();
}
