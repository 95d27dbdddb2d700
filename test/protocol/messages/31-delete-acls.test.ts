import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { inVersions } from '../../../src/protocol/codec/versions.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { DeleteAcls } from '../../../src/protocol/messages/31-delete-acls.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

const require = createRequire(import.meta.url);
const kafkajs = (path: string) => require(`kafkajs/src/protocol/requests/deleteAcls/${path}`);
const flexible = (v: number) => inVersions(DeleteAcls.flexible, v);

function decode(side: 'request' | 'response', version: number, buf: Buffer) {
  const r = new Reader(buf);
  const value = compileStruct(DeleteAcls[side], version, flexible(version)).decode(r);
  r.ensureGood(side);
  assert.is(r.remaining, 0, 'no bytes left over');
  return value;
}

function encode(side: 'request' | 'response', version: number, value: Record<string, unknown>): Buffer {
  const w = new Writer(128);
  compileStruct(DeleteAcls[side], version, flexible(version)).encode(w, value);
  return Buffer.from(w.finish());
}

test('DeleteAcls round-trips every version, request and response', () => {
  assert.is(DeleteAcls.lowest, 0);
  assert.is(DeleteAcls.highest, 3);
  assertRoundTrips(DeleteAcls);
});

test('DeleteAcls refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(DeleteAcls);
});

for (const version of [0, 1]) {
  test(`a kafkajs v${version} request decodes to the same filters`, async () => {
    const request = kafkajs(`v${version}/request`)({
      filters: [
        { resourceType: 2, resourceName: 'orders', resourcePatternType: 3, principal: 'User:alice', host: '*', operation: 3, permissionType: 3 },
        { resourceType: 1, resourceName: null, resourcePatternType: 1, principal: null, host: null, operation: 1, permissionType: 1 },
      ],
    });
    assert.is(request.apiVersion, version);
    assert.equal(decode('request', version, (await request.encode()).buffer), {
      filters: [
        { resourceTypeFilter: 2, resourceNameFilter: 'orders', patternTypeFilter: 3, principalFilter: 'User:alice', hostFilter: '*', operation: 3, permissionType: 3 },
        // v0 has no pattern type: it reads as LITERAL.
        { resourceTypeFilter: 1, resourceNameFilter: null, patternTypeFilter: version === 0 ? 3 : 1, principalFilter: null, hostFilter: null, operation: 1, permissionType: 1 },
      ],
    });
  });
}

const matched = {
  errorCode: 0,
  errorMessage: null,
  resourceType: 2,
  resourceName: 'orders-',
  patternType: 4,
  principal: 'User:alice',
  host: '*',
  operation: 3,
  permissionType: 3,
};

for (const version of [0, 1]) {
  test(`kafkajs reads a DeleteAcls v${version} response encoded here`, async () => {
    const buf = encode('response', version, {
      throttleTimeMs: 3,
      filterResults: [
        { errorCode: 0, errorMessage: null, matchingAcls: [matched, { ...matched, errorCode: 29, errorMessage: 'denied' }] },
        { errorCode: 0, errorMessage: null, matchingAcls: [] },
      ],
    });
    const decoded = await kafkajs(`v${version}/response`).decode(buf);
    assert.is(version === 0 ? decoded.throttleTime : decoded.clientSideThrottleTime, 3);
    const { patternType, ...rest } = matched;
    const acl = version === 0 ? rest : { ...rest, resourcePatternType: patternType };
    assert.equal(decoded.filterResponses, [
      { errorCode: 0, errorMessage: null, matchingAcls: [acl, { ...acl, errorCode: 29, errorMessage: 'denied' }] },
      { errorCode: 0, errorMessage: null, matchingAcls: [] },
    ]);
  });
}

test('a v3 response decodes from hand-written bytes', () => {
  const bytes = Buffer.from([
    0, 0, 0, 1, // throttleTimeMs
    2, // one filter result
    0, 0, 0, // errorCode, errorMessage null
    2, // one matching acl
    0, 0, 0, // errorCode, errorMessage null
    7, 2, 0x75, 3, // USER "u" LITERAL
    2, 0x70, 2, 0x2a, 13, 3, // "p" "*" CREATE_TOKENS ALLOW
    0, // acl tags
    0, // filter result tags
    0, // response tags
  ]);
  assert.equal(decode('response', 3, bytes), {
    throttleTimeMs: 1,
    filterResults: [
      {
        errorCode: 0,
        errorMessage: null,
        matchingAcls: [
          { errorCode: 0, errorMessage: null, resourceType: 7, resourceName: 'u', patternType: 3, principal: 'p', host: '*', operation: 13, permissionType: 3 },
        ],
      },
    ],
  });
});

test.run();
