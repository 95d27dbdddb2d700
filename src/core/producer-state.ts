/**
 * ProducerStateManager: what one partition log knows of its idempotent producers, and the
 * snapshot files that keep it across restarts.
 *
 * Per producer id: the current epoch and the last NUM_BATCHES_TO_RETAIN (5) batches appended
 * with it — their sequence and offset ranges and max timestamp — as Kafka's ProducerStateEntry
 * keeps them. Five, because a client may have at most five produce requests in flight per
 * partition with idempotence on (max.in.flight.requests.per.connection ≤ 5 in the Java client
 * and librdkafka); any of them may be retried, so any of them must be recognised.
 *
 * The rules for a batch with producerId ≥ 0 (Kafka 3.9's ProducerAppendInfo and
 * UnifiedLog.analyzeAndValidateProducerState; `checkAppend` applies them, nothing is changed
 * until `update` after the write):
 *
 *   1. Same epoch and the same first and last sequence as one of the five retained batches: a
 *      duplicate. The append is answered with that batch's offsets and nothing is written.
 *   2. Epoch below the current one: INVALID_PRODUCER_EPOCH (Kafka answers this, not
 *      PRODUCER_FENCED, to produce requests since 2.7).
 *   3. Epoch above the current one: the new epoch must start at sequence 0, else
 *      OUT_OF_ORDER_SEQUENCE_NUMBER. This is how a client bumps its own epoch (KIP-360: the
 *      Java client and librdkafka do it locally, without asking the broker).
 *   4. Same epoch: the first sequence must follow the last one (lastSeq + 1, or 0 after
 *      Int32.MAX: sequences wrap), else OUT_OF_ORDER_SEQUENCE_NUMBER.
 *   5. A producer id this partition does not know (new, or expired): any epoch and any
 *      sequence are accepted. Since KIP-360 (Kafka 2.5) the broker no longer answers
 *      UNKNOWN_PRODUCER_ID for produce requests.
 *
 * Transactions (KIP-98), on top of the rules above (Kafka's ProducerAppendInfo):
 *
 *   6. A transactional batch (attribute bit 4) of a producer with no open transaction here opens
 *      one: its first offset is the transaction's, and the partition's last stable offset (LSO)
 *      cannot pass it until a marker ends the transaction.
 *   7. A non-transactional batch of a producer with an open transaction: INVALID_TXN_STATE.
 *   8. A marker (a control batch the coordinator has written, `checkMarker`/`applyMarker`) with
 *      an epoch below the producer's: INVALID_PRODUCER_EPOCH; with a coordinator epoch below the
 *      last one seen: TRANSACTION_COORDINATOR_FENCED. A marker ends the open transaction (if
 *      any), takes the marker's epoch (a bumped one clears the retained batches: the next batch
 *      must start at sequence 0) and the coordinator epoch.
 *
 * The open transactions are also kept in one map in the order they opened, which is offset
 * order, so the first unstable offset is the first entry's: O(1) per read.
 *
 * Producers are forgotten after producer.id.expiration.ms without a write, measured, as in
 * Kafka, from the last batch's max timestamp (its append time under LogAppendTime), except
 * while they have an open transaction. State does not depend on retention: deleting segments
 * never removes a producer.
 *
 * Memory: one entry of at most five batch records per producer id seen within the expiration
 * window, about 300 bytes each; the number of entries is bounded only by how many producer
 * ids write to the partition within producer.id.expiration.ms, as in Kafka.
 *
 * Snapshot files, one per snapshot offset, named like Kafka's: `<offset, 20 digits>.snapshot`
 * in the partition directory. Written at each segment roll and at clean close, holding the
 * state of every batch below the offset. The format is Spindle's own (big-endian):
 *
 *   ┌─────────┬────────┬──────────────┬───────────────┬──────────────────────┐
 *   │ version │ crc    │ offset       │ producerCount │ producerCount entries│
 *   │ i16 @0  │ u32 @2 │ i64 @6       │ i32 @14       │ @18 …                │
 *   └─────────┴────────┴──────────────┴───────────────┴──────────────────────┘
 *   version = 2 (1 is still read); crc = CRC32C of every byte after the crc field (offset to
 *   the end); offset equals the one in the file name.
 *
 *   entry:  producerId i64 | producerEpoch i16 | lastTimestamp i64 | coordinatorEpoch i32 |
 *           currentTxnFirstOffset i64 (-1: none) | batchCount i8 (0-5)
 *           then batchCount × (oldest first)
 *             lastSeq i32 | lastOffset i64 | offsetDelta i32 | timestamp i64      (24 bytes)
 *   Version 1's entries lack the two transaction fields and have 1-5 batches.
 *
 * Unlike Kafka's snapshot, which keeps only each producer's last batch, all five retained
 * batches are kept, so that every request a client had in flight is still recognised after a
 * restart. A snapshot that fails its CRC or whose lengths disagree is deleted and the next
 * older one is tried. Snapshots are written to `<name>.tmp`, fsynced and renamed (the
 * partition log removes `.tmp` leftovers at open).
 *
 * Owned by the thread that owns the partition log; not thread-safe.
 */
