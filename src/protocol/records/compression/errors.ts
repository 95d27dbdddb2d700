/**
 * The error every codec throws for compressed data it refuses: malformed, truncated, failing a
 * checksum, or decompressing past a limit (limits.ts). The message starts with the codec's name.
 * Record validation (validate.ts) answers it with CORRUPT_MESSAGE; anything else a codec throws
 * is a bug.
 */
export class StreamError extends Error {
  override readonly name = 'StreamError';
}

/** Throws a StreamError for `codec`. */
export function streamFail(codec: string, why: string): never {
  throw new StreamError(`${codec}: ${why}`);
}
