/**
 * Read-only facts the console takes from the Broker object itself rather than over the Kafka
 * protocol, because the protocol does not carry them (or carries them only through APIs
 * Spindle does not serve, such as DescribeLogDirs):
 *
 *   logs        size in bytes and segment count of each partition (PartitionHost.stats)
 *   workers     busy time and ring occupancy of each partition worker
 *   log dirs    the bytes Spindle keeps in each data directory, and the file system's free
 *               and total space (fs.statfs)
 *   group lag   the coordinator's committed offsets against the partitions' log end offsets,
 *               for /metrics and the lag charts, sampled every second without a request
 *   transactions the transaction coordinator's ids by state and its open transactions (their
 *               last update and pending transition are not in DescribeTransactions), and per
 *               partition the last stable offset and the transactions open on it, asked of
 *               the partition hosts when /metrics is scraped or the Transactions view loads
 *
 * Nothing here changes the broker: every write the console makes goes through src/client.
 *
 * Main thread.
 */
import { statfs } from 'node:fs/promises';
import type { Broker } from '../broker/broker.js';
import { coordinatorOf } from '../broker/groups/offsets-topic.js';
import type { HostStats, LogStats } from '../broker/partitions/host.js';
import { tpKey, tpOf } from '../broker/transactions/coordinator.js';
import { TXN_STATE_NAMES, TxnState } from '../broker/transactions/records.js';
import { transactionCoordinatorOf } from '../broker/transactions/state-topic.js';
import { LATEST_TIMESTAMP } from '../core/partition-log.js';

/**
 * How long a stats question may wait for the partition workers. A worker answers between two
 * drained groups of commands, within milliseconds; one that does not answer in 2 s is stuck
 * or gone, and /metrics answers without its numbers rather than hang.
 */
export const STATS_TIMEOUT_MS = 2_000;

/**
 * Workers' and (with `logs`) every log's stats. Worker numbers come from shared memory at
 * once; when the workers do not answer for their logs in time, the logs are left out.
 */
export async function hostStats(broker: Broker, logs: boolean): Promise<HostStats> {
  if (!logs) return broker.host.stats({ logs: false });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<HostStats>((resolve) => {
    timer = setTimeout(() => void broker.host.stats({ logs: false }).then(resolve), STATS_TIMEOUT_MS);
  });
  try {
    return await Promise.race([broker.host.stats({ logs: true }), late]);
  } finally {
    clearTimeout(timer);
  }
}

export interface PartitionFacts {
  topic: string;
  partition: number;
  internal: boolean;
  logStartOffset: number;
  logEndOffset: number;
  /** -1 when the log did not report (stats timed out). */
  sizeBytes: number;
  segmentCount: number;
  logDir: string;
  /** Its log directory is offline: writes are refused (log-dirs.ts). */
  offline: boolean;
  /** Why the cleaner gave up on it, if it did. */
  uncleanable: string | null;
}

/** Every partition of every topic, with its size and segments from `stats` (which must hold the logs). */
export function partitionFacts(broker: Broker, stats: HostStats): PartitionFacts[] {
  const bySlot = new Map<number, LogStats>();
  for (const l of stats.logs) bySlot.set(l.slot, l);
  const out: PartitionFacts[] = [];
  for (const [name, t] of broker.topics) {
    for (const p of t.partitions) {
      const l = bySlot.get(p.handle.slot);
      out.push({
        topic: name,
        partition: p.partition,
        internal: name.startsWith('__'),
        logStartOffset: l?.logStartOffset ?? p.logStartOffset,
        logEndOffset: l?.logEndOffset ?? p.logEndOffset,
        sizeBytes: l?.sizeBytes ?? -1,
        segmentCount: l?.segmentCount ?? -1,
        logDir: p.logDir,
        offline: !broker.logDirs.isOnline(p.logDir),
        uncleanable: p.uncleanable ?? null,
      });
    }
  }
  return out;
}

/** Gives the metrics each topic's mean stored record size, for the records-out estimate (metrics.ts). */
export function noteTopicSizes(broker: Broker, facts: readonly PartitionFacts[]): void {
  const sums = new Map<string, { bytes: number; span: number }>();
  for (const f of facts) {
    if (f.sizeBytes < 0) continue;
    const s = sums.get(f.topic) ?? { bytes: 0, span: 0 };
    s.bytes += f.sizeBytes;
    s.span += Math.max(0, f.logEndOffset - f.logStartOffset);
    sums.set(f.topic, s);
  }
  for (const [name, s] of sums) {
    const t = broker.topics.get(name);
    if (t) broker.metrics.noteTopicLogs(t.metricsSlot, s.bytes, s.span);
  }
}

