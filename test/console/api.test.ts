/**
 * The console's HTTP API (src/console/api.ts) against a broker started in-process with its
 * console on a free port: every endpoint called with fetch(), its answers checked against what
 * the broker holds, and every write seen through the Kafka protocol afterwards.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningBroker } from '../../src/broker/server.js';
import { Admin, Client, Consumer, Producer } from '../../src/client/index.js';
import { MAX_VALUE_BYTES } from '../../src/console/api.js';
import { call, consoleBroker, eventually } from './helpers.js';

let b: RunningBroker;
let client: Client;
let admin: Admin;
let producer: Producer;

test.before(async () => {
  b = await consoleBroker({ 'group.initial.rebalance.delay.ms': 0, 'num.partitions': 1 });
  client = new Client({ bootstrapServers: b.bootstrap, clientId: 'console-api-test' });
  admin = new Admin(client);
  producer = new Producer(client, { lingerMs: 0 });
});

test.after(async () => {
  await producer.close();
  await client.close();
  await b.close();
});

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const text = (v: string | null): string | null => (v === null ? null : Buffer.from(v, 'base64').toString('utf8'));

/** 30 records on partition 0 of `topic`: keys k0…k29, JSON values, a header, timestamps 1000 apart. */
async function fill(topic: string, base = 1_700_000_000_000): Promise<void> {
  await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      producer.send({ topic, partition: 0, key: `k${i}`, value: JSON.stringify({ n: i, word: i % 2 ? 'odd' : 'even' }), headers: [{ key: 'trace', value: `t-${i}` }], timestamp: base + i * 1000 }),
    ),
  );
  await producer.flush();
}

test('GET /api/overview tells the broker, its listeners, version, uptime and data directories with their space', async () => {
  const r = await call(b, 'GET', '/api/overview');
  assert.is(r.status, 200);
  assert.is(r.contentType, 'application/json; charset=utf-8');
  const o = r.body;
  assert.is(o.broker.nodeId, b.broker.nodeId);
  assert.is(o.broker.clusterId, b.broker.clusterId);
  assert.match(o.broker.version, /^\d+\.\d+\.\d+/);
  assert.ok(o.broker.uptimeMs >= 0);
  assert.equal(o.listeners, [{ name: 'PLAINTEXT', host: '127.0.0.1', port: b.port }]);
  assert.is(o.console, b.consoleUrl);
  assert.is(o.logDirs.length, 1);
  assert.is(o.logDirs[0].path, b.config.derived.logDirs[0]);
  assert.ok(o.logDirs[0].capacityBytes > 0 && o.logDirs[0].freeBytes > 0 && o.logDirs[0].freeBytes <= o.logDirs[0].capacityBytes);
  assert.is(o.workers.length, b.config.derived.numIoThreads);
  assert.ok(o.workers[0].commandRingCapacityBytes > 0);
});

test('POST /api/topics creates a topic through CreateTopics, and a second time answers TOPIC_ALREADY_EXISTS', async () => {
  const r = await call(b, 'POST', '/api/topics', { name: 'orders', partitions: 3, configs: { 'retention.ms': '86400000' } });
  assert.is(r.status, 200);
  assert.is(r.body.created.name, 'orders');
  const [described] = await admin.describeTopics(['orders']);
  assert.is(described!.partitions.length, 3);
  const again = await call(b, 'POST', '/api/topics', { name: 'orders', partitions: 1 });
  assert.is(again.status, 400);
  assert.match(again.body.error, /TOPIC_ALREADY_EXISTS/);
  const bad = await call(b, 'POST', '/api/topics', { name: 'no/slashes' });
  assert.is(bad.status, 400);
  assert.match(bad.body.error, /INVALID_TOPIC_EXCEPTION/);
  const missing = await call(b, 'POST', '/api/topics', { partitions: 1 });
  assert.is(missing.status, 400);
});

test('GET /api/topics lists partitions, records, size, retention and cleanup policy', async () => {
  await fill('orders');
  const r = await call(b, 'GET', '/api/topics');
  assert.is(r.status, 200);
  const orders = r.body.topics.find((t: { name: string }) => t.name === 'orders');
  assert.is(orders.partitions, 3);
  assert.is(orders.records, 30);
  assert.ok(orders.sizeBytes > 30 * 20, `size ${orders.sizeBytes}`);
  assert.is(orders.retentionMs, 86_400_000);
  assert.is(orders.cleanupPolicy, 'delete');
});

