/**
 * Sample payloads for the compression tests and the codec microbenchmarks: the records section
 * of a Kafka batch holding JSON events of about 1 KiB each, plus the corner cases (empty, one
 * byte, incompressible, long runs). Everything is drawn from a seeded generator, so a failing
 * case reproduces and the benchmark measures the same bytes on every run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** mulberry32: small, fast and deterministic. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EVENTS = ['page_view', 'add_to_cart', 'checkout_started', 'order_placed', 'search', 'login', 'logout'];
const COUNTRIES = [
  ['DE', 'Berlin', 52.52, 13.405],
  ['FR', 'Paris', 48.8566, 2.3522],
  ['US', 'Austin', 30.2672, -97.7431],
  ['JP', 'Osaka', 34.6937, 135.5023],
  ['BR', 'Recife', -8.0476, -34.877],
  ['IN', 'Pune', 18.5204, 73.8567],
] as const;
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
];
const WORDS = (
  'shipping delivery express standard warehouse discount coupon gift wrap return refund exchange ' +
  'size colour blue red green black white small medium large cotton wool leather vintage new sale ' +
  'limited edition bundle subscription monthly annual review rating stars recommended trending'
).split(' ');

function hex(rand: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ((rand() * 16) | 0).toString(16);
  return s;
}

function pick<T>(rand: () => number, xs: readonly T[]): T {
  return xs[(rand() * xs.length) | 0]!;
}

/** One JSON event of roughly `target` bytes. */
export function jsonEvent(rand: () => number, ts: number, target = 1024): string {
  const [country, city, lat, lon] = pick(rand, COUNTRIES);
  const items = [];
  const n = 1 + ((rand() * 4) | 0);
  for (let i = 0; i < n; i++) {
    items.push({
      sku: `SKU-${String((rand() * 100000) | 0).padStart(6, '0')}`,
      qty: 1 + ((rand() * 3) | 0),
      price: Math.round(rand() * 20000) / 100,
      currency: 'EUR',
    });
  }
  const event: Record<string, unknown> = {
    event: pick(rand, EVENTS),
    event_id: `${hex(rand, 8)}-${hex(rand, 4)}-4${hex(rand, 3)}-a${hex(rand, 3)}-${hex(rand, 12)}`,
    user_id: `u-${(rand() * 1e7) | 0}`,
    session_id: hex(rand, 32),
    timestamp: ts,
    url: `https://shop.example.com/products/${(rand() * 1e6) | 0}?ref=${pick(rand, ['email', 'ads', 'social', 'direct'])}`,
    user_agent: pick(rand, AGENTS),
    geo: { country, city, lat, lon },
    items,
    consent: { analytics: rand() < 0.8, marketing: rand() < 0.4 },
  };
  let json = JSON.stringify(event);
  const words: string[] = [];
  while (json.length < target - 20) {
    words.push(pick(rand, WORDS));
    event.note = words.join(' ');
    json = JSON.stringify(event);
  }
  return json;
}

function zigzagVarint(out: number[], v: number): void {
  let z = v >= 0 ? v * 2 : -v * 2 - 1;
  while (z >= 0x80) {
    out.push((z % 0x80) | 0x80);
    z = Math.floor(z / 0x80);
  }
  out.push(z);
}

/**
 * The records section of a batch (v2 record framing: length, attributes, timestamp and offset
 * deltas, key, value, no headers) filled with JSON events until the next one would pass
 * `size`. Same seed, same bytes.
 */
export function recordBatchPayload(size: number, seed = 42): Buffer {
  const rand = seeded(seed);
  const chunks: Buffer[] = [];
  let total = 0;
  let ts = 1_717_000_000_000;
  for (let i = 0; ; i++) {
    ts += (rand() * 50) | 0;
    const key = Buffer.from(`user-${(rand() * 5000) | 0}`);
    const value = Buffer.from(jsonEvent(rand, ts));
    const body: number[] = [0];
    zigzagVarint(body, ts - 1_717_000_000_000);
    zigzagVarint(body, i);
    zigzagVarint(body, key.length);
    const tail: number[] = [];
    zigzagVarint(tail, value.length);
    const after: number[] = [];
    zigzagVarint(after, 0);
    const len = body.length + key.length + tail.length + value.length + after.length;
    const head: number[] = [];
    zigzagVarint(head, len);
    const rec = Buffer.concat([Buffer.from(head), Buffer.from(body), key, Buffer.from(tail), value, Buffer.from(after)]);
    if (total + rec.length > size) break;
    chunks.push(rec);
    total += rec.length;
  }
  return Buffer.concat(chunks);
}

export function randomBytes(size: number, seed = 7): Buffer {
  const rand = seeded(seed);
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (rand() * 256) | 0;
  return b;
}

