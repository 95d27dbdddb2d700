/**
 * Kafka's key hash: the 32-bit MurmurHash2 variant of the Java client (Utils.murmur2, seed
 * 0x9747b28c), and the default partitioner's use of it:
 *
 *   partition = toPositive(murmur2(keyBytes)) % numPartitions,   toPositive(n) = n & 0x7fffffff
 *
 * librdkafka calls the same function `murmur2_random` (random only for null keys), so a key
 * lands in the same partition from the Java client, librdkafka, kcat and Spindle's producer.
 *
 * The hash works on signed 32-bit integers with wrap-around multiplication, hence Math.imul and
 * `| 0` throughout; `>>>` is Java's unsigned shift. Bytes of the tail are mixed in from the
 * highest one down, as the Java switch falls through. Pure functions; any thread.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/** The signed 32-bit hash, equal to Java's `Utils.murmur2(data)`. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const length4 = length >> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i << 2;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  // The Java switch on length % 4 falls through from case 3 to case 1.
  const tail = length & ~3;
  const left = length & 3;
  if (left === 3) h ^= data[tail + 2]! << 16;
  if (left >= 2) h ^= data[tail + 1]! << 8;
  if (left >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Java's `Utils.toPositive`: clears the sign bit (not Math.abs, which differs for MIN_VALUE). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** The partition the Java default partitioner picks for a non-null key. */
export function partitionForKey(key: Uint8Array, numPartitions: number): number {
  if (!(numPartitions > 0)) throw new RangeError(`numPartitions must be positive, got ${numPartitions}`);
  return toPositive(murmur2(key)) % numPartitions;
}
