/**
 * TransactionCoordinator: transactional ids, their producer ids and epochs, and the two-phase
 * end of each transaction, as Kafka's TransactionCoordinator runs them (KIP-98, KIP-360,
 * KIP-664), for the one node that coordinates every transactional id.
 *
 * What it owns:
 *   transactions   transactional id → TxnMetadata: producer id and epoch (and the previous ones,
 *                  for KIP-360 retries), timeout, state, the partitions of the ongoing
 *                  transaction, its start and last update times
 *   durability     every transition is written to __transaction_state (records.ts) before it
 *                  takes effect, through a TxnStateLog; the id's partition is Kafka's
 *   markers        EndTxn writes PrepareCommit/PrepareAbort, answers the client, then writes a
 *                  marker to every partition of the transaction through a MarkerWriter and,
 *                  once all are written, CompleteCommit/CompleteAbort
 *
 * The states (Kafka's TransactionState) and what moves them:
 *
 *   Empty ──AddPartitions/AddOffsets──► Ongoing ──EndTxn(commit)──► PrepareCommit ──markers──► CompleteCommit
 *     ▲                                  │  ▲                           (PrepareAbort ──markers──► CompleteAbort)
 *     └───────── InitProducerId ─────────┘  └──AddPartitions (more partitions)
 *
 *   InitProducerId on an Ongoing transaction fences it: the epoch is bumped, the transaction is
 *   aborted with the new epoch (so the old producer's late writes are refused by every
 *   partition), and the caller gets CONCURRENT_TRANSACTIONS until the abort has completed; its
 *   retry then bumps the epoch once more and is answered. A transaction past its timeout is
 *   aborted the same way (transaction.abort.timed.out.transaction.cleanup.interval.ms). An id
 *   Empty or Complete* for transactional.id.expiration.ms is removed (a tombstone).
 *
 * One transition at a time per id: while one is being written (`pending`), the next request on
 * the id gets CONCURRENT_TRANSACTIONS (retriable), as in Kafka. Markers that fail (a log
 * directory offline, a worker restarting) are retried with a backoff until they succeed; a
 * partition whose topic is gone counts as done. After a restart, the loader replays the
 * topic (`replay`) and `finishLoading` resumes the transactions found in PrepareCommit or
 * PrepareAbort: their markers are written and they complete.
 *
 * Transaction version 2 (KIP-890 part 2, Kafka 4.0), chosen per request by the client: its
 * Produce v12 and TxnOffsetCommit v5 add their partitions themselves (addPartitionsImplicitly),
 * and its EndTxn v5 bumps the epoch at every end — PrepareCommit/PrepareAbort carry the new
 * epoch, the markers too, and the answer hands it to the producer — so a write of the ended
 * transaction is refused by every partition and the coordinator alike. An epoch exhausted at
 * 32766 moves the id to a new producer id when the transaction completes.
 *
 * Produce checks (KIP-890 part 1's verification, done in-process here): a transactional batch
 * is accepted only while its producer id and epoch are the id's current ones, the transaction is
 * Ongoing with no end under way, and the partition was added (`checkProduce`). The Produce
 * handler calls it immediately before handing the batch to the partition's ring, and EndTxn
 * marks the transaction as ending before it writes anything, so a batch accepted here is always
 * in the log before the marker that ends its transaction: a late Produce can never land in the
 * next transaction.
 *
 * Main thread; no I/O of its own (the TxnStateLog and MarkerWriter do it).
 */
import { ErrorCode } from '../../protocol/errors.js';
import { TXN_STATE_NAMES, TxnState, type TransactionLogValueData, encodeTxnKey, encodeTxnValue, decodeTxnKey, decodeTxnValue, partitionForTransactionalId } from './records.js';

const E = ErrorCode;
const NO_PRODUCER_ID = -1;
const NO_PRODUCER_EPOCH = -1;
/** Kafka's TransactionMetadata.isEpochExhausted: a new producer id is handed out past this epoch. */
export const MAX_EPOCH_BEFORE_ROTATION = 32766;
/** The coordinator epoch markers carry: a single node is the only coordinator there ever is. */
export const COORDINATOR_EPOCH = 0;
/** How many in-flight implicit adds one implicit add waits for before it writes its own. */
const MAX_IMPLICIT_ADD_WAITS = 8;
/** Marker retries back off from the first to the last, doubling. */
const MARKER_RETRY_FIRST_MS = 50;
const MARKER_RETRY_MAX_MS = 2_000;

export interface TopicPartition {
  topic: string;
  partition: number;
}

const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;
const tpOf = (key: string): TopicPartition => {
  const i = key.lastIndexOf('\u0000');
  return { topic: key.slice(0, i), partition: Number(key.slice(i + 1)) };
};

