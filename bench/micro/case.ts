/**
 * What a microbenchmark module exports: named cases, each processing `bytes` bytes per call,
 * so the runner can turn tinybench's operations per second into MB/s.
 */
export interface MicroCase {
  /** Group the case belongs to ("crc32c", "codec gzip"). */
  group: string;
  name: string;
  /** Bytes processed by one call of fn. */
  bytes: number;
  fn: () => unknown;
}
