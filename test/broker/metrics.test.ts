/**
 * BrokerMetrics (src/broker/metrics.ts): the typed-array counters the router and handlers bump.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  BrokerMetrics,
  ERROR_CODE_SLOTS,
  HISTOGRAM_WIDTH,
  INITIAL_TOPIC_SLOTS,
  LATENCY_BUCKETS_MS,
  TopicField,
  latencyQuantileMs,
} from '../../src/broker/metrics.js';
import { encodeBatch } from '../../src/protocol/records/batch.js';
import { ErrorCode } from '../../src/protocol/errors.js';

const records = (n: number, size = 10) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: 'v'.repeat(size) }));

test('requestDone puts a duration in the first bucket whose bound is at or above it, and adds it to the sum', () => {
  const m = new BrokerMetrics();
  m.requestDone(3, 0.1, null);
  m.requestDone(3, 0.1001, null);
  m.requestDone(3, 7, null);
  m.requestDone(3, 60_000, null);
  const row = m.latency.subarray(3 * HISTOGRAM_WIDTH, 4 * HISTOGRAM_WIDTH);
  assert.is(row[0], 1);
  assert.is(row[1], 1);
  assert.is(row[LATENCY_BUCKETS_MS.indexOf(10)], 1);
  assert.is(row[LATENCY_BUCKETS_MS.length], 1, 'beyond the last bound: the +Inf bucket');
  assert.is(row[LATENCY_BUCKETS_MS.length + 1], 0.1 + 0.1001 + 7 + 60_000);
});

test('latency quantiles interpolate inside the bucket that holds the rank, and are NaN for no requests', () => {
  const buckets = new Float64Array(HISTOGRAM_WIDTH);
  assert.ok(Number.isNaN(latencyQuantileMs(buckets, 0.5)));
  const i = LATENCY_BUCKETS_MS.indexOf(10);
  buckets[i] = 100; // 100 requests between 5 and 10 ms
  assert.is(latencyQuantileMs(buckets, 0.5), 7.5);
  assert.is(latencyQuantileMs(buckets, 1), 10);
  buckets[LATENCY_BUCKETS_MS.length] = 100; // and 100 beyond the last bound
  assert.is(latencyQuantileMs(buckets, 0.99), LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1]);
});

test('produced counts records from each batch header and the bytes as received', () => {
  const m = new BrokerMetrics();
  const slot = m.topicSlot('t');
  const data = Buffer.concat([encodeBatch(records(3)), encodeBatch(records(5)), encodeBatch(records(1))]);
  m.produced(slot, data, data.length);
  assert.is(m.topicValue(slot, TopicField.recordsIn), 9);
  assert.is(m.topicValue(slot, TopicField.bytesIn), data.length);
  m.produced(slot, data.subarray(0, 30), 30); // less than a batch header: nothing counted, nothing read past the end
  assert.is(m.topicValue(slot, TopicField.recordsIn), 9);
});

test('records out are fetched bytes over the mean record size: from the logs when known, else from what was produced', () => {
  const m = new BrokerMetrics();
  const slot = m.topicSlot('t');
  m.fetched(slot, 1000);
  assert.is(m.topicValue(slot, TopicField.recordsOutEstimated), 0, 'nothing to estimate from yet');
  assert.is(m.topicValue(slot, TopicField.bytesOut), 1000);
  const data = encodeBatch(records(10));
  m.produced(slot, data, data.length);
  m.fetched(slot, data.length);
  assert.is(m.topicValue(slot, TopicField.recordsOutEstimated), 10);
  m.noteTopicLogs(slot, 5000, 100); // the logs say 50 bytes a record
  m.fetched(slot, 500);
  assert.is(m.topicValue(slot, TopicField.recordsOutEstimated), 20);
});

test('error codes are counted per API from Produce and Fetch partitions and from any errorCode in other responses', () => {
  const m = new BrokerMetrics();
  m.requestDone(0, 1, { responses: [{ name: 't', partitionResponses: [{ errorCode: 0 }, { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }] }] });
  m.requestDone(1, 1, { errorCode: 0, responses: [{ partitions: [{ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, records: Buffer.alloc(4) }] }] });
  m.requestDone(19, 1, { topics: [{ name: 'x', errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, configs: [{ errorCode: 0 }] }, { name: 'y', errorCode: -1 }] });
  m.requestDone(19, 1, { topics: [{ errorCode: 999 }] });
  const at = (api: number, code: number) => m.errors[api * ERROR_CODE_SLOTS + code + 1];
  assert.is(at(0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION), 1);
  assert.is(at(1, ErrorCode.OFFSET_OUT_OF_RANGE), 1);
  assert.is(at(19, ErrorCode.TOPIC_ALREADY_EXISTS), 1);
  assert.is(at(19, -1), 1);
  assert.is(m.errors[19 * ERROR_CODE_SLOTS + ERROR_CODE_SLOTS - 1], 1, 'an unknown code counts in the last slot');
  assert.is(m.errors.reduce((a, b) => a + b, 0), 5);
});

test('topic slots are reused zeroed after a delete, and the counters survive growing past the first allocation', () => {
  const m = new BrokerMetrics();
  const a = m.topicSlot('a');
  m.produceRequest(a, true);
  m.releaseTopic('a');
  const b = m.topicSlot('b');
  assert.is(b, a);
  assert.is(m.topicValue(b, TopicField.produceRequests), 0);
  assert.is(m.topicValue(b, TopicField.failedProduceRequests), 0);
  m.fetchRequest(b);
  for (let i = 0; i < INITIAL_TOPIC_SLOTS * 2; i++) m.topicSlot(`t${i}`);
  assert.is(m.topicValue(b, TopicField.fetchRequests), 1);
  assert.is(m.topicSlot('b'), b);
  assert.is([...m.topicSlots()].length, INITIAL_TOPIC_SLOTS * 2 + 1);
});

test('connections open are those accepted and not yet closed', () => {
  const m = new BrokerMetrics();
  m.connectionAccepted();
  m.connectionAccepted();
  m.connectionClosed();
  assert.is(m.connectionsOpen, 1);
});

test.run();
