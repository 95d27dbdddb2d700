/**
 * `GET /metrics` (src/console/prometheus.ts) against a broker started in-process: the text
 * parses as Prometheus' exposition format with Prometheus' naming rules, and the numbers move
 * as records are produced and fetched, groups commit, connections come and go and topics are
 * deleted.
 */
import { COMMAND_RING_BYTES } from '../../src/broker/partitions/worker-host.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningBroker } from '../../src/broker/server.js';
import { Admin, Client, Consumer, Producer } from '../../src/client/index.js';
import { type ParsedMetrics, consoleBroker, eventually, metric, parseMetrics, scrape } from './helpers.js';

let b: RunningBroker;
let client: Client;
let admin: Admin;

test.before(async () => {
  b = await consoleBroker({ 'group.initial.rebalance.delay.ms': 0, 'num.io.threads': 2 });
  client = new Client({ bootstrapServers: b.bootstrap, clientId: 'metrics-test' });
  admin = new Admin(client);
});

test.after(async () => {
  await client.close();
  await b.close();
});

const v = (m: ParsedMetrics, name: string, labels: Record<string, string> = {}): number => metric(m, name, labels) ?? 0;

test('GET /metrics answers the text format, every family with HELP and TYPE, names in snake case with units and _total on counters', async () => {
  await admin.createTopics([{ name: 'warmup', numPartitions: 1 }]);
  const res = await fetch(`${b.consoleUrl}/metrics`);
  assert.is(res.status, 200);
  assert.is(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  const m = parseMetrics(await res.text());
  assert.ok(m.samples.length > 20);
  for (const [family, type] of m.types) {
    assert.match(family, /^[a-z][a-z0-9_]*$/, family);
    assert.ok(m.help.has(family), `${family} has HELP`);
    assert.ok(['counter', 'gauge', 'histogram'].includes(type), `${family} is ${type}`);
    if (type === 'counter') assert.match(family, /_total$/, family);
    else assert.not.match(family, /_total$/, family);
  }
  for (const s of m.samples) {
    const family = m.types.has(s.name) ? s.name : s.name.replace(/_(bucket|sum|count)$/, '');
    assert.ok(m.types.has(family), `${s.name} belongs to a declared family`);
  }
  for (const name of ['spindle_connections', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_p99_seconds', 'process_start_time_seconds']) {
    assert.ok(metric(m, name) !== undefined, name);
  }
  assert.ok(v(m, 'process_resident_memory_bytes') > 1e6);
  assert.ok(v(m, 'nodejs_eventloop_lag_p99_seconds') >= 0 && v(m, 'nodejs_eventloop_lag_p99_seconds') < 5);
  assert.is(metric(m, 'spindle_build_info', { cluster_id: b.broker.clusterId, node_id: String(b.broker.nodeId) }), 1);
  const dir = b.config.derived.logDirs[0]!;
  assert.ok(v(m, 'spindle_log_dir_capacity_bytes', { dir }) > 0);
  assert.ok(v(m, 'spindle_log_dir_free_bytes', { dir }) > 0);
  assert.is(v(m, 'spindle_worker_command_ring_capacity_bytes', { worker: '1' }), COMMAND_RING_BYTES);
});

test('producing moves records and bytes in, produce requests, the latency histogram, log end offsets, sizes and worker busy time', async () => {
  await admin.createTopics([{ name: 'm', numPartitions: 2 }]);
  const before = await scrape(b);
  const producer = new Producer(client, { lingerMs: 2 });
  await Promise.all(Array.from({ length: 100 }, (_, i) => producer.send({ topic: 'm', partition: i % 2, key: `key-${i}`, value: `value number ${i}` })));
  await producer.close();
  const after = await scrape(b);
  const t = { topic: 'm' };
  assert.is(v(after, 'spindle_topic_records_in_total', t), 100);
  const sizes = v(after, 'spindle_partition_size_bytes', { topic: 'm', partition: '0' }) + v(after, 'spindle_partition_size_bytes', { topic: 'm', partition: '1' });
  assert.is(v(after, 'spindle_topic_bytes_in_total', t), sizes, 'uncompressed batches are stored as received');
  assert.is(v(after, 'spindle_partition_log_end_offset', { topic: 'm', partition: '0' }), 50);
  assert.is(v(after, 'spindle_partition_log_start_offset', { topic: 'm', partition: '1' }), 0);
  assert.is(v(after, 'spindle_partition_segments', { topic: 'm', partition: '1' }), 1);
  const produceRequests = v(after, 'spindle_requests_total', { api: 'Produce' }) - v(before, 'spindle_requests_total', { api: 'Produce' });
  assert.ok(produceRequests >= 1);
  assert.is(v(after, 'spindle_topic_produce_requests_total', t), produceRequests);
  assert.is(v(after, 'spindle_topic_failed_produce_requests_total', t), 0);
  const count = v(after, 'spindle_request_duration_seconds_count', { api: 'Produce' });
  assert.is(count, v(after, 'spindle_requests_total', { api: 'Produce' }));
  assert.is(v(after, 'spindle_request_duration_seconds_bucket', { api: 'Produce', le: '+Inf' }), count);
  let previous = 0;
  for (const s of after.samples.filter((x) => x.name === 'spindle_request_duration_seconds_bucket' && x.labels.api === 'Produce')) {
    assert.ok(s.value >= previous, 'buckets are cumulative');
    previous = s.value;
  }
  assert.ok(v(after, 'spindle_request_duration_seconds_sum', { api: 'Produce' }) > 0);
  const busy = v(after, 'spindle_worker_busy_seconds_total', { worker: '0' }) + v(after, 'spindle_worker_busy_seconds_total', { worker: '1' });
  assert.ok(busy > v(before, 'spindle_worker_busy_seconds_total', { worker: '0' }) + v(before, 'spindle_worker_busy_seconds_total', { worker: '1' }));
  assert.is(v(after, 'spindle_worker_partitions', { worker: '0' }) + v(after, 'spindle_worker_partitions', { worker: '1' }), b.broker.topics.get('m')!.partitions.length + b.broker.topics.get('warmup')!.partitions.length + (b.broker.topics.get('__consumer_offsets')?.partitions.length ?? 0));
});

test('fetching moves bytes out exactly and records out by estimate; an out-of-range fetch counts as an error by code', async () => {
  const before = await scrape(b);
  const consumer = new Consumer(client, { maxWaitMs: 50, autoOffsetReset: 'earliest' });
  await consumer.assign([{ topic: 'm', partition: 0 }]);
  let got = 0;
  for (let i = 0; i < 50 && got < 50; i++) got += (await consumer.poll()).length;
  await consumer.close();
  assert.is(got, 50);
  const after = await scrape(b);
  const t = { topic: 'm' };
  assert.is(v(after, 'spindle_topic_bytes_out_total', t) - v(before, 'spindle_topic_bytes_out_total', t), v(after, 'spindle_partition_size_bytes', { topic: 'm', partition: '0' }));
  const estimated = v(after, 'spindle_topic_records_out_estimated_total', t) - v(before, 'spindle_topic_records_out_estimated_total', t);
  assert.ok(Math.abs(estimated - 50) < 2, `records out estimated ${estimated} for 50`);
  assert.ok(v(after, 'spindle_topic_fetch_requests_total', t) > v(before, 'spindle_topic_fetch_requests_total', t));

  const far = new Consumer(client, { maxWaitMs: 0, autoOffsetReset: 'earliest' });
  await far.assign([{ topic: 'm', partition: 1, offset: 1000 }]);
  await far.poll();
  await far.close();
  const errors = await scrape(b);
  assert.ok(v(errors, 'spindle_request_errors_total', { api: 'Fetch', error: 'OFFSET_OUT_OF_RANGE' }) >= 1);
  assert.ok(v(errors, 'spindle_topic_failed_fetch_requests_total', t) >= 1);
  await admin.createTopics([{ name: 'm', numPartitions: 1 }]).catch(() => {});
  const dup = await scrape(b);
  assert.is(v(dup, 'spindle_request_errors_total', { api: 'CreateTopics', error: 'TOPIC_ALREADY_EXISTS' }), 1);
});

test('consumer group lag per partition is the log end offset minus the committed offset', async () => {
  const consumer = new Consumer(client, { groupId: 'lagging', autoOffsetReset: 'earliest', maxPollRecords: 10, autoCommit: false });
  await consumer.subscribe(['m']);
  let got = 0;
  while (got < 10) got += (await consumer.poll()).length;
  await consumer.commit();
  const during = await scrape(b);
  assert.is(v(during, 'spindle_consumer_group_members', { group: 'lagging', state: 'Stable' }), 1);
  await consumer.close();
  const m = await scrape(b);
  const committed = m.samples.filter((s) => s.name === 'spindle_consumer_group_committed_offset' && s.labels.group === 'lagging');
  assert.ok(committed.length >= 1);
  let sum = 0;
  for (const c of committed) {
    const end = v(m, 'spindle_partition_log_end_offset', { topic: c.labels.topic!, partition: c.labels.partition! });
    const lag = v(m, 'spindle_consumer_group_lag', { group: 'lagging', topic: c.labels.topic!, partition: c.labels.partition! });
    assert.is(lag, end - c.value);
    sum += lag;
  }
  assert.is(sum, 100 - 10);
  assert.is(v(m, 'spindle_consumer_group_lag_sum', { group: 'lagging' }), 90);
  assert.is(v(m, 'spindle_consumer_group_members', { group: 'lagging', state: 'Empty' }), 0);
});

test('connections open, accepted and closed follow the clients', async () => {
  const before = await scrape(b);
  const other = new Client({ bootstrapServers: b.bootstrap, clientId: 'short-lived' });
  await other.refreshMetadata([]);
  const during = await scrape(b);
  assert.is(v(during, 'spindle_connections_accepted_total'), v(before, 'spindle_connections_accepted_total') + 1);
  assert.is(v(during, 'spindle_connections'), v(before, 'spindle_connections') + 1);
  await other.close();
  await eventually(async () => v(await scrape(b), 'spindle_connections_closed_total') === v(before, 'spindle_connections_closed_total') + 1, 5_000, 'the close to be counted');
  assert.is(v(await scrape(b), 'spindle_connections'), v(before, 'spindle_connections'));
});

test("a deleted topic's series disappear", async () => {
  await admin.deleteTopics(['warmup']);
  const m = await scrape(b);
  assert.is(metric(m, 'spindle_topic_records_in_total', { topic: 'warmup' }), undefined);
  assert.is(metric(m, 'spindle_partition_log_end_offset', { topic: 'warmup', partition: '0' }), undefined);
  assert.ok(metric(m, 'spindle_topic_records_in_total', { topic: 'm' })! > 0);
});

test('with the logs on the main thread (num.io.threads=0) /metrics has sizes and no worker series', async () => {
  const inline = await consoleBroker({ 'num.io.threads': 0 });
  const c = new Client({ bootstrapServers: inline.bootstrap });
  try {
    const p = new Producer(c);
    await p.send({ topic: 'solo', value: 'x' });
    await p.close();
    const m = await scrape(inline);
    assert.is(v(m, 'spindle_topic_records_in_total', { topic: 'solo' }), 1);
    assert.ok(v(m, 'spindle_partition_size_bytes', { topic: 'solo', partition: '0' }) > 0);
    assert.not.ok(m.samples.some((s) => s.name.startsWith('spindle_worker_')));
  } finally {
    await c.close();
    await inline.close();
  }
});

test.run();
