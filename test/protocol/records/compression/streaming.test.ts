import { gzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { codecFor, CompressionType } from '../../../../src/protocol/records/compression/index.js';
import { StreamError } from '../../../../src/protocol/records/compression/errors.js';
import { gunzipInto, pakoGunzipInto, usesNativeInflate } from '../../../../src/protocol/records/compression/gzip.js';
import { MAX_HISTORY_BYTES, MAX_WINDOW_BYTES, STREAM_SPAN_BYTES } from '../../../../src/protocol/records/compression/limits.js';
import { lz4DecompressInto } from '../../../../src/protocol/records/compression/lz4.js';
import { snappyCompressRaw, snappyDecompressInto } from '../../../../src/protocol/records/compression/snappy.js';
import { copyMatch, OutputWindow, threadWindow } from '../../../../src/protocol/records/compression/window.js';
import { Xxhash32Stream, xxhash32 } from '../../../../src/protocol/records/compression/xxhash32.js';
import { Xxhash64Stream, xxhash64Low32 } from '../../../../src/protocol/records/compression/xxhash64.js';
import { zstdDecompressInto } from '../../../../src/protocol/records/compression/zstd-stream.js';
import { corruptions, fixture, hasProgram, mixed, randomBytes, recordBatchPayload, roundTripCorpus, runProgram, words } from './samples.js';

type Into = (data: Uint8Array, start: number, end: number, w: OutputWindow) => void;

const STREAMING: [number, string, Into][] = [
  [CompressionType.Gzip, 'gzip', gunzipInto],
  [CompressionType.Snappy, 'snappy', snappyDecompressInto],
  [CompressionType.Lz4, 'lz4', lz4DecompressInto],
  [CompressionType.Zstd, 'zstd', zstdDecompressInto],
];

/** Everything a streaming decoder hands over, concatenated, and the largest piece. */
function inflate(into: Into, data: Uint8Array, start = 0, end = data.length): { out: Buffer; largest: number; pieces: number } {
  const parts: Buffer[] = [];
  let largest = 0;
  const w = threadWindow();
  w.open('test', {
    take: (b, s, e) => {
      parts.push(Buffer.from(b.subarray(s, e)));
      largest = Math.max(largest, e - s);
    },
  });
  try {
    into(data, start, end, w);
    w.flush();
  } finally {
    w.close();
  }
  return { out: Buffer.concat(parts), largest, pieces: parts.length };
}

/**
 * What a decoding does: its output, or why it refused. Streaming decoders refuse with a
 * StreamError only (anything else thrown fails the test); the whole-buffer ones may also pass
 * on zlib's errors.
 */
function outcome(f: () => Buffer, streaming = true): Buffer | string {
  try {
    return f();
  } catch (e) {
    if (e instanceof StreamError || (!streaming && e instanceof Error)) return e.message;
    throw e;
  }
}

const FIXTURES: [string, Into, string][] = [
  ['records.gz', gunzipInto, 'records.bin'],
  ['records.raw.snappy', snappyDecompressInto, 'records.bin'],
  ['records.xerial.snappy', snappyDecompressInto, 'records.bin'],
  ['random.raw.snappy', snappyDecompressInto, 'random.bin'],
  ['random.xerial.snappy', snappyDecompressInto, 'random.bin'],
  ['empty.raw.snappy', snappyDecompressInto, 'empty.bin'],
  ['records.lz4', lz4DecompressInto, 'records.bin'],
  ['records.linked-64k-blockcrc-size.lz4', lz4DecompressInto, 'records.bin'],
  ['records.256k-nocrc.lz4', lz4DecompressInto, 'records.bin'],
  ['random.lz4', lz4DecompressInto, 'random.bin'],
  ['empty.lz4', lz4DecompressInto, 'empty.bin'],
  ['records.zst', zstdDecompressInto, 'records.bin'],
  ['records.stream.zst', zstdDecompressInto, 'records.bin'],
  ['records.19.zst', zstdDecompressInto, 'records.bin'],
  ['records.nocheck.zst', zstdDecompressInto, 'records.bin'],
  ['random.zst', zstdDecompressInto, 'random.bin'],
  ['empty.zst', zstdDecompressInto, 'empty.bin'],
];

for (const [file, into, original] of FIXTURES) {
  test(`streaming decoding of ${file}, made by the reference tool, gives back the original`, () => {
    assert.ok(inflate(into, fixture(file)).out.equals(fixture(original)));
  });
}

for (const [type, name, into] of STREAMING) {
  for (const [label, data] of roundTripCorpus()) {
    test(`streaming ${name} decodes what the ${name} codec compressed: ${label}`, () => {
      assert.ok(inflate(into, codecFor(type)!.compress(data)).out.equals(data));
    });
  }

  test(`streaming ${name} reads only the range it is given`, () => {
    const data = recordBatchPayload(20000, 3);
    const c = codecFor(type)!.compress(data);
    const framed = Buffer.concat([Buffer.from('before'), c, Buffer.from('after')]);
    assert.ok(inflate(into, framed, 6, 6 + c.length).out.equals(data));
  });

  test(`streaming ${name} refuses or accepts each corruption as the whole-buffer decompressor does`, () => {
    const codec = codecFor(type)!;
    for (const sample of [codec.compress(recordBatchPayload(100 * 1024, 8)), codec.compress(words(40000))]) {
      for (const bad of corruptions(sample, 150, type)) {
        const streamed = outcome(() => inflate(into, bad).out);
        const whole = outcome(() => codec.decompress(bad), false);
        if (typeof streamed === 'string') {
          // Refused. The whole-buffer gzip reads a truncated stream (Z_SYNC_FLUSH) and zstd's
          // check pass lets two things through that the reference decoder refuses: those are
          // the only ways the whole-buffer decompressors may accept what streaming refuses.
          if (typeof whole !== 'string') assert.ok(type === CompressionType.Gzip || type === CompressionType.Zstd, `${name}: ${streamed}`);
        } else {
          assert.ok(typeof whole !== 'string' && whole.equals(streamed), `${name}: streaming accepted what decompress refused (${whole})`);
        }
      }
    }
  });
}

test('decompressed output reaches the consumer in pieces no larger than the window, in order', () => {
  const data = mixed(5 * 1024 * 1024, 4);
  for (const [type, name, into] of STREAMING) {
    const { out, largest, pieces } = inflate(into, codecFor(type)!.compress(data));
    assert.ok(out.equals(data), name);
    assert.ok(largest <= MAX_WINDOW_BYTES, `${name}: a piece of ${largest}`);
    assert.ok(pieces > 1, `${name}: ${pieces} pieces`);
  }
  assert.ok(threadWindow().buf.length <= MAX_WINDOW_BYTES);
});

const zstdCli = hasProgram('zstd');
const lz4Cli = hasProgram('lz4');
const gzipCli = hasProgram('gzip');

test('streams of the reference programs longer than the kept history decode whole (zstd with an 8 MiB window, lz4 linked blocks, gzip)', () => {
  const data = Buffer.concat([mixed(4 << 20, 1), recordBatchPayload(4 << 20, 3), mixed(4 << 20, 1)]);
  const runs: [boolean, string, string[], Into][] = [
    [zstdCli, 'zstd', ['-3', '--zstd=wlog=23', '-c'], zstdDecompressInto],
    [zstdCli, 'zstd', ['-3', '-c', '--no-check'], zstdDecompressInto],
    [lz4Cli, 'lz4', ['-c', '-BD', '-B4'], lz4DecompressInto],
    [gzipCli, 'gzip', ['-c'], gunzipInto],
  ];
  for (const [present, program, args, into] of runs) {
    if (!present) continue;
    assert.ok(inflate(into, runProgram(program, args, data)).out.equals(data), `${program} ${args.join(' ')}`);
  }
});

test('a zstd match further back than MAX_HISTORY_BYTES is refused, naming the history kept', () => {
  if (!zstdCli) return;
  // The same 9 MiB twice, with a window large enough to find the first copy from the second.
  const half = randomBytes(9 << 20, 12);
  const c = runProgram('zstd', ['--long=25', '-3', '-c'], Buffer.concat([half, half]));
  assert.throws(() => inflate(zstdDecompressInto, c), /reaches further back than the 8388608 bytes kept/);
});

test('a snappy copy further back than MAX_HISTORY_BYTES is refused, and one just within it decodes', () => {
  // Long enough that the window has slid before the copy: only the last 8 MiB are kept.
  const far = MAX_WINDOW_BYTES + STREAM_SPAN_BYTES;
  const lit = randomBytes(far, 2);
  // A literal of `far` bytes, then a 4-byte-offset copy of 8 bytes from `reach` bytes back.
  const block = (reach: number) => {
    const total = far + 8;
    const head = [];
    let z = total;
    while (z >= 0x80) {
      head.push((z & 0x7f) | 0x80);
      z >>>= 7;
    }
    head.push(z);
    const literalTag = [63 << 2, (far - 1) & 0xff, ((far - 1) >>> 8) & 0xff, ((far - 1) >>> 16) & 0xff, (far - 1) >>> 24];
    const copy = [(7 << 2) | 3, reach & 0xff, (reach >>> 8) & 0xff, (reach >>> 16) & 0xff, reach >>> 24];
    return Buffer.concat([Buffer.from(head), Buffer.from(literalTag), lit, Buffer.from(copy)]);
  };
  const ok = inflate(snappyDecompressInto, block(MAX_HISTORY_BYTES)).out;
  assert.ok(ok.subarray(far).equals(lit.subarray(far - MAX_HISTORY_BYTES, far - MAX_HISTORY_BYTES + 8)));
  assert.throws(() => inflate(snappyDecompressInto, block(far)), /more than the 8388608 bytes kept/);
});

test('gzip inflates through node:zlib on this Node, and the pako fallback agrees with it', () => {
  assert.ok(usesNativeInflate());
  const good = gzipSync(recordBatchPayload(300 * 1024, 6));
  assert.ok(inflate(pakoGunzipInto, good).out.equals(inflate(gunzipInto, good).out));
  for (const bad of corruptions(good, 100, 17)) {
    const a = outcome(() => inflate(gunzipInto, bad).out);
    const b = outcome(() => inflate(pakoGunzipInto, bad).out);
    assert.is(typeof a, typeof b, `native ${a instanceof Buffer ? 'accepted' : a}, pako ${b instanceof Buffer ? 'accepted' : b}`);
  }
});

test('gzip output of exactly a span, two spans and empty input decode', () => {
  for (const n of [STREAM_SPAN_BYTES, 2 * STREAM_SPAN_BYTES, 0, 1]) {
    const data = randomBytes(n, n);
    assert.ok(inflate(gunzipInto, gzipSync(data)).out.equals(data), `${n}`);
  }
  assert.throws(() => inflate(gunzipInto, Buffer.alloc(0)), (e: unknown) => e instanceof StreamError);
});

test('raw snappy made by snappyjs in one block decodes', () => {
  const data = recordBatchPayload(200 * 1024, 13);
  assert.ok(inflate(snappyDecompressInto, snappyCompressRaw(data)).out.equals(data));
});

test('the window refuses a stream once it has handed over more than its limit', () => {
  const w = new OutputWindow();
  let got = 0;
  w.open('test', { take: (_b, s, e) => (got += e - s) }, 1000);
  w.room(600);
  w.pos += 600;
  w.flush();
  w.room(600);
  w.pos += 600;
  assert.throws(() => w.flush(), /test: decompresses to more than the limit of 1000 bytes/);
  assert.is(got, 600);
});

test('the window keeps the history asked for when it slides', () => {
  const w = new OutputWindow();
  const seen: number[] = [];
  w.open('test', { take: (b, s, e) => seen.push(...b.subarray(s, Math.min(e, s + 1))) });
  w.setHistory(1000);
  let v = 0;
  for (let i = 0; i < 3000; i++) {
    w.room(1000);
    for (let k = 0; k < 1000; k++) w.buf[w.pos++] = v++ & 0xff;
    // The last 1000 bytes are always behind the write position.
    for (let k = 1; k <= 1000; k++) assert.is(w.buf[w.pos - k], (v - k) & 0xff);
  }
  w.flush();
  assert.ok(w.buf.length <= 1000 + STREAM_SPAN_BYTES);
});

test('a match longer than its offset repeats its period, for every offset and length', () => {
  const buf = new Uint8Array(4096);
  for (let offset = 1; offset <= 70; offset++) {
    for (const n of [1, 5, 16, 17, 31, 32, 33, 64, 100, 777, 2000]) {
      for (let i = 0; i < offset; i++) buf[1000 - offset + i] = (i * 37 + offset) & 0xff;
      assert.is(copyMatch(buf, 1000, offset, n), 1000 + n);
      for (let i = 0; i < n; i++) assert.is(buf[1000 + i], buf[1000 + i - offset], `offset ${offset}, length ${n}, byte ${i}`);
    }
  }
});

test('xxHash32 and xxHash64 over pieces equal the hashes of the whole', () => {
  const h32 = new Xxhash32Stream();
  const h64 = new Xxhash64Stream();
  for (const n of [0, 1, 3, 15, 16, 17, 31, 32, 33, 63, 64, 100, 1000, 65537]) {
    const d = randomBytes(n, n + 1);
    for (const step of [1, 7, 16, 32, 33, 4096]) {
      h32.reset();
      h64.reset();
      for (let i = 0; i < n; i += step) {
        h32.update(d, i, Math.min(n, i + step));
        h64.update(d, i, Math.min(n, i + step));
      }
      assert.is(h32.digest(), xxhash32(d), `xxh32 ${n} by ${step}`);
      assert.is(h64.digestLow32(), xxhash64Low32(d), `xxh64 ${n} by ${step}`);
    }
  }
  // Reference values (xxhsum): XXH64("abc") = 0x44bc2cf5ad770999, XXH64("") = 0xef46db3751d8e999.
  assert.is(xxhash64Low32(Buffer.from('abc')), 0xad770999);
  assert.is(xxhash64Low32(Buffer.alloc(0)), 0x51d8e999);
});

test.run();
