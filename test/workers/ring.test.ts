import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  CACHE_LINE_BYTES,
  createRing,
  maxMessageBytesFor,
  MIN_RING_CAPACITY_BYTES,
  recordBytes,
  RING_HEADER_BYTES,
  RingConsumer,
  RingMessageTooLargeError,
  RingProducer,
  RingSlot,
} from '../../src/workers/ring.js';
import type { EchoWorkerData } from './ring-echo-worker.js';

function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Message number `seq`: its sequence number (when there is room), then bytes derived from it. */
function message(seq: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = (seq * 131 + i * 7 + (seq >>> 8)) & 0xff;
  if (length >= 4) out.writeUInt32BE(seq, 0);
  return out;
}

function ringPair(capacityBytes: number): { ring: SharedArrayBuffer; producer: RingProducer; consumer: RingConsumer; header: Int32Array } {
  const ring = createRing(capacityBytes);
  return { ring, producer: new RingProducer(ring), consumer: new RingConsumer(ring), header: new Int32Array(ring, 0, RING_HEADER_BYTES / 4) };
}

function readOne(consumer: RingConsumer): Buffer | null {
  const view = consumer.peek();
  if (view === null) return null;
  const copy = Buffer.from(view);
  consumer.release();
  return copy;
}

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no end after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

test('createRing refuses capacities that are not powers of two or are out of bounds', () => {
  for (const bad of [0, 32, 100, 1000, 3 * 1024, 2 ** 31, 1.5, NaN]) {
    assert.throws(() => createRing(bad), /power of two/, String(bad));
  }
  const ring = createRing(MIN_RING_CAPACITY_BYTES);
  assert.is(ring.byteLength, RING_HEADER_BYTES + MIN_RING_CAPACITY_BYTES);
});

test('the header puts head, tail and the futex words on separate cache lines ahead of an aligned data area', () => {
  const line = (slot: number) => Math.floor((slot * 4) / CACHE_LINE_BYTES);
  assert.is(line(RingSlot.head), 0);
  assert.is(line(RingSlot.closed), 0);
  assert.is(line(RingSlot.tail), 1);
  assert.is(line(RingSlot.consumerSleeping), 2);
  assert.is(line(RingSlot.producerWaiting), 2);
  assert.is(RING_HEADER_BYTES % CACHE_LINE_BYTES, 0);
  assert.ok(RingSlot.capacityBytes * 4 < RING_HEADER_BYTES);
  const { header } = ringPair(1024);
  assert.is(header[RingSlot.capacityBytes], 1024);
});

test('messages of varied sizes come out in order and byte-exact over many wrap-arounds, as an array queue and a space model say', () => {
  const capacityBytes = 256;
  const { ring, producer, consumer } = ringPair(capacityBytes);
  const max = producer.maxMessageBytes;
  assert.is(max, maxMessageBytesFor(capacityBytes));
  const rand = seededRandom(7);
  // The model: a queue of messages, and head and tail counters moved by the stated layout
  // (a record that does not fit before the end of the area pads it and starts at 0).
  const queue: { bytes: Buffer; neededBytes: number }[] = [];
  let modelHead = 0;
  let modelTail = 0;
  let seq = 0;
  let accepted = 0;
  let refused = 0;
  let paddings = 0;
  let bytesWritten = 0;
  for (let step = 0; step < 40_000; step++) {
    if (rand() < 0.55) {
      const pick = rand();
      const length = pick < 0.1 ? 0 : pick < 0.7 ? Math.floor(rand() * 40) : Math.floor(rand() * (max + 1));
      const bytes = message(seq, length);
      const position = modelHead % capacityBytes;
      const record = recordBytes(length);
      const neededBytes = record <= capacityBytes - position ? record : capacityBytes - position + record;
      const fits = capacityBytes - (modelHead - modelTail) >= neededBytes;
      const ok = producer.tryWrite(bytes);
      assert.is(ok, fits, `write ${seq} of ${length} bytes at position ${position}`);
      if (!ok) {
        assert.ok(queue.length > 0, 'an empty ring accepts any message within the limit');
        refused++;
        continue;
      }
      if (neededBytes > record) paddings++;
      queue.push({ bytes, neededBytes });
      modelHead += neededBytes;
      seq++;
      accepted++;
      bytesWritten += length;
    } else {
      const view = consumer.peek();
      const want = queue.shift();
      if (want === undefined) {
        assert.is(view, null);
        continue;
      }
      assert.ok(view !== null);
      assert.ok(view.buffer === ring, 'a message is read in place, from shared memory');
      assert.ok(view.equals(want.bytes), `message ${accepted - queue.length - 1}`);
      consumer.release();
      modelTail += want.neededBytes;
      assert.is(producer.usedBytes, modelHead - modelTail);
    }
  }
  assert.ok(bytesWritten > 100 * capacityBytes, `wrapped ${Math.floor(bytesWritten / capacityBytes)} times`);
  assert.ok(refused > 100, `refused ${refused} writes to a full ring`);
  assert.ok(paddings > 100, `padded ${paddings} times`);
});

