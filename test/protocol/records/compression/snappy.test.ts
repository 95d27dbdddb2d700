import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { codecFor, CompressionType } from '../../../../src/protocol/records/compression/index.js';
import { MAX_DECOMPRESSED_BYTES } from '../../../../src/protocol/records/compression/limits.js';
import {
  isXerial,
  snappyCompress,
  snappyCompressRaw,
  snappyDecompress,
  XERIAL_CHUNK_BYTES,
} from '../../../../src/protocol/records/compression/snappy.js';
import { corruptions, fixture, recordBatchPayload, roundTripCorpus, survives } from './samples.js';
import { needs } from '../../../helpers/needs.js';

/** A python3 that can import the snappy module (python3-snappy), if there is one. */
function pythonWithSnappy(): string | undefined {
  const which = spawnSync('which', ['-a', 'python3'], { encoding: 'utf8' });
  if (which.status !== 0) return undefined;
  for (const py of which.stdout.split('\n').filter(Boolean)) {
    if (spawnSync(py, ['-c', 'import snappy'], { encoding: 'utf8' }).status === 0) return py;
  }
  return undefined;
}
const python = pythonWithSnappy();

/** The chunks of a xerial stream: [offset, length] of each raw block. */
function xerialChunks(d: Uint8Array): [number, number][] {
  const out: [number, number][] = [];
  const view = Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  for (let p = 16; p < d.length; ) {
    const len = view.readInt32BE(p);
    out.push([p + 4, len]);
    p += 4 + len;
  }
  return out;
}

test('the codec table maps compression type 2 to snappy', () => {
  const codec = codecFor(CompressionType.Snappy);
  assert.is(codec?.name, 'snappy');
  const data = recordBatchPayload(5000);
  assert.equal(codec!.decompress(codec!.compress(data)), data);
});

for (const [name, data] of roundTripCorpus()) {
  test(`snappy round-trips ${name}`, () => {
    const xerial = snappyCompress(data);
    assert.equal(snappyDecompress(xerial), data);
    assert.equal(snappyDecompress(snappyCompressRaw(data)), data);
  });
}

