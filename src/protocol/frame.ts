/**
 * Whole messages: a header and a body, framed by a 4-byte big-endian size as on the wire.
 *
 *   ┌────────────┬────────────────────┬──────────────────────────────┐
 *   │ size int32 │ header (header.ts) │ body (messages/NN-name.ts)   │
 *   └────────────┴────────────────────┴──────────────────────────────┘
 *
 * The functions here take and return the bytes after the size prefix ("the frame") when
 * decoding, and produce whole prefixed messages when encoding. Decoding never copies record
 * data: `records` fields are slices of the frame, valid as long as the frame is.
 *
 * No I/O here; any thread may call these.
 */
import { compileStruct } from './codec/compile.js';
import { ProtocolError } from './codec/errors.js';
import { Reader } from './codec/reader.js';
import { ExternalBytes, Writer } from './codec/writer.js';
import {
  type RequestHeader,
  isFlexible,
  requestHeaderCodec,
  requestHeaderVersion,
  responseHeaderCodec,
  responseHeaderVersion,
} from './header.js';
import type { ApiSpec, StructSpec } from './schema.js';

type Obj = Record<string, unknown>;

export interface DecodedRequestHeader {
  header: RequestHeader;
  /** Where the body starts within the frame. */
  bodyOffset: number;
}

/**
 * Reads the request header. `api` is the declaration for the header's API key, or undefined
 * when the broker does not know the key; the header version then cannot be known, and only
 * the first three fields are read.
 */
export function decodeRequestHeader(frame: Buffer, lookup: (apiKey: number) => ApiSpec | undefined): DecodedRequestHeader & { api: ApiSpec | undefined } {
  const r = new Reader(frame);
  const apiKey = r.int16();
  const apiVersion = r.int16();
  r.ensureGood('request header');
  const api = lookup(apiKey);
  r.pos = 0;
  const supported = api !== undefined && apiVersion >= api.lowest && apiVersion <= api.highest;
  const headerVersion = supported ? requestHeaderVersion(api, apiVersion) : 1;
  const header = requestHeaderCodec(headerVersion).decode(r) as RequestHeader;
  r.ensureGood('request header');
  return { header, bodyOffset: r.pos, api };
}

export function decodeBody(spec: StructSpec, api: ApiSpec, version: number, frame: Buffer, offset: number, what: string): Obj {
  if (version < api.lowest || version > api.highest) throw new ProtocolError(`${api.name} v${version} is not supported`);
  const r = new Reader(frame, offset);
  const body = compileStruct(spec, version, isFlexible(api, version)).decode(r);
  r.ensureGood(`${api.name} v${version} ${what}`);
  if (r.remaining !== 0) throw new ProtocolError(`${api.name} v${version} ${what} has ${r.remaining} bytes past its end`);
  return body;
}

export function encodeRequest(
  api: ApiSpec,
  version: number,
  correlationId: number,
  clientId: string | null,
  body: Obj,
  w = new Writer(256),
): Buffer {
  const start = w.reserve(4);
  requestHeaderCodec(requestHeaderVersion(api, version)).encode(w, {
    requestApiKey: api.key,
    requestApiVersion: version,
    correlationId,
    clientId,
  });
  compileStruct(api.request, version, isFlexible(api, version)).encode(w, body);
  w.buf.writeInt32BE(w.pos - start - 4, start);
  return w.buf.subarray(start, w.pos);
}

export function encodeResponse(api: ApiSpec, version: number, correlationId: number, body: Obj, w = new Writer(256)): Buffer {
  const start = w.reserve(4);
  responseHeaderCodec(responseHeaderVersion(api, version)).encode(w, { correlationId });
  compileStruct(api.response, version, isFlexible(api, version)).encode(w, body);
  w.buf.writeInt32BE(w.pos - start - 4, start);
  return w.buf.subarray(start, w.pos);
}

/** Decodes a response frame (after the size prefix); returns the correlation id and body. */
export function decodeResponse(api: ApiSpec, version: number, frame: Buffer): { correlationId: number; body: Obj } {
  const r = new Reader(frame);
  const { correlationId } = responseHeaderCodec(responseHeaderVersion(api, version)).decode(r) as { correlationId: number };
  r.ensureGood(`${api.name} response header`);
  return { correlationId, body: decodeBody(api.response, api, version, frame, r.pos, 'response') };
}

export function decodeRequest(api: ApiSpec, version: number, frame: Buffer, bodyOffset: number): Obj {
  return decodeBody(api.request, api, version, frame, bodyOffset, 'request');
}

/**
 * Encodes a response whose records fields may be ExternalBytes: the result alternates encoded
 * byte ranges and the external ranges to send between them, and the size prefix counts both.
 */
export function encodeResponseParts(api: ApiSpec, version: number, correlationId: number, body: Obj, w = new Writer(256)): (Buffer | ExternalBytes)[] {
  w.externals = [];
  const start = w.reserve(4);
  responseHeaderCodec(responseHeaderVersion(api, version)).encode(w, { correlationId });
  compileStruct(api.response, version, isFlexible(api, version)).encode(w, body);
  let external = 0;
  for (const e of w.externals) external += e.bytes.length;
  w.buf.writeInt32BE(w.pos - start - 4 + external, start);
  const parts: (Buffer | ExternalBytes)[] = [];
  let from = start;
  for (const e of w.externals) {
    if (e.at > from) parts.push(w.buf.subarray(from, e.at));
    parts.push(e.bytes);
    from = e.at;
  }
  if (w.pos > from) parts.push(w.buf.subarray(from, w.pos));
  w.externals = [];
  return parts;
}
