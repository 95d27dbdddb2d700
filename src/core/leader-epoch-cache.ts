/**
 * The leader epoch cache of a replicated partition (KIP-101, KIP-279): for each leader epoch
 * the log has seen, the first offset written in it. It answers OffsetForLeaderEpoch ("where
 * does epoch E end in your log?"), which is how a follower finds the point where its log and
 * the leader's diverge and truncates to it before fetching, so that no replica keeps a record
 * the current leader lacks.
 *
 * The file is Kafka's `leader-epoch-checkpoint`, in each partition directory:
 *
 *   0                 ← format version
 *   2                 ← number of entries
 *   0 0               ← epoch, start offset
 *   3 1250
 *
 * Entries only ever grow in both epoch and start offset. A new entry replaces the entries it
 * contradicts (an epoch at or above it that starts at or after its offset), as Kafka's
 * LeaderEpochFileCache.assign does, so a log truncated and rewritten under a later epoch keeps
 * a cache that describes the bytes on disk.
 *
 * Plain data, no I/O of its own: the owner (PartitionLog) writes `bytes()` with its other
 * checkpoints on its background chain and reads the file at open with `parse`.
 */

export const LEADER_EPOCH_CHECKPOINT = 'leader-epoch-checkpoint';
/** Kafka's UNDEFINED_EPOCH and UNDEFINED_EPOCH_OFFSET. */
export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

export class LeaderEpochCache {
  private entries: EpochEntry[] = [];

  /** Reads the checkpoint's bytes; undefined when they are not a valid version-0 file. */
  static parse(text: string): LeaderEpochCache | undefined {
    const lines = text.split('\n').filter((l) => l.length > 0);
    if (lines[0] !== '0') return undefined;
    const count = Number(lines[1]);
    if (!Number.isInteger(count) || count < 0 || lines.length !== count + 2) return undefined;
    const cache = new LeaderEpochCache();
    for (const line of lines.slice(2)) {
      const m = /^(\d+) (\d+)$/.exec(line);
      if (!m) return undefined;
      const entry = { epoch: Number(m[1]), startOffset: Number(m[2]) };
      const last = cache.entries[cache.entries.length - 1];
      if (last && (entry.epoch <= last.epoch || entry.startOffset < last.startOffset)) return undefined;
      cache.entries.push(entry);
    }
    return cache;
  }

  bytes(): Buffer {
    return Buffer.from(`0\n${this.entries.length}\n${this.entries.map((e) => `${e.epoch} ${e.startOffset}\n`).join('')}`);
  }

  get latestEpoch(): number {
    return this.entries[this.entries.length - 1]?.epoch ?? UNDEFINED_EPOCH;
  }

  get size(): number {
    return this.entries.length;
  }

  list(): readonly EpochEntry[] {
    return this.entries;
  }

  /**
   * Records that `epoch` starts at `startOffset`; false when that changes nothing (the epoch
   * is already known, or older than the latest). A later epoch starting at or before the start
   * of entries already there replaces them: they described records since truncated.
   */
  assign(epoch: number, startOffset: number): boolean {
    if (epoch < 0 || startOffset < 0) return false;
    const last = this.entries[this.entries.length - 1];
    if (last && epoch <= last.epoch) return false;
    while (this.entries.length > 0 && this.entries[this.entries.length - 1]!.startOffset >= startOffset) this.entries.pop();
    this.entries.push({ epoch, startOffset });
    return true;
  }

  /**
   * Kafka's endOffsetFor: the largest epoch at or below `requested` and the offset where the
   * next epoch starts (the log end for the latest epoch). An epoch above every known one, or
   * UNDEFINED_EPOCH, answers (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET); one below every known
   * one answers itself with the first entry's start.
   */
  endOffsetFor(requested: number, logEndOffset: number): { epoch: number; endOffset: number } {
    const undefinedAnswer = { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (requested === UNDEFINED_EPOCH) return undefinedAnswer;
    if (this.entries.length > 0 && this.latestEpoch === requested) return { epoch: requested, endOffset: logEndOffset };
    const higher = this.entries.findIndex((e) => e.epoch > requested);
    if (higher < 0) return undefinedAnswer;
    const floor = higher - 1;
    const startOfHigher = this.entries[higher]!.startOffset;
    if (floor < 0) return { epoch: requested, endOffset: startOfHigher };
    return { epoch: this.entries[floor]!.epoch, endOffset: startOfHigher };
  }

  /** The log was cut to end before `endOffset`: entries starting at or after it go. */
  truncateFromEnd(endOffset: number): boolean {
    const before = this.entries.length;
    while (this.entries.length > 0 && this.entries[this.entries.length - 1]!.startOffset >= endOffset) this.entries.pop();
    return this.entries.length !== before;
  }

  /**
   * The log now starts at `startOffset`: entries wholly below it go, and the one it falls in
   * starts there.
   */
  truncateFromStart(startOffset: number): boolean {
    let changed = false;
    while (this.entries.length > 1 && this.entries[1]!.startOffset <= startOffset) {
      this.entries.shift();
      changed = true;
    }
    const first = this.entries[0];
    if (first && first.startOffset < startOffset) {
      first.startOffset = startOffset;
      changed = true;
    }
    return changed;
  }

  clear(): void {
    this.entries = [];
  }
}
