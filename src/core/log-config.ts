/**
 * The settings one partition log runs with, in the storage engine's own units. The broker maps
 * Kafka's broker keys and per-topic overrides onto this shape (src/broker/config); the engine
 * reads nothing else. Defaults are Kafka's.
 */

export type CleanupPolicy = 'delete' | 'compact';
export type TimestampTypeName = 'CreateTime' | 'LogAppendTime';

export interface LogConfig {
  /** segment.bytes: roll when the active segment would pass this size. */
  segmentBytes: number;
  /** segment.ms: roll when the active segment's first batch is older than this. */
  segmentMs: number;
  /** segment.jitter.ms: at most this much is taken off segmentMs, per segment, to spread rolls. */
  segmentJitterMs: number;
  /** segment.index.bytes: size limit of each index; a full index rolls the segment. */
  segmentIndexBytes: number;
  /** index.interval.bytes: log bytes between index entries. */
  indexIntervalBytes: number;
  /** retention.ms: delete segments whose newest record is older; -1 keeps forever. */
  retentionMs: number;
  /** retention.bytes: delete oldest segments while the log is larger; -1 for no limit. */
  retentionBytes: number;
  /** file.delete.delay.ms: how long a deleted segment's files stay (renamed) for reads in flight. */
  fileDeleteDelayMs: number;
  /** flush.messages: fdatasync after this many records; Infinity leaves it to the OS. */
  flushMessages: number;
  /** flush.ms: fdatasync when the oldest unflushed append is this old; Infinity leaves it to the OS. */
  flushMs: number;
  /** max.message.bytes: the largest record batch accepted. */
  maxMessageBytes: number;
  /** message.timestamp.type */
  messageTimestampType: TimestampTypeName;
  /**
   * message.timestamp.before.max.ms: with CreateTime, how far before the broker's clock a
   * batch's timestamps may be; Infinity for no limit (Kafka's Long.MAX_VALUE default).
   */
  messageTimestampBeforeMaxMs: number;
  /**
   * message.timestamp.after.max.ms: with CreateTime, how far after the broker's clock a
   * batch's timestamps may be; Infinity for no limit (Kafka's Long.MAX_VALUE default).
   */
  messageTimestampAfterMaxMs: number;
  /** cleanup.policy */
  cleanupPolicy: readonly CleanupPolicy[];
  /** delete.retention.ms: how long tombstones survive compaction. */
  deleteRetentionMs: number;
  /** min.cleanable.dirty.ratio */
  minCleanableDirtyRatio: number;
  /** min.compaction.lag.ms */
  minCompactionLagMs: number;
  /** max.compaction.lag.ms */
  maxCompactionLagMs: number;
}

const SEVEN_DAYS_MS = 7 * 24 * 60 * 60 * 1000;

export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: SEVEN_DAYS_MS,
  segmentJitterMs: 0,
  segmentIndexBytes: 10 * 1024 * 1024,
  indexIntervalBytes: 4096,
  retentionMs: SEVEN_DAYS_MS,
  retentionBytes: -1,
  fileDeleteDelayMs: 60_000,
  flushMessages: Infinity,
  flushMs: Infinity,
  maxMessageBytes: 1024 * 1024 + 12,
  messageTimestampType: 'CreateTime',
  messageTimestampBeforeMaxMs: Infinity,
  messageTimestampAfterMaxMs: Infinity,
  cleanupPolicy: Object.freeze(['delete'] as CleanupPolicy[]),
  deleteRetentionMs: 24 * 60 * 60 * 1000,
  minCleanableDirtyRatio: 0.5,
  minCompactionLagMs: 0,
  maxCompactionLagMs: Infinity,
});

export function logConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  return { ...DEFAULT_LOG_CONFIG, ...overrides };
}
