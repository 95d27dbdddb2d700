/**
 * The generic codec: turns a struct declaration (schema.ts) into a decoder and an encoder for
 * one version, once. Each compiled codec is a flat list of per-field steps chosen for that
 * version (present or absent, compact or not, nullable or not, tagged or not), so decoding
 * and encoding never test a version range per field.
 *
 * Flexible versions (KIP-482) use compact lengths (unsigned varint of length + 1, 0 for null)
 * and end every struct with a tagged-field section: a count, then (tag, size, bytes) for each
 * field whose value differs from its default, in increasing tag order. Tags the declaration
 * does not know are kept in `_unknownTaggedFields` and written back unchanged.
 *
 * Compiled codecs are cached per (declaration, version) and shared; they hold no state between
 * calls, so any thread may use them.
 */
import { isDeepStrictEqual } from 'node:util';
import type { FieldSpec, PrimitiveKind, StructSpec, UnknownTaggedField } from '../schema.js';
import { EMPTY, Reader, ZERO_UUID } from './reader.js';
import { inVersions } from './versions.js';
import { ExternalBytes, Writer } from './writer.js';

type Obj = Record<string, unknown>;
type ReadStep = (r: Reader) => unknown;
type WriteStep = (w: Writer, v: unknown) => void;

export interface StructCodec {
  decode(r: Reader): Obj;
  encode(w: Writer, value: Obj): void;
}

interface FieldPlan {
  name: string;
  read: ReadStep;
  write: WriteStep;
  makeDefault: () => unknown;
}

interface TaggedPlan extends FieldPlan {
  tag: number;
  isDefault: (v: unknown) => boolean;
}

const cache = new WeakMap<StructSpec, Map<number, StructCodec>>();

/** The codec for a struct at one version; `flexible` says whether that version is flexible. */
export function compileStruct(spec: StructSpec, version: number, flexible: boolean): StructCodec {
  let byVersion = cache.get(spec);
  if (!byVersion) cache.set(spec, (byVersion = new Map()));
  const key = version * 2 + (flexible ? 1 : 0);
  let codec = byVersion.get(key);
  if (!codec) byVersion.set(key, (codec = build(spec, version, flexible)));
  return codec;
}

function build(spec: StructSpec, version: number, flexible: boolean): StructCodec {
  const regular: FieldPlan[] = [];
  const tagged: TaggedPlan[] = [];
  const absent: { name: string; makeDefault: () => unknown }[] = [];

  for (const [name, field] of Object.entries(spec)) {
    const makeDefault = defaultMaker(field, version, flexible);
    if (!inVersions(field.versions, version)) {
      absent.push({ name, makeDefault });
      continue;
    }
    const nullable = inVersions(field.nullable, version);
    const compact = flexible && !field.neverCompact;
    const plan = { name, makeDefault, ...steps(field, name, version, flexible, nullable, compact) };
    if (flexible && field.tag !== undefined && inVersions(field.tagged, version)) {
      const dflt = makeDefault();
      tagged.push({ ...plan, tag: field.tag, isDefault: (v) => isDeepStrictEqual(v, dflt) });
    } else {
      regular.push(plan);
    }
  }
  tagged.sort((a, b) => a.tag - b.tag);
  const taggedByTag = new Map(tagged.map((t) => [t.tag, t]));

  const decode = (r: Reader): Obj => {
    const out: Obj = {};
    for (const f of regular) out[f.name] = f.read(r);
    for (const f of absent) out[f.name] = f.makeDefault();
    if (flexible) {
      for (const f of tagged) out[f.name] = f.makeDefault();
      const count = r.count(r.uvarint());
      let previous = -1;
      for (let i = 0; i < count && !r.bad; i++) {
        const tag = r.uvarint();
        const size = r.uvarint();
        if (tag <= previous) r.fail(`tagged field ${tag} out of order`);
        previous = tag;
        const data = r.slice(size);
        if (r.bad) break;
        const known = taggedByTag.get(tag);
        if (known) {
          const sub = new Reader(data);
          out[known.name] = known.read(sub);
          if (sub.bad || sub.remaining !== 0) r.fail(`tagged field ${tag} (${known.name}) is malformed`);
        } else {
          const unknown = (out._unknownTaggedFields ??= []) as UnknownTaggedField[];
          unknown.push({ tag, data });
        }
      }
    }
    return out;
  };

  const encode = (w: Writer, value: Obj): void => {
    for (const f of regular) {
      const v = value[f.name];
      f.write(w, v === undefined ? f.makeDefault() : v);
    }
    if (!flexible) return;
    const unknown = value._unknownTaggedFields as UnknownTaggedField[] | undefined;
    if (tagged.length === 0 && !unknown?.length) {
      w.uvarint(0);
      return;
    }
    const out: UnknownTaggedField[] = [];
    for (const f of tagged) {
      const v = value[f.name];
      if (v === undefined || f.isDefault(v)) continue;
      const sub = new Writer(64);
      f.write(sub, v);
      out.push({ tag: f.tag, data: sub.finish() });
    }
    if (unknown) for (const u of unknown) if (!taggedByTag.has(u.tag)) out.push(u);
    out.sort((a, b) => a.tag - b.tag);
    w.uvarint(out.length);
    for (const t of out) {
      w.uvarint(t.tag);
      w.uvarint(t.data.length);
      w.bytes(t.data);
    }
  };

  return { decode, encode };
}

