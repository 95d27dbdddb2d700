/**
 * A small HdrHistogram: latencies recorded as integer microseconds with three significant
 * digits, from 1 µs to 2^32 - 1 µs (about 71 minutes), in a fixed array of counts.
 *
 * Written here rather than taken from `hdr-histogram-js` because the harness needs only record,
 * merge across threads and percentiles, and a dependency (with its optional WebAssembly build)
 * would be more code than this file. The layout is HdrHistogram's, so percentiles agree with
 * Kafka's and wrk2's tools to the same precision:
 *
 *   bucket 0          values 0 .. 2047, one count per value        (sub-buckets 0 .. 2047)
 *   bucket b ≥ 1      values 1024·2^b .. 2048·2^b - 1, in 1024 steps of 2^b
 *   counts index      (b + 1)·1024 + (subBucket - 1024), bucket 0 using the first 2048 slots
 *
 * With 2048 sub-buckets the error of any value is below 1/1024 < 0.1% (three significant
 * digits). 22 buckets cover 2^32, so the counts array has (22 + 1)·1024 = 23,552 slots (184 KiB
 * as float64, which holds counts to 2^53 exactly).
 *
 * Exact minimum, maximum and sum are kept beside the buckets, so avg and max are not rounded.
 * A snapshot is plain data (a Float64Array and four numbers): it crosses `postMessage` with the
 * array transferred, and `merge` adds one histogram into another. One thread per instance.
 */

/** Sub-buckets per bucket: 2^11, the smallest power of two above 2·10^3 (three digits). */
const SUB_BUCKET_COUNT_MAGNITUDE = 11;
const SUB_BUCKET_COUNT = 1 << SUB_BUCKET_COUNT_MAGNITUDE;
const SUB_BUCKET_HALF_COUNT_MAGNITUDE = SUB_BUCKET_COUNT_MAGNITUDE - 1;
const SUB_BUCKET_HALF_COUNT = SUB_BUCKET_COUNT >> 1;
const SUB_BUCKET_MASK = SUB_BUCKET_COUNT - 1;
/** Largest value tracked: values above it are clamped to it (and counted in `clamped`). */
export const HISTOGRAM_MAX_VALUE = 0xffffffff;
/** Buckets needed to reach 2^32: bucket b tops out at 2048·2^b, so b = 21 is the last. */
const BUCKET_COUNT = 22;
const COUNTS_LENGTH = (BUCKET_COUNT + 1) << SUB_BUCKET_HALF_COUNT_MAGNITUDE;
/** 32 - unitMagnitude (0) - halfCountMagnitude (10) - 1, for Math.clz32. */
const LEADING_ZERO_COUNT_BASE = 32 - SUB_BUCKET_HALF_COUNT_MAGNITUDE - 1;

export interface HistogramSnapshot {
  counts: Float64Array;
  totalCount: number;
  min: number;
  max: number;
  sum: number;
  clamped: number;
}

export interface LatencySummaryMs {
  count: number;
  avg: number;
  max: number;
  p50: number;
  p95: number;
  p99: number;
  p999: number;
}

function bucketIndexOf(value: number): number {
  return LEADING_ZERO_COUNT_BASE - Math.clz32(value | SUB_BUCKET_MASK);
}

function countsIndexOf(value: number): number {
  const bucket = bucketIndexOf(value);
  const sub = value >>> bucket;
  return ((bucket + 1) << SUB_BUCKET_HALF_COUNT_MAGNITUDE) + (sub - SUB_BUCKET_HALF_COUNT);
}

/** The highest value that lands in the same slot as the lowest value of slot `index`. */
function highestEquivalentAt(index: number): number {
  let bucket = (index >> SUB_BUCKET_HALF_COUNT_MAGNITUDE) - 1;
  let sub = (index & (SUB_BUCKET_HALF_COUNT - 1)) + SUB_BUCKET_HALF_COUNT;
  if (bucket < 0) {
    sub -= SUB_BUCKET_HALF_COUNT;
    bucket = 0;
  }
  const lowest = sub * 2 ** bucket;
  return lowest + 2 ** bucket - 1;
}

export class HdrHistogram {
  private counts: Float64Array;
  totalCount = 0;
  min = Infinity;
  max = 0;
  sum = 0;
  /** Values above HISTOGRAM_MAX_VALUE, recorded as the maximum. */
  clamped = 0;

  constructor(counts?: Float64Array) {
    if (counts && counts.length !== COUNTS_LENGTH) throw new RangeError(`histogram counts must have ${COUNTS_LENGTH} slots, not ${counts.length}`);
    this.counts = counts ?? new Float64Array(COUNTS_LENGTH);
  }

  /** Records `count` occurrences of `value` (a non-negative number, rounded to an integer). */
  record(value: number, count = 1): void {
    let v = Math.round(value);
    if (!(v >= 0)) v = 0; // negative or NaN: a clock step; count it at zero rather than lose it
    if (v > HISTOGRAM_MAX_VALUE) {
      v = HISTOGRAM_MAX_VALUE;
      this.clamped += count;
    }
    this.counts[countsIndexOf(v)]! += count;
    this.totalCount += count;
    this.sum += v * count;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  merge(other: HdrHistogram | HistogramSnapshot): void {
    const counts = other instanceof HdrHistogram ? other.counts : other.counts;
    for (let i = 0; i < COUNTS_LENGTH; i++) if (counts[i]) this.counts[i]! += counts[i]!;
    this.totalCount += other.totalCount;
    this.sum += other.sum;
    this.clamped += other.clamped;
    if (other.totalCount > 0) {
      this.min = Math.min(this.min, other.min);
      this.max = Math.max(this.max, other.max);
    }
  }

  /**
   * The value at or below which `percentile` percent of the recorded values fall, as the
   * highest value equivalent to the slot (HdrHistogram's convention), never above the exact max.
   */
  valueAtPercentile(percentile: number): number {
    if (this.totalCount === 0) return NaN;
    const wanted = Math.max(1, Math.ceil((Math.min(100, percentile) / 100) * this.totalCount));
    let seen = 0;
    for (let i = 0; i < COUNTS_LENGTH; i++) {
      seen += this.counts[i]!;
      if (seen >= wanted) return Math.min(this.max, highestEquivalentAt(i));
    }
    return this.max;
  }

  mean(): number {
    return this.totalCount ? this.sum / this.totalCount : NaN;
  }

  /** The Kafka tools' latency columns, converted from recorded microseconds to milliseconds. */
  summaryMs(): LatencySummaryMs {
    const ms = (us: number): number => us / 1000;
    return {
      count: this.totalCount,
      avg: ms(this.mean()),
      max: this.totalCount ? ms(this.max) : NaN,
      p50: ms(this.valueAtPercentile(50)),
      p95: ms(this.valueAtPercentile(95)),
      p99: ms(this.valueAtPercentile(99)),
      p999: ms(this.valueAtPercentile(99.9)),
    };
  }

  /** Plain data for postMessage; the counts array is shared, so transfer it or copy first. */
  snapshot(): HistogramSnapshot {
    return { counts: this.counts, totalCount: this.totalCount, min: this.min, max: this.max, sum: this.sum, clamped: this.clamped };
  }

  static fromSnapshot(s: HistogramSnapshot): HdrHistogram {
    const h = new HdrHistogram(s.counts);
    h.totalCount = s.totalCount;
    h.min = s.min;
    h.max = s.max;
    h.sum = s.sum;
    h.clamped = s.clamped;
    return h;
  }
}