test('a full ring refuses a write, then accepts it once the consumer releases a message', () => {
  const { producer, consumer } = ringPair(256);
  // 60-byte payload + 4-byte length = 64 bytes: four fill the 256-byte area exactly.
  for (let seq = 0; seq < 4; seq++) assert.ok(producer.tryWrite(message(seq, 60)));
  assert.is(producer.usedBytes, 256);
  assert.not.ok(producer.tryWrite(message(4, 60)));
  assert.not.ok(producer.tryWrite(Buffer.alloc(0)), 'not even an empty message fits');
  assert.is(producer.tryReserve(0), null);
  assert.ok(readOne(consumer)!.equals(message(0, 60)));
  assert.ok(producer.tryWrite(message(4, 60)));
  for (let seq = 1; seq <= 4; seq++) assert.ok(readOne(consumer)!.equals(message(seq, 60)));
  assert.is(consumer.peek(), null);
  assert.is(producer.usedBytes, 0);
});

test('a message larger than maxMessageBytes is refused up front with an error naming both sizes', async () => {
  const { producer } = ringPair(256);
  assert.is(producer.maxMessageBytes, 124);
  const big = Buffer.alloc(125);
  for (const attempt of [() => producer.tryWrite(big), () => producer.tryReserve(125), () => producer.write(big)]) {
    try {
      attempt();
      assert.unreachable('should refuse');
    } catch (err) {
      assert.instance(err, RingMessageTooLargeError);
      assert.match((err as Error).message, /125 bytes/);
      assert.match((err as Error).message, /at most 124 bytes/);
      assert.is((err as RingMessageTooLargeError).capacityBytes, 256);
    }
  }
  try {
    await producer.waitForSpace(125);
    assert.unreachable('should refuse');
  } catch (err) {
    assert.instance(err, RingMessageTooLargeError);
  }
  assert.is(producer.usedBytes, 0, 'nothing was written');
});

test('a message of exactly maxMessageBytes fits an empty ring wherever its head stands', () => {
  for (let shift = 0; shift < 256; shift += 4) {
    const { producer, consumer } = ringPair(256);
    // Each empty message moves head (and then tail) by 4 bytes.
    for (let i = 0; i < shift / 4; i++) {
      assert.ok(producer.tryWrite(Buffer.alloc(0)));
      assert.is(readOne(consumer)!.length, 0);
    }
    const biggest = message(shift, producer.maxMessageBytes);
    assert.ok(producer.tryWrite(biggest), `head at ${shift}`);
    assert.ok(readOne(consumer)!.equals(biggest));
    assert.ok(producer.tryWrite(biggest), `head at ${(shift + 128) % 256} after a wrap`);
    assert.ok(readOne(consumer)!.equals(biggest));
  }
});

test('zero-length messages are carried as empty views and take 4 bytes each', () => {
  const { producer, consumer } = ringPair(64);
  for (let i = 0; i < 16; i++) assert.ok(producer.tryWrite(Buffer.alloc(0)));
  assert.not.ok(producer.tryWrite(Buffer.alloc(0)), 'sixteen 4-byte records fill 64 bytes');
  let count = 0;
  assert.is(
    consumer.drain((m) => {
      assert.is(m.length, 0);
      count++;
    }),
    16,
  );
  assert.is(count, 16);
  assert.ok(producer.tryWrite(Buffer.from('x')));
  assert.ok(producer.tryWrite(Buffer.alloc(0)));
  assert.is(readOne(consumer)!.toString(), 'x');
  assert.is(readOne(consumer)!.length, 0);
  assert.is(consumer.peek(), null);
});

