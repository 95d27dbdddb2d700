/**
 * The transaction coordinator on a broker: `__transaction_state` as a normal topic of the Broker,
 * the coordinator's appends to it, loading it at start, the markers it writes to data
 * partitions, and its place beside the Broker for the handlers to find.
 *
 *   startBroker ─► startTransactionCoordinator(broker)
 *                    ├─ an existing __transaction_state: every partition read (groups/loader.ts)
 *                    │  and replayed; transactions found between their phases are completed
 *                    ├─ a missing one is created on the first transactional write (as Kafka
 *                    │  creates it on demand): transaction.state.log.num.partitions partitions,
 *                    │  cleanup.policy=compact, segment.bytes transaction.state.log.segment.bytes
 *                    └─ transactionCoordinatorOf(broker) answers the handlers from then on
 *   close ─► stopTransactionCoordinator(broker): timers stopped, marker retries given up (a
 *            restart completes them from the log)
 *
 * Markers (`writeMarker`) go to the partition's log through PartitionHost.appendMarker, in order
 * with its appends. A marker for a partition of __consumer_offsets also completes the
 * transaction's offsets in the group coordinator. WriteTxnMarkers (an operator's
 * `kafka-transactions abort`) writes through the same function.
 *
 * Main thread.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { encodeBatch } from '../../protocol/records/batch.js';
import type { TxnMarker } from '../partitions/host.js';
import type { Broker, TopicProblem, TopicState } from '../broker.js';
import { ensureInternalTopic, InternalTopicLog, type InternalTopicSpec } from '../internal-topic.js';
import { coordinatorOf as groupCoordinatorOf, OFFSETS_TOPIC } from '../groups/offsets-topic.js';
import { type LoadStats, loadTopic } from '../groups/loader.js';
import { TransactionCoordinator, type TopicPartition, type TxnStateLog } from './coordinator.js';
import { producerIdsOf } from './producer-ids.js';
import { TRANSACTION_STATE_TOPIC } from './records.js';

const coordinators = new WeakMap<Broker, TransactionCoordinator>();

/** The broker's transaction coordinator; undefined before it has loaded. */
export function transactionCoordinatorOf(broker: Broker): TransactionCoordinator | undefined {
  return coordinators.get(broker);
}

/** The transaction state topic's spec, from the broker's transaction.state.log.* keys. */
function txnStateTopicSpec(broker: Broker): InternalTopicSpec {
  const v = broker.config.values;
  return { name: TRANSACTION_STATE_TOPIC, partitions: v['transaction.state.log.num.partitions'] as number, segmentBytes: v['transaction.state.log.segment.bytes'] as number, compression: 'uncompressed' };
}

/** The coordinator's log: one record a batch. */
class TopicTxnStateLog implements TxnStateLog {
  private readonly log: InternalTopicLog;

  constructor(broker: Broker) {
    this.log = new InternalTopicLog(broker, txnStateTopicSpec(broker));
  }

  get numPartitions(): number {
    return this.log.numPartitions;
  }

  append(partition: number, key: Buffer, value: Buffer | null): Promise<number> {
    return this.log.appendBatch(partition, encodeBatch([{ key, value }]));
  }
}

/** Creates __transaction_state when it does not exist yet; the problem when it cannot. */
export function ensureTxnStateTopic(broker: Broker): Promise<TopicState | TopicProblem> {
  return ensureInternalTopic(broker, txnStateTopicSpec(broker));
}

/**
 * Writes a transaction marker to one partition and, for __consumer_offsets, completes the
 * producer's transactional offsets there. Answers the partition's error code.
 */
export async function writeMarker(broker: Broker, tp: TopicPartition, marker: TxnMarker): Promise<number> {
  const p = broker.partition(tp.topic, tp.partition);
  if (!p) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  const reply = await broker.host.appendMarker(p.handle, marker);
  if (reply.errorCode !== 0) return reply.errorCode;
  broker.noteOffsets(p, reply.logStartOffset, reply.logEndOffset);
  if (tp.topic === OFFSETS_TOPIC) groupCoordinatorOf(broker)?.completeTransaction(marker.producerId, marker.commit, tp.partition);
  return ErrorCode.NONE;
}

export interface StartedTransactions {
  coordinator: TransactionCoordinator;
  load: LoadStats | undefined;
}

export async function startTransactionCoordinator(broker: Broker): Promise<StartedTransactions> {
  const v = broker.config.values;
  const topic = broker.topics.get(TRANSACTION_STATE_TOPIC);
  const coordinator = new TransactionCoordinator(
    {
      transactionVersion: v['transaction.version'] as number,
      maxTimeoutMs: v['transaction.max.timeout.ms'] as number,
      idExpirationMs: v['transactional.id.expiration.ms'] as number,
      abortTimedOutIntervalMs: v['transaction.abort.timed.out.transaction.cleanup.interval.ms'] as number,
      removeExpiredIntervalMs: v['transaction.remove.expired.transaction.cleanup.interval.ms'] as number,
    },
    {
      log: new TopicTxnStateLog(broker),
      markers: { write: (tp, marker) => writeMarker(broker, tp, marker) },
      nextProducerId: () => producerIdsOf(broker).nextId(),
      say: (level, message) => (level === 'ERROR' ? broker.logger.error(message) : level === 'WARN' ? broker.logger.warn(message) : broker.logger.info(message)),
    },
  );
  const load = topic ? await loadTopic(broker, TRANSACTION_STATE_TOPIC, v['transaction.state.log.load.buffer.size'] as number, { record: (k, val) => coordinator.replay(k, val) }) : undefined;
  if (load && load.failedPartitions.length > 0) {
    for (const f of load.failedPartitions) broker.logger.error(`${TRANSACTION_STATE_TOPIC}-${f.partition} could not be loaded (${f.reason})`);
  }
  if (coordinator.skippedRecords > 0) broker.logger.warn(`${TRANSACTION_STATE_TOPIC}: ${coordinator.skippedRecords} records could not be decoded and were skipped`);
  coordinator.finishLoading();
  coordinators.set(broker, coordinator);
  return { coordinator, load };
}

export function stopTransactionCoordinator(broker: Broker): void {
  coordinators.get(broker)?.shutdown();
}
