import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decompress as fzstd } from 'fzstd';
import { codecFor, CompressionType } from '../../../../src/protocol/records/compression/index.js';
import { zstdCompress } from '../../../../src/protocol/records/compression/zstd-compress.js';
import { PREDEFINED } from '../../../../src/protocol/records/compression/zstd-tables.js';
import { zstdDecompress } from '../../../../src/protocol/records/compression/zstd.js';
import { xxhash64Low32 } from '../../../../src/protocol/records/compression/xxhash64.js';
import {
  corruptions,
  fixture,
  hasProgram,
  mixed,
  randomBytes,
  recordBatchPayload,
  roundTripCorpus,
  runProgram,
  runs,
  seeded,
  survives,
  words,
} from './samples.js';
import { needs } from '../../../helpers/needs.js';

const zstdCli = hasProgram('zstd');

/** Block types and literal section types of a frame we wrote (single frame, no checksum). */
function blocksOf(z: Uint8Array): { type: number; size: number; literals?: number }[] {
  const fhd = z[4]!;
  const single = (fhd & 0x20) !== 0;
  const fcsFlag = fhd >>> 6;
  let p = 5 + (single ? 0 : 1) + (fcsFlag === 0 ? (single ? 1 : 0) : 1 << fcsFlag);
  const out = [];
  for (;;) {
    const h = z[p]! | (z[p + 1]! << 8) | (z[p + 2]! << 16);
    const type = (h >>> 1) & 3;
    const size = h >>> 3;
    out.push(type === 2 ? { type, size, literals: z[p + 3]! & 3 } : { type, size });
    p += 3 + (type === 1 ? 1 : size);
    if (h & 1) break;
  }
  assert.is(p, z.length, 'the frame ends after its last block');
  return out;
}

/** Bytes from a skewed distribution over all 256 values: Huffman literals above symbol 128. */
function skewedBytes(size: number, seed: number): Buffer {
  const rand = seeded(seed);
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = Math.min(255, Math.floor(-Math.log(1 - rand()) * 24)) ^ 0x80;
  return b;
}

/** Many inputs of many shapes and sizes, for checking against the reference decoder. */
function manyInputs(): Buffer[] {
  const rand = seeded(1234);
  const makers = [
    (n: number, s: number) => recordBatchPayload(n, s),
    (n: number, s: number) => randomBytes(n, s),
    (n: number, s: number) => runs(n, s),
    (n: number, s: number) => words(n, s),
    (n: number, s: number) => mixed(n, s),
    (n: number, s: number) => skewedBytes(n, s),
    (n: number, s: number) => {
      const r = seeded(s);
      return Buffer.from(Array.from({ length: n }, () => (r() * 3) | 0));
    },
  ];
  const sizes = [0, 1, 2, 3, 4, 5, 16, 17, 31, 32, 33, 100, 255, 256, 257, 1023, 1024, 1025, 4095, 4096, 16383, 16384, 65535, 65536, 65791, 65792, 131071, 131072, 131073, 300000];
  const out: Buffer[] = [];
  let seed = 1;
  for (const n of sizes) for (const make of makers) out.push(make(n, seed++).subarray(0, n));
  for (let i = 0; i < 40; i++) {
    const make = makers[(rand() * makers.length) | 0]!;
    out.push(make((rand() * 400000) | 0, seed++));
  }
  return out;
}

test('the codec table maps compression type 4 to zstd', () => {
  const codec = codecFor(CompressionType.Zstd);
  assert.is(codec?.name, 'zstd');
  const data = recordBatchPayload(5000);
  assert.equal(codec!.decompress(codec!.compress(data)), data);
});