test('a reservation is filled in place and published only by commit, which may publish fewer bytes', () => {
  const { ring, producer, consumer } = ringPair(256);
  const view = producer.tryReserve(100);
  assert.ok(view !== null);
  assert.is(view.length, 100);
  assert.ok(view.buffer === ring, 'the caller writes straight into shared memory');
  Buffer.from('hello, ring').copy(view);
  assert.is(consumer.peek(), null, 'nothing visible before commit');
  producer.commit(11);
  assert.is(producer.usedBytes, recordBytes(11));
  assert.is(readOne(consumer)!.toString(), 'hello, ring');
  assert.throws(() => producer.commit(), /commit follows tryReserve/);
  producer.tryReserve(8);
  assert.throws(() => producer.tryReserve(8), /one reservation at a time/);
  assert.throws(() => producer.commit(9), /at most the bytes reserved/);
});

test('drain hands over every waiting message, including those published while it runs, up to its limit', () => {
  const { producer, consumer } = ringPair(1024);
  for (let seq = 0; seq < 5; seq++) producer.tryWrite(message(seq, 20));
  const seen: number[] = [];
  const count = consumer.drain((m) => {
    seen.push(m.readUInt32BE(0));
    if (seen.length === 2) producer.tryWrite(message(5, 20));
  });
  assert.is(count, 6);
  assert.equal(seen, [0, 1, 2, 3, 4, 5]);
  for (let seq = 6; seq < 10; seq++) producer.tryWrite(message(seq, 20));
  assert.is(consumer.drain(() => {}, 3), 3);
  assert.equal(readOne(consumer)!.readUInt32BE(0), 9);
});

test('waitForSpace raises the producer flag, and resolves when the consumer releases space', async () => {
  const { producer, consumer, header } = ringPair(256);
  for (let seq = 0; seq < 4; seq++) producer.tryWrite(message(seq, 60));
  let flagWhileWaiting = -1;
  setTimeout(() => {
    flagWhileWaiting = Atomics.load(header, RingSlot.producerWaiting);
    consumer.peek();
    consumer.release();
  }, 20);
  assert.is(await producer.waitForSpace(60, 2000), true);
  assert.is(flagWhileWaiting, 1);
  assert.is(Atomics.load(header, RingSlot.producerWaiting), 0, 'the release lowered the flag as it notified');
  assert.ok(producer.tryWrite(message(4, 60)));
});

test('waitForSpace answers false after its timeout when nothing is released, and lowers its flag', async () => {
  const { producer, header } = ringPair(256);
  for (let seq = 0; seq < 4; seq++) producer.tryWrite(message(seq, 60));
  const keepAlive = setTimeout(() => {}, 1000);
  const started = performance.now();
  assert.is(await producer.waitForSpace(60, 30), false);
  clearTimeout(keepAlive);
  assert.ok(performance.now() - started >= 25);
  assert.is(Atomics.load(header, RingSlot.producerWaiting), 0);
  assert.is(await producer.waitForSpace(0, 0), false);
});

test('write() waits behind a full ring and publishes in call order; tryWrite does not overtake it', async () => {
  const { producer, consumer } = ringPair(256);
  for (let seq = 0; seq < 4; seq++) producer.tryWrite(message(seq, 60));
  const first = producer.write(message(4, 60));
  const second = producer.write(message(5, 8));
  assert.not.ok(producer.tryWrite(message(99, 0)), 'queued writes go first');
  const seen: number[] = [];
  const drainer = setInterval(() => consumer.drain((m) => seen.push(m.readUInt32BE(0))), 5);
  await withTimeout(Promise.all([first, second]), 2000, 'queued writes');
  assert.ok(producer.tryWrite(message(6, 4)), 'the queue is empty again');
  await sleep(30);
  clearInterval(drainer);
  consumer.drain((m) => seen.push(m.readUInt32BE(0)));
  assert.equal(seen, [0, 1, 2, 3, 4, 5, 6]);
});

