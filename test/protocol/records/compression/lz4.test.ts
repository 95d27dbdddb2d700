import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { codecFor, CompressionType } from '../../../../src/protocol/records/compression/index.js';
import { compressBlock, decompressBlock, lz4Compress, lz4Decompress } from '../../../../src/protocol/records/compression/lz4.js';
import { xxhash32 } from '../../../../src/protocol/records/compression/xxhash32.js';
import { corruptions, fixture, hasProgram, randomBytes, recordBatchPayload, roundTripCorpus, runProgram, survives, words } from './samples.js';
import { needs } from '../../../helpers/needs.js';

const lz4Cli = hasProgram('lz4');

/** Builds a frame by hand: FLG, BD, optional content size, then the given blocks. */
function frame(flg: number, bd: number, blocks: Uint8Array[], opts: { contentSize?: number; trailer?: number[] } = {}): Buffer {
  const head = [0x04, 0x22, 0x4d, 0x18, flg, bd];
  if (opts.contentSize !== undefined) {
    const cs = Buffer.alloc(8);
    cs.writeBigUInt64LE(BigInt(opts.contentSize));
    head.push(...cs);
  }
  const hc = (xxhash32(Uint8Array.from(head), 4) >>> 8) & 0xff;
  const parts = [Buffer.from([...head, hc])];
  for (const b of blocks) parts.push(Buffer.from(b));
  parts.push(Buffer.from([0, 0, 0, 0, ...(opts.trailer ?? [])]));
  return Buffer.concat(parts);
}

function sized(word: number, body: Uint8Array): Buffer {
  const b = Buffer.alloc(4 + body.length);
  b.writeUInt32LE(word >>> 0);
  Buffer.from(body).copy(b, 4);
  return b;
}

test('the codec table maps compression type 3 to lz4', () => {
  const codec = codecFor(CompressionType.Lz4);
  assert.is(codec?.name, 'lz4');
  const data = recordBatchPayload(5000);
  assert.equal(codec!.decompress(codec!.compress(data)), data);
});

test('xxhash32 matches the reference values', () => {
  assert.is(xxhash32(new Uint8Array(0)), 0x02cc5d05);
  assert.is(xxhash32(Buffer.from('abc')), 0x32d153ff);
  assert.is(xxhash32(Buffer.from('Nobody inspects the spammish repetition')), 0xe2293b2f);
});

for (const [name, data] of roundTripCorpus()) {
  test(`lz4 round-trips ${name}`, () => {
    assert.equal(lz4Decompress(lz4Compress(data)), data);
  });
}

test('compression writes the frame the Java client writes: independent 64 KiB blocks, no checksums', () => {
  const data = recordBatchPayload(200 * 1024);
  const out = lz4Compress(data);
  assert.is(out.readUInt32LE(0), 0x184d2204);
  assert.is(out[4], 0x60);
  assert.is(out[5], 0x40);
  assert.is(out[6], (xxhash32(out, 4, 6) >>> 8) & 0xff);
  let blocks = 0;
  let p = 7;
  for (;;) {
    const word = out.readUInt32LE(p);
    if (word === 0) break;
    const size = word & 0x7fffffff;
    const decoded = new Uint8Array(65536);
    const n = word & 0x80000000 ? size : decompressBlock(out, p + 4, p + 4 + size, decoded, 0, 65536, 0);
    assert.ok(n > 0 && n <= 65536);
    blocks++;
    p += 4 + size;
  }
  assert.is(blocks, Math.ceil(data.length / 65536));
  assert.is(p + 4, out.length);
  assert.ok(out.length < data.length / 2);
});

test('incompressible input is stored in uncompressed blocks', () => {
  const data = randomBytes(70000);
  const out = lz4Compress(data);
  assert.is(out.readUInt32LE(7), (0x80000000 | 65536) >>> 0);
  assert.ok(out.length <= data.length + 7 + 8 + 4);
});

test('a block of text compresses and decodes within its bounds', () => {
  const text = words(30000);
  const dst = new Uint8Array(40000);
  const n = compressBlock(text, 0, text.length, dst, 0);
  assert.ok(n < text.length / 2);
  const back = new Uint8Array(text.length);
  assert.is(decompressBlock(dst, 0, n, back, 0, back.length, 0), text.length);
  assert.equal(Buffer.from(back), text);
  assert.is(decompressBlock(dst, 0, n, back, 0, back.length - 1, 0), -1, 'one byte short of room is refused');
});

const fixtures: [string, string][] = [
  ['records.lz4', 'records.bin'],
  ['records.linked-64k-blockcrc-size.lz4', 'records.bin'],
  ['records.256k-nocrc.lz4', 'records.bin'],
  ['random.lz4', 'random.bin'],
  ['empty.lz4', 'empty.bin'],
];
for (const [file, original] of fixtures) {
  test(`decompresses ${file}, written by the lz4 command-line tool`, () => {
    assert.equal(lz4Decompress(fixture(file)), fixture(original));
  });
}

