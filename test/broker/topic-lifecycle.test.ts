/**
 * The topic lifecycle (Broker.createTopic, autoCreate, deleteTopic, addPartitions,
 * setTopicConfigs): serialized per name, visible only once whole, atomic when a partition cannot
 * be opened. Failures are injected with a PartitionHost wrapper (the creation is undone and
 * answered KAFKA_STORAGE_ERROR) and, end to end, with a small descriptor limit (`ulimit -n`) in
 * a child process.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Broker, type TopicProblem, type TopicState } from '../../src/broker/broker.js';
import { loadConfig } from '../../src/broker/config/load.js';
import { startBroker } from '../../src/broker/server.js';
import { FaultCounter } from '../../src/broker/metrics.js';
import type { OpenRequest, PartitionHandle, PartitionHost, TxnMarker } from '../../src/broker/partitions/host.js';
import { InlineHost } from '../../src/broker/partitions/inline-host.js';
import { WorkerHost } from '../../src/broker/partitions/worker-host.js';
import { MAX_OPERATIONS_PER_TOPIC } from '../../src/broker/topic-locks.js';
import type { FaultRule } from '../../src/core/fs.js';
import type { FetchIsolation } from '../../src/core/partition-log.js';
import type { ReplicaOp } from '../../src/workers/messages.js';
import type { LogConfig } from '../../src/core/log-config.js';
import { SILENT_LOGGER } from '../../src/core/logger.js';
import { METADATA_DIR, TOPICS_FILE } from '../../src/core/topic-store.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { CreateTopics, DeleteTopics, Fetch, Produce } from '../../src/protocol/messages/index.js';
import { batchPositions, decodeBatchDecompressing, encodeBatch } from '../../src/protocol/records/batch.js';
import { withRawClient } from '../helpers/raw-client.js';

const HOST_OPTIONS = { retentionCheckIntervalMs: 300_000, cleanerBackoffMs: 15_000, cleanerEnabled: false };

/** A PartitionHost that delegates to another, and can fail or slow down the opening of chosen partitions. */
class FaultyHost implements PartitionHost {
  readonly inner: PartitionHost;
  /** An error for the partitions that must fail to open; undefined for the others. */
  failOpen: (r: OpenRequest) => Error | undefined = () => undefined;
  /** An error for the partitions that must fail to close; undefined for the others. */
  failClose: (h: PartitionHandle) => Error | undefined = () => undefined;
  /** Milliseconds each open waits first, so that other work can run while a topic is being opened. */
  openDelayMs = 0;
  /** Partitions open now, by "topic-partition". */
  readonly open_ = new Set<string>();

  constructor(inner: PartitionHost) {
    this.inner = inner;
  }

  get workerCount(): number {
    return this.inner.workerCount;
  }

  async open(r: OpenRequest) {
    if (this.openDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.openDelayMs));
    const e = this.failOpen(r);
    if (e) throw e;
    const opened = await this.inner.open(r);
    this.open_.add(`${r.topic}-${r.partition}`);
    return opened;
  }

  async close(h: PartitionHandle, remove: boolean) {
    this.open_.delete(`${h.topic}-${h.partition}`);
    await this.inner.close(h, remove);
    const e = this.failClose(h);
    if (e) throw e;
  }

  setConfig(h: PartitionHandle, c: LogConfig) {
    return this.inner.setConfig(h, c);
  }
  append(h: PartitionHandle, records: Buffer) {
    return this.inner.append(h, records);
  }
  appendMarker(h: PartitionHandle, marker: TxnMarker) {
    return this.inner.appendMarker(h, marker);
  }
  read(h: PartitionHandle, offset: number, maxBytes: number, isolation?: FetchIsolation) {
    return this.inner.read(h, offset, maxBytes, isolation);
  }
  appendAsFollower(h: PartitionHandle, records: Buffer) {
    return this.inner.appendAsFollower(h, records);
  }
  replica(h: PartitionHandle, kind: ReplicaOp, value?: number) {
    return this.inner.replica(h, kind, value);
  }
  listOffset(h: PartitionHandle, timestamp: number, readCommitted?: boolean) {
    return this.inner.listOffset(h, timestamp, readCommitted);
  }
  deleteRecords(h: PartitionHandle, offset: number) {
    return this.inner.deleteRecords(h, offset);
  }
  describeProducers(h: PartitionHandle) {
    return this.inner.describeProducers(h);
  }
  stats(options: { logs: boolean }) {
    return this.inner.stats(options);
  }
  get events() {
    return this.inner.events;
  }
  set events(events) {
    this.inner.events = events;
  }
  get backlogged() {
    return this.inner.backlogged;
  }
  markDirOffline(logDir: string, reason: string) {
    return this.inner.markDirOffline(logDir, reason);
  }
  probeDir(logDir: string) {
    return this.inner.probeDir(logDir);
  }
  recoverDir(logDir: string) {
    return this.inner.recoverDir(logDir);
  }
  injectFaults(rules: FaultRule[]) {
    return this.inner.injectFaults(rules);
  }
  shutdown() {
    return this.inner.shutdown();
  }
}

