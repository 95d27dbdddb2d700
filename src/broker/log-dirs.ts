/**
 * LogDirs: the health of each log directory, and what the broker does when one fails.
 *
 * Kafka's log-directory failure handling, with recovery added:
 *
 *   online ──(an I/O error on any thread: ENOSPC, EIO, EROFS, …)──► offline
 *     ▲                                                              │ every partition of the
 *     │                                                              │ directory refuses writes
 *     │                                                              │ (KAFKA_STORAGE_ERROR) and
 *     │                                                              │ serves reads
 *     └──(probe writes and syncs a file; free space above the floor;─┘
 *         every log reopened, its tail recovered)
 *
 * The first report of a failure (HostEvents.logDirFailed, from whichever thread saw it) logs
 * one ERROR line naming the directory, the cause and the partitions, counts a storage error
 * (spindle_storage_errors_total), takes the directory offline on every thread, and starts the
 * probe. Every log.dir.recovery.check.interval.ms the probe writes and syncs PROBE_BYTES in the
 * directory on the thread pool, through the same file system seam as the logs; after a full
 * disk it also wants RECOVERY_FREE_FRACTION of the file system (at most RECOVERY_FREE_BYTES)
 * free, so that a directory that frees a few kilobytes does not flap between online and
 * offline. Then every log of the directory is closed and reopened, which rescans it from its
 * recovery point (cutting anything a failed write left past the acknowledged data), and the
 * directory serves writes again. Kafka needs a broker restart for the same.
 *
 * Main thread.
 */
import { statfs } from 'node:fs/promises';
import type { Logger } from '../core/logger.js';
import { FaultCounter, type BrokerMetrics } from './metrics.js';
import type { PartitionHost, PartitionSummary } from './partitions/host.js';

/** Space a full file system must have free again before its directory is brought back: 64 MiB … */
export const RECOVERY_FREE_BYTES = 64 * 1024 * 1024;
/** … or this fraction of the file system, whichever is less (small file systems in tests). */
export const RECOVERY_FREE_FRACTION = 0.05;

export interface LogDirState {
  path: string;
  online: boolean;
  /** When it went offline (ms since the epoch), the errno and the message. */
  offlineSinceMs?: number;
  code?: string;
  message?: string;
  /** Times it went offline since start. */
  failures: number;
}

export interface LogDirsOptions {
  host: PartitionHost;
  logger: Logger;
  metrics: BrokerMetrics;
  probeIntervalMs: number;
  /** The partitions (topic-partition names) in a directory, for the log line. */
  partitionsIn(logDir: string): string[];
  /** Partitions reopened: their offsets are what the recovered logs say. */
  reopened(summaries: PartitionSummary[]): void;
}

export class LogDirs {
  private readonly options: LogDirsOptions;
  private readonly states = new Map<string, LogDirState>();
  private readonly probes = new Map<string, NodeJS.Timeout>();
  /** Directories being recovered, and those among them that failed again meanwhile. */
  private readonly recovering = new Set<string>();
  private readonly failedWhileRecovering = new Map<string, string>();
  private stopped = false;

  constructor(paths: readonly string[], options: LogDirsOptions) {
    this.options = options;
    for (const path of paths) this.states.set(path, { path, online: true, failures: 0 });
  }

  list(): LogDirState[] {
    return [...this.states.values()].map((s) => ({ ...s }));
  }

  isOnline(logDir: string): boolean {
    return this.states.get(logDir)?.online ?? true;
  }

  get offlineCount(): number {
    let n = 0;
    for (const s of this.states.values()) if (!s.online) n++;
    return n;
  }

  /** A thread reported an I/O error in the directory. */
  failed(logDir: string, code: string, message: string, partition: string): void {
    let s = this.states.get(logDir);
    if (!s) this.states.set(logDir, (s = { path: logDir, online: true, failures: 0 }));
    if (this.stopped) return;
    // A thread that has already reopened its logs of the directory failed again while the
    // others still recover: the probe must not call the directory online.
    if (this.recovering.has(logDir)) this.failedWhileRecovering.set(logDir, `${code} (${message})`);
    if (!s.online) return;
    s.online = false;
    s.offlineSinceMs = Date.now();
    s.code = code;
    s.message = message;
    s.failures++;
    const { logger, metrics, host } = this.options;
    metrics.fault(FaultCounter.storageErrors);
    const partitions = this.options.partitionsIn(logDir);
    logger.error(
      `Log directory ${logDir} is offline: ${code} (${message}), first seen on ${partition}. ` +
        `Its ${partitions.length} partition(s) answer writes with KAFKA_STORAGE_ERROR and keep serving reads: ${partitions.join(', ') || 'none'}. ` +
        `Writes resume by themselves once the directory accepts them again (checked every ${this.options.probeIntervalMs} ms).`,
    );
    void host.markDirOffline(logDir, `${code} (${message})`);
    this.scheduleProbe(logDir);
  }

  private scheduleProbe(logDir: string): void {
    if (this.stopped || this.probes.has(logDir)) return;
    const timer = setTimeout(() => {
      this.probes.delete(logDir);
      void this.probe(logDir);
    }, this.options.probeIntervalMs);
    timer.unref();
    this.probes.set(logDir, timer);
  }

  /** One probe: on success the directory's logs are recovered and it is online again; else the next probe is scheduled. */
  private async probe(logDir: string): Promise<void> {
    const s = this.states.get(logDir);
    if (!s || s.online || this.stopped) return;
    const { host, logger, metrics } = this.options;
    try {
      if ((s.code === 'ENOSPC' || s.code === 'EDQUOT') && !(await this.hasRoom(logDir))) throw new Error('not enough free space yet');
      await host.probeDir(logDir);
      this.recovering.add(logDir);
      let summaries: PartitionSummary[];
      try {
        summaries = await host.recoverDir(logDir);
      } finally {
        this.recovering.delete(logDir);
      }
      if (this.stopped) return;
      const again = this.failedWhileRecovering.get(logDir);
      if (again !== undefined) {
        this.failedWhileRecovering.delete(logDir);
        // Offline everywhere again (the threads that recovered take it back), and probed later.
        void host.markDirOffline(logDir, again);
        throw new Error(`failed again while recovering: ${again}`);
      }
      s.online = true;
      const offlineMs = Date.now() - (s.offlineSinceMs ?? Date.now());
      delete s.offlineSinceMs;
      delete s.code;
      delete s.message;
      metrics.fault(FaultCounter.logDirsRecovered);
      this.options.reopened(summaries);
      const truncated = summaries.reduce((n, x) => n + x.recovered.reduce((m, r) => m + r.truncatedBytes, 0), 0);
      logger.warn(`Log directory ${logDir} is back online after ${offlineMs} ms: ${summaries.length} partition(s) recovered${truncated > 0 ? `, ${truncated} bytes of unacknowledged tails cut` : ''}.`);
    } catch {
      this.scheduleProbe(logDir);
    }
  }

  private async hasRoom(logDir: string): Promise<boolean> {
    try {
      const st = await statfs(logDir);
      const free = st.bavail * st.bsize;
      const capacity = st.blocks * st.bsize;
      return free >= Math.min(RECOVERY_FREE_BYTES, capacity * RECOVERY_FREE_FRACTION);
    } catch {
      return false;
    }
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.probes.values()) clearTimeout(t);
    this.probes.clear();
  }
}
