import { gzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { codecFor, codecNamed, CompressionType } from '../../../../src/protocol/records/compression/index.js';
import { MAX_DECOMPRESSED_BYTES } from '../../../../src/protocol/records/compression/limits.js';
import { corruptions, fixture, hasProgram, recordBatchPayload, roundTripCorpus, runProgram, survives } from './samples.js';
import { needs } from '../../../helpers/needs.js';

const gzip = codecFor(CompressionType.Gzip)!;
const gzipCli = hasProgram('gzip');

test('the codec table maps compression type 1 to gzip, and names every codec', () => {
  assert.is(gzip.name, 'gzip');
  assert.equal(['none', 'gzip', 'snappy', 'lz4', 'zstd'].map((n) => codecNamed(n)?.type), [0, 1, 2, 3, 4]);
  assert.is(codecFor(5), undefined);
  assert.is(codecNamed('brotli'), undefined);
});

for (const [name, data] of roundTripCorpus()) {
  test(`gzip round-trips ${name}`, () => {
    const z = gzip.compress(data);
    assert.equal([z[0], z[1]], [0x1f, 0x8b]);
    assert.equal(gzip.decompress(z), data);
  });
}

test('decompresses records.gz, written by the gzip command-line tool', () => {
  assert.equal(gzip.decompress(fixture('records.gz')), fixture('records.bin'));
});

test('decompresses data compressed by node:zlib at other levels', () => {
  const data = recordBatchPayload(70000, 4);
  for (const level of [0, 6, 9]) assert.equal(gzip.decompress(gzipSync(data, { level })), data);
});

for (const [name, data] of roundTripCorpus()) {
  needs(gzipCli ? '' : 'the gzip program is not installed')(`the gzip program (outside program) decompresses what we write: ${name}`, () => {
    assert.equal(runProgram('gzip', ['-d', '-c'], gzip.compress(data)), data);
  });
}

test('a truncated stream yields a prefix of the data or throws, never more', () => {
  const data = recordBatchPayload(50000, 5);
  const z = gzip.compress(data);
  for (let cut = 0; cut < z.length; cut += 61) {
    try {
      const out = gzip.decompress(z.subarray(0, cut));
      assert.equal(out, data.subarray(0, out.length));
    } catch (e) {
      assert.instance(e, Error);
    }
  }
});

test('corrupt streams and garbage throw an Error or decode, never crash', () => {
  const { threw, total } = survives(gzip.decompress, corruptions(fixture('records.gz'), 300));
  assert.ok(threw > total / 2, `${threw} of ${total} threw`);
  assert.throws(() => gzip.decompress(Buffer.from('not gzip data at all')), (e: unknown) => e instanceof Error);
});

test('output past the limit throws instead of filling memory', () => {
  // Members of 16 MiB of zeros each, concatenated: a few KiB that expand past the limit.
  const member = gzipSync(Buffer.alloc(16 * 1024 * 1024), { level: 9 });
  const bomb = Buffer.concat(Array.from({ length: MAX_DECOMPRESSED_BYTES / (16 * 1024 * 1024) + 1 }, () => member));
  assert.ok(bomb.length < 1024 * 1024);
  assert.throws(() => gzip.decompress(bomb), /larger than 268435456 bytes/);
});

test.run();
