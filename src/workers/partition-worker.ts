/**
 * A partition worker: a worker thread that owns a shard of partition logs (a LogHost).
 *
 * It drains every command waiting in its command ring, runs them in order against the logs
 * (appends with their flush deferred), flushes the logs whose policy is due once for the whole
 * group — so one fdatasync answers every append that arrived meanwhile — and only then writes
 * the replies. Between groups it sleeps on the ring (Atomics.waitAsync, so that control
 * messages from postMessage and the upkeep timer still run).
 *
 * Runs on its own worker thread; started by broker/partitions/worker-host.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ErrorCode } from '../protocol/errors.js';
import { LogHost } from './log-host.js';
import {
  COMMAND_HEADER_BYTES,
  type ControlMessage,
  type ControlReply,
  type LogStats,
  Op,
  REPLY_HEADER_BYTES,
  type WorkerData,
  WorkerStatsSlot,
  writeReplyHeader,
} from './messages.js';
import { RingConsumer, RingProducer } from './ring.js';

const data = workerData as WorkerData;
const commands = new RingConsumer(data.commands);
const replies = new RingProducer(data.replies);
const host = new LogHost(data.options);
const port = parentPort!;
let running = true;

/** Replies of the current group, written after its flush. */
let pending: Buffer[] = [];
// Metrics: the slots this worker hosts (for 'stats'), and the time it spent working, published
// in shared memory (messages.ts) so the main thread reads it even while this thread is busy.
const slots = new Set<number>();
const counters = new BigInt64Array(data.stats);
let busyMs = 0;
function addBusy(ms: number): void {
  busyMs += ms;
  Atomics.store(counters, WorkerStatsSlot.busyMicros, BigInt(Math.round(busyMs * 1000)));
}

function reply(op: Op, requestId: number, errorCode: number, bodyBytes: number, fill: (b: Buffer) => void): void {
  const b = Buffer.allocUnsafe(REPLY_HEADER_BYTES + bodyBytes);
  writeReplyHeader(b, op, requestId, errorCode);
  fill(b);
  pending.push(b);
}

function handle(message: Buffer): void {
  const op = message[0] as Op;
  const requestId = message.readUInt32LE(4);
  const slot = message.readUInt32LE(8);
  try {
    switch (op) {
      case Op.Append: {
        // The records are a view of the ring: appended (offsets patched) straight from shared memory.
        const r = host.append(slot, message.subarray(COMMAND_HEADER_BYTES), true);
        const leo = host.summary(slot)?.logEndOffset ?? -1;
        reply(op, requestId, r.errorCode, 40, (b) => {
          b.writeDoubleLE(r.baseOffset, 12);
          b.writeDoubleLE(r.lastOffset, 20);
          b.writeDoubleLE(r.logAppendTimeMs, 28);
          b.writeDoubleLE(r.logStartOffset, 36);
          b.writeDoubleLE(leo, 44);
        });
        return;
      }
      case Op.Read: {
        const r = host.read(slot, message.readDoubleLE(12), message.readUInt32LE(20));
        const leo = host.summary(slot)?.logEndOffset ?? -1;
        const path = r.slice ? Buffer.from(r.slice.path) : undefined;
        reply(op, requestId, r.errorCode, 24 + (path ? 14 + path.length : 0), (b) => {
          b.writeDoubleLE(r.highWatermark, 12);
          b.writeDoubleLE(r.logStartOffset, 20);
          b.writeDoubleLE(leo, 28);
          if (r.slice && path) {
            b.writeDoubleLE(r.slice.position, 36);
            b.writeUInt32LE(r.slice.length, 44);
            b.writeUInt16LE(path.length, 48);
            path.copy(b, 50);
          }
        });
        return;
      }
      case Op.ListOffset: {
        const r = host.listOffset(slot, message.readDoubleLE(12));
        reply(op, requestId, r.errorCode, 16, (b) => {
          b.writeDoubleLE(r.offset, 12);
          b.writeDoubleLE(r.timestamp, 20);
        });
        return;
      }
      case Op.DeleteRecords: {
        const r = host.deleteRecords(slot, message.readDoubleLE(12));
        reply(op, requestId, r.errorCode, 8, (b) => b.writeDoubleLE(r.lowWatermark, 12));
        return;
      }
      default:
        reply(op, requestId, ErrorCode.UNKNOWN_SERVER_ERROR, 0, () => {});
    }
  } catch (e) {
    // An I/O failure on one partition answers that command; the worker keeps serving the rest.
    console.error(`partition worker: ${(e as Error).stack ?? e}`);
    pending.push(
      (() => {
        const b = Buffer.alloc(REPLY_HEADER_BYTES + 48);
        writeReplyHeader(b, op, requestId, ErrorCode.KAFKA_STORAGE_ERROR);
        return b;
      })(),
    );
  }
}

async function serve(): Promise<void> {
  while (running) {
    // Busy time (metrics): one clock read per drained group; waiting for room in the reply ring is not work.
    let startedMs = performance.now();
    commands.drain(handle);
    host.flushDue();
    const out = pending;
    pending = [];
    for (const b of out) {
      if (replies.tryWrite(b)) continue;
      addBusy(performance.now() - startedMs);
      await replies.write(b);
      startedMs = performance.now();
    }
    addBusy(performance.now() - startedMs);
    if (!commands.hasMessages()) await commands.waitForMessages(data.tickIntervalMs);
  }
}

const timer = setInterval(() => {
  const startedMs = performance.now();
  host.tick();
  addBusy(performance.now() - startedMs);
}, data.tickIntervalMs);

function logStats(): LogStats[] {
  const out: LogStats[] = [];
  for (const slot of slots) {
    const s = host.summary(slot);
    if (s) out.push({ slot, sizeBytes: s.sizeBytes, segmentCount: s.segmentCount, logStartOffset: s.logStartOffset, logEndOffset: s.logEndOffset });
  }
  return out;
}

port.on('message', (m: ControlMessage) => {
  let answer: ControlReply;
  try {
    switch (m.type) {
      case 'open':
        answer = { type: 'opened', id: m.id, summary: host.open(m.partition) };
        slots.add(m.partition.slot);
        break;
      case 'close':
        host.close(m.slot, m.remove);
        slots.delete(m.slot);
        answer = { type: 'done', id: m.id };
        break;
      case 'config':
        host.setConfig(m.slot, m.config);
        answer = { type: 'done', id: m.id };
        break;
      case 'producers':
        answer = { type: 'producers', id: m.id, ...host.describeProducers(m.slot) };
        break;
      case 'stats':
        answer = { type: 'stats', id: m.id, logs: logStats() };
        break;
      case 'shutdown':
        running = false;
        clearInterval(timer);
        host.closeAll();
        answer = { type: 'done', id: m.id };
        port.postMessage(answer);
        port.close();
        return;
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    answer = { type: 'error', id: m.id, message: (e as Error).message, ...(typeof code === 'string' ? { code } : {}) };
  }
  port.postMessage(answer);
});

void serve();
