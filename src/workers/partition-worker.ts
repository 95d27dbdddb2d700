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
  Op,
  REPLY_HEADER_BYTES,
  type WorkerData,
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
    commands.drain(handle);
    host.flushDue();
    const out = pending;
    pending = [];
    for (const b of out) if (!replies.tryWrite(b)) await replies.write(b);
    if (!commands.hasMessages()) await commands.waitForMessages(data.tickIntervalMs);
  }
}

const timer = setInterval(() => host.tick(), data.tickIntervalMs);

port.on('message', (m: ControlMessage) => {
  let answer: ControlReply;
  try {
    switch (m.type) {
      case 'open':
        answer = { type: 'opened', id: m.id, summary: host.open(m.partition) };
        break;
      case 'close':
        host.close(m.slot, m.remove);
        answer = { type: 'done', id: m.id };
        break;
      case 'config':
        host.setConfig(m.slot, m.config);
        answer = { type: 'done', id: m.id };
        break;
      case 'producers':
        answer = { type: 'producers', id: m.id, ...host.describeProducers(m.slot) };
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
    answer = { type: 'error', id: m.id, message: (e as Error).message };
  }
  port.postMessage(answer);
});

void serve();