export interface LogDirFacts {
  path: string;
  /** Bytes of Spindle's logs in this directory. */
  dataBytes: number;
  partitions: number;
  /** File system space, from statfs; -1 when it could not be read. */
  freeBytes: number;
  capacityBytes: number;
  online: boolean;
  /** Why it is offline, since when. */
  offlineReason: string | null;
  offlineSinceMs: number | null;
}

export async function logDirFacts(broker: Broker, facts: readonly PartitionFacts[]): Promise<LogDirFacts[]> {
  const health = new Map(broker.logDirs.list().map((d) => [d.path, d]));
  return Promise.all(
    broker.store.logDirs.map(async (path) => {
      let dataBytes = 0;
      let partitions = 0;
      for (const f of facts) {
        if (f.logDir !== path) continue;
        partitions++;
        if (f.sizeBytes > 0) dataBytes += f.sizeBytes;
      }
      let freeBytes = -1;
      let capacityBytes = -1;
      try {
        const s = await statfs(path);
        freeBytes = s.bavail * s.bsize;
        capacityBytes = s.blocks * s.bsize;
      } catch {
        // A directory that vanished or a file system without statfs: sizes unknown.
      }
      const h = health.get(path);
      const online = h?.online ?? true;
      return {
        path,
        dataBytes,
        partitions,
        freeBytes,
        capacityBytes,
        online,
        offlineReason: online ? null : `${h?.code ?? ''} ${h?.message ?? ''}`.trim(),
        offlineSinceMs: online ? null : (h?.offlineSinceMs ?? null),
      };
    }),
  );
}

export interface PartitionLag {
  topic: string;
  partition: number;
  committedOffset: number;
  /** -1 when the topic or partition no longer exists. */
  logEndOffset: number;
  /** Log end offset minus committed offset, never below 0; -1 when the partition is gone. */
  lag: number;
}

export interface GroupFacts {
  groupId: string;
  state: string;
  protocolType: string | null;
  protocol: string | null;
  members: number;
  partitions: PartitionLag[];
  totalLag: number;
}

/** Every group the coordinator holds, with its committed offsets and lag per partition. */
export function groupFacts(broker: Broker): GroupFacts[] {
  const coordinator = coordinatorOf(broker);
  if (!coordinator) return [];
  const out: GroupFacts[] = [];
  for (const [groupId, g] of coordinator.groups) {
    const partitions: PartitionLag[] = [];
    let totalLag = 0;
    for (const [topic, byPartition] of g.offsets) {
      for (const [partition, committed] of byPartition) {
        const p = broker.partition(topic, partition);
        const logEndOffset = p ? p.logEndOffset : -1;
        const lag = p ? Math.max(0, logEndOffset - committed.offset) : -1;
        if (lag > 0) totalLag += lag;
        partitions.push({ topic, partition, committedOffset: committed.offset, logEndOffset, lag });
      }
    }
    partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    out.push({ groupId, state: g.state, protocolType: g.protocolType, protocol: g.protocolName, members: g.members.size, partitions, totalLag });
  }
  return out.sort((a, b) => a.groupId.localeCompare(b.groupId));
}

// ───────────────────────────── transactions ─────────────────────────────

/** The states a transactional id shows in, as DescribeTransactions names them; each is always reported, 0 included. */
export const TXN_STATES_SHOWN: readonly string[] = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort'];

export interface CoordinatorTxn {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  state: string;
  /** The state a transition being written will reach (the markers of Prepare* under way: Complete*). */
  pendingState: string | null;
  timeoutMs: number;
  /** When the transaction's first partition was added (ms since the epoch). */
  startMs: number;
  lastUpdateMs: number;
  /** The partitions the transaction holds, by topic and partition. */
  partitions: { topic: string; partition: number; awaitingMarker: boolean }[];
}

export interface CoordinatorFacts {
  /** False while no coordinator has loaded (never started, or stopped). */
  loaded: boolean;
  /** Transactional ids by the state of their transaction, every state of TXN_STATES_SHOWN present. */
  states: Record<string, number>;
  /** Ongoing, PrepareCommit and PrepareAbort transactions, oldest first. */
  open: CoordinatorTxn[];
}

