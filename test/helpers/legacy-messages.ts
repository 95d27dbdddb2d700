/**
 * Message sets of magic 0 and 1, the record data of Produce v0-2, built by hand for the tests of
 * their conversion.
 */
import { crc32 } from 'node:zlib';

export interface LegacyMessage {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  /** Magic 1 only; default 0. */
  timestamp?: number;
  /** Bits 0-2 the codec, bit 3 LogAppendTime (magic 1). */
  attributes?: number;
  /** The entry's offset field; default the message's index. */
  offset?: number;
}

const bytes = (v: Buffer | string | null | undefined): Buffer | null => (v === null || v === undefined ? null : typeof v === 'string' ? Buffer.from(v) : v);

function lengthPrefixed(b: Buffer | null): Buffer {
  const len = Buffer.alloc(4);
  len.writeInt32BE(b === null ? -1 : b.length);
  return b === null ? len : Buffer.concat([len, b]);
}

/** One message of `magic`, with its offset and size fields: an entry of a message set. */
export function legacyEntry(magic: 0 | 1, m: LegacyMessage, index = 0): Buffer {
  const head = Buffer.alloc(magic === 1 ? 10 : 2);
  head.writeInt8(magic, 0);
  head.writeInt8(m.attributes ?? 0, 1);
  if (magic === 1) head.writeBigInt64BE(BigInt(m.timestamp ?? 0), 2);
  const body = Buffer.concat([head, lengthPrefixed(bytes(m.key)), lengthPrefixed(bytes(m.value))]);
  const entry = Buffer.alloc(16);
  entry.writeBigInt64BE(BigInt(m.offset ?? index), 0);
  entry.writeInt32BE(4 + body.length, 8);
  entry.writeUInt32BE(crc32(body), 12);
  return Buffer.concat([entry, body]);
}

export function legacySet(magic: 0 | 1, messages: LegacyMessage[]): Buffer {
  return Buffer.concat(messages.map((m, i) => legacyEntry(magic, m, i)));
}
