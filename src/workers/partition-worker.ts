/**
 * A partition worker: a worker thread that owns a shard of partition logs (a LogHost).
 *
 * It drains every command waiting in its command ring and runs them in order against the logs.
 * Then it starts the flushes due for the logs appended to (one fdatasync each, on libuv's
 * thread pool: group commit without stalling this thread) and writes the replies: at once for
 * everything that waits for no flush, and as each flush completes for the appends it covers
 * (KAFKA_STORAGE_ERROR if it failed). Meanwhile it goes on draining. Between groups it sleeps
 * on the ring (Atomics.waitAsync, so that control messages from postMessage and the upkeep
 * timer still run).
 *
 * Faults: storage errors are the LogHost's to handle (the log directory goes offline; the main
 * thread hears of it as a WorkerEvent and tells every worker). A programmer error is not caught
 * here: it kills this thread, loudly, and the host restarts it with its logs recovered
 * (partitions/worker-host.ts). Log lines of the storage engine go to the main thread.
 *
 * Runs on its own worker thread; started by broker/partitions/worker-host.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { clearFaults, injectFaults } from '../core/fs.js';
import type { Logger } from '../core/logger.js';
import { ErrorCode } from '../protocol/errors.js';
import { LogHost } from './log-host.js';
import {
  AppendCommand,
  AppendReply,
  COMMAND_HEADER_BYTES,
  type ControlMessage,
  type ControlReply,
  DeleteRecordsCommand,
  DeleteRecordsReply,
  ListOffsetCommand,
  MarkerCommand,
  MarkerReply,
  CoordinatorAppendReply,
  ListOffsetReply,
  Op,
  ReadCommand,
  ReadReply,
  ReplicaAppendCommand,
  ReplicaAppendReply,
  ReplicaCommand,
  ReplicaReply,
  type WorkerData,
  type WorkerEvent,
  WorkerStatsSlot,
  encodeReply,
  readCommandHeader,
} from './messages.js';
import { RingConsumer, RingProducer } from './ring.js';

const data = workerData as WorkerData;
const port = parentPort!;
const commands = new RingConsumer(data.commands);
const replies = new RingProducer(data.replies);

const emit = (e: WorkerEvent): void => port.postMessage(e);
const logger: Logger = {
  error: (message) => emit({ type: 'log', level: 'ERROR', message }),
  warn: (message) => emit({ type: 'log', level: 'WARN', message }),
  info: (message) => emit({ type: 'log', level: 'INFO', message }),
};
const host = new LogHost({
  ...data.options,
  logger,
  events: {
    logDirFailed: (logDir, code, message, partition) => emit({ type: 'dir-failed', logDir, code, message, partition }),
    filesRemoved: (paths) => emit({ type: 'files-removed', paths }),
    uncleanable: (slot, reason) => emit({ type: 'uncleanable', slot, reason }),
    // A bug in background work: rethrown outside any promise, so the thread dies and is restarted.
    internalError: (context, e) =>
      setImmediate(() => {
        throw Object.assign(e instanceof Error ? e : new Error(String(e)), { message: `${context}: ${(e as Error).message ?? e}` });
      }),
  },
});
let running = true;

// Metrics: the time this worker spent working, published in shared memory (messages.ts) so the
// main thread reads it even while this thread is busy.
const counters = new BigInt64Array(data.stats);
let busyMs = 0;
function addBusy(ms: number): void {
  busyMs += ms;
  Atomics.store(counters, WorkerStatsSlot.busyMicros, BigInt(Math.round(busyMs * 1000)));
}

/** Replies of the current group, and the appends that wait for a flush, by slot. */
let ready: Buffer[] = [];
let appendsBySlot = new Map<number, { requestId: number; result: ReturnType<LogHost['append']>; reply: typeof AppendReply }[]>();

function handle(message: Buffer): void {
  const { op, requestId, slot } = readCommandHeader(message);
  const at = COMMAND_HEADER_BYTES;
  switch (op) {
    case Op.Append:
    case Op.CoordinatorAppend: {
      const { records } = AppendCommand.decode(message, at, message.length);
      const coordinator = op === Op.CoordinatorAppend;
      const result = host.append(slot, records, coordinator ? 'coordinator' : 'client');
      let list = appendsBySlot.get(slot);
      if (!list) appendsBySlot.set(slot, (list = []));
      list.push({ requestId, result, reply: coordinator ? CoordinatorAppendReply : AppendReply });
      return;
    }
    case Op.ReplicaAppend: {
      const { records } = ReplicaAppendCommand.decode(message, at, message.length);
      const result = host.appendAsFollower(slot, records);
      let list = appendsBySlot.get(slot);
      if (!list) appendsBySlot.set(slot, (list = []));
      list.push({ requestId, result, reply: ReplicaAppendReply });
      return;
    }
    case Op.Replica: {
      const { kind, value } = ReplicaCommand.decode(message, at, message.length);
      ready.push(encodeReply(ReplicaReply, requestId, host.replica(slot, kind, value)));
      return;
    }
    case Op.Marker: {
      // Answered like an append: after the group's flush when one is due.
      const result = host.appendMarker(slot, MarkerCommand.decode(message, at, message.length));
      let list = appendsBySlot.get(slot);
      if (!list) appendsBySlot.set(slot, (list = []));
      list.push({ requestId, result, reply: MarkerReply });
      return;
    }
    case Op.Read: {
      const { offset, maxBytes, isolation } = ReadCommand.decode(message, at, message.length);
      ready.push(encodeReply(ReadReply, requestId, host.read(slot, offset, maxBytes, isolation)));
      return;
    }
    case Op.ListOffset: {
      const { timestamp, readCommitted } = ListOffsetCommand.decode(message, at, message.length);
      ready.push(encodeReply(ListOffsetReply, requestId, host.listOffset(slot, timestamp, readCommitted)));
      return;
    }
    case Op.DeleteRecords: {
      const { offset } = DeleteRecordsCommand.decode(message, at, message.length);
      const { durable, ...result } = host.deleteRecords(slot, offset);
      if (!durable) {
        ready.push(encodeReply(DeleteRecordsReply, requestId, result));
        return;
      }
      // Answered once the new log start offset is in its checkpoint on disk.
      durable.then(
        () => send([encodeReply(DeleteRecordsReply, requestId, result)]),
        (e: unknown) => send([encodeReply(DeleteRecordsReply, requestId, DeleteRecordsReply.failed(ErrorCode.KAFKA_STORAGE_ERROR, `checkpoint write failed: ${(e as Error).message ?? e}`))]),
      );
      return;
    }
    default:
      throw new Error(`partition worker: unknown command op ${op as number}`);
  }
}

