/**
 * The records of `__transaction_state`, in Kafka's formats, so that the topic holds what a Kafka
 * broker would have written there.
 *
 *   key    int16 version 0 │ TransactionLogKey    transactionalId string
 *   value  int16 version   │ TransactionLogValue  producerId int64, producerEpoch int16,
 *                          │   transactionTimeoutMs int32, transactionStatus int8,
 *                          │   transactionPartitions [topic string, partitionIds []int32] (nullable),
 *                          │   transactionLastUpdateTimestampMs int64, transactionStartTimestampMs int64
 *                          │   version 1 is flexible, with tagged PreviousProducerId (0),
 *                          │   NextProducerId (1) and ClientTransactionVersion (2)
 *
 * A null value (tombstone) removes the transactional id (transactional.id.expiration.ms);
 * compaction keeps the last record per key. Spindle writes version 1 (the flexible one, with
 * the client's transaction version) while the transaction.version feature is 1 or 2, and
 * version 0 at level 0, as Kafka does; it reads both.
 *
 * A transactional id's records live in partition abs(hashCode(transactionalId)) % partitions,
 * the same function as a group's (records.ts of groups), so that an id lands where Kafka puts it.
 *
 * No I/O; any thread.
 */
import { compileStruct } from '../../protocol/codec/compile.js';
import { Reader } from '../../protocol/codec/reader.js';
import { Writer } from '../../protocol/codec/writer.js';
import { array, arrayOf, type Infer, int16, int32, int64, int8, string } from '../../protocol/schema.js';
import { partitionForGroup } from '../groups/records.js';

export const TRANSACTION_STATE_TOPIC = '__transaction_state';

const TransactionLogKey = { transactionalId: string('0') };

const TransactionLogValue = {
  producerId: int64('0+'),
  previousProducerId: int64('1+', { tag: 0, tagged: '1+', default: -1 }),
  nextProducerId: int64('1+', { tag: 1, tagged: '1+', default: -1 }),
  producerEpoch: int16('0+'),
  transactionTimeoutMs: int32('0+'),
  transactionStatus: int8('0+'),
  transactionPartitions: array('0+', { topic: string('0+'), partitionIds: arrayOf('int32', '0+') }, { nullable: '0+' }),
  transactionLastUpdateTimestampMs: int64('0+'),
  transactionStartTimestampMs: int64('0+'),
  clientTransactionVersion: int16('1+', { tag: 2, tagged: '1+', default: 0 }),
};

export type TransactionLogValueData = Infer<typeof TransactionLogValue>;

/** Kafka's TransactionState ids, as the value's transactionStatus holds them. */
export const TxnState = Object.freeze({
  Empty: 0,
  Ongoing: 1,
  PrepareCommit: 2,
  PrepareAbort: 3,
  CompleteCommit: 4,
  CompleteAbort: 5,
  Dead: 6,
  PrepareEpochFence: 7,
} as const);
export type TxnState = (typeof TxnState)[keyof typeof TxnState];

/** The names DescribeTransactions and ListTransactions use. */
export const TXN_STATE_NAMES: readonly string[] = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence'];

export const TXN_VALUE_VERSION = 0;
const HIGHEST_VALUE_VERSION = 1;

export function encodeTxnKey(transactionalId: string): Buffer {
  const w = new Writer(64);
  w.int16(0);
  compileStruct(TransactionLogKey, 0, false).encode(w, { transactionalId });
  return Buffer.from(w.finish());
}

export function decodeTxnKey(key: Buffer): string {
  const r = new Reader(key);
  const version = r.int16();
  r.ensureGood('TransactionLogKey');
  if (version !== 0) r.fail(`TransactionLogKey version ${version} is unknown`);
  const k = compileStruct(TransactionLogKey, 0, false).decode(r) as { transactionalId: string };
  r.ensureGood('TransactionLogKey');
  return k.transactionalId;
}

export function encodeTxnValue(value: TransactionLogValueData, version = TXN_VALUE_VERSION): Buffer {
  const w = new Writer(128);
  w.int16(version);
  compileStruct(TransactionLogValue, version, version >= 1).encode(w, value);
  return Buffer.from(w.finish());
}

export function decodeTxnValue(value: Buffer): TransactionLogValueData {
  const r = new Reader(value);
  const version = r.int16();
  r.ensureGood('TransactionLogValue');
  if (version < 0 || version > HIGHEST_VALUE_VERSION) r.fail(`TransactionLogValue version ${version} is unknown`);
  const v = compileStruct(TransactionLogValue, version, version >= 1).decode(r) as TransactionLogValueData;
  r.ensureGood('TransactionLogValue');
  if (v.transactionStatus < 0 || v.transactionStatus > 7) r.fail(`transaction status ${v.transactionStatus} is unknown`);
  return v;
}

/** The __transaction_state partition of a transactional id, as Kafka computes it. */
export function partitionForTransactionalId(transactionalId: string, partitions: number): number {
  return partitionForGroup(transactionalId, partitions);
}