/** What a transition writes: every persisted field of the metadata. */
interface TxnFields {
  producerId: number;
  lastProducerId: number;
  producerEpoch: number;
  lastProducerEpoch: number;
  timeoutMs: number;
  state: TxnState;
  partitions: Set<string>;
  startMs: number;
  lastUpdateMs: number;
  /** The transaction protocol of the client's last EndTxn: 2 when it bumps the epoch (KIP-890). */
  clientTransactionVersion: number;
  /** The producer id the transaction moves to once complete, when its epoch is exhausted (-1: none). */
  nextProducerId: number;
}

export interface TxnMetadata extends TxnFields {
  readonly transactionalId: string;
  /** The state a transition being written will reach; undefined when none is under way. */
  pending: TxnState | undefined;
  /** Partitions whose marker is still to be written (PrepareCommit/PrepareAbort). */
  markersLeft: Set<string>;
  /** The broker's own add being written (addPartitionsImplicitly), which later ones wait for. */
  addInFlight?: Promise<number>;
}

export interface TxnStateLog {
  readonly numPartitions: number;
  /** Appends one record (value null: a tombstone) to the partition; resolves with an error code. */
  append(partition: number, key: Buffer, value: Buffer | null): Promise<number>;
}

export interface MarkerWriter {
  /** Writes the marker to one partition; resolves with its error code (UNKNOWN_TOPIC_OR_PARTITION: the partition is gone). */
  write(tp: TopicPartition, marker: { producerId: number; producerEpoch: number; coordinatorEpoch: number; commit: boolean }): Promise<number>;
}

export interface TransactionConfig {
  /** The finalized level of the transaction.version feature: from 1 the flexible record format, at 2 KIP-890's protocol. */
  transactionVersion: number;
  maxTimeoutMs: number;
  idExpirationMs: number;
  abortTimedOutIntervalMs: number;
  removeExpiredIntervalMs: number;
}

export interface CoordinatorDeps {
  log: TxnStateLog;
  markers: MarkerWriter;
  nextProducerId: () => Promise<number>;
  now?: () => number;
  say?: (level: 'INFO' | 'WARN' | 'ERROR', message: string) => void;
}

export interface InitResult {
  errorCode: number;
  producerId: number;
  producerEpoch: number;
}

/** EndTxn's answer: with the v2 protocol, the producer id and epoch the next transaction uses. */
export type EndTxnResult = InitResult;

export interface DescribedTxn {
  errorCode: number;
  transactionalId: string;
  transactionState: string;
  transactionTimeoutMs: number;
  transactionStartTimeMs: number;
  producerId: number;
  producerEpoch: number;
  topics: { topic: string; partitions: number[] }[];
}

/** Maps a failed write to __transaction_state to what the client is told (Kafka's TransactionStateManager). */
function logAppendError(code: number): number {
  switch (code) {
    case E.NONE:
      return E.NONE;
    case E.UNKNOWN_TOPIC_OR_PARTITION:
    case E.NOT_ENOUGH_REPLICAS:
    case E.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case E.REQUEST_TIMED_OUT:
      return E.COORDINATOR_NOT_AVAILABLE;
    case E.MESSAGE_TOO_LARGE:
    case E.RECORD_LIST_TOO_LARGE:
      return E.UNKNOWN_SERVER_ERROR;
    default:
      // KAFKA_STORAGE_ERROR, NOT_LEADER_OR_FOLLOWER (a worker restarting): the client looks for the coordinator again.
      return E.NOT_COORDINATOR;
  }
}

export class TransactionCoordinator {
  readonly transactions = new Map<string, TxnMetadata>();
  /** Producer id → its transactional id's metadata, for the produce check. */
  private readonly byProducerId = new Map<number, TxnMetadata>();
  private readonly config: TransactionConfig;
  private readonly deps: CoordinatorDeps;
  private readonly now: () => number;
  private readonly say: NonNullable<CoordinatorDeps['say']>;
  private readonly timers: NodeJS.Timeout[] = [];
  private closed = false;
  /** Records that did not decode at load, skipped. */
  skippedRecords = 0;
  /** Whether loading has finished (requests before get COORDINATOR_LOAD_IN_PROGRESS). */
  private loaded = false;

  constructor(config: TransactionConfig, deps: CoordinatorDeps) {
    this.config = config;
    this.deps = deps;
    this.now = deps.now ?? Date.now;
    this.say = deps.say ?? (() => {});
  }

  partitionFor(transactionalId: string): number {
    return partitionForTransactionalId(transactionalId, this.deps.log.numPartitions);
  }

  // ───────────────────────────── loading ─────────────────────────────