/** Writes replies in order, waiting for room in the reply ring (not counted as busy time). */
let writing: Promise<void> = Promise.resolve();
function send(out: Buffer[]): void {
  const queuedBefore = writing;
  writing = (async () => {
    await queuedBefore;
    for (const b of out) if (!replies.tryWrite(b)) await replies.write(b);
  })();
}

/**
 * The most work a turn of the serving loop does before its answers go out. Commands are taken
 * one at a time until the ring is empty or this much time has passed; then the turn's appends
 * are flushed as one group (flush.messages) and answered, and the next turn begins. Without the
 * bound, a full ring of batches that are slow to append (compressed ones, inflated to validate
 * their records) was drained whole before the first of them was answered: the producer's
 * requests came back as one wave, and the worker sat idle while the next wave was sent.
 */
const SERVE_SLICE_MS = 1;

async function serve(): Promise<void> {
  while (running) {
    const startedMs = performance.now();
    while (commands.drain(handle, 1) === 1 && performance.now() - startedMs < SERVE_SLICE_MS);
    const flushes = host.flushDue();
    const group = appendsBySlot;
    appendsBySlot = new Map();
    for (const f of flushes) {
      const waiting = group.get(f.slot);
      if (!waiting) continue;
      group.delete(f.slot);
      f.flushed.then(
        () => send(waiting.map((w) => encodeReply(w.reply, w.requestId, w.result))),
        (e: unknown) =>
          send(
            waiting.map((w) =>
              encodeReply(w.reply, w.requestId, {
                ...w.result,
                errorCode: ErrorCode.KAFKA_STORAGE_ERROR,
                errorMessage: `flush failed: ${(e as Error).message ?? e}`,
                baseOffset: -1,
                lastOffset: -1,
              }),
            ),
          ),
      );
    }
    for (const waiting of group.values()) for (const w of waiting) ready.push(encodeReply(w.reply, w.requestId, w.result));
    const out = ready;
    ready = [];
    if (out.length > 0) send(out);
    addBusy(performance.now() - startedMs);
    // Backpressure: with the reply ring full, stop taking commands until it drains.
    await writing;
    if (!commands.hasMessages()) await commands.waitForMessages(data.tickIntervalMs);
  }
}

const timer = setInterval(() => {
  const startedMs = performance.now();
  host.tick();
  addBusy(performance.now() - startedMs);
}, data.tickIntervalMs);

async function control(m: ControlMessage): Promise<ControlReply> {
  switch (m.type) {
    case 'open':
      return { type: 'opened', id: m.id, summary: host.open(m.partition) };
    case 'close':
      await host.close(m.slot, m.remove);
      return { type: 'done', id: m.id };
    case 'config':
      host.setConfig(m.slot, m.config);
      return { type: 'done', id: m.id };
    case 'producers':
      return { type: 'producers', id: m.id, ...host.describeProducers(m.slot) };
    case 'stats':
      return { type: 'stats', id: m.id, logs: host.stats() };
    case 'dir-offline':
      host.markDirOffline(m.logDir, m.reason);
      return { type: 'done', id: m.id };
    case 'probe-dir':
      await host.probeDir(m.logDir);
      return { type: 'done', id: m.id };
    case 'recover-dir':
      return { type: 'recovered', id: m.id, summaries: await host.recoverDir(m.logDir) };
    case 'faults':
      clearFaults();
      injectFaults(m.rules);
      return { type: 'done', id: m.id };
    case 'shutdown':
      running = false;
      clearInterval(timer);
      await host.closeAll();
      return { type: 'done', id: m.id };
  }
}

port.on('message', (m: ControlMessage) => {
  control(m).then(
    (answer) => {
      port.postMessage(answer);
      if (m.type === 'shutdown') port.close();
    },
    (e: unknown) => {
      const code = (e as NodeJS.ErrnoException).code;
      port.postMessage({ type: 'error', id: m.id, message: (e as Error).message ?? String(e), ...(typeof code === 'string' ? { code } : {}) } satisfies ControlReply);
      if (m.type === 'shutdown') port.close();
    },
  );
});

void serve().catch((e: unknown) => {
  // A programmer error while serving: die with it (the host restarts the worker).
  setImmediate(() => {
    throw e;
  });
});