/** Long runs of a few byte values: the best case for every codec. */
export function runs(size: number, seed = 3): Buffer {
  const rand = seeded(seed);
  const b = Buffer.alloc(size);
  let i = 0;
  while (i < size) {
    const v = (rand() * 4) | 0;
    const n = 1 + ((rand() * 3000) | 0);
    b.fill(v, i, Math.min(size, i + n));
    i += n;
  }
  return b;
}

/** Text made of a small vocabulary: matches at every distance, literals of every kind. */
export function words(size: number, seed = 11): Buffer {
  const rand = seeded(seed);
  const parts: string[] = [];
  let n = 0;
  while (n < size) {
    const w = pick(rand, WORDS) + (rand() < 0.1 ? '.\n' : ' ');
    parts.push(w);
    n += w.length;
  }
  return Buffer.from(parts.join('')).subarray(0, size);
}

/** Mixed: half random, half structured, in alternating stretches of varying length. */
export function mixed(size: number, seed = 5): Buffer {
  const rand = seeded(seed);
  const out = Buffer.alloc(size);
  const text = recordBatchPayload(Math.max(2 * size, 16384), seed);
  let i = 0;
  while (i < size) {
    const n = Math.min(size - i, 1 + ((rand() * 5000) | 0));
    if (rand() < 0.5) for (let j = 0; j < n; j++) out[i + j] = (rand() * 256) | 0;
    else {
      const from = (rand() * (text.length - n)) | 0;
      text.copy(out, i, from, from + n);
    }
    i += n;
  }
  return out;
}

/** The inputs every codec must round-trip, by name. */
export function roundTripCorpus(): [string, Buffer][] {
  return [
    ['empty', Buffer.alloc(0)],
    ['one byte', Buffer.from([0x5a])],
    ['a short string', Buffer.from('hello, kafka')],
    ['13 bytes of one value', Buffer.alloc(13, 7)],
    ['200 random bytes', randomBytes(200)],
    ['a 1 KiB record', recordBatchPayload(1100, 9)],
    ['a 64 KiB batch of JSON records', recordBatchPayload(64 * 1024)],
    ['64 KiB of random bytes', randomBytes(64 * 1024)],
    ['64 KiB + 1 of words', words(64 * 1024 + 1)],
    ['300 KiB of long runs', runs(300 * 1024)],
    ['200 KiB of zeros', Buffer.alloc(200 * 1024)],
    ['1 MiB of JSON records', recordBatchPayload(1024 * 1024, 77)],
    ['1 MiB of mixed random and structured data', mixed(1024 * 1024)],
  ];
}

/** Whether an outside program is on PATH. */
export function hasProgram(name: string): boolean {
  return spawnSync('which', [name], { encoding: 'utf8' }).status === 0;
}

/** Runs an outside program with `input` on stdin, returning stdout; throws if it fails. */
export function runProgram(name: string, args: string[], input: Uint8Array): Buffer {
  const r = spawnSync(name, args, { input, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${name} ${args.join(' ')} exited ${r.status}: ${r.stderr?.toString()}`);
  return r.stdout;
}

/** Flips bits, truncates and splices random bytes into `valid`, yielding malformed variants. */
export function* corruptions(valid: Uint8Array, count: number, seed = 99): Generator<Uint8Array> {
  const rand = seeded(seed);
  for (let cut = 0; cut < valid.length; cut += Math.max(1, (valid.length / 40) | 0)) yield valid.subarray(0, cut);
  for (let i = 0; i < count; i++) {
    const b = Buffer.from(valid);
    const flips = 1 + ((rand() * 4) | 0);
    for (let f = 0; f < flips; f++) {
      const at = (rand() * b.length) | 0;
      if (rand() < 0.5) b[at]! ^= 1 << ((rand() * 8) | 0);
      else b[at] = (rand() * 256) | 0;
    }
    yield b;
  }
}

/** A file from test/fixtures/compression, whether running from dist/ or from the sources. */
export function fixture(name: string): Buffer {
  for (const dir of ['../../../../../test/fixtures/compression/', '../../../fixtures/compression/']) {
    const url = new URL(dir + name, import.meta.url);
    if (existsSync(url)) return readFileSync(url);
  }
  throw new Error(`no fixture ${name}`);
}

/**
 * Runs decode on each input and checks that it either returns a Buffer or throws an Error
 * (never anything else, never a crash); returns how many threw.
 */
export function survives(decode: (d: Uint8Array) => Buffer, inputs: Iterable<Uint8Array>): { threw: number; total: number } {
  let threw = 0;
  let total = 0;
  for (const input of inputs) {
    total++;
    try {
      const out = decode(input);
      if (!Buffer.isBuffer(out)) throw new TypeError('decode returned something other than a Buffer');
    } catch (e) {
      if (e instanceof TypeError && e.message.startsWith('decode returned')) throw e;
      if (!(e instanceof Error)) throw new TypeError(`decode threw a non-Error: ${String(e)}`);
      threw++;
    }
  }
  return { threw, total };
}