import { join } from 'node:path';
import { ErrorCode } from '../protocol/errors.js';
import { NO_PRODUCER_EPOCH, NO_SEQUENCE } from '../protocol/records/batch.js';
import { crc32c } from '../protocol/records/crc32c.js';
import { fsio, writeFileDurably, writeFileDurablySync } from './fs.js';

export const SNAPSHOT_SUFFIX = '.snapshot';
export const SNAPSHOT_VERSION = 2;
/** Kafka's ProducerStateEntry.NUM_BATCHES_TO_RETAIN: the most requests an idempotent client keeps in flight. */
export const NUM_BATCHES_TO_RETAIN = 5;
/** Sequences are int32 and wrap from here to 0. */
export const MAX_SEQUENCE = 0x7fffffff;
/** producer.id.expiration.ms's default in Kafka: one day. */
export const DEFAULT_PRODUCER_ID_EXPIRATION_MS = 86_400_000;

const SNAPSHOT_HEADER_BYTES = 18;
const SNAPSHOT_CRC_START = 6;
const ENTRY_HEADER_BYTES_V1 = 19;
const ENTRY_HEADER_BYTES = 31;
const BATCH_RECORD_BYTES = 24;
const TWO_32 = 4294967296;

/** `sequence + increment`, wrapping past Int32.MAX to 0 (Kafka's DefaultRecordBatch.incrementSequence). */
export function incrementSequence(sequence: number, increment: number): number {
  if (sequence > MAX_SEQUENCE - increment) return increment - (MAX_SEQUENCE - sequence) - 1;
  return sequence + increment;
}

/** `sequence - decrement`, wrapping below 0 to Int32.MAX. */
export function decrementSequence(sequence: number, decrement: number): number {
  if (sequence < decrement) return MAX_SEQUENCE - (decrement - sequence) + 1;
  return sequence - decrement;
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === MAX_SEQUENCE);
}

/** One appended batch of a producer, as retained (Kafka's BatchMetadata). */
export interface BatchMetadata {
  readonly lastSeq: number;
  readonly lastOffset: number;
  /** lastOffset − firstOffset, which is also lastSeq − firstSeq (modulo the wrap). */
  readonly offsetDelta: number;
  /** The batch's max timestamp as stored. */
  readonly timestamp: number;
}

export function firstSeqOf(b: BatchMetadata): number {
  return decrementSequence(b.lastSeq, b.offsetDelta);
}

export function firstOffsetOf(b: BatchMetadata): number {
  return b.lastOffset - b.offsetDelta;
}

export interface ProducerEntry {
  readonly producerId: number;
  producerEpoch: number;
  /** Oldest first; at most NUM_BATCHES_TO_RETAIN; empty only after a marker bumped the epoch (or for a producer seen only in markers). */
  batches: BatchMetadata[];
  lastTimestamp: number;
  /** The coordinator epoch of the last marker (-1: none yet). */
  coordinatorEpoch: number;
  /** The first offset of the producer's open transaction here, -1 when none is open. */
  currentTxnFirstOffset: number;
}

/** An incoming batch as its header identifies it. */
export interface ProducerBatch {
  producerId: number;
  producerEpoch: number;
  firstSeq: number;
  lastSeq: number;
  /** Attribute bit 4: part of a transaction. */
  transactional: boolean;
}

/** A transaction marker as the coordinator writes it (a control batch of one record). */
export interface TxnMarker {
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  commit: boolean;
}

