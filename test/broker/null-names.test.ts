/**
 * Null where a name is expected, in the APIs where the fuzz suite first found responses that
 * failed to encode: the declarations refuse the null wherever Kafka's do (the connection
 * closes, as for any undecodable frame), DeleteTopics v6 answers it with Kafka's codes, and
 * none of it is ever an internal error.
 */
import { connect } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FaultCounter } from '../../src/broker/metrics.js';
import { startBroker } from '../../src/broker/server.js';
import { decodeResponse } from '../../src/protocol/frame.js';
import { isFlexible } from '../../src/protocol/header.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { AlterConfigs, CreatePartitions, DeleteGroups, DeleteTopics, DescribeConfigs } from '../../src/protocol/messages/index.js';
import type { ApiSpec } from '../../src/protocol/schema.js';
import { encodeFrame, withSizePrefix } from '../fuzz/requests.js';
import { withRawClient } from '../helpers/raw-client.js';

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
const b = await startBroker({ port: 0, config: { 'num.io.threads': 0 } });

/** Stands for a null entry of an array of strings, which no declaration lets the encoder write. */
const NULL_ENTRY = 'null-entry-here';

/** The frame with the NULL_ENTRY string, length and all, replaced by the null marker of its encoding. */
function nullEntries(frame: Buffer, flexible: boolean): Buffer {
  const text = Buffer.from(NULL_ENTRY);
  const prefix = flexible ? Buffer.from([text.length + 1]) : Buffer.from([0, text.length]);
  const at = frame.indexOf(Buffer.concat([prefix, text]));
  if (at < 0) return frame;
  const marker = flexible ? Buffer.from([0]) : Buffer.from([0xff, 0xff]);
  return Buffer.concat([frame.subarray(0, at), marker, frame.subarray(at + prefix.length + text.length)]);
}

/** Sends a request encoded with nulls allowed everywhere (NULL_ENTRY for array entries); the answer's body, or 'closed'. */
function send(api: ApiSpec, version: number, body: Record<string, unknown>): Promise<Record<string, any> | 'closed'> {
  const wire = withSizePrefix(nullEntries(encodeFrame(api, version, 9, body, true), isFlexible(api, version)));
  return new Promise((resolve, reject) => {
    const s = connect(b.port, b.host, () => s.write(wire));
    let got = Buffer.alloc(0);
    const timer = setTimeout(() => reject(new Error(`${api.name} v${version}: neither answered nor closed`)), 5000);
    s.on('error', () => {});
    s.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length >= 4 && got.length >= 4 + got.readInt32BE(0)) {
        clearTimeout(timer);
        s.destroy();
        resolve(decodeResponse(api, version, got.subarray(4, 4 + got.readInt32BE(0))).body);
      }
    });
    s.on('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
  });
}

test('a null topic name in DeleteTopics v0-5, AlterConfigs, CreatePartitions or DescribeConfigs is undecodable: the connection closes', async () => {
  for (let v = 0; v <= 5; v++) assert.is(await send(DeleteTopics, v, { topicNames: [NULL_ENTRY], timeoutMs: 1000 }), 'closed', `DeleteTopics v${v}`);
  for (let v = 0; v <= 2; v++) {
    assert.is(await send(AlterConfigs, v, { resources: [{ resourceType: 2, resourceName: null, configs: [] }], validateOnly: false }), 'closed', `AlterConfigs v${v}`);
  }
  for (let v = 0; v <= 3; v++) {
    assert.is(await send(CreatePartitions, v, { topics: [{ name: null, count: 2, assignments: null }], timeoutMs: 1000, validateOnly: false }), 'closed', `CreatePartitions v${v}`);
  }
  assert.is(await send(DescribeConfigs, 4, { resources: [{ resourceType: 2, resourceName: null, configurationKeys: null }], includeSynonyms: false, includeDocumentation: false }), 'closed');
});

test('a null group id in DeleteGroups is undecodable: the connection closes', async () => {
  for (let v = 0; v <= 2; v++) assert.is(await send(DeleteGroups, v, { groupsNames: [NULL_ENTRY] }), 'closed', `DeleteGroups v${v}`);
});

test('DeleteTopics v6 answers a null name by its id, or INVALID_REQUEST when there is neither', async () => {
  const r = await withRawClient(b.bootstrap, (c) =>
    c.request(DeleteTopics, 6, { topics: [{ name: null, topicId: ZERO_UUID }, { name: null, topicId: '5f0c2a1e-7d3b-4c8e-9a61-2b4d6e8f0a13' }], timeoutMs: 1000 }),
  );
  assert.equal(
    r.responses.map((t) => [t.name, t.errorCode]),
    [
      [null, ErrorCode.INVALID_REQUEST],
      [null, ErrorCode.UNKNOWN_TOPIC_ID],
    ],
  );
});

test('none of it was an internal error', () => {
  assert.is(b.broker.metrics.faults[FaultCounter.internalErrors], 0);
});

test.after(async () => {
  await b.close();
});

test.run();