test('waitForSpace lets queued write() calls go first, and its timeout counts while they wait', async () => {
  const { producer, consumer } = ringPair(256);
  for (let seq = 0; seq < 4; seq++) producer.tryWrite(message(seq, 60));
  const settled: string[] = [];
  const queued = producer.write(message(4, 60)).then(() => settled.push('write'));
  const keepAlive = setTimeout(() => {}, 1000);
  assert.is(await producer.waitForSpace(0, 20), false, 'the queued write is stuck behind a full ring');
  clearTimeout(keepAlive);
  const space = producer.waitForSpace(60, 2000).then((ok) => settled.push(`space ${ok}`));
  const drainer = setInterval(() => consumer.drain(() => {}, 1), 5);
  await withTimeout(Promise.all([queued, space]), 2000, 'queued write and wait');
  clearInterval(drainer);
  assert.equal(settled, ['write', 'space true']);
});

test('waitForMessages resolves when a message is published, and false once the producer closes an empty ring', async () => {
  const { producer, consumer, header } = ringPair(256);
  let flagWhileWaiting = -1;
  setTimeout(() => {
    flagWhileWaiting = Atomics.load(header, RingSlot.consumerSleeping);
    producer.tryWrite(message(1, 10));
  }, 20);
  assert.is(await consumer.waitForMessages(2000), true);
  assert.is(flagWhileWaiting, 1, 'the consumer said it was asleep');
  assert.is(Atomics.load(header, RingSlot.consumerSleeping), 0, 'the producer lowered the flag as it notified');
  assert.ok(readOne(consumer)!.equals(message(1, 10)));
  producer.tryWrite(message(2, 10));
  producer.close();
  assert.ok(consumer.closed);
  assert.is(await consumer.waitForMessages(), true, 'what was written before close is still read');
  assert.ok(readOne(consumer)!.equals(message(2, 10)));
  assert.is(await consumer.waitForMessages(), false);
  const { producer: p2, consumer: c2 } = ringPair(256);
  setTimeout(() => p2.close(), 20);
  assert.is(await c2.waitForMessages(2000), false, 'close wakes a sleeping consumer');
  assert.throws(() => p2.tryWrite(Buffer.alloc(1)), /no writes after close/);
});

test('waitForMessages answers false after its timeout when nothing is published', async () => {
  const { consumer, header } = ringPair(256);
  const keepAlive = setTimeout(() => {}, 1000);
  assert.is(await consumer.waitForMessages(30), false);
  clearTimeout(keepAlive);
  assert.is(Atomics.load(header, RingSlot.consumerSleeping), 0);
});

test('the blocking waits refuse to run on the main thread', () => {
  const { producer, consumer } = ringPair(256);
  assert.throws(() => consumer.waitForMessagesSync(0), /main thread never blocks/);
  assert.throws(() => producer.waitForSpaceSync(0, 0), /main thread never blocks/);
});

function startEchoWorker(commandCapacityBytes: number, answerCapacityBytes: number) {
  const commands = createRing(commandCapacityBytes);
  const answers = createRing(answerCapacityBytes);
  const data: EchoWorkerData = { commands, answers };
  const worker = new Worker(new URL('./ring-echo-worker.js', import.meta.url), { workerData: data });
  const failed = new Promise<never>((_, reject) => worker.once('error', reject));
  failed.catch(() => {});
  return {
    worker,
    failed,
    producer: new RingProducer(commands),
    consumer: new RingConsumer(answers),
    commandHeader: new Int32Array(commands, 0, RING_HEADER_BYTES / 4),
    answerHeader: new Int32Array(answers, 0, RING_HEADER_BYTES / 4),
  };
}

async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(2);
  }
}

