/**
 * Round-trip checks for declarations: random values for every field present in a version,
 * encoded, decoded and compared, then re-encoded to the same bytes. Also the malformed-input
 * checks every declaration gets: every truncation of a valid encoding is refused with a
 * ProtocolError, and random corruptions never throw anything else.
 */
import * as assert from 'uvu/assert';
import { compileStruct, defaultMaker } from '../../../src/protocol/codec/compile.js';
import { ProtocolError } from '../../../src/protocol/codec/errors.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { inVersions } from '../../../src/protocol/codec/versions.js';
import { Writer } from '../../../src/protocol/codec/writer.js';
import type { ApiSpec, FieldSpec, PrimitiveKind, StructSpec } from '../../../src/protocol/schema.js';

type Obj = Record<string, unknown>;

/** A small deterministic generator (mulberry32), so failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['', 'a', 'topic-1', 'grüße', '日本語', 'x'.repeat(40), '__consumer_offsets'];

function randomPrimitive(kind: PrimitiveKind, rand: () => number): unknown {
  const int = (bits: number) => Math.floor(rand() * 2 ** bits) - 2 ** (bits - 1);
  switch (kind) {
    case 'int8':
      return int(8);
    case 'int16':
      return int(16);
    case 'uint16':
      return Math.floor(rand() * 65536);
    case 'int32':
      return int(32);
    case 'uint32':
      return Math.floor(rand() * 2 ** 32);
    case 'int64':
      return rand() < 0.2 ? -1 : Math.floor((rand() - 0.5) * 2 ** 53);
    case 'float64':
      return (rand() - 0.5) * 1e6;
    case 'bool':
      return rand() < 0.5;
    case 'uuid': {
      const b = Buffer.alloc(16);
      for (let i = 0; i < 16; i++) b[i] = Math.floor(rand() * 256);
      const h = b.toString('hex');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    }
    case 'string':
      return WORDS[Math.floor(rand() * WORDS.length)]!;
    case 'bytes':
    case 'records': {
      const n = Math.floor(rand() * 20);
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
      return b;
    }
  }
}

/** A random value of a struct at one version, with absent fields at their defaults. */
export function randomStruct(spec: StructSpec, version: number, flexible: boolean, rand: () => number): Obj {
  const out: Obj = {};
  for (const [name, field] of Object.entries(spec)) {
    out[name] = inVersions(field.versions, version)
      ? randomField(field, version, flexible, rand)
      : defaultMaker(field, version, flexible)();
  }
  return out;
}

function randomField(field: FieldSpec, version: number, flexible: boolean, rand: () => number): unknown {
  if (inVersions(field.nullable, version) && rand() < 0.2) return null;
  if (field.tag !== undefined && inVersions(field.tagged, version) && rand() < 0.3) {
    return defaultMaker(field, version, flexible)();
  }
  if (field.kind === 'array') {
    const n = Math.floor(rand() * 4);
    const a: unknown[] = [];
    for (let i = 0; i < n; i++) {
      a.push(field.items === 'struct' ? randomStruct(field.fields!, version, flexible, rand) : randomPrimitive(field.items!, rand));
    }
    return a;
  }
  if (field.kind === 'struct') return randomStruct(field.fields!, version, flexible, rand);
  return randomPrimitive(field.kind, rand);
}

function encode(spec: StructSpec, version: number, flexible: boolean, value: Obj): Buffer {
  const w = new Writer(16);
  compileStruct(spec, version, flexible).encode(w, value);
  return Buffer.from(w.finish());
}

function decode(spec: StructSpec, version: number, flexible: boolean, bytes: Buffer): Obj {
  const r = new Reader(bytes);
  const v = compileStruct(spec, version, flexible).decode(r);
  r.ensureGood('message');
  if (r.remaining !== 0) throw new ProtocolError(`${r.remaining} bytes left over`);
  return v;
}

/**
 * For every version of the API, request and response: `samples` random values round-trip
 * through encode and decode unchanged, and re-encode to the same bytes.
 */
export function assertRoundTrips(api: ApiSpec, samples = 25, seed = api.key + 1): void {
  const rand = rng(seed);
  for (let version = api.lowest; version <= api.highest; version++) {
    const flexible = inVersions(api.flexible, version);
    for (const [side, spec] of [
      ['request', api.request],
      ['response', api.response],
    ] as const) {
      for (let i = 0; i < samples; i++) {
        const value = randomStruct(spec, version, flexible, rand);
        const bytes = encode(spec, version, flexible, value);
        const back = decode(spec, version, flexible, bytes);
        assert.equal(back, value, `${api.name} v${version} ${side} sample ${i}`);
        assert.ok(encode(spec, version, flexible, back).equals(bytes), `${api.name} v${version} ${side} re-encodes`);
      }
    }
  }
}

/**
 * For every version: every strict prefix of a valid encoding is refused with ProtocolError,
 * and random byte corruptions decode or throw ProtocolError, never anything else.
 */
export function assertRefusesMalformed(api: ApiSpec, seed = api.key + 101): void {
  const rand = rng(seed);
  for (let version = api.lowest; version <= api.highest; version++) {
    const flexible = inVersions(api.flexible, version);
    for (const spec of [api.request, api.response]) {
      const bytes = encode(spec, version, flexible, randomStruct(spec, version, flexible, rand));
      for (let cut = 0; cut < bytes.length; cut++) {
        assert.throws(
          () => decode(spec, version, flexible, bytes.subarray(0, cut)),
          (e: unknown) => e instanceof ProtocolError,
          `${api.name} v${version}: prefix of ${cut}/${bytes.length} bytes`,
        );
      }
      for (let i = 0; i < 50 && bytes.length > 0; i++) {
        const bad = Buffer.from(bytes);
        const flips = 1 + Math.floor(rand() * 3);
        for (let k = 0; k < flips; k++) bad[Math.floor(rand() * bad.length)] = Math.floor(rand() * 256);
        try {
          decode(spec, version, flexible, bad);
        } catch (e) {
          if (!(e instanceof ProtocolError)) throw e;
        }
      }
    }
  }
}
