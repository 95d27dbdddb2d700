/**
 * Idempotent producers against a real broker: a raw client sending the same batch twice, a
 * sequence gap and a stale epoch; kafkajs with idempotent: true; kcat (librdkafka) with enable.idempotence=true in every
 * codec; kcat through a proxy that cuts connections after a produce request was appended but
 * before its answer arrived (so librdkafka retries batches that are already in the log); and
 * kcat while the broker is restarted on the same port. Every record must be in the log exactly
 * once. The kcat tests are skipped when kcat is absent.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { type AddressInfo, createServer, connect, type Server, type Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startBroker, type RunningBroker } from '../../src/broker/server.js';
import { MAX_RESPONSE_BYTES } from '../../src/client/connection.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { FrameReader, FrameSizeError, MIN_REQUEST_FRAME_BYTES, MIN_RESPONSE_FRAME_BYTES } from '../../src/protocol/frame.js';
import { DescribeProducers, InitProducerId, ListOffsets, Metadata, Produce } from '../../src/protocol/messages/index.js';
import { encodeBatch } from '../../src/protocol/records/batch.js';
import { broker, dataDir, hasKcat, kcat, require, type Run } from './helpers.js';
import { RawClient } from '../helpers/raw-client.js';
import { needs } from '../helpers/needs.js';

const { Kafka, logLevel } = require('kafkajs');

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
const COUNT = 5000;
/**
 * For producers that see the broker go away: -E keeps kcat running when every connection is
 * down for a moment (it exits on that by default), and librdkafka reconnects fast, so a restart
 * or a cut connection costs the test little time.
 */
const SURVIVE_OUTAGES = ['-E', '-X', 'reconnect.backoff.ms=20', '-X', 'reconnect.backoff.max.ms=200', '-X', 'retry.backoff.ms=20'];

function restartOnSamePort(dir: string, port: number, workers: number, config: Record<string, unknown> = {}): Promise<RunningBroker> {
  return startBroker({ port, config: { 'log.dirs': dir, 'num.io.threads': workers, ...config } });
}

function produce(c: RawClient, topic: string, records: Buffer) {
  return c
    .request(Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] })
    .then((r) => r.responses[0].partitionResponses[0] as { errorCode: number; baseOffset: number });
}

async function logEndOffset(c: RawClient, topic: string): Promise<number> {
  const r = await c.request(ListOffsets, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] }] });
  return r.topics[0].partitions[0].offset;
}

function batch(producerId: number, producerEpoch: number, baseSequence: number, count: number): Buffer {
  return encodeBatch(
    Array.from({ length: count }, (_, i) => ({ value: `${producerId}/${producerEpoch}/${baseSequence + i}` })),
    { producerId, producerEpoch, baseSequence },
  );
}

/** Checks that `consumed` holds each of `expected` exactly once. */
function assertExactlyOnce(consumed: string[], expected: string[], what: string): void {
  const counts = new Map<string, number>();
  for (const v of consumed) counts.set(v, (counts.get(v) ?? 0) + 1);
  const twice = [...counts].filter(([, n]) => n > 1).map(([v]) => v);
  const missing = expected.filter((v) => !counts.has(v));
  assert.equal(twice.slice(0, 5), [], `${what}: records written twice (${twice.length})`);
  assert.equal(missing.slice(0, 5), [], `${what}: records missing (${missing.length})`);
  assert.is(consumed.length, expected.length, `${what}: record count`);
}