  /** Applies one record of __transaction_state, in log order (before finishLoading). */
  replay(key: Buffer | null, value: Buffer | null): void {
    if (!key) return;
    let id: string;
    let v: TransactionLogValueData | undefined;
    try {
      id = decodeTxnKey(key);
      v = value ? decodeTxnValue(value) : undefined;
    } catch {
      this.skippedRecords++;
      return;
    }
    const old = this.transactions.get(id);
    if (old) this.byProducerId.delete(old.producerId);
    if (!v) {
      this.transactions.delete(id);
      return;
    }
    const partitions = new Set<string>();
    for (const t of v.transactionPartitions ?? []) for (const p of t.partitionIds) partitions.add(tpKey(t.topic, p));
    const meta: TxnMetadata = {
      transactionalId: id,
      producerId: v.producerId,
      lastProducerId: v.previousProducerId,
      producerEpoch: v.producerEpoch,
      lastProducerEpoch: NO_PRODUCER_EPOCH,
      timeoutMs: v.transactionTimeoutMs,
      state: v.transactionStatus as TxnState,
      partitions,
      startMs: v.transactionStartTimestampMs,
      lastUpdateMs: v.transactionLastUpdateTimestampMs,
      clientTransactionVersion: v.clientTransactionVersion,
      nextProducerId: v.nextProducerId,
      pending: undefined,
      markersLeft: new Set(),
    };
    if (meta.state === TxnState.Dead) {
      this.transactions.delete(id);
      return;
    }
    this.transactions.set(id, meta);
    this.byProducerId.set(meta.producerId, meta);
  }

