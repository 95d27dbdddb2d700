import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileStruct } from '../../../src/protocol/codec/compile.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import { DescribeCluster } from '../../../src/protocol/messages/60-describe-cluster.js';
import type { StructSpec } from '../../../src/protocol/schema.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

type Obj = Record<string, any>;

function decode(spec: StructSpec, version: number, bytes: Buffer): Obj {
  const r = new Reader(bytes);
  const value = compileStruct(spec, version, true).decode(r);
  r.ensureGood('message');
  assert.is(r.remaining, 0, 'every byte is consumed');
  return value;
}

function encode(spec: StructSpec, version: number, value: Obj): Buffer {
  const w = new Writer(64);
  compileStruct(spec, version, true).encode(w, value);
  return Buffer.from(w.finish());
}

const hex = (parts: string[]) => Buffer.from(parts.join(''), 'hex');

test('DescribeCluster round-trips every version, request and response', () => {
  assert.is(DescribeCluster.lowest, 0);
  assert.is(DescribeCluster.highest, 1);
  assert.is(DescribeCluster.flexible, '0+');
  assertRoundTrips(DescribeCluster);
});

test('DescribeCluster refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(DescribeCluster);
});

test('a v1 request adds the endpoint type; at v0 it reads as brokers', () => {
  const v0 = decode(DescribeCluster.request, 0, hex(['01', '00']));
  assert.equal(v0, { includeClusterAuthorizedOperations: true, endpointType: 1 });
  const v1 = decode(DescribeCluster.request, 1, hex(['00', '02', '00']));
  assert.equal(v1, { includeClusterAuthorizedOperations: false, endpointType: 2 });
});

test('a v1 response is laid out as Kafka writes it, endpoint type after the error message', () => {
  const value = {
    throttleTimeMs: 0,
    errorCode: 0,
    errorMessage: null,
    endpointType: 1,
    clusterId: 'c',
    controllerId: 3,
    brokers: [{ brokerId: 3, host: 'h', port: 9092, rack: null }],
    clusterAuthorizedOperations: -2147483648,
  };
  const v1 = hex([
    '00000000', // throttleTimeMs
    '0000', // errorCode
    '00', // errorMessage: null
    '01', // endpointType
    '0263', // clusterId "c"
    '00000003', // controllerId
    '02', // one broker
    '00000003', '0268', '00002384', '00', '00', // id, host "h", port, rack null, tags
    '80000000', // clusterAuthorizedOperations
    '00', // tags
  ]);
  assert.ok(encode(DescribeCluster.response, 1, value).equals(v1));
  const v0 = encode(DescribeCluster.response, 0, value);
  assert.is(v0.length, v1.length - 1, 'v0 has no endpoint type byte');
  assert.equal(decode(DescribeCluster.response, 1, v1), value);
});

test.run();