async function consumeAll(bootstrap: string, topic: string): Promise<string[]> {
  const r = await kcat(bootstrap, ['-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%s\\n']);
  assert.is(r.code, 0, `consume ${topic}: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l.length > 0);
}

for (const workers of [0, 2]) {
  test(`[raw, ${workers} workers] a resent batch gets its first offsets, gaps and stale epochs are refused, and the state survives a restart`, async () => {
    const data = dataDir();
    let b = await broker(data.dir, workers);
    const port = b.port;
    let c = await RawClient.connect(b.bootstrap);
    try {
      await c.request(Metadata, 9, { topics: [{ name: 'idem' }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
      const init = await c.request(InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: -1, producerId: -1, producerEpoch: -1 });
      assert.is(init.errorCode, 0);
      assert.is(init.producerEpoch, 0);
      const pid = init.producerId as number;
      const again = await c.request(InitProducerId, 1, { transactionalId: null, transactionTimeoutMs: 60000 });
      assert.is(again.producerId, pid + 1, 'every request gets a new producer id');
      const presented = await c.request(InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: -1, producerId: pid, producerEpoch: 0 });
      assert.equal([presented.errorCode, presented.producerId, presented.producerEpoch], [0, pid + 2, 0], 'an idempotent producer presenting its id gets a new one, as from Kafka');
      const txn = await c.request(InitProducerId, 4, { transactionalId: 'tx-1', transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 });
      assert.equal([txn.errorCode, txn.producerEpoch], [0, 0], 'a transactional id gets its producer id from the transaction coordinator');

      const first = await produce(c, 'idem', batch(pid, 0, 0, 3));
      const resent = await produce(c, 'idem', batch(pid, 0, 0, 3));
      assert.equal([first.errorCode, first.baseOffset], [0, 0]);
      assert.equal([resent.errorCode, resent.baseOffset], [0, 0], 'the resent batch is answered with its first offset');
      assert.is(await logEndOffset(c, 'idem'), 3, 'the resent batch was not written again');
      assert.is((await produce(c, 'idem', batch(pid, 0, 5, 2))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
      assert.is((await produce(c, 'idem', batch(pid, 0, 3, 2))).baseOffset, 3);
      // The client bumps its epoch itself and starts over at sequence 0; the old epoch is fenced.
      assert.is((await produce(c, 'idem', batch(pid, 1, 0, 4))).baseOffset, 5);
      assert.is((await produce(c, 'idem', batch(pid, 0, 5, 1))).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);

      const described = await c.request(DescribeProducers, 0, { topics: [{ name: 'idem', partitionIndexes: [0, 7] }, { name: 'nope', partitionIndexes: [0] }] });
      const [p0, p7] = described.topics[0].partitions;
      assert.is(p0.errorCode, 0);
      assert.equal(
        p0.activeProducers.map((p) => [p.producerId, p.producerEpoch, p.lastSequence, p.coordinatorEpoch, p.currentTxnStartOffset]),
        [[pid, 1, 3, -1, -1]],
      );
      assert.ok(Math.abs(p0.activeProducers[0].lastTimestamp - Date.now()) < 60_000);
      assert.is(p7.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      assert.is(described.topics[1].partitions[0].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);

      c.close();
      await b.close();
      b = await restartOnSamePort(data.dir, port, workers);
      c = await RawClient.connect(b.bootstrap);
      assert.is((await produce(c, 'idem', batch(pid, 1, 0, 4))).baseOffset, 5, 'a retry after the restart is still recognised');
      assert.is((await produce(c, 'idem', batch(pid, 1, 4, 1))).baseOffset, 9);
      assert.is(await logEndOffset(c, 'idem'), 10);
      const after = await c.request(InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: -1, producerId: -1, producerEpoch: -1 });
      assert.ok(after.producerId > pid + 2, `no producer id is reused after a restart (got ${after.producerId})`);
    } finally {
      c.close();
      await b.close();
      data.remove();
    }
  });
}

test('[kafkajs] an idempotent producer gets a producer id and writes its sequences in order', async () => {
  const data = dataDir();
  const b = await broker(data.dir, 2);
  const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'idem', logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true });
  const c = await RawClient.connect(b.bootstrap);
  try {
    await producer.connect();
    for (let i = 0; i < 10; i++) {
      await producer.send({ topic: 'kjs', messages: Array.from({ length: 20 }, (_, k) => ({ value: `m${i * 20 + k}` })) });
    }
    assert.is(await logEndOffset(c, 'kjs'), 200);
    const described = await c.request(DescribeProducers, 0, { topics: [{ name: 'kjs', partitionIndexes: [0] }] });
    const producers = described.topics[0].partitions[0].activeProducers;
    assert.is(producers.length, 1);
    assert.equal([producers[0].producerEpoch, producers[0].lastSequence], [0, 199]);
  } finally {
    c.close();
    await producer.disconnect();
    await b.close();
    data.remove();
  }
});

/**
 * A TCP proxy between client and broker that, after every `every`-th produce request, cuts
 * both connections once that request's answer arrives from the broker — the batch is in the
 * log, the client never hears so and must resend it. At most `maxCuts` cuts.
 */
class CuttingProxy {
  readonly server: Server;
  cuts = 0;
  /** Produce requests whose body had been sent before: retries. */
  resent = 0;
  private produces = 0;
  private readonly seen = new Set<string>();

  /** The broker's port: known only once the broker, which advertises the proxy, has started. */
  target = 0;

  constructor(
    private readonly every: number,
    private readonly maxCuts: number,
  ) {
    this.server = createServer((client) => this.relay(client));
  }

  listen(): Promise<number> {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve((this.server.address() as AddressInfo).port)));
  }

  private relay(client: Socket): void {
    const upstream = connect(this.target, '127.0.0.1');
    const doomed = new Set<number>();
    const kill = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', kill);
    upstream.on('error', kill);
    client.on('close', kill);
    upstream.on('close', kill);
    frames(client, MIN_REQUEST_FRAME_BYTES, (frame) => {
      const apiKey = frame.readInt16BE(0);
      const correlationId = frame.readInt32BE(4);
      if (apiKey === 0) {
        // The body after the header's client id: equal for a resent request.
        const body = frame.subarray(10 + Math.max(0, frame.readInt16BE(8))).toString('base64');
        if (this.seen.has(body)) this.resent++;
        this.seen.add(body);
        if (this.cuts < this.maxCuts && ++this.produces % this.every === 0) doomed.add(correlationId);
      }
      writeFrame(upstream, frame);
    });
    frames(upstream, MIN_RESPONSE_FRAME_BYTES, (frame) => {
      if (doomed.has(frame.readInt32BE(0))) {
        this.cuts++;
        kill();
        return;
      }
      writeFrame(client, frame);
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Calls `onFrame` with each whole frame (the bytes after its size prefix) read from the socket; a bad size cuts it. */
function frames(socket: Socket, minBytes: number, onFrame: (frame: Buffer) => void): void {
  const reader = new FrameReader({ minBytes, maxBytes: MAX_RESPONSE_BYTES });
  socket.on('data', (chunk: Buffer) => {
    reader.push(chunk);
    try {
      for (let frame = reader.next(); frame !== null; frame = reader.next()) onFrame(frame);
    } catch (e) {
      if (!(e instanceof FrameSizeError)) throw e;
      socket.destroy();
    }
  });
}

/** Writes a frame with its size prefix again. */
function writeFrame(socket: Socket, frame: Buffer): void {
  const size = Buffer.alloc(4);
  size.writeInt32BE(frame.length, 0);
  socket.write(size);
  socket.write(frame);
}

/** kcat -P fed line by line from the test, for producers that outlive a broker. */
function startProducer(bootstrap: string, args: string[]): { child: ChildProcessWithoutNullStreams; done: Promise<Run> } {
  const child = spawn('kcat', ['-b', bootstrap, '-P', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
  const done = new Promise<Run>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
  return { child, done };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

if (!hasKcat) {
  needs('kcat is not installed')('[kcat] enable.idempotence=true in every codec', () => {});
} else {
  test('[kcat] enable.idempotence=true in every codec: each record is in the log exactly once', async () => {
    const data = dataDir();
    const b = await broker(data.dir, 2);
    try {
      for (const codec of CODECS) {
        const topic = `idem-${codec}`;
        const input = Array.from({ length: COUNT }, (_, i) => `${codec}-${i}`);
        const r = await kcat(b.bootstrap, ['-P', '-t', topic, '-z', codec, '-X', 'enable.idempotence=true'], `${input.join('\n')}\n`);
        assert.is(r.code, 0, `produce ${topic}: ${r.stderr}`);
        assertExactlyOnce(await consumeAll(b.bootstrap, topic), input, topic);
      }
    } finally {
      await b.close();
      data.remove();
    }
  });

  test('[kcat] answers lost after the append: librdkafka resends, and nothing is written twice', async () => {
    const data = dataDir();
    const proxy = new CuttingProxy(5, 6);
    const proxyPort = await proxy.listen();
    // The broker advertises the proxy, so that every connection kcat makes goes through it.
    const b = await startBroker({ port: 0, config: { 'log.dirs': data.dir, 'num.io.threads': 2, 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxyPort}` } });
    proxy.target = b.port;
    try {
      const input = Array.from({ length: COUNT }, (_, i) => `cut-${i}`);
      const producer = startProducer(`127.0.0.1:${proxyPort}`, ['-t', 'cut', '-z', 'lz4', '-X', 'enable.idempotence=true', '-X', 'linger.ms=2', ...SURVIVE_OUTAGES]);
      for (let i = 0; i < COUNT; i += 100) {
        producer.child.stdin.write(`${input.slice(i, i + 100).join('\n')}\n`);
        await sleep(15);
      }
      producer.child.stdin.end();
      const r = await producer.done;
      assert.is(r.code, 0, `produce: ${r.stderr}`);
      assert.not.match(r.stderr, 'Delivery failed');
      assert.ok(proxy.cuts > 0, 'some answers were lost');
      assert.ok(proxy.resent > 0, `librdkafka resent batches the broker had already appended (${proxy.cuts} cuts)`);
      assertExactlyOnce(await consumeAll(b.bootstrap, 'cut'), input, `with ${proxy.cuts} lost answers`);
    } finally {
      await b.close();
      await proxy.close();
      data.remove();
    }
  });

  test('[kcat] the broker restarted on the same port while librdkafka produces: each record exactly once', async () => {
    const data = dataDir();
    let b = await broker(data.dir, 2);
    const port = b.port;
    try {
      const input = Array.from({ length: COUNT }, (_, i) => `restart-${i}`);
      const producer = startProducer(b.bootstrap, ['-t', 'restart', '-z', 'snappy', '-X', 'enable.idempotence=true', '-X', 'linger.ms=2', ...SURVIVE_OUTAGES]);
      let restarted = false;
      for (let i = 0; i < COUNT; i += 200) {
        producer.child.stdin.write(`${input.slice(i, i + 200).join('\n')}\n`);
        await sleep(20);
        if (!restarted && i >= COUNT / 2) {
          restarted = true;
          await b.close();
          // Lines keep coming while the broker is down: librdkafka queues and retries them.
          producer.child.stdin.write(`${input.slice(i + 200, i + 400).join('\n')}\n`);
          i += 200;
          await sleep(100);
          b = await restartOnSamePort(data.dir, port, 2);
        }
      }
      producer.child.stdin.end();
      const r = await producer.done;
      assert.is(r.code, 0, `produce: ${r.stderr}`);
      assert.not.match(r.stderr, 'Delivery failed');
      assertExactlyOnce(await consumeAll(b.bootstrap, 'restart'), input, 'across the restart');
    } finally {
      await b.close();
      data.remove();
    }
  });
}

test.run();
