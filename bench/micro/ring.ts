/**
 * The ring (src/workers/ring.ts), measured two ways.
 *
 * cases(): on one thread, write a message and read it back, so the figure is the ring's own
 * cost per message (reserve, copy in, publish, peek, release) with no wake-up in it: 100 B,
 * 1 KiB and 16 KiB messages one at a time, and 100 B messages 64 per drain.
 *
 * Run directly, `node dist/bench/micro/ring.js [messageBytes...]`, it measures the round
 * trip across threads: the main thread writes messages into a command ring, a worker (this
 * same file, started with `ringEcho` in its workerData) copies each onto an answer ring, and
 * the main thread reads them back, waiting with Atomics.waitAsync as the broker does. It
 * prints messages/s and MB/s (payload bytes one way) per size.
 */
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import { isMainThread, Worker, workerData } from 'node:worker_threads';
import { createRing, RingConsumer, RingProducer } from '../../src/workers/ring.js';
import type { MicroCase } from './case.js';
import { jsonRecords } from './data.js';

/** Large enough that a 16 KiB message is far below the limit (half the area). */
const RING_CAPACITY_BYTES = 1 << 20;

export function cases(): MicroCase[] {
  const ring = createRing(RING_CAPACITY_BYTES);
  const producer = new RingProducer(ring);
  const consumer = new RingConsumer(ring);
  const out: MicroCase[] = [];
  for (const size of [100, 1024, 16 * 1024]) {
    const message = jsonRecords(1, size)[0]!;
    out.push({
      group: 'ring',
      name: `write + read ${size} B, one thread`,
      bytes: size,
      fn: () => {
        producer.tryWrite(message);
        const view = consumer.peek();
        consumer.release();
        return view;
      },
    });
  }
  const small = jsonRecords(1, 100)[0]!;
  let sink = 0;
  const onMessage = (m: Buffer): void => {
    sink += m.length;
  };
  out.push({
    group: 'ring',
    name: 'write 64 × 100 B, drain once, one thread',
    bytes: 64 * 100,
    fn: () => {
      for (let i = 0; i < 64; i++) producer.tryWrite(small);
      consumer.drain(onMessage);
      return sink;
    },
  });
  return out;
}

interface EchoData {
  ringEcho: true;
  commands: SharedArrayBuffer;
  answers: SharedArrayBuffer;
}

function runEchoWorker(data: EchoData): void {
  const inbound = new RingConsumer(data.commands);
  const outbound = new RingProducer(data.answers);
  const echo = (message: Buffer): void => {
    let view = outbound.tryReserve(message.length);
    while (view === null) {
      outbound.waitForSpaceSync(message.length);
      view = outbound.tryReserve(message.length);
    }
    message.copy(view);
    outbound.commit();
  };
  do inbound.drain(echo);
  while (inbound.waitForMessagesSync());
  outbound.close();
}

async function crossThread(messageBytes: number, messageCount: number): Promise<void> {
  const data: EchoData = { ringEcho: true, commands: createRing(RING_CAPACITY_BYTES), answers: createRing(RING_CAPACITY_BYTES) };
  const worker = new Worker(new URL(import.meta.url), { workerData: data });
  const producer = new RingProducer(data.commands);
  const consumer = new RingConsumer(data.answers);
  const payload = jsonRecords(1, messageBytes)[0]!;
  await new Promise((resolve) => setTimeout(resolve, 50)); // let the worker start
  const started = performance.now();
  const send = async (): Promise<void> => {
    for (let seq = 0; seq < messageCount; seq++) {
      let view = producer.tryReserve(messageBytes);
      while (view === null) {
        await producer.waitForSpace(messageBytes);
        view = producer.tryReserve(messageBytes);
      }
      payload.copy(view);
      view.writeUInt32BE(seq, 0);
      producer.commit();
    }
    producer.close();
  };
  let received = 0;
  let drains = 0;
  const receive = async (): Promise<void> => {
    const onAnswer = (m: Buffer): void => {
      if (m.readUInt32BE(0) !== received) throw new Error(`answer ${received} out of order`);
      received++;
    };
    do {
      consumer.drain(onAnswer);
      drains++;
    } while (await consumer.waitForMessages());
  };
  await Promise.all([send(), receive()]);
  const seconds = (performance.now() - started) / 1000;
  await once(worker, 'exit');
  if (received !== messageCount) throw new Error(`received ${received} of ${messageCount}`);
  const perSecond = messageCount / seconds;
  console.log(
    `${String(messageBytes).padStart(6)} B  ${messageCount.toLocaleString('en').padStart(10)} messages  ` +
      `${Math.round(perSecond).toLocaleString('en').padStart(10)} msg/s  ${((perSecond * messageBytes) / 1e6).toFixed(0).padStart(6)} MB/s  ` +
      `${(messageCount / drains).toFixed(0).padStart(5)} answers per drain on the main thread`,
  );
}

if (!isMainThread && (workerData as Partial<EchoData> | null)?.ringEcho === true) {
  runEchoWorker(workerData as EchoData);
} else if (isMainThread && process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const sizes = process.argv.slice(2).map(Number);
  console.log(`main → worker → main echo through ${RING_CAPACITY_BYTES >> 10} KiB rings`);
  for (const size of sizes.length > 0 ? sizes : [100, 1024, 16 * 1024]) {
    // About 256 MB one way, or 2 million messages for the small sizes.
    await crossThread(size, Math.min(2_000_000, Math.floor(256e6 / size)));
  }
}
