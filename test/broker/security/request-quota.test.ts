/**
 * request_percentage (KIP-124) enforced: a client id whose requests take more of the main
 * thread than its quota gets throttle_time_ms in its answers and its connection muted for that
 * long (KIP-219); a Fetch past it is answered without partitions, as Kafka answers a throttled
 * fetch; a client id without a quota, and the SASL exchange, are not counted.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { AlterClientQuotas, CreateTopics, Fetch, Metadata, Produce } from '../../../src/protocol/messages/index.js';
import { encodeBatch } from '../../../src/protocol/records/batch.js';
import { RawClient } from '../../helpers/raw-client.js';
import { fetchBody } from './helpers.js';

/** A hundredth of one thread's time: a client sending Metadata flat out passes it within a few hundred requests. */
const REQUEST_PERCENTAGE = 1;

let b: RunningBroker;

test.before(async () => {
  b = await startBroker({ port: 0, config: { 'num.io.threads': 1, 'quota.window.num': 2, 'quota.window.size.seconds': 1, 'console.listener': 'http://127.0.0.1:0' }, logger: { error() {}, warn() {}, info() {} } });
  const c = await RawClient.connect(b.bootstrap);
  const q = await c.request(AlterClientQuotas, 1, {
    entries: [{ entity: [{ entityType: 'client-id', entityName: 'busy' }], ops: [{ key: 'request_percentage', value: REQUEST_PERCENTAGE, remove: false }] }],
    validateOnly: false,
  });
  assert.is(q.entries[0]!.errorCode, ErrorCode.NONE);
  const t = await c.request(CreateTopics, 7, { topics: [{ name: 'rq', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
  assert.is(t.topics[0]!.errorCode, ErrorCode.NONE);
  const p = await c.request(Produce, 9, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: 'rq', partitionData: [{ index: 0, records: encodeBatch([{ value: 'one' }, { value: 'two' }]) }] }] });
  assert.is(p.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
  c.close();
});

test.after(() => b.close());

const metadata = (c: RawClient, clientId: string) => c.requestAs(clientId, Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });

/**
 * Metadata requests as `clientId`, `burst` at a time in one write, until one carries at least
 * `minThrottle` ms of throttle or `limit` were sent. `heldMs`: from the throttled answer to the
 * answer of one more request sent after the burst's last. Requests the broker had read before
 * the mute are answered at once; the rest of the burst, or that one more, only once it ends.
 */
async function untilThrottled(c: RawClient, clientId: string, limit: number, burst = 1, minThrottle = 1): Promise<{ throttle: number; sent: number; heldMs: number }> {
  for (let sent = 0; sent < limit; ) {
    const answers = await Promise.all(Array.from({ length: burst }, () => metadata(c, clientId).then((r) => ({ throttle: r.throttleTimeMs, at: performance.now() }))));
    sent += burst;
    const i = answers.findIndex((a) => a.throttle >= minThrottle);
    if (i < 0) continue;
    const nextAt = await metadata(c, clientId).then(() => performance.now());
    return { throttle: answers[i]!.throttle, sent, heldMs: nextAt - answers[i]!.at };
  }
  return { throttle: 0, sent: limit, heldMs: 0 };
}

test('a client past request_percentage gets throttle_time_ms and its connection muted for that long; one without a quota does not', async () => {
  const free = await RawClient.connect(b.bootstrap);
  const busy = await RawClient.connect(b.bootstrap);
  try {
    const unthrottled = await untilThrottled(free, 'idle', 20_000, 1000);
    assert.is(unthrottled.throttle, 0, 'a client id without a quota is never throttled');
    // A throttle long enough to measure against the time a request takes on a loaded machine.
    const held = await untilThrottled(busy, 'busy', 200_000, 1000, 200);
    assert.ok(held.throttle >= 200, `throttled ${held.throttle} ms after ${held.sent} requests`);
    assert.ok(held.heldMs >= held.throttle * 0.7, `a request sent after the throttled one was answered ${held.heldMs.toFixed(0)} ms after it, of a ${held.throttle} ms throttle`);
    assert.ok(b.broker.security.requestQuota.throttles > 0);
    const metrics = await (await fetch(`${b.consoleUrl!.replace(/\/$/, '')}/metrics`)).text();
    assert.match(metrics, /spindle_quota_throttles_total\{quota="request"\} [1-9]/);
  } finally {
    free.close();
    busy.close();
  }
});

test('a Fetch past request_percentage is answered without partitions, and the records come with a later fetch', async () => {
  const c = await RawClient.connect(b.bootstrap);
  const fetchOnce = () => c.requestAs('busy', Fetch, 12, fetchBody('rq'));
  try {
    // Past the quota again with Metadata, then a Fetch while the rate is still above it.
    let throttledFetch: Awaited<ReturnType<typeof fetchOnce>> | undefined;
    for (let i = 0; i < 50 && !throttledFetch; i++) {
      await untilThrottled(c, 'busy', 20_000);
      const r = await fetchOnce();
      if (r.throttleTimeMs > 0) throttledFetch = r;
    }
    assert.ok(throttledFetch, 'a fetch past the quota was throttled');
    assert.is(throttledFetch.errorCode, ErrorCode.NONE);
    assert.is(throttledFetch.responses.length, 0, 'no partitions in a throttled fetch');
    // Once the rate is back under the quota (a client held at it gets small throttles until its
    // older samples expire, two seconds here), the same fetch brings the records.
    let r = await fetchOnce();
    const since = performance.now();
    while (r.throttleTimeMs > 0 && performance.now() - since < 10_000) r = await fetchOnce();
    assert.is(r.throttleTimeMs, 0);
    assert.is(RawClient.nextOffset(r.responses[0]!.partitions[0]!.records as Buffer, 0), 2);
  } finally {
    c.close();
  }
});

test.run();
