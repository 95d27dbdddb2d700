/**
 * Checkpoint files in Kafka's text format, written atomically.
 *
 *   0                      ← format version
 *   1                      ← number of entries
 *   orders 3 1234          ← topic, partition, offset
 *
 * A checkpoint is written to `<file>.tmp`, fsynced, renamed over the old file and the directory
 * fsynced, so a crash leaves either the old or the new checkpoint, never a torn one. A missing
 * or unreadable checkpoint reads as "no value": recovery then starts from the beginning, which is
 * slower but never loses data. While serving, partition logs write theirs on the thread pool
 * (`checkpointBytes` with fs.ts's writeFileDurably); `writeCheckpoint` does it on the calling
 * thread, for shutdown.
 */
import { fsio, syncDirectorySync, writeFileDurablySync } from './fs.js';

export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
/** Cluster mode: the replica's high watermark (Kafka keeps one such file per log directory; Spindle one per partition, as its others). */
export const REPLICATION_OFFSET_CHECKPOINT = 'replication-offset-checkpoint';

export interface CheckpointEntry {
  topic: string;
  partition: number;
  offset: number;
}

/** The file's bytes in Kafka's format. */
export function checkpointBytes(entries: CheckpointEntry[]): Buffer {
  return Buffer.from(`0\n${entries.length}\n${entries.map((e) => `${e.topic} ${e.partition} ${e.offset}`).join('\n')}${entries.length ? '\n' : ''}`);
}

export function writeCheckpoint(path: string, entries: CheckpointEntry[]): void {
  writeFileDurablySync(path, checkpointBytes(entries));
}

export function readCheckpoint(path: string): CheckpointEntry[] | undefined {
  if (!fsio.existsSync(path)) return undefined;
  const lines = fsio.readFileSync(path).toString('utf8').split('\n').filter((l) => l.length > 0);
  if (lines[0] !== '0') return undefined;
  const count = Number(lines[1]);
  if (!Number.isInteger(count) || lines.length !== count + 2) return undefined;
  const out: CheckpointEntry[] = [];
  for (const line of lines.slice(2)) {
    const parts = line.split(' ');
    if (parts.length !== 3) return undefined;
    const [topic, partition, offset] = parts as [string, string, string];
    if (!/^\d+$/.test(partition) || !/^-?\d+$/.test(offset)) return undefined;
    out.push({ topic, partition: Number(partition), offset: Number(offset) });
  }
  return out;
}

/** fsync of a directory on the calling thread (fs.ts); kept under its old name for the broker's own files. */
export const syncDirectory = syncDirectorySync;
