import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { inVersions } from '../../../src/protocol/codec/versions.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { DescribeConfigs } from '../../../src/protocol/messages/32-describe-configs.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

const require = createRequire(import.meta.url);
const kafkajs = (path: string) => require(`kafkajs/src/protocol/requests/describeConfigs/${path}`);
const flexible = (v: number) => inVersions(DescribeConfigs.flexible, v);

function decode(side: 'request' | 'response', version: number, buf: Buffer) {
  const r = new Reader(buf);
  const value = compileStruct(DescribeConfigs[side], version, flexible(version)).decode(r);
  r.ensureGood(side);
  assert.is(r.remaining, 0, 'no bytes left over');
  return value;
}

function encode(side: 'request' | 'response', version: number, value: Record<string, unknown>): Buffer {
  const w = new Writer(128);
  compileStruct(DescribeConfigs[side], version, flexible(version)).encode(w, value);
  return Buffer.from(w.finish());
}

test('DescribeConfigs round-trips every version, request and response', () => {
  assertRoundTrips(DescribeConfigs);
});

test('DescribeConfigs refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(DescribeConfigs);
});

for (const version of [0, 1, 2]) {
  test(`a kafkajs v${version} request decodes; an empty key list arrives as null (all keys)`, async () => {
    const request = kafkajs(`v${version}/request`)({
      resources: [
        { type: 2, name: 'orders', configNames: ['retention.ms', 'cleanup.policy'] },
        { type: 4, name: '1' },
      ],
      includeSynonyms: true,
    });
    assert.is(request.apiVersion, version);
    const decoded = decode('request', version, (await request.encode()).buffer);
    assert.equal(decoded.resources, [
      { resourceType: 2, resourceName: 'orders', configurationKeys: ['retention.ms', 'cleanup.policy'] },
      { resourceType: 4, resourceName: '1', configurationKeys: null },
    ]);
    assert.is(decoded.includeSynonyms, version >= 1);
    assert.is(decoded.includeDocumentation, false);
  });
}

const entry = {
  name: 'retention.ms',
  value: '604800000',
  readOnly: false,
  isDefault: true,
  configSource: 5,
  isSensitive: false,
  synonyms: [{ name: 'log.retention.ms', value: null, source: 5 }],
  configType: 5,
  documentation: 'How long to keep a log.',
};

test('kafkajs reads our v0 response, with the v0-only isDefault flag', async () => {
  const buf = encode('response', 0, {
    throttleTimeMs: 12,
    results: [{ errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 'orders', configs: [entry] }],
  });
  const decoded = await kafkajs('v0/response').decode(buf);
  assert.is(decoded.throttleTime, 12);
  const [resource] = decoded.resources;
  assert.is(resource.resourceName, 'orders');
  assert.is(resource.errorMessage, null);
  assert.equal(resource.configEntries[0], {
    configName: 'retention.ms',
    configValue: '604800000',
    readOnly: false,
    isDefault: true,
    configSource: 5,
    isSensitive: false,
  });
});

for (const version of [1, 2]) {
  test(`kafkajs reads our v${version} response with config sources and synonyms`, async () => {
    const buf = encode('response', version, {
      throttleTimeMs: 12,
      results: [{ errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 'orders', configs: [{ ...entry, configSource: 1 }] }],
    });
    const decoded = await kafkajs(`v${version}/response`).decode(buf);
    const [config] = decoded.resources[0].configEntries;
    assert.is(config.configSource, 1);
    assert.is(config.configValue, '604800000');
    assert.equal(config.configSynonyms, [{ configName: 'log.retention.ms', configValue: null, configSource: 5 }]);
  });
}

test('isDefault exists only in v0; configSource, synonyms, configType and documentation read as defaults where absent', () => {
  const result = (version: number) =>
    (decode('response', version, encode('response', version, {
      throttleTimeMs: 0,
      results: [{ errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 't', configs: [entry] }],
    })).results as { configs: Record<string, unknown>[] }[])[0]!.configs[0]!;
  const v0 = result(0);
  assert.is(v0.isDefault, true);
  assert.is(v0.configSource, -1);
  assert.equal(v0.synonyms, []);
  const v1 = result(1);
  assert.is(v1.isDefault, false);
  assert.is(v1.configSource, 5);
  assert.is(v1.configType, 0);
  assert.is(v1.documentation, '');
  const v3 = result(3);
  assert.is(v3.configType, 5);
  assert.is(v3.documentation, 'How long to keep a log.');
});

test.run();
