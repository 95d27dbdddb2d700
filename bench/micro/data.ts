/**
 * Realistic benchmark payloads, made the same way on every run (fixed seed): JSON-ish records
 * of about 1 KiB, like the events people put in Kafka, so codecs see typical redundancy.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];

/** One JSON record of exactly `size` bytes. */
export function jsonRecord(rand: () => number, size: number): Buffer {
  const parts: string[] = [];
  let text = '';
  for (let i = 0; text.length < size; i++) {
    const word = WORDS[Math.floor(rand() * WORDS.length)]!;
    parts.push(`"f${i}":"${word}-${Math.floor(rand() * 1e6)}"`, `"n${i}":${Math.floor(rand() * 1e9)}`);
    text = `{${parts.join(',')}}`;
  }
  return Buffer.from(text.slice(0, size));
}

/** `count` records of `size` bytes, concatenated or as a list. */
export function jsonRecords(count: number, size: number, seed = 42): Buffer[] {
  const rand = seededRandom(seed);
  return Array.from({ length: count }, () => jsonRecord(rand, size));
}