test('decompresses concatenated frames and skips skippable frames', () => {
  const skippable = Buffer.from([0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]);
  const joined = Buffer.concat([fixture('records.lz4'), skippable, fixture('random.lz4'), lz4Compress(Buffer.from('tail'))]);
  assert.equal(lz4Decompress(joined), Buffer.concat([fixture('records.bin'), fixture('random.bin'), Buffer.from('tail')]));
});

for (const [name, data] of roundTripCorpus()) {
  needs(lz4Cli ? '' : 'the lz4 program is not installed')(`the lz4 program (outside program) decompresses what we write: ${name}`, () => {
    assert.equal(runProgram('lz4', ['-d', '-c'], lz4Compress(data)), data);
  });
}

test('a wrong header checksum throws', () => {
  const out = Buffer.from(lz4Compress(recordBatchPayload(3000)));
  out[6]! ^= 0x01;
  assert.throws(() => lz4Decompress(out), /header checksum/);
});

test('a wrong block checksum throws', () => {
  const f = Buffer.from(fixture('records.linked-64k-blockcrc-size.lz4'));
  // First block: header 4+2+8+1 = 15 bytes, then its size word, data and checksum.
  const size = f.readUInt32LE(15) & 0x7fffffff;
  f[15 + 4 + size]! ^= 0x80;
  assert.throws(() => lz4Decompress(f), /block checksum/);
});

test('a wrong content checksum throws', () => {
  const f = Buffer.from(fixture('records.lz4'));
  f[f.length - 1]! ^= 0x10;
  assert.throws(() => lz4Decompress(f), /content checksum/);
});

test('a content size that differs from the content throws', () => {
  const data = Buffer.from('hello hello hello hello hello');
  const good = frame(0x68, 0x40, [sized(0x80000000 | data.length, data)], { contentSize: data.length });
  assert.equal(lz4Decompress(good), data);
  const bad = frame(0x68, 0x40, [sized(0x80000000 | data.length, data)], { contentSize: data.length - 1 });
  assert.throws(() => lz4Decompress(bad), /declares/);
});

test('independent blocks may not reach into the previous block, linked blocks may', () => {
  const first = Buffer.from('abcdefghijklmnop');
  // Literal-free block: token 0x0c (no literals, match 16), offset 16, then an empty literal run.
  const second = Uint8Array.from([0x0c, 16, 0, 0x00]);
  const blocks = [sized(0x80000000 | first.length, first), sized(second.length, second)];
  assert.equal(lz4Decompress(frame(0x40, 0x40, blocks)), Buffer.concat([first, first]));
  assert.throws(() => lz4Decompress(frame(0x60, 0x40, blocks)), /offset outside the output/);
});

test('every truncation of a frame throws', () => {
  const data = recordBatchPayload(150 * 1024, 12);
  for (const sample of [lz4Compress(data), fixture('records.linked-64k-blockcrc-size.lz4')]) {
    const { threw, total } = survives(lz4Decompress, corruptions(sample, 0));
    assert.is(threw, total);
  }
});

test('any corruption of a frame with block and content checksums throws', () => {
  const { threw, total } = survives(lz4Decompress, corruptions(fixture('records.linked-64k-blockcrc-size.lz4'), 400, 5));
  assert.is(threw, total);
});

test('random corruption of an unchecked frame throws an Error or decodes, and never hangs', () => {
  const started = Date.now();
  const { total } = survives(lz4Decompress, corruptions(lz4Compress(recordBatchPayload(100 * 1024, 13)), 1000, 6));
  assert.ok(total > 1000);
  assert.ok(Date.now() - started < 20_000);
});

test('garbage, dictionaries, reserved bits and oversized blocks throw', () => {
  assert.throws(() => lz4Decompress(Buffer.from('definitely not an lz4 frame')), /not an LZ4 frame/);
  assert.throws(() => lz4Decompress(new Uint8Array(0)), /truncated/);
  assert.throws(() => lz4Decompress(frame(0x61, 0x40, [])), /dictionary/);
  assert.throws(() => lz4Decompress(frame(0x62, 0x40, [])), /reserved/);
  assert.throws(() => lz4Decompress(frame(0x80, 0x40, [])), /version/);
  assert.throws(() => lz4Decompress(frame(0x60, 0x30, [])), /block maximum size/);
  assert.throws(() => lz4Decompress(frame(0x60, 0x40, [sized(0x80000000 | 70000, new Uint8Array(70000))])), /exceeds the frame's maximum/);
  assert.throws(() => lz4Decompress(Buffer.concat([lz4Compress(Buffer.from('x')), Buffer.from('trailing junk')])), /garbage/);
});

test('a block that decodes past the frame maximum throws', () => {
  // One literal then a match of 4 + 15 + 255*300 bytes: far more than 64 KiB.
  const body = [0x1f, 0x41, 1, 0, ...new Array(300).fill(255), 0, 0x00];
  assert.throws(() => lz4Decompress(frame(0x60, 0x40, [sized(body.length, Uint8Array.from(body))])), /more than the frame's maximum/);
});

test('a content size above the limit throws before anything is allocated', () => {
  assert.throws(() => lz4Decompress(frame(0x68, 0x40, [], { contentSize: 2 ** 40 })), /exceeds the limit/);
});

test.run();