export interface AppendCheck {
  /** NONE, INVALID_PRODUCER_EPOCH, OUT_OF_ORDER_SEQUENCE_NUMBER or INVALID_TXN_STATE. */
  errorCode: number;
  errorMessage?: string;
  /** Set when the batch was already appended: answer with its offsets and write nothing. */
  duplicate?: BatchMetadata;
}

/** A producer as DescribeProducers reports it. */
export interface ActiveProducer {
  producerId: number;
  producerEpoch: number;
  lastSequence: number;
  lastTimestamp: number;
  coordinatorEpoch: number;
  currentTxnStartOffset: number;
}

const OK: AppendCheck = Object.freeze({ errorCode: ErrorCode.NONE });

export class ProducerStateManager {
  readonly dir: string;
  producerIdExpirationMs: number;
  private readonly entries = new Map<number, ProducerEntry>();
  /** Producer id → first offset of its open transaction, in the order they opened (offset order). */
  private readonly ongoing = new Map<number, number>();

  constructor(dir: string, producerIdExpirationMs = DEFAULT_PRODUCER_ID_EXPIRATION_MS) {
    this.dir = dir;
    this.producerIdExpirationMs = producerIdExpirationMs;
  }

  get producerCount(): number {
    return this.entries.size;
  }

  entry(producerId: number): ProducerEntry | undefined {
    return this.entries.get(producerId);
  }

  /** The first offset of the oldest open transaction, or undefined when none is open. */
  get firstUnstableOffset(): number | undefined {
    for (const first of this.ongoing.values()) return first;
    return undefined;
  }

  get ongoingTxnCount(): number {
    return this.ongoing.size;
  }

  /** Open transactions as producer id → first offset, oldest first. */
  ongoingTxns(): ReadonlyMap<number, number> {
    return this.ongoing;
  }

  /**
   * Checks the idempotent batches of one append, in order, against the state (rules 1-5 in the
   * file header). Later batches of the same producer in the same append are checked against
   * the earlier ones. The first duplicate answers for the whole append, as in Kafka (where a
   * produce request carries one batch per partition anyway). With `skipSequences` (a
   * coordinator's write) only the epoch is checked. Changes nothing.
   */
  checkAppend(batches: readonly ProducerBatch[], skipSequences = false): AppendCheck {
    let pending: Map<number, { epoch: number; lastSeq: number }> | undefined;
    for (const b of batches) {
      const entry = this.entries.get(b.producerId);
      if (skipSequences) {
        // A coordinator's write (Kafka's AppendOrigin.COORDINATOR): the epoch only.
        if (entry && b.producerEpoch < entry.producerEpoch) {
          return { errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, errorMessage: `epoch ${b.producerEpoch} of producer ${b.producerId} is older than the last seen epoch ${entry.producerEpoch}` };
        }
        continue;
      }
      if (entry && entry.producerEpoch === b.producerEpoch) {
        for (const m of entry.batches) {
          if (m.lastSeq === b.lastSeq && firstSeqOf(m) === b.firstSeq) return { errorCode: ErrorCode.NONE, duplicate: m };
        }
      }
      const earlier = pending?.get(b.producerId);
      const committedEpoch = entry?.producerEpoch ?? NO_PRODUCER_EPOCH;
      const currentEpoch = earlier?.epoch ?? committedEpoch;
      const currentLastSeq = earlier?.lastSeq ?? entry?.batches[entry.batches.length - 1]?.lastSeq ?? NO_SEQUENCE;
      if (entry && entry.currentTxnFirstOffset >= 0 && !b.transactional && b.producerEpoch === entry.producerEpoch) {
        return {
          errorCode: ErrorCode.INVALID_TXN_STATE,
          errorMessage: `non-transactional batch of producer ${b.producerId}, which has a transaction open since offset ${entry.currentTxnFirstOffset}`,
        };
      }
      if (b.producerEpoch < currentEpoch) {
        return {
          errorCode: ErrorCode.INVALID_PRODUCER_EPOCH,
          errorMessage: `epoch ${b.producerEpoch} of producer ${b.producerId} is older than the last seen epoch ${currentEpoch}`,
        };
      }
      if (b.producerEpoch !== currentEpoch) {
        if (b.firstSeq !== 0 && currentEpoch !== NO_PRODUCER_EPOCH) {
          return {
            errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
            errorMessage: `new epoch ${b.producerEpoch} of producer ${b.producerId} starts at sequence ${b.firstSeq}, not 0 (current epoch ${currentEpoch})`,
          };
        }
      } else if (committedEpoch !== NO_PRODUCER_EPOCH && !inSequence(currentLastSeq, b.firstSeq)) {
        return {
          errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
          errorMessage: `sequence ${b.firstSeq} of producer ${b.producerId} does not follow ${currentLastSeq}`,
        };
      }
      if (batches.length > 1) (pending ??= new Map()).set(b.producerId, { epoch: b.producerEpoch, lastSeq: b.lastSeq });
    }
    return OK;
  }