/** What the transaction coordinator holds: a synchronous read of its maps. */
export function coordinatorFacts(broker: Broker): CoordinatorFacts {
  const coordinator = transactionCoordinatorOf(broker);
  const states: Record<string, number> = Object.fromEntries(TXN_STATES_SHOWN.map((s) => [s, 0]));
  if (!coordinator) return { loaded: false, states, open: [] };
  for (const meta of coordinator.transactions.values()) {
    const name = TXN_STATE_NAMES[meta.state] ?? String(meta.state);
    states[name] = (states[name] ?? 0) + 1;
  }
  const open = coordinator.ongoing().map((m) => {
    const preparing = m.state === TxnState.PrepareCommit || m.state === TxnState.PrepareAbort;
    return {
      transactionalId: m.transactionalId,
      producerId: m.producerId,
      producerEpoch: m.producerEpoch,
      state: TXN_STATE_NAMES[m.state] ?? String(m.state),
      pendingState: m.pending === undefined ? null : (TXN_STATE_NAMES[m.pending] ?? String(m.pending)),
      timeoutMs: m.timeoutMs,
      startMs: m.startMs,
      lastUpdateMs: m.lastUpdateMs,
      partitions: [...m.partitions]
        .map((k) => ({ ...tpOf(k), awaitingMarker: preparing && m.markersLeft.has(k) }))
        .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition),
    };
  });
  return { loaded: true, states, open };
}

/** The partitions of the coordinator's open transactions, as partitionTxnFacts takes them. */
export function heldPartitions(facts: CoordinatorFacts): Set<string> {
  return new Set(facts.open.flatMap((t) => t.partitions.map((p) => tpKey(p.topic, p.partition))));
}

/** A transaction open on one partition: its producer's records from `firstOffset` on have no marker yet. */
export interface PartitionOpenTxn {
  producerId: number;
  producerEpoch: number;
  firstOffset: number;
  /** The coordinator epoch of the producer's last marker; -1 when it never had one. */
  coordinatorEpoch: number;
  /** The largest timestamp of the producer's last batch. */
  lastTimestamp: number;
}

export interface PartitionTxnFacts {
  topic: string;
  partition: number;
  logEndOffset: number;
  /** The first offset of the oldest open transaction, else the log end offset (the high watermark on one node). */
  lastStableOffset: number;
  /** Oldest first: the first one pins the last stable offset. */
  open: PartitionOpenTxn[];
}

/**
 * Every online partition's last stable offset, and the transactions open on it: a ListOffsets
 * (latest, read_committed, then latest) per partition through its host, which answers between
 * two groups of commands, and the partition's producers (DescribeProducers) only where the last
 * stable offset is behind the log end or the partition is in `held` (tpKey: partitions of open
 * transactions at the coordinator). Partitions that did not answer within STATS_TIMEOUT_MS are
 * left out. Per scrape, not per record.
 */
export async function partitionTxnFacts(broker: Broker, held: ReadonlySet<string> = new Set()): Promise<PartitionTxnFacts[]> {
  const out: PartitionTxnFacts[] = [];
  const jobs: Promise<void>[] = [];
  for (const [topic, t] of broker.topics) {
    for (const p of t.partitions) {
      if (!broker.logDirs.isOnline(p.logDir)) continue;
      jobs.push(
        (async () => {
          // Asked in this order on the partition's queue: the log end is at least the stable offset.
          const [stable, end] = await Promise.all([broker.host.listOffset(p.handle, LATEST_TIMESTAMP, true), broker.host.listOffset(p.handle, LATEST_TIMESTAMP, false)]);
          if (stable.errorCode !== 0 || end.errorCode !== 0) return;
          const f: PartitionTxnFacts = { topic, partition: p.partition, logEndOffset: end.offset, lastStableOffset: Math.min(stable.offset, end.offset), open: [] };
          if (f.lastStableOffset < f.logEndOffset || held.has(tpKey(topic, p.partition))) {
            const d = await broker.host.describeProducers(p.handle);
            if (d.errorCode === 0) {
              for (const x of d.producers) {
                if (x.currentTxnStartOffset >= 0) f.open.push({ producerId: x.producerId, producerEpoch: x.producerEpoch, firstOffset: x.currentTxnStartOffset, coordinatorEpoch: x.coordinatorEpoch, lastTimestamp: x.lastTimestamp });
              }
              f.open.sort((a, b) => a.firstOffset - b.firstOffset);
            }
          }
          out.push(f);
        })().catch(() => {}),
      );
    }
  }
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, STATS_TIMEOUT_MS);
  });
  try {
    await Promise.race([Promise.all(jobs), late]);
  } finally {
    clearTimeout(timer);
  }
  return out.slice().sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}
