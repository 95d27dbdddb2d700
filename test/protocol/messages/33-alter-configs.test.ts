import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { inVersions } from '../../../src/protocol/codec/versions.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { AlterConfigs } from '../../../src/protocol/messages/33-alter-configs.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

const require = createRequire(import.meta.url);
const kafkajs = (path: string) => require(`kafkajs/src/protocol/requests/alterConfigs/${path}`);
const flexible = (v: number) => inVersions(AlterConfigs.flexible, v);

function decode(side: 'request' | 'response', version: number, buf: Buffer) {
  const r = new Reader(buf);
  const value = compileStruct(AlterConfigs[side], version, flexible(version)).decode(r);
  r.ensureGood(side);
  assert.is(r.remaining, 0, 'no bytes left over');
  return value;
}

function encode(side: 'request' | 'response', version: number, value: Record<string, unknown>): Buffer {
  const w = new Writer(64);
  compileStruct(AlterConfigs[side], version, flexible(version)).encode(w, value);
  return Buffer.from(w.finish());
}

test('AlterConfigs round-trips every version, request and response', () => {
  assertRoundTrips(AlterConfigs);
});

test('AlterConfigs refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(AlterConfigs);
});

for (const version of [0, 1]) {
  test(`a kafkajs v${version} AlterConfigs request decodes to the same resources and configs`, async () => {
    const request = kafkajs(`v${version}/request`)({
      resources: [
        { type: 2, name: 'orders', configEntries: [{ name: 'retention.ms', value: '1000' }, { name: 'segment.ms', value: null }] },
        { type: 4, name: '0', configEntries: [] },
      ],
      validateOnly: true,
    });
    assert.is(request.apiVersion, version);
    const decoded = decode('request', version, (await request.encode()).buffer);
    assert.equal(decoded, {
      resources: [
        {
          resourceType: 2,
          resourceName: 'orders',
          configs: [
            { name: 'retention.ms', value: '1000' },
            { name: 'segment.ms', value: null },
          ],
        },
        { resourceType: 4, resourceName: '0', configs: [] },
      ],
      validateOnly: true,
    });
  });

  test(`kafkajs reads our v${version} AlterConfigs response`, async () => {
    const buf = encode('response', version, {
      throttleTimeMs: 9,
      responses: [
        { errorCode: 40, errorMessage: 'Invalid value', resourceType: 2, resourceName: 'orders' },
        { errorCode: 0, errorMessage: null, resourceType: 4, resourceName: '0' },
      ],
    });
    const decoded = await kafkajs(`v${version}/response`).decode(buf);
    assert.equal(decoded.resources, [
      { errorCode: 40, errorMessage: 'Invalid value', resourceType: 2, resourceName: 'orders' },
      { errorCode: 0, errorMessage: null, resourceType: 4, resourceName: '0' },
    ]);
    assert.is(version === 0 ? decoded.throttleTime : decoded.clientSideThrottleTime, 9);
  });
}

test('v2 encodes the same fields compactly, with a tagged-field section per struct', () => {
  const buf = encode('request', 2, {
    resources: [{ resourceType: 2, resourceName: 't', configs: [{ name: 'k', value: null }] }],
    validateOnly: false,
  });
  assert.equal([...buf], [2, 2, 2, 0x74, 2, 2, 0x6b, 0, 0, 0, 0, 0]);
});

test.run();