test('GET /api/topics/:topic gives each partition its log start, end offset, segments and size, and the config overrides', async () => {
  const r = await call(b, 'GET', '/api/topics/orders');
  assert.is(r.status, 200);
  const t = r.body;
  assert.is(t.name, 'orders');
  assert.is(t.partitions.length, 3);
  const p0 = t.partitions[0];
  assert.is(p0.logStartOffset, 0);
  assert.is(p0.logEndOffset, 30);
  assert.is(p0.segments, 1);
  assert.ok(p0.sizeBytes > 0);
  assert.is(t.partitions[1].logEndOffset, 0);
  assert.is(t.partitions[1].sizeBytes, 0);
  assert.equal(t.overrides, { 'retention.ms': '86400000' });
  const retention = t.configs.find((c: { name: string }) => c.name === 'retention.ms');
  assert.is(retention.source, 'DYNAMIC_TOPIC_CONFIG');
  const missing = await call(b, 'GET', '/api/topics/nothing-here');
  assert.is(missing.status, 404);
});

test('PATCH /api/topics/:topic/configs sets and removes overrides through IncrementalAlterConfigs', async () => {
  const set = await call(b, 'PATCH', '/api/topics/orders/configs', { set: { 'cleanup.policy': 'compact', 'segment.bytes': 1048576 } });
  assert.is(set.status, 200);
  let entries = await admin.describeConfigs('topic', 'orders', { keys: ['cleanup.policy', 'segment.bytes', 'retention.ms'] });
  const value = (name: string): string | null | undefined => entries.find((e) => e.name === name)?.value;
  assert.is(value('cleanup.policy'), 'compact');
  assert.is(value('segment.bytes'), '1048576');
  const del = await call(b, 'PATCH', '/api/topics/orders/configs', { delete: ['cleanup.policy', 'retention.ms'] });
  assert.is(del.status, 200);
  entries = await admin.describeConfigs('topic', 'orders', { keys: ['cleanup.policy', 'segment.bytes', 'retention.ms'] });
  assert.is(value('cleanup.policy'), 'delete');
  assert.is(value('retention.ms'), '604800000');
  const t = await call(b, 'GET', '/api/topics/orders');
  assert.equal(t.body.overrides, { 'segment.bytes': '1048576' });
  const bad = await call(b, 'PATCH', '/api/topics/orders/configs', { set: { 'cleanup.policy': 'sometimes' } });
  assert.is(bad.status, 400);
  assert.match(bad.body.error, /INVALID_CONFIG/);
  const nothing = await call(b, 'PATCH', '/api/topics/orders/configs', {});
  assert.is(nothing.status, 400);
});

test('POST /api/topics/:topic/partitions raises the partition count through CreatePartitions and refuses to lower it', async () => {
  const r = await call(b, 'POST', '/api/topics/orders/partitions', { count: 5 });
  assert.is(r.status, 200);
  const [described] = await admin.describeTopics(['orders']);
  assert.is(described!.partitions.length, 5);
  const lower = await call(b, 'POST', '/api/topics/orders/partitions', { count: 2 });
  assert.is(lower.status, 400);
  assert.match(lower.body.error, /INVALID_PARTITIONS/);
});

test('DELETE /api/topics/:topic needs the name repeated in confirm, then deletes through DeleteTopics', async () => {
  await call(b, 'POST', '/api/topics', { name: 'scratch', partitions: 1 });
  const unconfirmed = await call(b, 'DELETE', '/api/topics/scratch');
  assert.is(unconfirmed.status, 400);
  assert.ok(b.broker.topics.has('scratch'));
  const wrong = await call(b, 'DELETE', '/api/topics/scratch?confirm=orders');
  assert.is(wrong.status, 400);
  const r = await call(b, 'DELETE', '/api/topics/scratch?confirm=scratch');
  assert.is(r.status, 200);
  assert.not.ok(b.broker.topics.has('scratch'));
  assert.not.ok((await admin.listTopics()).includes('scratch'));
  const again = await call(b, 'DELETE', '/api/topics/scratch?confirm=scratch');
  assert.is(again.status, 404);
});