test('the predefined FSE tables match RFC 8878 appendix A', () => {
  const ll = PREDEFINED.literalLengths;
  const ml = PREDEFINED.matchLengths;
  const of = PREDEFINED.offsets;
  // [state, symbol, bits, base] rows from the appendix.
  for (const [s, sym, bits, base] of [[0, 0, 4, 0], [2, 1, 5, 32], [10, 14, 6, 0], [17, 25, 5, 32], [38, 25, 4, 0], [39, 25, 4, 16], [43, 0, 4, 48], [60, 35, 6, 0], [63, 32, 6, 0]]) {
    assert.equal([ll.symbol[s!], ll.bits[s!], ll.base[s!]], [sym, bits, base], `literal length state ${s}`);
  }
  for (const [s, sym, bits, base] of [[0, 0, 6, 0], [1, 1, 4, 0], [22, 1, 4, 16], [43, 1, 4, 32], [44, 1, 4, 48], [45, 2, 4, 16], [57, 52, 6, 0], [63, 46, 6, 0]]) {
    assert.equal([ml.symbol[s!], ml.bits[s!], ml.base[s!]], [sym, bits, base], `match length state ${s}`);
  }
  for (const [s, sym, bits, base] of [[0, 0, 5, 0], [1, 6, 4, 0], [15, 7, 4, 16], [20, 8, 4, 16], [24, 6, 4, 16], [27, 28, 5, 0], [31, 24, 5, 0]]) {
    assert.equal([of.symbol[s!], of.bits[s!], of.base[s!]], [sym, bits, base], `offset state ${s}`);
  }
});

test('xxhash64 matches the reference values', () => {
  assert.is(xxhash64Low32(new Uint8Array(0)), 0x51d8e999);
  assert.is(xxhash64Low32(Buffer.from('abc')), 0xad770999);
  assert.is(xxhash64Low32(Buffer.from('Nobody inspects the spammish repetition')), 0x8a378bf1);
  assert.is(xxhash64Low32(fixture('records.bin')), 0x5a0b7aa0);
});

for (const [name, data] of roundTripCorpus()) {
  test(`zstd round-trips ${name}`, () => {
    const z = zstdCompress(data);
    assert.equal(zstdDecompress(z), data);
    assert.equal(Buffer.from(fzstd(z)), data);
  });
}

test('JSON records become compressed blocks with Huffman-coded literals', () => {
  const data = recordBatchPayload(300 * 1024);
  const z = zstdCompress(data);
  const blocks = blocksOf(z);
  assert.is(blocks.length, Math.ceil(data.length / (128 * 1024)));
  for (const b of blocks) {
    assert.is(b.type, 2);
    assert.is(b.literals, 2);
  }
  assert.ok(z.length < data.length / 3, `ratio ${data.length / z.length}`);
});

test('bytes above 128 still get Huffman-coded literals (weights compressed with FSE)', () => {
  const data = skewedBytes(50000, 3);
  const blocks = blocksOf(zstdCompress(data));
  assert.is(blocks[0]!.type, 2);
  assert.is(blocks[0]!.literals, 2);
  assert.equal(zstdDecompress(zstdCompress(data)), data);
});

test('literals that are all one byte value become an RLE literals section', () => {
  // Six random islands in the first block; the second block quotes 8-byte pieces of them,
  // each after a 0x01 byte that matches nothing: its only literals are those 0x01 bytes.
  const islands = Array.from({ length: 6 }, (_, k) => Buffer.from(randomBytes(60, 50 + k).map((b) => 2 + (b % 254))));
  const tail = Buffer.concat(islands.flatMap((r) => [Buffer.alloc(1000), r]));
  const parts = [Buffer.alloc(128 * 1024 - tail.length), tail];
  for (const r of islands) for (let a = 0; a < 6; a++) parts.push(Buffer.from([1]), r.subarray(a * 8, a * 8 + 8));
  const data = Buffer.concat(parts);
  const z = zstdCompress(data);
  const blocks = blocksOf(z);
  assert.is(blocks[1]!.type, 2);
  assert.is(blocks[1]!.literals, 1);
  assert.equal(zstdDecompress(z), data);
  if (zstdCli) assert.equal(runProgram('zstd', ['-d', '-c', '-q'], z), data);
});

test('incompressible input is written as raw blocks, and the frame header says the size', () => {
  const data = randomBytes(200 * 1024);
  const z = zstdCompress(data);
  assert.equal(blocksOf(z).map((b) => b.type), [0, 0]);
  assert.is(z.readUInt32LE(0), 0xfd2fb528);
  assert.is(z[4], 0xa0, 'single segment, 4-byte content size, no checksum, no dictionary');
  assert.is(z.readUInt32LE(5), data.length);
});