function steps(
  field: FieldSpec,
  name: string,
  version: number,
  flexible: boolean,
  nullable: boolean,
  compact: boolean,
): { read: ReadStep; write: WriteStep } {
  if (field.kind === 'array') {
    let readItem: ReadStep;
    let writeItem: WriteStep;
    if (field.items === 'struct') {
      const sub = compileStruct(field.fields!, version, flexible);
      readItem = sub.decode;
      writeItem = sub.encode as WriteStep;
    } else {
      ({ read: readItem, write: writeItem } = primitiveSteps(field.items!, name, false, compact));
    }
    return {
      read: (r) => {
        const n = compact ? r.uvarint() - 1 : r.int32();
        if (n < 0) {
          if (n === -1 && nullable) return null;
          r.fail(`${name}: array length ${n}`);
          return [];
        }
        const len = r.count(n);
        const out = new Array(len);
        for (let i = 0; i < len; i++) out[i] = readItem(r);
        return out;
      },
      write: (w, v) => {
        if (v === null) {
          if (!nullable) throw new TypeError(`${name} is not nullable in version ${version}`);
          if (compact) w.uvarint(0);
          else w.int32(-1);
          return;
        }
        const a = v as unknown[];
        if (compact) w.uvarint(a.length + 1);
        else w.int32(a.length);
        for (const item of a) writeItem(w, item);
      },
    };
  }
  if (field.kind === 'struct') {
    const sub = compileStruct(field.fields!, version, flexible);
    if (!nullable) return { read: sub.decode, write: sub.encode as WriteStep };
    // A nullable struct is preceded by an int8: -1 for null, 1 for present.
    return {
      read: (r) => (r.int8() < 0 ? null : sub.decode(r)),
      write: (w, v) => {
        if (v === null) w.int8(-1);
        else {
          w.int8(1);
          sub.encode(w, v as Obj);
        }
      },
    };
  }
  return primitiveSteps(field.kind, name, nullable, compact);
}

function primitiveSteps(kind: PrimitiveKind, name: string, nullable: boolean, compact: boolean): { read: ReadStep; write: WriteStep } {
  switch (kind) {
    case 'int8':
      return { read: (r) => r.int8(), write: (w, v) => w.int8(v as number) };
    case 'int16':
      return { read: (r) => r.int16(), write: (w, v) => w.int16(v as number) };
    case 'uint16':
      return { read: (r) => r.uint16(), write: (w, v) => w.uint16(v as number) };
    case 'int32':
      return { read: (r) => r.int32(), write: (w, v) => w.int32(v as number) };
    case 'uint32':
      return { read: (r) => r.uint32(), write: (w, v) => w.uint32(v as number) };
    case 'int64':
      return { read: (r) => r.int64(), write: (w, v) => w.int64(v as number) };
    case 'float64':
      return { read: (r) => r.float64(), write: (w, v) => w.float64(v as number) };
    case 'bool':
      return { read: (r) => r.bool(), write: (w, v) => w.bool(v as boolean) };
    case 'uuid':
      return { read: (r) => r.uuid(), write: (w, v) => w.uuid(v as string) };
    case 'string':
      return {
        read: (r) => {
          const n = compact ? r.uvarint() - 1 : r.int16();
          if (n < 0) return nullMarker(r, name, n, nullable, '');
          return r.utf8(n);
        },
        write: (w, v) => {
          if (v === null) return writeNull(w, name, nullable, compact, 2);
          const s = v as string;
          const n = Buffer.byteLength(s, 'utf8');
          if (compact) w.uvarint(n + 1);
          else {
            if (n > 0x7fff) throw new RangeError(`${name}: string of ${n} bytes is longer than int16 allows`);
            w.int16(n);
          }
          w.utf8(s, n);
        },
      };
    case 'bytes':
    case 'records':
      return {
        read: (r) => {
          const n = compact ? r.uvarint() - 1 : r.int32();
          if (n < 0) return nullMarker(r, name, n, nullable, EMPTY);
          return r.slice(n);
        },
        write: (w, v) => {
          if (v === null) return writeNull(w, name, nullable, compact, 4);
          if (v instanceof ExternalBytes) {
            if (compact) w.uvarint(v.length + 1);
            else w.int32(v.length);
            w.externals.push({ at: w.pos, bytes: v });
            return;
          }
          const b = v as Uint8Array;
          if (compact) w.uvarint(b.length + 1);
          else w.int32(b.length);
          w.bytes(b);
        },
      };
  }
}

function nullMarker<T>(r: Reader, name: string, n: number, nullable: boolean, empty: T): T | null {
  if (n === -1 && nullable) return null;
  r.fail(`${name}: length ${n}${n === -1 ? ' (null) in a non-nullable field' : ''}`);
  return empty;
}

function writeNull(w: Writer, name: string, nullable: boolean, compact: boolean, width: 2 | 4): void {
  if (!nullable) throw new TypeError(`${name} is not nullable here`);
  if (compact) w.uvarint(0);
  else if (width === 2) w.int16(-1);
  else w.int32(-1);
}

export function defaultMaker(field: FieldSpec, version: number, flexible: boolean): () => unknown {
  if (field.default !== undefined) {
    const d = field.default;
    return d !== null && typeof d === 'object' ? () => structuredClone(d) : () => d;
  }
  switch (field.kind) {
    case 'array':
      return () => [];
    case 'struct': {
      const spec = field.fields!;
      return () => {
        const out: Obj = {};
        for (const [n, f] of Object.entries(spec)) out[n] = defaultMaker(f, version, flexible)();
        return out;
      };
    }
    case 'bool':
      return () => false;
    case 'uuid':
      return () => ZERO_UUID;
    case 'string':
      return () => '';
    case 'bytes':
      return () => EMPTY;
    case 'records':
      return () => null;
    default:
      return () => 0;
  }
}