  /**
   * Records a batch now in the log (after an append, or found by replay): a new epoch drops
   * the batches of the old one; the oldest of more than five retained batches is dropped.
   */
  update(producerId: number, producerEpoch: number, lastSeq: number, firstOffset: number, lastOffset: number, timestamp: number, transactional = false): void {
    let entry = this.entries.get(producerId);
    const batch: BatchMetadata = { lastSeq, lastOffset, offsetDelta: lastOffset - firstOffset, timestamp };
    if (!entry) {
      entry = { producerId, producerEpoch, batches: [batch], lastTimestamp: timestamp, coordinatorEpoch: -1, currentTxnFirstOffset: -1 };
      this.entries.set(producerId, entry);
    } else {
      if (entry.producerEpoch !== producerEpoch) {
        entry.producerEpoch = producerEpoch;
        entry.batches = [];
      }
      if (entry.batches.length === NUM_BATCHES_TO_RETAIN) entry.batches.shift();
      entry.batches.push(batch);
      entry.lastTimestamp = timestamp;
    }
    if (transactional && entry.currentTxnFirstOffset < 0) {
      entry.currentTxnFirstOffset = firstOffset;
      this.ongoing.set(producerId, firstOffset);
    }
  }

  /** Rule 8: whether the coordinator's marker may be written. Changes nothing. */
  checkMarker(m: TxnMarker): AppendCheck {
    const entry = this.entries.get(m.producerId);
    if (!entry) return OK;
    if (m.producerEpoch < entry.producerEpoch) {
      return { errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, errorMessage: `marker epoch ${m.producerEpoch} of producer ${m.producerId} is older than its epoch ${entry.producerEpoch}` };
    }
    if (m.coordinatorEpoch < entry.coordinatorEpoch) {
      return {
        errorCode: ErrorCode.TRANSACTION_COORDINATOR_FENCED,
        errorMessage: `marker of coordinator epoch ${m.coordinatorEpoch} for producer ${m.producerId}, which has seen coordinator epoch ${entry.coordinatorEpoch}`,
      };
    }
    return OK;
  }

  /**
   * Records a marker now in the log: ends the producer's open transaction and answers its
   * first offset (-1 when none was open here).
   */
  applyMarker(m: TxnMarker, timestamp: number): number {
    let entry = this.entries.get(m.producerId);
    if (!entry) {
      entry = { producerId: m.producerId, producerEpoch: m.producerEpoch, batches: [], lastTimestamp: timestamp, coordinatorEpoch: m.coordinatorEpoch, currentTxnFirstOffset: -1 };
      this.entries.set(m.producerId, entry);
      return -1;
    }
    if (entry.producerEpoch !== m.producerEpoch) {
      entry.producerEpoch = m.producerEpoch;
      entry.batches = [];
    }
    entry.coordinatorEpoch = m.coordinatorEpoch;
    entry.lastTimestamp = Math.max(entry.lastTimestamp, timestamp);
    const first = entry.currentTxnFirstOffset;
    entry.currentTxnFirstOffset = -1;
    this.ongoing.delete(m.producerId);
    return first;
  }

  private isExpired(entry: ProducerEntry, nowMs: number): boolean {
    return entry.currentTxnFirstOffset < 0 && nowMs - entry.lastTimestamp >= this.producerIdExpirationMs;
  }

  /** Forgets producers with no write for producer.id.expiration.ms; returns how many. */
  removeExpired(nowMs: number): number {
    let removed = 0;
    for (const [id, entry] of this.entries) {
      if (this.isExpired(entry, nowMs)) {
        this.entries.delete(id);
        removed++;
      }
    }
    return removed;
  }