test('an input over 8 MiB gets an 8 MiB window instead of a single segment', () => {
  const data = Buffer.concat(Array.from({ length: 9 }, (_, i) => recordBatchPayload(1024 * 1024, 100 + (i % 3))));
  const z = zstdCompress(data);
  assert.is(z[4], 0x80);
  assert.is(z[5], (23 - 10) << 3);
  assert.equal(zstdDecompress(z), data);
});

const fixtures: [string, string][] = [
  ['records.zst', 'records.bin'],
  ['records.stream.zst', 'records.bin'],
  ['records.19.zst', 'records.bin'],
  ['records.nocheck.zst', 'records.bin'],
  ['random.zst', 'random.bin'],
  ['empty.zst', 'empty.bin'],
];
for (const [file, original] of fixtures) {
  test(`decompresses ${file}, written by the zstd command-line tool`, () => {
    assert.equal(zstdDecompress(fixture(file)), fixture(original));
  });
}

test('decompresses concatenated frames and skips skippable frames', () => {
  const skippable = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 9, 9]);
  const joined = Buffer.concat([fixture('records.zst'), skippable, fixture('random.zst'), zstdCompress(Buffer.from('tail'))]);
  assert.equal(zstdDecompress(joined), Buffer.concat([fixture('records.bin'), fixture('random.bin'), Buffer.from('tail')]));
});

needs(zstdCli ? '' : 'the zstd program is not installed')('the zstd program (outside program) decompresses what we write, for many shapes and sizes', () => {
  const inputs = [...roundTripCorpus().map(([, d]) => d), ...manyInputs()];
  const frames = inputs.map((d) => zstdCompress(d));
  const all = runProgram('zstd', ['-d', '-c', '-q'], Buffer.concat(frames));
  if (!all.equals(Buffer.concat(inputs))) {
    for (let i = 0; i < inputs.length; i++) {
      assert.equal(runProgram('zstd', ['-d', '-c', '-q'], frames[i]!), inputs[i], `input ${i} of ${inputs[i]!.length} bytes`);
    }
  }
  for (let i = 0; i < inputs.length; i++) assert.equal(Buffer.from(fzstd(frames[i]!)), inputs[i], `fzstd, input ${i}`);
  assert.ok(frames.length > 250);
});

needs(zstdCli ? '' : 'the zstd program is not installed')('content checksums written by the zstd program (outside program) verify for every tail length', () => {
  const data = fixture('records.bin');
  for (let n = 0; n <= 100; n++) {
    const z = runProgram('zstd', ['-c', '-q', '--check'], data.subarray(0, n));
    assert.equal(zstdDecompress(z), data.subarray(0, n));
  }
});

test('a wrong content checksum throws', () => {
  const z = Buffer.from(fixture('records.zst'));
  z[z.length - 2]! ^= 0x04;
  assert.throws(() => zstdDecompress(z), /checksum mismatch/);
});

test('a window far larger than the frame is not allocated', () => {
  // No content size, window descriptor of 2 GiB (exponent 21), one raw block of 5 bytes.
  const frame = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 21 << 3, 1 | (5 << 3), 0, 0, 104, 101, 108, 108, 111]);
  assert.equal(zstdDecompress(frame), Buffer.from('hello'));
});

test('a size claim over the limit throws before anything is decoded, and output past the limit stops the decoder', () => {
  // Content size 2^40 in an 8-byte field, one RLE block.
  const huge = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xc0, 0x70, 0, 0, 0, 0, 0, 1, 0, 0, 0x43, 0x1f, 0x00, 7]);
  assert.throws(() => zstdDecompress(huge), /declares|exceeds the limit/);
  // No content size and thousands of 128 KiB RLE blocks: 4 bytes each, 268 MiB in all.
  const count = 2100;
  const blocks = Buffer.alloc(count * 4);
  for (let i = 0; i < count; i++) {
    const h = (i === count - 1 ? 1 : 0) | (1 << 1) | ((128 * 1024) << 3);
    blocks.writeUIntLE(h, i * 4, 3);
    blocks[i * 4 + 3] = 0x61;
  }
  const bomb = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 17 << 3]), blocks]);
  assert.throws(() => zstdDecompress(bomb), /more than the limit/);
});