test('compression writes xerial framing with chunks of at most 32 KiB of input', () => {
  const data = recordBatchPayload(100 * 1024);
  const out = snappyCompress(data);
  assert.equal([...out.subarray(0, 8)], [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
  assert.is(out.readInt32BE(8), 1);
  assert.is(out.readInt32BE(12), 1);
  const chunks = xerialChunks(out);
  assert.is(chunks.length, Math.ceil(data.length / XERIAL_CHUNK_BYTES));
  for (const [at, len] of chunks) assert.ok(snappyDecompress(out.subarray(at, at + len)).length <= XERIAL_CHUNK_BYTES);
  assert.ok(out.length < data.length / 2, 'JSON records compress to under half');
});

test('an empty input compresses to a header and one empty chunk', () => {
  const out = snappyCompress(new Uint8Array(0));
  assert.ok(isXerial(out));
  assert.equal(xerialChunks(out).map(([, len]) => len), [1]);
  assert.is(snappyDecompress(out).length, 0);
});

for (const name of ['records', 'random']) {
  test(`decompresses a raw block written by the C++ snappy library (${name})`, () => {
    assert.equal(snappyDecompress(fixture(`${name}.raw.snappy`)), fixture(`${name}.bin`));
  });
  test(`decompresses xerial framing around C++ snappy blocks, as snappy-java writes it (${name})`, () => {
    const framed = fixture(`${name}.xerial.snappy`);
    assert.ok(isXerial(framed));
    assert.equal(snappyDecompress(framed), fixture(`${name}.bin`));
  });
}

test('decompresses the C++ library raw block of an empty input', () => {
  assert.is(snappyDecompress(fixture('empty.raw.snappy')).length, 0);
});

needs(python ? '' : 'python3 with python-snappy is not installed')('python-snappy (outside program) decompresses the chunks we write', () => {
  const data = recordBatchPayload(80 * 1024, 3);
  const framed = snappyCompress(data);
  const script = [
    'import sys, struct, snappy',
    'd = sys.stdin.buffer.read()',
    'assert d[:8] == bytes([0x82]) + b"SNAPPY\\x00"',
    'p, out = 16, bytearray()',
    'while p < len(d):',
    '    n = struct.unpack(">i", d[p:p+4])[0]',
    '    out += snappy.uncompress(d[p+4:p+4+n])',
    '    p += 4 + n',
    'sys.stdout.buffer.write(out)',
  ].join('\n');
  const r = spawnSync(python!, ['-c', script], { input: framed, maxBuffer: 1 << 26 });
  assert.is(r.status, 0, r.stderr?.toString());
  assert.equal(r.stdout, data);
});

test('every truncation of a raw block throws', () => {
  const raw = snappyCompressRaw(recordBatchPayload(20000, 5));
  const cuts = [...corruptions(raw, 0)];
  const { threw, total } = survives(snappyDecompress, cuts);
  assert.is(threw, total);
});

test('a truncated xerial stream throws unless it was cut between chunks', () => {
  const data = recordBatchPayload(100 * 1024, 6);
  const framed = snappyCompress(data);
  const boundaries = new Set(xerialChunks(framed).map(([at, len]) => at + len));
  for (let cut = 1; cut < framed.length; cut += 97) {
    const piece = framed.subarray(0, cut);
    if (boundaries.has(cut)) {
      const out = snappyDecompress(piece);
      assert.equal(out, data.subarray(0, out.length));
    } else {
      assert.throws(() => snappyDecompress(piece), (e: unknown) => e instanceof Error);
    }
  }
});

test('random corruption of raw and framed data throws an Error or decodes, and never hangs', () => {
  const data = recordBatchPayload(40000, 8);
  for (const sample of [snappyCompressRaw(data), snappyCompress(data)]) {
    const started = Date.now();
    const { total } = survives(snappyDecompress, corruptions(sample, 500));
    assert.ok(total > 500);
    assert.ok(Date.now() - started < 20_000, 'corrupt inputs decode quickly');
  }
});

test('garbage that is not snappy throws', () => {
  assert.throws(() => snappyDecompress(Buffer.from('this is not snappy at all, not even close')), /snappy/);
  assert.throws(() => snappyDecompress(new Uint8Array(0)), /empty/);
  assert.throws(() => snappyDecompress(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])), /snappy/);
});

test('a literal length that would send snappyjs backwards throws instead of looping', () => {
  // Declares 10 bytes, then a literal whose 4-byte length is 0xfffffffa: as a signed number
  // that walks the decoder back onto its own tag.
  const evil = Buffer.from([10, 63 << 2, 0xfa, 0xff, 0xff, 0xff, 1, 2, 3, 4]);
  assert.throws(() => snappyDecompress(evil), /literal runs past the end/);
});

test('a copy reaching before the start of the output throws', () => {
  // Declares 8 bytes: literal "ab", then a copy of 6 from offset 3.
  const bad = Buffer.from([8, 1 << 2, 0x61, 0x62, 2 | (5 << 2), 3, 0]);
  assert.throws(() => snappyDecompress(bad), /before the start/);
});

test('a block that decodes to fewer bytes than it declares throws', () => {
  const bad = Buffer.from([5, 1 << 2, 0x61, 0x62]);
  assert.throws(() => snappyDecompress(bad), /declares 5/);
});

test('a declared length above the limit throws before anything is decoded, and output past the limit stops the decoder', () => {
  // varint 2^31
  const bomb = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x08, 0]);
  assert.throws(() => snappyDecompress(bomb), /exceeds the limit/);
  // Many xerial chunks that each really expand 64 KiB: together past the limit.
  const chunk = snappyCompressRaw(new Uint8Array(65536));
  const count = Math.ceil(MAX_DECOMPRESSED_BYTES / 65536) + 1;
  const framed = Buffer.alloc(16 + count * (4 + chunk.length));
  snappyCompress(new Uint8Array(0)).copy(framed, 0, 0, 16);
  for (let i = 0, p = 16; i < count; i++, p += 4 + chunk.length) {
    framed.writeInt32BE(chunk.length, p);
    chunk.copy(framed, p + 4);
  }
  assert.throws(() => snappyDecompress(framed), /more than the limit/);
});

test.run();