  clear(): void {
    this.entries.clear();
    this.ongoing.clear();
  }

  /** Every known producer, for DescribeProducers, by producer id. */
  activeProducers(): ActiveProducer[] {
    return [...this.entries.values()]
      .sort((a, b) => a.producerId - b.producerId)
      .map((e) => ({
        producerId: e.producerId,
        producerEpoch: e.producerEpoch,
        lastSequence: e.batches[e.batches.length - 1]?.lastSeq ?? NO_SEQUENCE,
        lastTimestamp: e.lastTimestamp,
        coordinatorEpoch: e.coordinatorEpoch,
        currentTxnStartOffset: e.currentTxnFirstOffset,
      }));
  }

  // --- Snapshots ---------------------------------------------------------------------------

  /** Offsets of the snapshot files in the directory, ascending. */
  snapshotOffsets(): number[] {
    return fsio
      .readdirSync(this.dir)
      .filter((n) => /^\d{20}\.snapshot$/.test(n))
      .map((n) => Number(n.slice(0, 20)))
      .sort((a, b) => a - b);
  }

  snapshotPath(offset: number): string {
    return join(this.dir, `${String(offset).padStart(20, '0')}${SNAPSHOT_SUFFIX}`);
  }

  /** Writes the state as the snapshot at `offset` (every batch below it is in the state), durably, on this thread (shutdown). */
  takeSnapshot(offset: number): void {
    writeFileDurablySync(this.snapshotPath(offset), encodeSnapshot(offset, [...this.entries.values()]));
  }

  /** The snapshot file's bytes for the state as it is now, at `offset`. */
  snapshotBytes(offset: number): Buffer {
    return encodeSnapshot(offset, [...this.entries.values()]);
  }

  /**
   * takeSnapshot with the write and its fsyncs on the thread pool, so that a roll does not
   * stall the partition's thread: the state is encoded now (later appends are not in it), and
   * the returned function writes it when the caller's background work gets to it.
   */
  prepareSnapshot(offset: number): () => Promise<void> {
    const bytes = encodeSnapshot(offset, [...this.entries.values()]);
    return () => writeFileDurably(this.snapshotPath(offset), bytes, this.dir);
  }

  /**
   * Replaces the state with the newest readable snapshot at or below `maxOffset`, leaving out
   * producers already expired at `nowMs`. Snapshots above `maxOffset` (from before a
   * truncation) and unreadable ones are deleted. Returns the snapshot's offset, or undefined
   * when none was loaded (the state is then empty).
   */
  loadLatestSnapshot(maxOffset: number, nowMs: number): number | undefined {
    this.clear();
    const offsets = this.snapshotOffsets();
    for (let i = offsets.length - 1; i >= 0; i--) {
      const offset = offsets[i]!;
      const path = this.snapshotPath(offset);
      if (offset > maxOffset) {
        fsio.rmSync(path, { force: true });
        continue;
      }
      const decoded = decodeSnapshot(fsio.readFileSync(path));
      if (!decoded || decoded.offset !== offset) {
        fsio.rmSync(path, { force: true });
        continue;
      }
      for (const e of decoded.entries) if (!this.isExpired(e, nowMs)) this.entries.set(e.producerId, e);
      const open = decoded.entries.filter((e) => e.currentTxnFirstOffset >= 0).sort((a, b) => a.currentTxnFirstOffset - b.currentTxnFirstOffset);
      for (const e of open) this.ongoing.set(e.producerId, e.currentTxnFirstOffset);
      return offset;
    }
    return undefined;
  }

  /**
   * Deletes snapshots below `offset` (the oldest segment's base, after retention), always
   * keeping the newest snapshot: the state never depends on which segments remain.
   */
  deleteSnapshotsBelow(offset: number): number {
    const offsets = this.snapshotOffsets();
    let deleted = 0;
    for (const o of offsets.slice(0, -1)) {
      if (o >= offset) break;
      fsio.rmSync(this.snapshotPath(o), { force: true });
      deleted++;
    }
    return deleted;
  }
}

