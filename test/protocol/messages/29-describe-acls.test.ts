import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { inVersions } from '../../../src/protocol/codec/versions.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { DescribeAcls } from '../../../src/protocol/messages/29-describe-acls.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

const require = createRequire(import.meta.url);
const kafkajs = (path: string) => require(`kafkajs/src/protocol/requests/describeAcls/${path}`);
const flexible = (v: number) => inVersions(DescribeAcls.flexible, v);

function decode(side: 'request' | 'response', version: number, buf: Buffer) {
  const r = new Reader(buf);
  const value = compileStruct(DescribeAcls[side], version, flexible(version)).decode(r);
  r.ensureGood(side);
  assert.is(r.remaining, 0, 'no bytes left over');
  return value;
}

function encode(side: 'request' | 'response', version: number, value: Record<string, unknown>): Buffer {
  const w = new Writer(64);
  compileStruct(DescribeAcls[side], version, flexible(version)).encode(w, value);
  return Buffer.from(w.finish());
}

test('DescribeAcls round-trips every version, request and response', () => {
  assert.is(DescribeAcls.lowest, 0);
  assert.is(DescribeAcls.highest, 3);
  assertRoundTrips(DescribeAcls);
});

test('DescribeAcls refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(DescribeAcls);
});

test('a kafkajs v0 request decodes, with null filters and a literal pattern type', async () => {
  const request = kafkajs('v0/request')({
    resourceType: 2,
    resourceName: null,
    principal: 'User:alice',
    host: null,
    operation: 1,
    permissionType: 3,
  });
  assert.is(request.apiVersion, 0);
  assert.equal(decode('request', 0, (await request.encode()).buffer), {
    resourceTypeFilter: 2,
    resourceNameFilter: null,
    patternTypeFilter: 3,
    principalFilter: 'User:alice',
    hostFilter: null,
    operation: 1,
    permissionType: 3,
  });
});

test('a kafkajs v1 request decodes with the pattern type it carries', async () => {
  const request = kafkajs('v1/request')({
    resourceType: 1,
    resourceName: 'orders-',
    resourcePatternType: 2,
    principal: null,
    host: '*',
    operation: 3,
    permissionType: 1,
  });
  assert.is(request.apiVersion, 1);
  assert.equal(decode('request', 1, (await request.encode()).buffer), {
    resourceTypeFilter: 1,
    resourceNameFilter: 'orders-',
    patternTypeFilter: 2,
    principalFilter: null,
    hostFilter: '*',
    operation: 3,
    permissionType: 1,
  });
});

const response = {
  throttleTimeMs: 7,
  errorCode: 0,
  errorMessage: null,
  resources: [
    {
      resourceType: 2,
      resourceName: 'orders-',
      patternType: 4,
      acls: [
        { principal: 'User:alice', host: '*', operation: 3, permissionType: 3 },
        { principal: 'User:bob', host: '10.0.0.1', operation: 4, permissionType: 2 },
      ],
    },
  ],
};

test('kafkajs reads our v0 response, which has no pattern type', async () => {
  const decoded = await kafkajs('v0/response').decode(encode('response', 0, response));
  assert.is(decoded.throttleTime, 7);
  assert.is(decoded.errorCode, 0);
  assert.is(decoded.errorMessage, null);
  assert.equal(decoded.resources, [
    { resourceType: 2, resourceName: 'orders-', acls: response.resources[0]!.acls },
  ]);
});

test('kafkajs reads our v1 response with its pattern type', async () => {
  const decoded = await kafkajs('v1/response').decode(encode('response', 1, { ...response, errorCode: 31, errorMessage: 'no' }));
  assert.is(decoded.clientSideThrottleTime, 7);
  assert.is(decoded.errorCode, 31);
  assert.is(decoded.errorMessage, 'no');
  assert.equal(decoded.resources, [
    { resourceType: 2, resourceName: 'orders-', resourcePatternType: 4, acls: response.resources[0]!.acls },
  ]);
});

test('a v3 request is laid out compactly and ends with an empty tagged-field section', () => {
  const value = {
    resourceTypeFilter: 7,
    resourceNameFilter: 'u',
    patternTypeFilter: 3,
    principalFilter: null,
    hostFilter: null,
    operation: 2,
    permissionType: 1,
  };
  const buf = encode('request', 3, value);
  assert.equal([...buf], [7, 2, 0x75, 3, 0, 0, 2, 1, 0]);
  assert.equal(decode('request', 3, buf), value);
});

test('a v2 response decodes from hand-written bytes', () => {
  const bytes = Buffer.from([
    0, 0, 0, 0, // throttleTimeMs
    0, 0, // errorCode
    0, // errorMessage: null
    2, // one resource
    3, 2, 0x67, 3, // GROUP "g" LITERAL
    2, 2, 0x70, 2, 0x68, 6, 3, 0, // one acl: "p" "h" DELETE ALLOW, tags
    0, // resource tags
    0, // response tags
  ]);
  assert.equal(decode('response', 2, bytes), {
    throttleTimeMs: 0,
    errorCode: 0,
    errorMessage: null,
    resources: [{ resourceType: 3, resourceName: 'g', patternType: 3, acls: [{ principal: 'p', host: 'h', operation: 6, permissionType: 3 }] }],
  });
});

test.run();