test('an 18-byte frame declaring 98,303 sequences of 128 KiB throws at once instead of running them', () => {
  // One compressed block: no literals, 98,303 sequences, RLE codes for the longest literal
  // and match lengths, and a bitstream holding nothing but its end mark. fzstd spends
  // about a minute copying before it returns.
  const v = 98303 - 0x7f00;
  const frame = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38, 77, 0, 0, 0x00, 255, v & 255, v >> 8, 0x54, 35, 1, 52, 0x01]);
  const started = Date.now();
  assert.throws(() => zstdDecompress(frame), /overrun/);
  assert.ok(Date.now() - started < 1000);
});

test('a match reaching before the start of the frame throws', () => {
  // Hand-made single sequences with the predefined tables: offset code 2 with extra bits 00
  // (offset 1), match length code 0 (3 bytes), literal length code 1 or 0. The bitstream holds
  // those 2 bits, the match length state 0, the offset state 14 and the literal length state
  // (2 for code 1, 0 for code 0), then the end mark.
  const head = [0x28, 0xb5, 0x2f, 0xfd, 0x20];
  // "a" as a literal, then 3 more copied from 1 back: "aaaa".
  const valid = Buffer.from([...head, 4, 61, 0, 0, 0x08, 0x61, 0x01, 0x00, 0x00, 0x4e, 0x08]);
  assert.equal(zstdDecompress(valid), Buffer.from('aaaa'));
  // Not compared with the zstd program: builds of libzstd 1.5.4 disagree about this hand-made
  // frame (Debian's 1.5.4+dfsg2-5+deb12u1 refuses it with "Src size is incorrect"), so the
  // program's answer would test the machine's package, not this decoder.
  // No literal: the copy has nothing behind it.
  const invalid = Buffer.from([...head, 3, 53, 0, 0, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x08]);
  assert.throws(() => zstdDecompress(invalid), /before the start of the frame/);
});

test('a content size larger than the blocks can hold throws', () => {
  // Single segment, content size 200, one raw block of 5 bytes.
  const frame = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x20, 200, 1 | (5 << 3), 0, 0, 1, 2, 3, 4, 5]);
  assert.throws(() => zstdDecompress(frame), /declares 200/);
});

test('every truncation of a frame throws', () => {
  for (const sample of [zstdCompress(recordBatchPayload(200 * 1024, 21)), fixture('records.zst'), fixture('records.stream.zst')]) {
    const { threw, total } = survives(zstdDecompress, corruptions(sample, 0));
    assert.is(threw, total);
  }
});

test('random corruption throws an Error or decodes, and never hangs', () => {
  const started = Date.now();
  let total = 0;
  for (const sample of [zstdCompress(recordBatchPayload(100 * 1024, 22)), fixture('records.19.zst'), fixture('records.stream.zst')]) {
    total += survives(zstdDecompress, corruptions(sample, 400, total)).total;
  }
  assert.ok(total > 1200);
  assert.ok(Date.now() - started < 30_000);
});

test('most corruptions of a checksummed frame are caught', () => {
  const { threw, total } = survives(zstdDecompress, corruptions(fixture('records.zst'), 300, 77));
  assert.ok(threw / total > 0.95, `${threw} of ${total} threw`);
});

test('garbage, dictionaries and reserved bits throw', () => {
  assert.throws(() => zstdDecompress(Buffer.from('certainly not a zstd frame')), /not a zstd frame/);
  assert.throws(() => zstdDecompress(new Uint8Array(0)), /no zstd frame/);
  assert.throws(() => zstdDecompress(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x21, 7, 5, 1, 0, 0])), /dictionary/);
  assert.throws(() => zstdDecompress(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x28, 5, 1, 0, 0])), /reserved/);
  assert.throws(() => zstdDecompress(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x20, 5, 7, 0, 0, 0])), /reserved block type/);
  assert.throws(() => zstdDecompress(Buffer.concat([zstdCompress(Buffer.from('x')), Buffer.from('trailing junk')])), /garbage/);
});

test.run();
