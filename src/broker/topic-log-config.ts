/**
 * From a topic's effective configuration (Kafka's topic-level names, resolved by
 * config/load.ts) to the storage engine's LogConfig. Kafka writes "never" as Long.MAX_VALUE;
 * the engine says Infinity.
 */
import type { LogConfig } from '../core/log-config.js';
import type { TopicConfigValues } from './config/keys.js';

const never = (v: number): number => (v >= 2 ** 62 ? Infinity : v);

export function logConfigFor(t: TopicConfigValues): LogConfig {
  return {
    segmentBytes: t['segment.bytes'],
    segmentMs: never(t['segment.ms']),
    segmentJitterMs: t['segment.jitter.ms'],
    segmentIndexBytes: t['segment.index.bytes'],
    indexIntervalBytes: t['index.interval.bytes'],
    retentionMs: t['retention.ms'] < 0 ? -1 : never(t['retention.ms']),
    retentionBytes: t['retention.bytes'],
    fileDeleteDelayMs: t['file.delete.delay.ms'],
    flushMessages: never(t['flush.messages']),
    flushMs: never(t['flush.ms']),
    maxMessageBytes: t['max.message.bytes'],
    messageTimestampType: t['message.timestamp.type'] === 'LogAppendTime' ? 'LogAppendTime' : 'CreateTime',
    messageTimestampBeforeMaxMs: never(t['message.timestamp.before.max.ms']),
    messageTimestampAfterMaxMs: never(t['message.timestamp.after.max.ms']),
    cleanupPolicy: (t['cleanup.policy'] as readonly string[]).filter((p): p is 'delete' | 'compact' => p === 'delete' || p === 'compact'),
    deleteRetentionMs: t['delete.retention.ms'],
    minCleanableDirtyRatio: t['min.cleanable.dirty.ratio'],
    minCompactionLagMs: t['min.compaction.lag.ms'],
    maxCompactionLagMs: never(t['max.compaction.lag.ms']),
  };
}