test('megabytes of messages go main → worker → main byte-exact and in order through small rings, the main thread never blocking', async () => {
  const echo = startEchoWorker(4096, 2048);
  const { producer, consumer } = echo;
  const max = Math.min(producer.maxMessageBytes, consumer.maxMessageBytes);
  const rand = seededRandom(11);
  const lengths: number[] = [];
  let totalBytes = 0;
  while (totalBytes < 8_000_000) {
    const length = 4 + Math.floor(rand() * (max - 3));
    lengths.push(length);
    totalBytes += length;
  }
  let fullWaits = 0;
  const send = async () => {
    for (let seq = 0; seq < lengths.length; seq++) {
      const length = lengths[seq]!;
      let view = producer.tryReserve(length);
      while (view === null) {
        fullWaits++;
        await producer.waitForSpace(length);
        view = producer.tryReserve(length);
      }
      // Written in place, as the broker copies a record batch from its socket frame.
      message(seq, length).copy(view);
      producer.commit();
    }
    producer.close();
  };
  let received = 0;
  let receivedBytes = 0;
  let wakeUps = 0;
  const receive = async () => {
    for (;;) {
      consumer.drain((m) => {
        const seq = m.readUInt32BE(0);
        if (seq !== received || !m.equals(message(seq, lengths[seq]!))) {
          throw new Error(`answer ${received}: got sequence ${seq}, ${m.length} bytes`);
        }
        received++;
        receivedBytes += m.length;
      });
      if (!(await consumer.waitForMessages())) break;
      wakeUps++;
    }
  };
  try {
    await withTimeout(Promise.race([Promise.all([send(), receive()]), echo.failed]), 8000, 'echo');
    // A bound against a hang, not a timing claim: a loaded machine may take seconds.
    await withTimeout(once(echo.worker, 'exit'), 15_000, 'worker exit');
  } finally {
    await echo.worker.terminate();
  }
  assert.ok(consumer.closed, 'the worker closed its answers after the last command');
  assert.is(received, lengths.length);
  assert.is(receivedBytes, totalBytes);
  assert.ok(totalBytes / 4096 > 1000, 'the command ring wrapped over a thousand times');
  assert.ok(fullWaits > 100, `the main thread waited for space ${fullWaits} times`);
  assert.ok(wakeUps > 0);
});

test('a sleeping worker says so in its flag and wakes for a single message after a pause', async () => {
  const echo = startEchoWorker(1024, 1024);
  try {
    await withTimeout(
      Promise.race([
        (async () => {
          await until(() => Atomics.load(echo.commandHeader, RingSlot.consumerSleeping) === 1, 2000, 'worker asleep');
          for (let seq = 0; seq < 3; seq++) {
            assert.ok(echo.producer.tryWrite(message(seq, 100)));
            assert.is(await echo.consumer.waitForMessages(2000), true);
            assert.ok(readOne(echo.consumer)!.equals(message(seq, 100)));
            await until(() => Atomics.load(echo.commandHeader, RingSlot.consumerSleeping) === 1, 2000, 'worker asleep again');
          }
          echo.producer.close();
          assert.is(await echo.consumer.waitForMessages(2000), false);
        })(),
        echo.failed,
      ]),
      5000,
      'wake-ups',
    );
  } finally {
    await echo.worker.terminate();
  }
});

test('a worker blocked on a full answer ring resumes when the main thread drains it', async () => {
  const echo = startEchoWorker(4096, 256);
  try {
    await withTimeout(
      Promise.race([
        (async () => {
          // Eight 60-byte answers fill 256 bytes twice over: the worker must wait for room.
          for (let seq = 0; seq < 8; seq++) assert.ok(echo.producer.tryWrite(message(seq, 60)));
          await until(() => Atomics.load(echo.answerHeader, RingSlot.producerWaiting) === 1, 2000, 'worker waiting for room');
          assert.is(echo.consumer.drain(() => {}, 1), 1);
          const seen: number[] = [0];
          while (seen.length < 8) {
            assert.is(await echo.consumer.waitForMessages(2000), true);
            echo.consumer.drain((m) => seen.push(m.readUInt32BE(0)));
          }
          assert.equal(seen, [0, 1, 2, 3, 4, 5, 6, 7]);
          echo.producer.close();
          assert.is(await echo.consumer.waitForMessages(2000), false);
        })(),
        echo.failed,
      ]),
      5000,
      'blocked worker',
    );
  } finally {
    await echo.worker.terminate();
  }
});

test.run();