/** An operating-system error as Node raises it. */
const errno = (code: string, what: string): Error => Object.assign(new Error(`${code}: ${what}`), { code });

interface Started {
  dir: string;
  host: FaultyHost;
  broker: Broker;
}

async function start(dir = mkdtempSync(join(tmpdir(), 'spindle-lifecycle-')), workers = 0): Promise<Started> {
  const config = loadConfig({ overrides: { 'log.dirs': dir, 'num.io.threads': workers } });
  const host = new FaultyHost(workers === 0 ? new InlineHost(HOST_OPTIONS, 200) : new WorkerHost(workers, HOST_OPTIONS, 200));
  const broker = new Broker(config, host, SILENT_LOGGER);
  await broker.openAll();
  return { dir, host, broker };
}

async function stop(s: Started, remove = true): Promise<void> {
  await s.broker.shutdown();
  if (remove) rmSync(s.dir, { recursive: true, force: true });
}

const partitionDirs = (dir: string, topic: string) => readdirSync(dir).filter((n) => n.startsWith(`${topic}-`));
const storedTopics = (dir: string) => (JSON.parse(readFileSync(join(dir, METADATA_DIR, TOPICS_FILE), 'utf8')) as { topics: { name: string; partitions: number }[] }).topics;
const problemOf = (r: TopicState | TopicProblem): TopicProblem => {
  if ('meta' in r) throw new Error(`${r.meta.name} was created`);
  return r;
};

