/**
 * murmur2 and the default partitioner against Kafka's own published values: the vectors of
 * Apache Kafka's UtilsTest.testMurmur2 (signed Java ints), and partitions computed from them
 * the way the Java DefaultPartitioner / BuiltInPartitioner does.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { murmur2, partitionForKey, toPositive } from '../../src/client/murmur2.js';

// org.apache.kafka.common.utils.UtilsTest#testMurmur2
const KAFKA_VECTORS: [string | number[], number][] = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  [[0x61, 0x62, 0x63], 479470107],
];

test("murmur2 returns the values of Kafka's UtilsTest for every vector", () => {
  for (const [input, expected] of KAFKA_VECTORS) {
    const bytes = typeof input === 'string' ? Buffer.from(input) : Uint8Array.from(input);
    assert.is(murmur2(bytes), expected, `murmur2(${JSON.stringify(input)})`);
  }
});

test('murmur2 stays a signed 32-bit int for every length, and differs when a tail byte differs', () => {
  // The vectors above have tails of 2, 2, 0, 2, 0 and 3 bytes past a multiple of 4; here 1 too.
  assert.is.not(murmur2(Buffer.from('abcde')), murmur2(Buffer.from('abcdf')));
  for (let n = 0; n < 64; n++) {
    const h = murmur2(Buffer.alloc(n, n));
    assert.ok(Number.isInteger(h) && h >= -(2 ** 31) && h < 2 ** 31, `length ${n}: ${h}`);
  }
});

test('toPositive clears the sign bit as Java does, unlike Math.abs for MIN_VALUE', () => {
  assert.is(toPositive(-973932308), -973932308 & 0x7fffffff);
  assert.is(toPositive(-2147483648), 0);
  assert.is(toPositive(2147483647), 2147483647);
  assert.is(toPositive(-1), 2147483647);
});

test('partitionForKey is toPositive(murmur2(key)) % numPartitions', () => {
  // -973932308 & 0x7fffffff = 1173551340; 1173551340 % 3 = 0, % 7 = 1, % 10 = 0.
  assert.is(partitionForKey(Buffer.from('21'), 3), 1173551340 % 3);
  assert.is(partitionForKey(Buffer.from('21'), 7), 1173551340 % 7);
  // 479470107 is already positive.
  assert.is(partitionForKey(Buffer.from('abc'), 12), 479470107 % 12);
  assert.is(partitionForKey(Buffer.from('foobar'), 1), 0);
  assert.throws(() => partitionForKey(Buffer.from('x'), 0), /positive/);
});

test.run();
