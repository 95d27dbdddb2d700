import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type AppendResult, FetchIsolation, type ReadResult } from '../../src/core/partition-log.js';
import {
  AppendCommand,
  AppendReply,
  COMMAND_HEADER_BYTES,
  DeleteRecordsCommand,
  DeleteRecordsReply,
  ListOffsetCommand,
  ListOffsetReply,
  MAX_ERROR_MESSAGE_BYTES,
  MAX_RECORD_ERRORS,
  MAX_REPLY_BYTES,
  Op,
  RING_COMMANDS,
  RING_REPLIES,
  MarkerCommand,
  ReadCommand,
  ReadReply,
  ReplicaAppendCommand,
  ReplicaCommand,
  ReplicaOp,
  type RingMessage,
  type RingReply,
  decodeReply,
  encodeCommand,
  encodeReply,
  readCommandHeader,
} from '../../src/workers/messages.js';

function commandRoundTrip<T>(m: RingMessage<T>, value: T): T {
  const b = Buffer.alloc(COMMAND_HEADER_BYTES + m.bodyBytes(value));
  const length = encodeCommand(m, b, 77, 9, value);
  assert.is(length, b.length, `${m.name}: the encoded length is bodyBytes plus the header`);
  assert.equal(readCommandHeader(b), { op: m.op, requestId: 77, slot: 9 });
  return m.decode(b, COMMAND_HEADER_BYTES, b.length);
}

function replyRoundTrip<T extends { errorCode: number }>(m: RingReply<T>, value: T): T {
  const b = encodeReply(m, 4242, value);
  assert.is(b[0], m.op);
  assert.is(b.readUInt32LE(4), 4242);
  return decodeReply(m, b);
}

test('every command decodes to what was encoded', () => {
  const records = Buffer.from('batches as received');
  assert.equal(commandRoundTrip(AppendCommand, { records }).records, records);
  assert.equal(commandRoundTrip(ReadCommand, { offset: 2 ** 52 + 3, maxBytes: 1_048_576, isolation: FetchIsolation.TxnCommitted }), { offset: 2 ** 52 + 3, maxBytes: 1_048_576, isolation: FetchIsolation.TxnCommitted });
  assert.equal(commandRoundTrip(ReplicaAppendCommand, { records }).records, records);
  assert.equal(commandRoundTrip(ReplicaCommand, { kind: ReplicaOp.TruncateTo, value: 2 ** 50 + 1 }), { kind: ReplicaOp.TruncateTo, value: 2 ** 50 + 1 });
  assert.equal(commandRoundTrip(ListOffsetCommand, { timestamp: -3, readCommitted: false }), { timestamp: -3, readCommitted: false });
  const marker = { producerId: 2 ** 40 + 7, producerEpoch: 32766, coordinatorEpoch: 3, commit: true };
  assert.equal(commandRoundTrip(MarkerCommand, marker), marker);
  assert.equal(commandRoundTrip(MarkerCommand, { ...marker, commit: false, producerEpoch: 0 }), { ...marker, commit: false, producerEpoch: 0 });
  assert.equal(commandRoundTrip(DeleteRecordsCommand, { offset: -1 }), { offset: -1 });
  assert.is(RING_COMMANDS.length, Object.keys(Op).length, 'one command per op');
});

test('every reply decodes to what was encoded, successes and failures alike', () => {
  const ok: AppendResult = { errorCode: 0, baseOffset: 10, lastOffset: 14, logAppendTimeMs: -1, logStartOffset: 0, logEndOffset: 15, recordCount: 5 };
  assert.equal(replyRoundTrip(AppendReply, ok), ok);
  const dup: AppendResult = { ...ok, duplicate: true };
  assert.equal(replyRoundTrip(AppendReply, dup), dup);
  const refused: AppendResult = {
    ...AppendReply.failed(87, 'One or more records have been rejected'),
    recordErrors: [
      { batchIndex: 0, message: 'Compacted topic cannot accept message without key' },
      { batchIndex: 3, message: null },
    ],
  };
  assert.equal(replyRoundTrip(AppendReply, refused), refused);
  const read: ReadResult = {
    errorCode: 0,
    highWatermark: 100,
    lastStableOffset: 100,
    logStartOffset: 4,
    logEndOffset: 100,
    slice: { path: '/data/grüße-0/00000000000000000000.log', inode: 123456789, position: 4096, length: 65536 },
  };
  assert.equal(replyRoundTrip(ReadReply, read), read);
  const committed: ReadResult = { ...read, lastStableOffset: 60, abortedTransactions: [{ producerId: 9, firstOffset: 12 }, { producerId: 2 ** 45, firstOffset: 50 }] };
  assert.equal(replyRoundTrip(ReadReply, committed), committed);
  const none: ReadResult = { ...read, abortedTransactions: [] };
  assert.equal(replyRoundTrip(ReadReply, none), none);
  const empty: ReadResult = { errorCode: 0, highWatermark: 5, lastStableOffset: 5, logStartOffset: 0, logEndOffset: 5 };
  assert.equal(replyRoundTrip(ReadReply, empty), empty);
  assert.equal(replyRoundTrip(ReadReply, ReadReply.failed(56, 'log directory /d is offline')), ReadReply.failed(56, 'log directory /d is offline'));
  assert.equal(replyRoundTrip(ListOffsetReply, { errorCode: 0, offset: 7, timestamp: 1_700_000_000_000 }), { errorCode: 0, offset: 7, timestamp: 1_700_000_000_000 });
  assert.equal(replyRoundTrip(ListOffsetReply, ListOffsetReply.failed(6)), ListOffsetReply.failed(6));
  assert.equal(replyRoundTrip(DeleteRecordsReply, { errorCode: 0, lowWatermark: 42 }), { errorCode: 0, lowWatermark: 42 });
  assert.equal(replyRoundTrip(DeleteRecordsReply, DeleteRecordsReply.failed(1, 'out of range')), DeleteRecordsReply.failed(1, 'out of range'));
  assert.is(RING_REPLIES.length, RING_COMMANDS.length, 'one reply per command');
});

test('error details are bounded so that every reply fits the ring, whatever a batch held', () => {
  const huge: AppendResult = {
    ...AppendReply.failed(87, 'é'.repeat(10_000)),
    recordErrors: Array.from({ length: 10_000 }, (_, i) => ({ batchIndex: i, message: `record ${i} ${'x'.repeat(5_000)}` })),
  };
  const b = encodeReply(AppendReply, 1, huge);
  assert.ok(b.length <= MAX_REPLY_BYTES, `${b.length} bytes`);
  const back = decodeReply(AppendReply, b);
  assert.is(back.recordErrors!.length, MAX_RECORD_ERRORS);
  assert.ok(Buffer.byteLength(back.errorMessage!) <= MAX_ERROR_MESSAGE_BYTES);
  assert.ok(back.errorMessage!.startsWith('éé'), 'cut at a character boundary, still valid UTF-8');
  assert.not.ok(back.errorMessage!.includes('\ufffd'));
});

test('a truncated reply is refused rather than read past its end', () => {
  const b = encodeReply(ReadReply, 1, { errorCode: 0, highWatermark: 1, lastStableOffset: 1, logStartOffset: 0, logEndOffset: 1, slice: { path: '/a/b.log', inode: 1, position: 0, length: 1 } });
  assert.throws(() => decodeReply(ReadReply, b.subarray(0, b.length - 3)), RangeError);
});

test.run();