test('a creation whose partition cannot be opened (EMFILE) is undone and answered KAFKA_STORAGE_ERROR naming the cause', async () => {
  const s = await start();
  s.host.failOpen = (r) => (r.topic === 'big' && r.partition === 7 ? errno('EMFILE', "too many open files, open 'big-7/00000000000000000000.index'") : undefined);
  const p = problemOf(await s.broker.createTopic('big', 12, { 'retention.ms': '60000' }));
  assert.is(p.errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
  assert.match(p.errorMessage!, 'big');
  assert.match(p.errorMessage!, 'EMFILE: too many open files');
  // Nothing left behind: in memory, on disk, or open.
  assert.is(s.broker.topics.has('big'), false);
  assert.is(s.broker.store.get('big'), undefined);
  assert.equal(partitionDirs(s.dir, 'big'), []);
  assert.not.ok(storedTopics(s.dir).some((t) => t.name === 'big'), 'topics.json does not list it');
  assert.equal([...s.host.open_].filter((k) => k.startsWith('big-')), [], 'every partition that opened was closed');
  assert.is(s.broker.locks.busyNames, 0);
  assert.is(s.broker.metrics.faults[FaultCounter.internalErrors], 0, 'a storage error is not an internal error');
  // The name is free again, and a restart finds nothing of the failed attempt.
  s.host.failOpen = () => undefined;
  const again = await s.broker.createTopic('big', 12, {});
  assert.ok('meta' in again && again.partitions.length === 12);
  assert.is(await s.broker.deleteTopic('big'), undefined);
  await stop(s, false);
  const restarted = await start(s.dir);
  assert.equal([...restarted.broker.topics.keys()], []);
  await stop(restarted);
});

test('added partitions that cannot all be opened are undone: the topic keeps its count and keeps serving', async () => {
  const s = await start();
  const grow = await s.broker.createTopic('grow', 2, {});
  assert.ok('meta' in grow);
  s.host.failOpen = (r) => (r.topic === 'grow' && r.partition === 3 ? errno('ENOSPC', 'no space left on device') : undefined);
  const p = await s.broker.addPartitions('grow', 5);
  assert.is(p?.errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
  assert.match(p!.errorMessage!, 'ENOSPC');
  const state = s.broker.topics.get('grow')!;
  assert.is(state.partitions.length, 2);
  assert.is(state.meta.partitions, 2);
  assert.equal(partitionDirs(s.dir, 'grow').sort(), ['grow-0', 'grow-1']);
  assert.equal(storedTopics(s.dir).find((t) => t.name === 'grow')?.partitions, 2);
  const appended = await s.broker.host.append(state.partitions[1]!.handle, encodeBatch([{ value: 'still here' }]));
  assert.is(appended.errorCode, 0);
  s.host.failOpen = () => undefined;
  assert.is(await s.broker.addPartitions('grow', 5), undefined);
  assert.is(s.broker.topics.get('grow')!.partitions.length, 5);
  await stop(s, false);
  const restarted = await start(s.dir);
  assert.is(restarted.broker.topics.get('grow')!.partitions.length, 5);
  await stop(restarted);
});

test('a failure that is not an operating-system error is undone too, and thrown on as the bug it is', async () => {
  const s = await start();
  s.host.failOpen = (r) => (r.partition === 1 ? new TypeError('a bug while opening') : undefined);
  const outcome = await s.broker.createTopic('buggy', 3, {}).then(
    () => 'created',
    (e: Error) => e.message,
  );
  assert.is(outcome, 'a bug while opening');
  assert.is(s.broker.topics.has('buggy'), false);
  assert.is(s.broker.store.get('buggy'), undefined);
  assert.equal(partitionDirs(s.dir, 'buggy'), []);
  await stop(s);
});

test('a log that fails to close (EIO) does not stop its topic from being deleted', async () => {
  const s = await start();
  assert.ok('meta' in (await s.broker.createTopic('doomed', 3, {})));
  s.host.failClose = (h) => (h.partition === 1 ? errno('EIO', 'i/o error, fdatasync') : undefined);
  assert.is(await s.broker.deleteTopic('doomed'), undefined);
  assert.is(s.broker.topics.has('doomed'), false);
  assert.is(s.broker.store.get('doomed'), undefined);
  assert.equal(partitionDirs(s.dir, 'doomed'), []);
  s.host.failClose = () => undefined;
  assert.ok('meta' in (await s.broker.createTopic('doomed', 1, {})), 'the name can be used again');
  await stop(s);
});

test('a topic becomes visible only once every partition is open', async () => {
  const s = await start();
  s.host.openDelayMs = 2;
  const seen = new Set<number | undefined>();
  let creating = true;
  const watching = (async () => {
    while (creating) {
      seen.add(s.broker.topics.get('wide')?.partitions.length);
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  const created = await s.broker.createTopic('wide', 40, {});
  creating = false;
  await watching;
  assert.ok('meta' in created);
  assert.equal([...seen].filter((n) => n !== undefined && n !== 40), [], `partition counts seen: ${[...seen].join(', ')}`);
  assert.ok(seen.has(undefined), 'the watcher ran while the partitions were opening');
  await stop(s);
});

test('concurrent creates, deletes, partition changes and auto-creation of one name run in order with Kafka codes (partition workers)', async () => {
  const s = await start(undefined, 1);
  const codeOf = (r: TopicState | TopicProblem | undefined) => (r === undefined || 'meta' in r ? 0 : r.errorCode);
  for (let round = 0; round < 10; round++) {
    const results = await Promise.all([
      s.broker.createTopic('race', 3, {}),
      s.broker.createTopic('race', 3, {}),
      s.broker.deleteTopic('race'),
      s.broker.deleteTopic('race'),
      s.broker.autoCreate('race'),
      s.broker.addPartitions('race', 4),
      s.broker.addPartitions('race', 4),
      s.broker.setTopicConfigs('race', { 'retention.ms': '1000' }),
      s.broker.createTopic('race', 3, {}),
      s.broker.deleteTopic('race'),
    ]);
    assert.equal(
      results.map(codeOf),
      [
        0,
        ErrorCode.TOPIC_ALREADY_EXISTS,
        0,
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        0,
        0,
        ErrorCode.INVALID_PARTITIONS,
        0,
        ErrorCode.TOPIC_ALREADY_EXISTS,
        0,
      ],
      `round ${round}`,
    );
    assert.is(s.broker.topics.has('race'), false);
    assert.is(s.broker.store.get('race'), undefined);
  }
  assert.equal(partitionDirs(s.dir, 'race'), []);
  assert.is(s.broker.locks.busyNames, 0);
  await stop(s);
});

test('a topic asked for by Metadata while it is being deleted is not created again; after the deletion it may be', async () => {
  const s = await start(undefined, 1);
  assert.ok('meta' in (await s.broker.createTopic('doomed-again', 8, {})));
  try {
    const deletion = s.broker.deleteTopic('doomed-again');
    // The deletion has begun (the name's lock taken, the topic gone from Metadata) but not ended.
    while (s.broker.topics.has('doomed-again')) await new Promise((r) => setImmediate(r));
    const during = await s.broker.autoCreate('doomed-again');
    assert.ok(!('meta' in during) && during.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `answered while deleting: ${'meta' in during ? 'created again' : during.errorCode}`);
    assert.is(await deletion, undefined);
    assert.is(s.broker.topics.has('doomed-again'), false);
    assert.is(s.broker.store.get('doomed-again'), undefined);
    assert.ok('meta' in (await s.broker.autoCreate('doomed-again')));
  } finally {
    await stop(s);
  }
});

test('a delete by a topic id that the name no longer has leaves the new topic alone (UNKNOWN_TOPIC_ID)', async () => {
  const s = await start();
  const old = await s.broker.createTopic('reborn', 1, {});
  assert.ok('meta' in old);
  const oldId = old.meta.topicId;
  assert.is(await s.broker.deleteTopic('reborn'), undefined);
  assert.ok('meta' in (await s.broker.createTopic('reborn', 1, {})));
  assert.is((await s.broker.deleteTopic('reborn', oldId))?.errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
  assert.ok(s.broker.topics.has('reborn'));
  await stop(s);
});

test('names that collide (. and _) are created one at a time: the second is refused', async () => {
  const s = await start(undefined, 1);
  const [a, b] = await Promise.all([s.broker.createTopic('metrics.cpu', 2, {}), s.broker.createTopic('metrics_cpu', 2, {})]);
  assert.ok('meta' in a);
  assert.is(problemOf(b).errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
  assert.is(problemOf(b).errorMessage, "Topic 'metrics_cpu' collides with existing topic: metrics.cpu");
  await stop(s);
});

test(`a name with ${MAX_OPERATIONS_PER_TOPIC} operations waiting refuses more: REQUEST_TIMED_OUT, UNKNOWN_TOPIC_OR_PARTITION for auto-creation`, async () => {
  const s = await start();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const held = Array.from({ length: MAX_OPERATIONS_PER_TOPIC }, () => s.broker.locks.run('hot', () => gate)!);
  assert.is(problemOf(await s.broker.createTopic('hot', 1, {})).errorCode, ErrorCode.REQUEST_TIMED_OUT);
  assert.is((await s.broker.deleteTopic('hot'))?.errorCode, ErrorCode.REQUEST_TIMED_OUT);
  assert.is(problemOf(await s.broker.autoCreate('hot')).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  release();
  await Promise.all(held);
  assert.ok('meta' in (await s.broker.autoCreate('hot')));
  await stop(s);
});

test('a topic deleted and created again is read from its new files, not through descriptors of the old ones', async () => {
  const b = await startBroker({ port: 0, config: { 'num.io.threads': 1 } });
  await withRawClient(b.bootstrap, async (c) => {
    const create = () => c.request(CreateTopics, 5, { topics: [{ name: 'again', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000, validateOnly: false });
    const produce = (value: string) =>
      c.request(Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: 'again', partitionData: [{ index: 0, records: encodeBatch([{ value }]) }] }] });
    const values = async () => {
      const r = await c.request(Fetch, 11, {
        replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
        topics: [{ topic: 'again', topicId: '00000000-0000-0000-0000-000000000000', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, lastFetchedEpoch: -1, logStartOffset: -1, replicaDirectoryId: '00000000-0000-0000-0000-000000000000' }] }],
        forgottenTopicsData: [], rackId: '',
      });
      const records = r.responses[0]!.partitions[0]!.records!;
      return [...batchPositions(records)].flatMap(({ at }) => decodeBatchDecompressing(records, at).records.map((x) => x.value!.toString()));
    };
    await create();
    await produce(`old ${'x'.repeat(300)}`);
    assert.equal((await values()).length, 1);
    await c.request(DeleteTopics, 5, { topicNames: ['again'], timeoutMs: 1000 });
    await create();
    await produce('new');
    assert.equal(await values(), ['new']);
  });
  await b.close();
});

const child = new URL('./descriptor-limit-child.js', import.meta.url).pathname;

test('a creation that runs out of file descriptors (ulimit -n) is undone, the broker goes on, and a restart succeeds', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spindle-emfile-'));
  const LIMIT = 256;
  const PARTITIONS = 400;
  const out = await new Promise<string>((resolve, reject) => {
    const p = spawn('/bin/sh', ['-c', `ulimit -n ${LIMIT} && exec "$0" "$@"`, process.execPath, child, dir, String(PARTITIONS)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    p.stdout.on('data', (d: Buffer) => (text += d.toString()));
    const guard = setTimeout(() => p.kill('SIGKILL'), 60_000);
    p.on('exit', (code) => {
      clearTimeout(guard);
      if (code === 0) resolve(text);
      else reject(new Error(`child exited ${code}: ${text}`));
    });
  });
  const r = JSON.parse(out) as Record<string, unknown>;
  assert.is(r.errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
  assert.match(r.errorMessage as string, 'EMFILE');
  assert.is(r.inTopics, false);
  assert.is(r.inStore, false);
  assert.is(r.dirs, 0, 'no partition directory of the failed topic is left');
  assert.ok((r.openDescriptors as number) < LIMIT / 4, `the partitions that opened were closed again (${r.openDescriptors} descriptors open)`);
  assert.is(r.servesOthers, true, 'the topic created before still takes appends');
  assert.equal(r.afterRestart, ['small'], 'the restart opens what there is and nothing of the failed topic');
  assert.is(r.createdAfterRestart, true);
  assert.not.ok(existsSync(join(dir, 'huge-0')));
  rmSync(dir, { recursive: true, force: true });
});

test.run();