/** A big-endian int64 from a JavaScript number (exact below 2^53), for this engine's own files. */
export function writeInt64(b: Buffer, v: number, at: number): void {
  const hi = Math.floor(v / TWO_32);
  b.writeInt32BE(hi, at);
  b.writeUInt32BE(v - hi * TWO_32, at + 4);
}

export function readInt64(b: Buffer, at: number): number {
  return b.readInt32BE(at) * TWO_32 + b.readUInt32BE(at + 4);
}

/** The snapshot file's bytes (layout in the file header). */
export function encodeSnapshot(offset: number, entries: readonly ProducerEntry[]): Buffer {
  let size = SNAPSHOT_HEADER_BYTES;
  for (const e of entries) size += ENTRY_HEADER_BYTES + e.batches.length * BATCH_RECORD_BYTES;
  const b = Buffer.alloc(size);
  b.writeInt16BE(SNAPSHOT_VERSION, 0);
  writeInt64(b, offset, 6);
  b.writeInt32BE(entries.length, 14);
  let at = SNAPSHOT_HEADER_BYTES;
  for (const e of entries) {
    if (e.batches.length > NUM_BATCHES_TO_RETAIN) throw new Error(`producer ${e.producerId} has ${e.batches.length} batches`);
    writeInt64(b, e.producerId, at);
    b.writeInt16BE(e.producerEpoch, at + 8);
    writeInt64(b, e.lastTimestamp, at + 10);
    b.writeInt32BE(e.coordinatorEpoch, at + 18);
    writeInt64(b, e.currentTxnFirstOffset, at + 22);
    b.writeInt8(e.batches.length, at + 30);
    at += ENTRY_HEADER_BYTES;
    for (const m of e.batches) {
      b.writeInt32BE(m.lastSeq, at);
      writeInt64(b, m.lastOffset, at + 4);
      b.writeInt32BE(m.offsetDelta, at + 12);
      writeInt64(b, m.timestamp, at + 16);
      at += BATCH_RECORD_BYTES;
    }
  }
  b.writeUInt32BE(crc32c(b, SNAPSHOT_CRC_START, b.length), 2);
  return b;
}

/** Parses a snapshot file; undefined when its version, CRC or lengths are wrong. */
export function decodeSnapshot(b: Buffer): { offset: number; entries: ProducerEntry[] } | undefined {
  if (b.length < SNAPSHOT_HEADER_BYTES) return undefined;
  const version = b.readInt16BE(0);
  if (version !== SNAPSHOT_VERSION && version !== 1) return undefined;
  if (b.readUInt32BE(2) !== crc32c(b, SNAPSHOT_CRC_START, b.length)) return undefined;
  const headerBytes = version === 1 ? ENTRY_HEADER_BYTES_V1 : ENTRY_HEADER_BYTES;
  const offset = readInt64(b, 6);
  const count = b.readInt32BE(14);
  // Each entry takes at least its header: a count beyond that is garbage.
  if (count < 0 || count > (b.length - SNAPSHOT_HEADER_BYTES) / headerBytes) return undefined;
  const entries: ProducerEntry[] = [];
  let at = SNAPSHOT_HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    if (at + headerBytes > b.length) return undefined;
    const producerId = readInt64(b, at);
    const producerEpoch = b.readInt16BE(at + 8);
    const lastTimestamp = readInt64(b, at + 10);
    const coordinatorEpoch = version === 1 ? -1 : b.readInt32BE(at + 18);
    const currentTxnFirstOffset = version === 1 ? -1 : readInt64(b, at + 22);
    const batchCount = b.readInt8(at + headerBytes - 1);
    at += headerBytes;
    if (batchCount < (version === 1 ? 1 : 0) || batchCount > NUM_BATCHES_TO_RETAIN || at + batchCount * BATCH_RECORD_BYTES > b.length) return undefined;
    const batches: BatchMetadata[] = [];
    for (let k = 0; k < batchCount; k++) {
      batches.push({ lastSeq: b.readInt32BE(at), lastOffset: readInt64(b, at + 4), offsetDelta: b.readInt32BE(at + 12), timestamp: readInt64(b, at + 16) });
      at += BATCH_RECORD_BYTES;
    }
    entries.push({ producerId, producerEpoch, batches, lastTimestamp, coordinatorEpoch, currentTxnFirstOffset });
  }
  if (at !== b.length) return undefined;
  return { offset, entries };
}