test('GET …/messages reads the newest records by default, or from the oldest, an offset or a time, with keys, headers and values', async () => {
  let r = await call(b, 'GET', '/api/topics/orders/messages?partition=0&limit=5');
  assert.is(r.status, 200);
  assert.equal(r.body.records.map((x: { offset: number }) => x.offset), [25, 26, 27, 28, 29]);
  assert.is(r.body.logEndOffset, 30);
  assert.is(r.body.reachedEnd, true);
  const rec = r.body.records[0];
  assert.is(text(rec.key), 'k25');
  assert.equal(JSON.parse(text(rec.value)!), { n: 25, word: 'odd' });
  assert.equal(rec.headers, [{ key: 'trace', value: b64('t-25') }]);
  assert.is(rec.timestamp, 1_700_000_000_000 + 25_000);
  assert.is(rec.timestampType, 'CreateTime');

  r = await call(b, 'GET', '/api/topics/orders/messages?partition=0&from=oldest&limit=10');
  assert.equal(r.body.records.map((x: { offset: number }) => x.offset), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.is(r.body.nextOffset, 10);
  assert.is(r.body.reachedEnd, false);

  r = await call(b, 'GET', '/api/topics/orders/messages?partition=0&offset=12&limit=3');
  assert.equal(r.body.records.map((x: { offset: number }) => x.offset), [12, 13, 14]);

  r = await call(b, 'GET', `/api/topics/orders/messages?partition=0&timestamp=${1_700_000_000_000 + 20_500}&limit=2`);
  assert.is(r.body.startOffset, 21);
  assert.equal(r.body.records.map((x: { offset: number }) => x.offset), [21, 22]);

  r = await call(b, 'GET', '/api/topics/orders/messages?partition=1');
  assert.equal(r.body.records, []);
  assert.is(r.body.reachedEnd, true);
});

test('GET …/messages searches keys or values for a substring over a bounded number of records', async () => {
  let r = await call(b, 'GET', '/api/topics/orders/messages?partition=0&from=oldest&q=k17&in=key');
  assert.equal(r.body.records.map((x: { offset: number }) => x.offset), [17]);
  assert.is(r.body.scanned, 30);
  r = await call(b, 'GET', '/api/topics/orders/messages?partition=0&from=oldest&q=%22n%22%3A2&in=value');
  assert.equal(r.body.records.map((x: { offset: number }) => x.offset), [2, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29]);
  r = await call(b, 'GET', '/api/topics/orders/messages?partition=0&from=oldest&q=odd&in=key');
  assert.equal(r.body.records, []);
  r = await call(b, 'GET', '/api/topics/orders/messages?partition=0&from=oldest&q=k2&scan=5');
  assert.is(r.body.scanned, 5);
  assert.equal(r.body.records.map((x: { offset: number }) => x.offset), [2]);
  assert.is(r.body.nextOffset, 5);
  r = await call(b, 'GET', '/api/topics/orders/messages?partition=0&from=oldest&q=k&limit=4');
  assert.equal(r.body.records.map((x: { offset: number }) => x.offset), [0, 1, 2, 3]);
});

test('GET …/messages cuts long values, refuses bad parameters and answers 404 for a missing partition', async () => {
  await call(b, 'POST', '/api/topics', { name: 'blobs', partitions: 1, configs: { 'max.message.bytes': '2000000' } });
  await producer.send({ topic: 'blobs', partition: 0, key: null, value: Buffer.alloc(100 * 1024, 0x61) });
  await producer.send({ topic: 'blobs', partition: 0, key: null, value: null });
  await producer.flush();
  const r = await call(b, 'GET', '/api/topics/blobs/messages?partition=0');
  assert.is(r.body.records.length, 2);
  const [big, tombstone] = r.body.records;
  assert.is(big.valueTruncated, true);
  assert.is(big.valueSize, 100 * 1024);
  assert.is(Buffer.from(big.value, 'base64').length, MAX_VALUE_BYTES);
  assert.is(big.key, null);
  assert.is(tombstone.value, null);
  assert.is(tombstone.valueSize, -1);
  assert.is((await call(b, 'GET', '/api/topics/blobs/messages?partition=7')).status, 404);
  assert.is((await call(b, 'GET', '/api/topics/blobs/messages?limit=0')).status, 400);
  assert.is((await call(b, 'GET', '/api/topics/blobs/messages?in=neither&q=x')).status, 400);
  assert.is((await call(b, 'GET', '/api/topics/missing/messages')).status, 404);
});

test('GET /api/groups and /api/groups/:group show state, members with assignments, committed offsets, end offsets and lag; internal topics are listed on request', async () => {
  // "billing" reads 10 records of orders-0, commits and leaves: Empty, lag 20 there.
  const billing = new Consumer(client, { groupId: 'billing', autoOffsetReset: 'earliest', maxPollRecords: 10, autoCommit: false });
  await billing.subscribe(['orders']);
  let got = 0;
  while (got < 10) got += (await billing.poll()).length;
  await billing.commit();
  await billing.close();

  // "live" stays a member while we look.
  const liveClient = new Client({ bootstrapServers: b.bootstrap, clientId: 'live-reader' });
  const live = new Consumer(liveClient, { groupId: 'live', autoOffsetReset: 'latest', maxWaitMs: 50 });
  await live.subscribe(['orders']);
  await live.poll();
  try {
    const list = await call(b, 'GET', '/api/groups');
    assert.is(list.status, 200);
    const byId = new Map(list.body.groups.map((g: { groupId: string }) => [g.groupId, g]));
    const listedBilling = byId.get('billing') as { state: string; totalLag: number; members: number };
    assert.is(listedBilling.state, 'Empty');
    assert.is(listedBilling.members, 0);
    assert.is(listedBilling.totalLag, 20);
    assert.is((byId.get('live') as { state: string }).state, 'Stable');

    const g = await call(b, 'GET', '/api/groups/billing');
    assert.is(g.status, 200);
    assert.is(g.body.state, 'Empty');
    const p0 = g.body.offsets.find((o: { partition: number }) => o.partition === 0);
    assert.equal({ committed: p0.committedOffset, end: p0.logEndOffset, lag: p0.lag }, { committed: 10, end: 30, lag: 20 });
    assert.is(g.body.totalLag, 20);
    assert.ok(Array.isArray(g.body.lagHistory));

    const l = await call(b, 'GET', '/api/groups/live');
    assert.is(l.body.state, 'Stable');
    assert.is(l.body.protocolType, 'consumer');
    assert.is(l.body.members.length, 1);
    assert.is(l.body.members[0].clientId, 'live-reader');
    assert.equal(l.body.members[0].assignment, [{ topic: 'orders', partitions: [0, 1, 2, 3, 4] }]);

    const refused = await call(b, 'POST', '/api/groups/live/reset', { to: 'earliest', topic: 'orders' });
    assert.is(refused.status, 409);
    assert.is((await call(b, 'GET', '/api/groups/nobody')).status, 404);

    // __consumer_offsets exists once groups are used: listed only when internal topics are asked for.
    assert.not.ok((await call(b, 'GET', '/api/topics')).body.topics.some((t: { internal: boolean }) => t.internal));
    const all = await call(b, 'GET', '/api/topics?internal=1');
    assert.ok(all.body.topics.some((t: { name: string; internal: boolean }) => t.name === '__consumer_offsets' && t.internal));
  } finally {
    await live.close();
    await liveClient.close();
  }
});

test('POST /api/groups/:group/reset commits earliest, latest or by-time offsets for an empty group', async () => {
  let r = await call(b, 'POST', '/api/groups/billing/reset', { to: 'earliest' });
  assert.is(r.status, 200);
  let committed = await admin.fetchGroupOffsets('billing');
  assert.equal(committed.filter((o) => o.topic === 'orders' && o.partition === 0).map((o) => o.offset), [0]);
  r = await call(b, 'POST', '/api/groups/billing/reset', { to: 'latest' });
  committed = await admin.fetchGroupOffsets('billing');
  assert.equal(committed.filter((o) => o.partition === 0).map((o) => o.offset), [30]);
  assert.is((await call(b, 'GET', '/api/groups/billing')).body.totalLag, 0);
  r = await call(b, 'POST', '/api/groups/billing/reset', { to: 'timestamp', timestamp: 1_700_000_000_000 + 7_000, topic: 'orders' });
  assert.is(r.status, 200);
  committed = await admin.fetchGroupOffsets('billing');
  assert.equal(committed.filter((o) => o.partition === 0).map((o) => o.offset), [7]);
  assert.is((await call(b, 'POST', '/api/groups/billing/reset', { to: 'yesterday' })).status, 400);
  assert.is((await call(b, 'POST', '/api/groups/billing/reset', { to: 'timestamp' })).status, 400);
});

test('GET /api/events streams the history, then a sample a second whose rates move when records are produced', async () => {
  const abort = new AbortController();
  const res = await fetch(`${b.consoleUrl}/api/events`, { signal: abort.signal });
  assert.is(res.status, 200);
  assert.is(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  const reader = res.body!.getReader();
  let buffer = '';
  const events: { event: string; data: any }[] = [];
  const readEvent = async (): Promise<{ event: string; data: any }> => {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
        const data = /^data: (.*)$/m.exec(block)?.[1];
        const e = { event, data: data === undefined ? undefined : JSON.parse(data) };
        events.push(e);
        return e;
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('the stream ended');
      buffer += Buffer.from(value).toString('utf8');
    }
  };
  try {
    const first = await readEvent();
    assert.is(first.event, 'history');
    assert.ok(Array.isArray(first.data));
    const producing = setInterval(() => void producer.send({ topic: 'orders', partition: 1, value: 'tick' }), 20);
    try {
      const moving = await eventually(async () => {
        const e = await readEvent();
        return e.event === 'sample' && e.data.recordsInPerSec > 0 ? e.data : undefined;
      }, 10_000, 'a sample with records coming in');
      assert.ok(moving.bytesInPerSec > 0);
      assert.ok(moving.latencyMs.Produce[0] > 0 && moving.latencyMs.Produce[1] >= moving.latencyMs.Produce[0]);
      assert.ok(moving.connections >= 1);
      assert.is(moving.workerBusy.length, b.config.derived.numIoThreads);
      assert.ok(typeof moving.groupLag.billing === 'number');
    } finally {
      clearInterval(producing);
    }
  } finally {
    abort.abort();
    await reader.cancel().catch(() => {});
  }
});

test('the page and its files are served from the package; unknown paths answer 404 and wrong methods 405', async () => {
  const page = await fetch(`${b.consoleUrl}/`);
  assert.is(page.status, 200);
  assert.is(page.headers.get('content-type'), 'text/html; charset=utf-8');
  const html = await page.text();
  assert.match(html, /<script type="module" src="\/app\.js">/);
  assert.not.match(html, /https?:\/\/(?!www\.w3\.org)/);
  const js = await fetch(`${b.consoleUrl}/app.js`);
  assert.is(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.not.match(await js.text(), /https?:\/\/(?!www\.w3\.org)/);
  assert.is((await fetch(`${b.consoleUrl}/app.css`)).status, 200);
  assert.is((await fetch(`${b.consoleUrl}/../package.json`)).status, 404);
  assert.is((await call(b, 'GET', '/api/nothing')).status, 404);
  assert.is((await call(b, 'PUT', '/api/topics')).status, 405);
  const notJson = await fetch(`${b.consoleUrl}/api/topics`, { method: 'POST', body: '{nope', headers: { 'content-type': 'application/json' } });
  assert.is(notJson.status, 400);
});

test('writes from another origin, or with a body that is not declared JSON, are refused before reaching Kafka', async () => {
  const body = JSON.stringify({ name: 'csrf' });
  const plain = await fetch(`${b.consoleUrl}/api/topics`, { method: 'POST', body, headers: { 'content-type': 'text/plain' } });
  assert.is(plain.status, 415);
  const foreign = await fetch(`${b.consoleUrl}/api/topics`, { method: 'POST', body, headers: { 'content-type': 'application/json', origin: 'http://elsewhere.example' } });
  assert.is(foreign.status, 403);
  const own = await fetch(`${b.consoleUrl}/api/topics`, { method: 'POST', body: JSON.stringify({ name: 'same-origin' }), headers: { 'content-type': 'application/json', origin: b.consoleUrl! } });
  assert.is(own.status, 200);
  assert.not.ok(b.broker.topics.has('csrf'));
});

test('a console listener that cannot bind stops the broker it came with', async () => {
  const port = Number(new URL(b.consoleUrl!).port);
  let failed: Error | undefined;
  try {
    const other = await consoleBroker({ 'console.listener': `http://127.0.0.1:${port}` });
    await other.close();
  } catch (e) {
    failed = e as Error;
  }
  assert.ok(failed);
  assert.match(String((failed as NodeJS.ErrnoException).code), /EADDRINUSE/);
});

test.run();