  /** Starts the timers and completes the transactions left between their two phases. */
  finishLoading(): void {
    this.loaded = true;
    for (const meta of this.transactions.values()) {
      if (meta.state === TxnState.PrepareCommit || meta.state === TxnState.PrepareAbort) {
        this.say('INFO', `completing transaction of ${meta.transactionalId} found in ${TXN_STATE_NAMES[meta.state]} at start-up`);
        meta.markersLeft = new Set(meta.partitions);
        void this.sendMarkers(meta, meta.state === TxnState.PrepareCommit);
      }
    }
    const every = (ms: number, f: () => void) => {
      const t = setInterval(f, ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.config.abortTimedOutIntervalMs, () => this.abortTimedOut());
    every(this.config.removeExpiredIntervalMs, () => void this.removeExpired());
  }

  shutdown(): void {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
  }

  // ───────────────────────────── transitions ─────────────────────────────

  private fieldsOf(meta: TxnMetadata): TxnFields {
    return {
      producerId: meta.producerId,
      lastProducerId: meta.lastProducerId,
      producerEpoch: meta.producerEpoch,
      lastProducerEpoch: meta.lastProducerEpoch,
      timeoutMs: meta.timeoutMs,
      state: meta.state,
      partitions: new Set(meta.partitions),
      startMs: meta.startMs,
      lastUpdateMs: meta.lastUpdateMs,
      clientTransactionVersion: meta.clientTransactionVersion,
      nextProducerId: meta.nextProducerId,
    };
  }

  /**
   * Writes the transition to `next` and applies it once durable; answers the error code the
   * client gets. The id is marked pending from now until the write is done.
   */
  private async transition(meta: TxnMetadata, next: TxnFields): Promise<number> {
    meta.pending = next.state;
    const byTopic = new Map<string, number[]>();
    for (const k of next.partitions) {
      const { topic, partition } = tpOf(k);
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      list.push(partition);
    }
    const value = encodeTxnValue({
      producerId: next.producerId,
      previousProducerId: next.lastProducerId,
      nextProducerId: next.nextProducerId,
      producerEpoch: next.producerEpoch,
      transactionTimeoutMs: next.timeoutMs,
      transactionStatus: next.state,
      transactionPartitions: next.state === TxnState.Empty || next.state === TxnState.CompleteCommit || next.state === TxnState.CompleteAbort ? null : [...byTopic].map(([topic, partitionIds]) => ({ topic, partitionIds: partitionIds.sort((a, b) => a - b) })),
      transactionLastUpdateTimestampMs: next.lastUpdateMs,
      transactionStartTimestampMs: next.startMs,
      clientTransactionVersion: next.clientTransactionVersion,
    }, this.config.transactionVersion >= 1 ? 1 : 0);
    let code: number;
    try {
      code = logAppendError(await this.deps.log.append(this.partitionFor(meta.transactionalId), encodeTxnKey(meta.transactionalId), value));
    } catch (e) {
      this.say('ERROR', `transaction ${meta.transactionalId}: writing ${TXN_STATE_NAMES[next.state]} to __transaction_state failed: ${(e as Error).message}`);
      code = E.NOT_COORDINATOR;
    }
    meta.pending = undefined;
    if (code !== E.NONE) return code;
    if (meta.producerId !== next.producerId) {
      this.byProducerId.delete(meta.producerId);
      this.byProducerId.set(next.producerId, meta);
    }
    Object.assign(meta, next);
    return E.NONE;
  }

  private notReady(): number {
    return this.loaded ? 0 : E.COORDINATOR_LOAD_IN_PROGRESS;
  }

  // ───────────────────────────── InitProducerId ─────────────────────────────

  async initProducerId(transactionalId: string, timeoutMs: number, expected?: { producerId: number; producerEpoch: number }): Promise<InitResult> {
    const refused = (errorCode: number): InitResult => ({ errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH });
    if (this.notReady()) return refused(this.notReady());
    if (transactionalId === '') return refused(E.INVALID_REQUEST);
    if (timeoutMs <= 0 || timeoutMs > this.config.maxTimeoutMs) return refused(E.INVALID_TRANSACTION_TIMEOUT);
    let meta = this.transactions.get(transactionalId);
    if (!meta) {
      const producerId = await this.deps.nextProducerId();
      // Another request may have created it meanwhile.
      meta = this.transactions.get(transactionalId);
      if (!meta) {
        const now = this.now();
        meta = {
          transactionalId,
          producerId,
          lastProducerId: NO_PRODUCER_ID,
          producerEpoch: NO_PRODUCER_EPOCH,
          lastProducerEpoch: NO_PRODUCER_EPOCH,
          timeoutMs,
          state: TxnState.Empty,
          partitions: new Set(),
          startMs: -1,
          lastUpdateMs: now,
          clientTransactionVersion: 0,
          nextProducerId: NO_PRODUCER_ID,
          pending: undefined,
          markersLeft: new Set(),
        };
        this.transactions.set(transactionalId, meta);
        this.byProducerId.set(producerId, meta);
      }
    }
    if (meta.pending !== undefined) return refused(E.CONCURRENT_TRANSACTIONS);
    if (expected && !this.isValidExpected(meta, expected)) return refused(E.PRODUCER_FENCED);
    switch (meta.state) {
      case TxnState.PrepareAbort:
      case TxnState.PrepareCommit:
        return refused(E.CONCURRENT_TRANSACTIONS);
      case TxnState.Ongoing: {
        // Fence the current producer: abort its transaction with a bumped epoch; the caller retries.
        const { errorCode } = await this.endTransaction(meta, meta.producerId, meta.producerEpoch + 1, false, false);
        return refused(errorCode === E.NONE ? E.CONCURRENT_TRANSACTIONS : errorCode);
      }
      default: {
        const now = this.now();
        const next = this.fieldsOf(meta);
        next.timeoutMs = timeoutMs;
        next.state = TxnState.Empty;
        next.partitions = new Set();
        next.startMs = -1;
        next.lastUpdateMs = now;
        if (meta.producerEpoch >= MAX_EPOCH_BEFORE_ROTATION && (!expected || expected.producerEpoch === meta.producerEpoch)) {
          // The epoch is exhausted: a new producer id, epoch 0.
          next.lastProducerId = meta.producerId;
          next.producerId = await this.deps.nextProducerId();
          next.producerEpoch = 0;
          next.lastProducerEpoch = expected ? meta.producerEpoch : NO_PRODUCER_EPOCH;
          if (meta.pending !== undefined) return refused(E.CONCURRENT_TRANSACTIONS);
        } else if (!expected) {
          next.producerEpoch = meta.producerEpoch + 1;
          next.lastProducerEpoch = NO_PRODUCER_EPOCH;
        } else if (meta.producerEpoch === NO_PRODUCER_EPOCH || expected.producerEpoch === meta.producerEpoch) {
          next.producerEpoch = meta.producerEpoch + 1;
          next.lastProducerEpoch = meta.producerEpoch;
        } else if (expected.producerEpoch === meta.lastProducerEpoch) {
          // A retry of a bump whose answer was lost: the same epoch again.
        } else {
          return refused(E.PRODUCER_FENCED);
        }
        const code = await this.transition(meta, next);
        if (code !== E.NONE) return refused(code);
        return { errorCode: E.NONE, producerId: meta.producerId, producerEpoch: meta.producerEpoch };
      }
    }
  }

  /** Kafka's isValidProducerId for a KIP-360 InitProducerId that presents its current id and epoch. */
  private isValidExpected(meta: TxnMetadata, expected: { producerId: number; producerEpoch: number }): boolean {
    return (
      meta.producerEpoch === NO_PRODUCER_EPOCH ||
      expected.producerId === meta.producerId ||
      (expected.producerId === meta.lastProducerId && expected.producerEpoch >= MAX_EPOCH_BEFORE_ROTATION)
    );
  }

  // ───────────────────────────── AddPartitionsToTxn, AddOffsetsToTxn ─────────────────────────────

  /** The checks every request on an existing transaction makes first; 0 when it may go on. */
  private checkProducer(meta: TxnMetadata | undefined, producerId: number, producerEpoch: number): number {
    // The producer id a transaction with an exhausted epoch is moving to, while it completes.
    if (meta && meta.pending !== undefined && meta.nextProducerId >= 0 && meta.nextProducerId === producerId) return E.CONCURRENT_TRANSACTIONS;
    if (!meta || meta.producerId !== producerId) return E.INVALID_PRODUCER_ID_MAPPING;
    if (meta.producerEpoch !== producerEpoch) return E.PRODUCER_FENCED;
    if (meta.pending !== undefined) return E.CONCURRENT_TRANSACTIONS;
    if (meta.state === TxnState.PrepareCommit || meta.state === TxnState.PrepareAbort) return E.CONCURRENT_TRANSACTIONS;
    return 0;
  }

  /** Adds partitions to the transaction (starting it); one error code for all of them. */
  async addPartitions(transactionalId: string, producerId: number, producerEpoch: number, partitions: readonly TopicPartition[]): Promise<number> {
    if (this.notReady()) return this.notReady();
    if (transactionalId === '') return E.INVALID_REQUEST;
    const meta = this.transactions.get(transactionalId);
    const refused = this.checkProducer(meta, producerId, producerEpoch);
    if (refused) return refused;
    const m = meta!;
    const keys = partitions.map((p) => tpKey(p.topic, p.partition));
    if (m.state === TxnState.Ongoing && keys.every((k) => m.partitions.has(k))) return E.NONE;
    const now = this.now();
    const next = this.fieldsOf(m);
    if (m.state !== TxnState.Ongoing) {
      next.startMs = now;
      next.partitions = new Set();
    }
    for (const k of keys) next.partitions.add(k);
    next.state = TxnState.Ongoing;
    next.lastUpdateMs = now;
    return this.transition(m, next);
  }

  /**
   * The broker's own add for Produce v12 and TxnOffsetCommit v5 (KIP-890 part 2): as
   * addPartitions, except that an add already being written for the same producer and epoch
   * (a pipelined request of the same transaction) is waited for first rather than answered
   * CONCURRENT_TRANSACTIONS; then whatever is still missing is added.
   */
  async addPartitionsImplicitly(transactionalId: string, producerId: number, producerEpoch: number, partitions: readonly TopicPartition[]): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const meta = this.transactions.get(transactionalId);
      const inFlight = meta?.addInFlight;
      if (!meta || !inFlight || attempt >= MAX_IMPLICIT_ADD_WAITS || meta.producerId !== producerId || meta.producerEpoch !== producerEpoch) break;
      await inFlight;
    }
    const meta = this.transactions.get(transactionalId);
    const adding = this.addPartitions(transactionalId, producerId, producerEpoch, partitions);
    if (meta && meta.pending === TxnState.Ongoing && meta.addInFlight === undefined) {
      meta.addInFlight = adding;
      void adding.finally(() => {
        if (meta.addInFlight === adding) meta.addInFlight = undefined;
      });
    }
    return adding;
  }

  /** AddPartitionsToTxn v4+ with verifyOnly: whether each partition is in the ongoing transaction. */
  verifyPartitions(transactionalId: string, producerId: number, producerEpoch: number, partitions: readonly TopicPartition[]): number[] {
    const meta = this.transactions.get(transactionalId);
    return partitions.map((p) => {
      if (!meta || meta.producerId !== producerId) return E.INVALID_PRODUCER_ID_MAPPING;
      if (meta.producerEpoch !== producerEpoch) return E.PRODUCER_FENCED;
      if (meta.state !== TxnState.Ongoing || !meta.partitions.has(tpKey(p.topic, p.partition))) return E.INVALID_TXN_STATE;
      return E.NONE;
    });
  }

  // ───────────────────────────── EndTxn ─────────────────────────────

  /**
   * EndTxn. `clientTransactionVersion` 2 (EndTxn v5, KIP-890 part 2) bumps the epoch with every
   * end: the markers carry the new epoch, so no write of the ended transaction's epoch can
   * land after them, and the answer hands the new epoch to the producer.
   */
  async endTxn(transactionalId: string, producerId: number, producerEpoch: number, commit: boolean, clientTransactionVersion = 0): Promise<EndTxnResult> {
    const refused = (errorCode: number): EndTxnResult => ({ errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH });
    if (this.notReady()) return refused(this.notReady());
    if (transactionalId === '') return refused(E.INVALID_REQUEST);
    const meta = this.transactions.get(transactionalId);
    if (!meta) return refused(E.INVALID_PRODUCER_ID_MAPPING);
    return this.endTransaction(meta, producerId, producerEpoch, commit, true, clientTransactionVersion);
  }

  /**
   * Phase one of ending a transaction: Prepare* written, then (not awaited) the markers and
   * Complete*. `fromClient` false is the coordinator's own abort (fencing, timeout), whose
   * epoch is the bumped one.
   *
   * With the v2 protocol (Kafka's TransactionCoordinator under transaction.version 2) the epoch
   * check depends on the state, since every end moves the epoch on: the current epoch may end
   * an Ongoing transaction; a retry of an end whose answer was lost presents the epoch before
   * the bump (answered as before: NONE once complete, CONCURRENT_TRANSACTIONS while the markers
   * are written); and an abort with the current epoch of an Empty or completed id (the client
   * may not know whether its writes added a partition) bumps the epoch with no marker to write.
   * The pending check comes before the epoch check, so such an abort arriving while the
   * previous end completes is told to retry rather than fenced (KAFKA-18464).
   */
  private async endTransaction(meta: TxnMetadata, producerId: number, producerEpoch: number, commit: boolean, fromClient: boolean, clientTransactionVersion = 0): Promise<EndTxnResult> {
    const refused = (errorCode: number): EndTxnResult => ({ errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH });
    const current = (): EndTxnResult => ({ errorCode: E.NONE, producerId: meta.producerId, producerEpoch: meta.producerEpoch });
    const v2 = fromClient && meta.clientTransactionVersion >= 2;
    const retryOnBump = v2 && meta.producerEpoch === producerEpoch + 1;
    const retryOnRotation = v2 && meta.lastProducerId === producerId && producerEpoch === MAX_EPOCH_BEFORE_ROTATION && meta.producerEpoch === 0;
    if (meta.producerId !== producerId && !retryOnRotation) return refused(E.INVALID_PRODUCER_ID_MAPPING);
    if (meta.pending !== undefined) return refused(E.CONCURRENT_TRANSACTIONS);
    let validEpoch: boolean;
    if (!v2) validEpoch = (!fromClient || producerEpoch === meta.producerEpoch) && producerEpoch >= meta.producerEpoch;
    else if (meta.state === TxnState.PrepareCommit || meta.state === TxnState.PrepareAbort) validEpoch = retryOnBump;
    else if (meta.state === TxnState.CompleteCommit || meta.state === TxnState.CompleteAbort) validEpoch = retryOnBump || retryOnRotation || producerEpoch === meta.producerEpoch;
    else validEpoch = producerEpoch === meta.producerEpoch;
    if (!validEpoch) return refused(E.PRODUCER_FENCED);
    const retry = retryOnBump || retryOnRotation;
    // An abort that only moves the epoch on (v2): nothing was added, or the transaction ended.
    const bumpOnly = fromClient && clientTransactionVersion >= 2 && !commit && !retry && producerEpoch === meta.producerEpoch;
    switch (meta.state) {
      case TxnState.Ongoing:
        break;
      case TxnState.CompleteCommit:
        if (commit) return v2 && !retry ? refused(E.INVALID_TXN_STATE) : current();
        if (bumpOnly) break;
        return refused(E.INVALID_TXN_STATE);
      case TxnState.CompleteAbort:
        if (commit) return refused(E.INVALID_TXN_STATE);
        if (bumpOnly) break;
        return v2 && !retry ? refused(E.INVALID_TXN_STATE) : current();
      case TxnState.PrepareCommit:
        return refused(commit ? E.CONCURRENT_TRANSACTIONS : E.INVALID_TXN_STATE);
      case TxnState.PrepareAbort:
        return refused(commit ? E.INVALID_TXN_STATE : E.CONCURRENT_TRANSACTIONS);
      case TxnState.Empty:
        if (bumpOnly) break;
        return refused(E.INVALID_TXN_STATE);
      default:
        return refused(E.INVALID_TXN_STATE);
    }
    const next = this.fieldsOf(meta);
    next.state = commit ? TxnState.PrepareCommit : TxnState.PrepareAbort;
    next.lastUpdateMs = this.now();
    if (meta.state !== TxnState.Ongoing) {
      next.partitions = new Set();
      next.startMs = next.lastUpdateMs;
    }
    if (!fromClient) {
      next.producerEpoch = producerEpoch;
      next.lastProducerEpoch = NO_PRODUCER_EPOCH;
    } else {
      next.clientTransactionVersion = clientTransactionVersion;
      if (clientTransactionVersion >= 2) {
        if (meta.producerEpoch >= MAX_EPOCH_BEFORE_ROTATION) {
          // The markers take the last epoch; the next transaction a new producer id.
          next.nextProducerId = await this.deps.nextProducerId();
          if (meta.pending !== undefined) return refused(E.CONCURRENT_TRANSACTIONS);
        }
        next.lastProducerEpoch = meta.producerEpoch;
        next.producerEpoch = meta.producerEpoch + 1;
      }
    }
    const code = await this.transition(meta, next);
    if (code !== E.NONE) return refused(code);
    meta.markersLeft = new Set(meta.partitions);
    const answer: EndTxnResult = meta.nextProducerId >= 0 ? { errorCode: E.NONE, producerId: meta.nextProducerId, producerEpoch: 0 } : current();
    void this.sendMarkers(meta, commit);
    return answer;
  }

  /**
   * Phase two: a marker to every partition of the transaction (retried until each is written or
   * its partition is gone), then Complete* (retried likewise). The id stays pending meanwhile.
   */
  private async sendMarkers(meta: TxnMetadata, commit: boolean): Promise<void> {
    meta.pending = commit ? TxnState.CompleteCommit : TxnState.CompleteAbort;
    const marker = { producerId: meta.producerId, producerEpoch: meta.producerEpoch, coordinatorEpoch: COORDINATOR_EPOCH, commit };
    let delay = MARKER_RETRY_FIRST_MS;
    while (meta.markersLeft.size > 0 && !this.closed) {
      const keys = [...meta.markersLeft];
      const codes = await Promise.all(keys.map((k) => this.deps.markers.write(tpOf(k), marker).catch(() => E.UNKNOWN_SERVER_ERROR)));
      keys.forEach((k, i) => {
        const code = codes[i]!;
        if (code === E.NONE || code === E.UNKNOWN_TOPIC_OR_PARTITION) meta.markersLeft.delete(k);
        else this.say('WARN', `transaction ${meta.transactionalId}: marker for ${tpOf(k).topic}-${tpOf(k).partition} failed with error ${code}; retrying`);
      });
      if (meta.markersLeft.size > 0) {
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, MARKER_RETRY_MAX_MS);
      }
    }
    if (this.closed) return;
    for (;;) {
      const next = this.fieldsOf(meta);
      next.state = commit ? TxnState.CompleteCommit : TxnState.CompleteAbort;
      next.partitions = new Set();
      next.lastUpdateMs = this.now();
      if (meta.nextProducerId >= 0) {
        next.lastProducerId = meta.producerId;
        next.producerId = meta.nextProducerId;
        next.producerEpoch = 0;
        next.lastProducerEpoch = NO_PRODUCER_EPOCH;
        next.nextProducerId = NO_PRODUCER_ID;
      }
      const code = await this.transition(meta, next);
      if (code === E.NONE || this.closed) return;
      meta.pending = next.state;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, MARKER_RETRY_MAX_MS);
    }
  }

  // ───────────────────────────── the produce check ─────────────────────────────

  /**
   * Whether a transactional batch of this producer may be appended to the partition now: 0, or
   * the error the partition answers (INVALID_PRODUCER_EPOCH for an old epoch, INVALID_TXN_STATE
   * otherwise). With a null transactional id (an old client) the producer id decides.
   */
  checkProduce(transactionalId: string | null, producerId: number, producerEpoch: number, topic: string, partition: number): number {
    const meta = transactionalId !== null ? this.transactions.get(transactionalId) : this.byProducerId.get(producerId);
    if (!meta || meta.producerId !== producerId) return E.INVALID_TXN_STATE;
    if (producerEpoch < meta.producerEpoch) return E.INVALID_PRODUCER_EPOCH;
    if (producerEpoch !== meta.producerEpoch) return E.INVALID_TXN_STATE;
    if (meta.state !== TxnState.Ongoing || (meta.pending !== undefined && meta.pending !== TxnState.Ongoing)) return E.INVALID_TXN_STATE;
    if (!meta.partitions.has(tpKey(topic, partition))) return E.INVALID_TXN_STATE;
    return 0;
  }

  /** For TxnOffsetCommit: the producer's transaction must be Ongoing and hold the group's offsets partition. */
  checkOffsetCommit(transactionalId: string, producerId: number, producerEpoch: number): number {
    const meta = this.transactions.get(transactionalId);
    if (!meta || meta.producerId !== producerId) return E.INVALID_PRODUCER_ID_MAPPING;
    if (meta.producerEpoch !== producerEpoch) return E.PRODUCER_FENCED;
    if (meta.state !== TxnState.Ongoing) return E.INVALID_TXN_STATE;
    return 0;
  }

  // ───────────────────────────── timers ─────────────────────────────

  /** Aborts, with a bumped epoch, every Ongoing transaction past its timeout. */
  abortTimedOut(now = this.now()): void {
    for (const meta of this.transactions.values()) {
      if (meta.state !== TxnState.Ongoing || meta.pending !== undefined) continue;
      if (meta.startMs + meta.timeoutMs >= now) continue;
      this.say('INFO', `transaction of ${meta.transactionalId} (producer ${meta.producerId}, epoch ${meta.producerEpoch}) passed its timeout of ${meta.timeoutMs} ms; aborting it`);
      void this.endTransaction(meta, meta.producerId, meta.producerEpoch + 1, false, false);
    }
  }

  /** Removes ids idle in Empty or Complete* for transactional.id.expiration.ms (tombstones). */
  async removeExpired(now = this.now()): Promise<number> {
    let removed = 0;
    for (const meta of [...this.transactions.values()]) {
      const idle = meta.state === TxnState.Empty || meta.state === TxnState.CompleteCommit || meta.state === TxnState.CompleteAbort;
      if (!idle || meta.pending !== undefined || meta.lastUpdateMs + this.config.idExpirationMs > now) continue;
      meta.pending = TxnState.Dead;
      const code = await this.deps.log.append(this.partitionFor(meta.transactionalId), encodeTxnKey(meta.transactionalId), null).catch(() => E.UNKNOWN_SERVER_ERROR);
      meta.pending = undefined;
      if (code !== E.NONE || this.transactions.get(meta.transactionalId) !== meta || meta.lastUpdateMs + this.config.idExpirationMs > now) continue;
      this.transactions.delete(meta.transactionalId);
      this.byProducerId.delete(meta.producerId);
      removed++;
    }
    return removed;
  }

  // ───────────────────────────── Describe and List ─────────────────────────────

  describe(transactionalId: string): DescribedTxn {
    const base: DescribedTxn = { errorCode: 0, transactionalId, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1, producerId: -1, producerEpoch: -1, topics: [] };
    if (this.notReady()) return { ...base, errorCode: this.notReady() };
    if (transactionalId === '') return { ...base, errorCode: E.INVALID_REQUEST };
    const meta = this.transactions.get(transactionalId);
    if (!meta) return { ...base, errorCode: E.TRANSACTIONAL_ID_NOT_FOUND };
    // While preparing, only the partitions still waiting for their marker (as Kafka reports them).
    const shown = meta.state === TxnState.PrepareCommit || meta.state === TxnState.PrepareAbort ? meta.markersLeft : meta.partitions;
    const byTopic = new Map<string, number[]>();
    for (const k of shown) {
      const { topic, partition } = tpOf(k);
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      list.push(partition);
    }
    return {
      ...base,
      transactionState: TXN_STATE_NAMES[meta.state]!,
      transactionTimeoutMs: meta.timeoutMs,
      transactionStartTimeMs: meta.startMs,
      producerId: meta.producerId,
      producerEpoch: meta.producerEpoch,
      topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a - b) })),
    };
  }

  list(stateFilters: readonly string[], producerIdFilters: readonly number[], durationFilterMs = -1): { errorCode: number; unknownStateFilters: string[]; transactions: { transactionalId: string; producerId: number; transactionState: string }[] } {
    if (this.notReady()) return { errorCode: this.notReady(), unknownStateFilters: [], transactions: [] };
    const unknownStateFilters = stateFilters.filter((s) => !TXN_STATE_NAMES.includes(s));
    const states = new Set(stateFilters);
    const producers = new Set(producerIdFilters);
    const now = this.now();
    const transactions = [];
    for (const meta of this.transactions.values()) {
      const name = TXN_STATE_NAMES[meta.state]!;
      if (states.size > 0 && !states.has(name)) continue;
      if (producers.size > 0 && !producers.has(meta.producerId)) continue;
      if (durationFilterMs >= 0 && now - meta.startMs <= durationFilterMs) continue;
      transactions.push({ transactionalId: meta.transactionalId, producerId: meta.producerId, transactionState: name });
    }
    return { errorCode: 0, unknownStateFilters, transactions };
  }

  /** Open transactions, for the console and metrics: oldest first. */
  ongoing(): TxnMetadata[] {
    return [...this.transactions.values()].filter((m) => m.state === TxnState.Ongoing || m.state === TxnState.PrepareCommit || m.state === TxnState.PrepareAbort).sort((a, b) => a.startMs - b.startMs);
  }

  /**
   * An operator's abort (the console): the id's Ongoing transaction is aborted as a timed-out
   * one is, with a bumped epoch that fences its producer. 0 once PrepareAbort is written; the
   * markers and CompleteAbort follow.
   */
  async abortOngoing(transactionalId: string): Promise<number> {
    if (this.notReady()) return this.notReady();
    const meta = this.transactions.get(transactionalId);
    if (!meta) return E.TRANSACTIONAL_ID_NOT_FOUND;
    if (meta.state !== TxnState.Ongoing) return E.INVALID_TXN_STATE;
    this.say('INFO', `transaction of ${transactionalId} (producer ${meta.producerId}, epoch ${meta.producerEpoch}) aborted by an operator`);
    return (await this.endTransaction(meta, meta.producerId, meta.producerEpoch + 1, false, false)).errorCode;
  }
}

export { tpKey, tpOf };
