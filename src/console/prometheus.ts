/**
 * `GET /metrics`: the broker's numbers in Prometheus' text exposition format (version 0.0.4),
 * with Kafka's meanings and Prometheus' naming: snake_case, the unit as a suffix (`_bytes`,
 * `_seconds`), `_total` on counters, histograms as `_bucket{le=…}`, `_sum` and `_count`.
 *
 *   spindle_build_info{version,node_id,cluster_id}             gauge 1
 *   spindle_requests_total{api}                                 counter   requests decoded, by API (RequestsPerSec)
 *   spindle_request_errors_total{api,error}                     counter   error codes in responses (ErrorsPerSec)
 *   spindle_request_duration_seconds{api}                       histogram decoding to encoded response (TotalTimeMs)
 *   spindle_topic_records_in_total{topic}                       counter   records appended (MessagesInPerSec)
 *   spindle_topic_bytes_in_total{topic}                         counter   record bytes appended (BytesInPerSec)
 *   spindle_topic_bytes_out_total{topic}                        counter   record bytes fetched (BytesOutPerSec)
 *   spindle_topic_records_out_estimated_total{topic}            counter   records fetched, estimated (metrics.ts says how)
 *   spindle_topic_produce_requests_total{topic}                 counter   (TotalProduceRequestsPerSec)
 *   spindle_topic_failed_produce_requests_total{topic}          counter   (FailedProduceRequestsPerSec)
 *   spindle_topic_fetch_requests_total{topic}                   counter   (TotalFetchRequestsPerSec)
 *   spindle_topic_failed_fetch_requests_total{topic}            counter   (FailedFetchRequestsPerSec)
 *   spindle_partition_log_start_offset{topic,partition}         gauge     (Log LogStartOffset)
 *   spindle_partition_log_end_offset{topic,partition}           gauge     (Log LogEndOffset)
 *   spindle_partition_size_bytes{topic,partition}               gauge     (Log Size)
 *   spindle_partition_segments{topic,partition}                 gauge     (Log NumLogSegments)
 *   spindle_consumer_group_members{group,state}                 gauge
 *   spindle_consumer_group_committed_offset{group,topic,partition} gauge
 *   spindle_consumer_group_lag{group,topic,partition}           gauge     log end offset − committed offset
 *   spindle_consumer_group_lag_sum{group}                       gauge
 *   spindle_internal_errors_total                               counter   programmer errors caught and logged with their stack
 *   spindle_storage_errors_total                                counter   I/O errors that took partitions offline
 *   spindle_partition_worker_restarts_total                               counter   partition workers restarted after dying
 *   spindle_log_dirs_recovered_total                            counter   offline log directories brought back
 *   spindle_connections                                         gauge     open client connections (connection-count)
 *   spindle_connections_accepted_total                          counter   (connection-creation-total)
 *   spindle_connections_closed_total                            counter   (connection-close-total)
 *   spindle_worker_partitions{worker}                           gauge
 *   spindle_worker_busy_seconds_total{worker}                   counter   time a partition worker spent working
 *   spindle_worker_command_ring_used_bytes{worker}              gauge     (and _capacity_bytes)
 *   spindle_worker_reply_ring_used_bytes{worker}                gauge     (and _capacity_bytes)
 *   spindle_log_dir_size_bytes{dir}                             gauge     Spindle's logs in the directory
 *   spindle_log_dir_free_bytes{dir}, _capacity_bytes{dir}       gauge     the file system's, from statfs
 *   spindle_log_dir_offline{dir}                                gauge     1 while the directory is offline (OfflineLogDirectoryCount)
 *   spindle_partition_offline{topic,partition}                  gauge     1 while its directory is offline (OfflineReplicaCount)
 *   spindle_partition_uncleanable{topic,partition}              gauge     1 once the cleaner gave up on it (uncleanable-partitions-count)
 *   spindle_transaction_coordinator_transactions{state}         gauge     transactional ids by the state of their transaction
 *   spindle_transaction_coordinator_oldest_open_transaction_age_seconds gauge  since the oldest open transaction began
 *   spindle_partition_last_stable_offset{topic,partition}       gauge     (Kafka's LSO: first offset of the oldest open transaction)
 *   spindle_partition_last_stable_offset_lag{topic,partition}   gauge     high watermark − last stable offset
 *   spindle_partition_open_transactions{topic,partition}        gauge     transactions with records on the partition and no marker yet
 *   process_start_time_seconds, process_resident_memory_bytes, process_cpu_seconds_total
 *   nodejs_heap_size_used_bytes, nodejs_heap_size_total_bytes, nodejs_external_memory_bytes
 *   nodejs_eventloop_lag_{mean,p50,p99,max}_seconds             gauge     since the previous scrape
 *
 * Consumer group lag is computed here, as Kafka leaves it to outside exporters: for every
 * offset a group committed, the partition's log end offset minus that offset. Kafka has no
 * broker metric for the last stable offset either: here each scrape asks every partition for it
 * (facts.ts partitionTxnFacts), so a transaction left open shows as a growing LSO lag that
 * read_committed consumers cannot pass, on the partition it pins. Ended transactions are not
 * counted (committed, aborted, timed out): the coordinator reports no events to count.
 *
 * Main thread.
 */
import type { IntervalHistogram } from 'node:perf_hooks';
import type { Broker } from '../broker/broker.js';
import { API_KEY_SLOTS, ERROR_CODE_SLOTS, FaultCounter, HISTOGRAM_WIDTH, LATENCY_BUCKETS_MS, TopicField } from '../broker/metrics.js';
import { apiByKey } from '../protocol/messages/index.js';
import { errorName } from '../protocol/errors.js';
import { coordinatorFacts, groupFacts, heldPartitions, hostStats, logDirFacts, noteTopicSizes, partitionFacts, partitionTxnFacts } from './facts.js';

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * Sampling period of the event-loop delay monitors (perf_hooks.monitorEventLoopDelay). Node
 * records each period's whole length, so an idle loop reads ~10 ms: the delay is the reading
 * minus this (eventLoopDelayMs). 10 ms is prom-client's choice too.
 */
export const EVENT_LOOP_RESOLUTION_MS = 10;

/** A monitor reading (nanoseconds) as the delay beyond the sampling period, in milliseconds. */
export function eventLoopDelayMs(readingNs: number): number {
  return Number.isFinite(readingNs) ? Math.max(0, readingNs / 1e6 - EVENT_LOOP_RESOLUTION_MS) : 0;
}

type Labels = Record<string, string | number>;

/** The exposition text, a family at a time. */
export class Exposition {
  private readonly lines: string[] = [];

  family(name: string, type: 'counter' | 'gauge' | 'histogram', help: string): this {
    this.lines.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} ${type}`);
    return this;
  }

  sample(name: string, labels: Labels | undefined, value: number): this {
    this.lines.push(`${name}${formatLabels(labels)} ${formatValue(value)}`);
    return this;
  }

  /** A family with one sample per row. */
  rows<T>(name: string, type: 'counter' | 'gauge', help: string, rows: Iterable<T>, labels: (r: T) => Labels, value: (r: T) => number): this {
    this.family(name, type, help);
    for (const r of rows) this.sample(name, labels(r), value(r));
    return this;
  }

  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

function formatLabels(labels: Labels | undefined): string {
  if (!labels) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(labels)) parts.push(`${k}="${String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** API name for a key, as Kafka's `request` label spells it. */
export function apiName(key: number): string {
  return apiByKey(key)?.name ?? `api_${key}`;
}

/* The cluster's families (cluster mode only), after the data directories':
 *   spindle_cluster_active_controller, _partitions, _leader_partitions    gauge
 *   spindle_cluster_under_replicated_partitions, _under_min_isr_partitions, _offline_partitions  gauge
 *   spindle_cluster_isr_shrinks_total, _isr_expands_total, _failed_isr_updates_total  counter
 *   spindle_cluster_follower_lag_messages{topic,partition,replica}        gauge
 */
export interface ScrapeContext {
  broker: Broker;
  version: string;
  /** Event-loop delay since the previous scrape; reset after reading. */
  eventLoopDelay: IntervalHistogram;
}

/**
 * Cluster mode: replication as Kafka's ReplicaManager and KafkaController report it, from this
 * broker's replicas and its metadata cache. Partitions led here with fewer in-sync replicas than
 * replicas are under-replicated, with fewer than min.insync.replicas under their minimum;
 * offline partitions (no leader) are counted by the active controller only, as in Kafka.
 */
function renderClusterMetrics(e: Exposition, broker: Broker): void {
  const cluster = broker.cluster!;
  const replicas = cluster.replicas.all();
  const leading = replicas.filter((r) => r.role === 'leader');
  const minIsr = (topic: string): number => (broker.topics.get(topic)?.config.values['min.insync.replicas'] as number | undefined) ?? 1;
  const gauge = (name: string, help: string, value: number): void => void e.family(name, 'gauge', help).sample(name, undefined, value);
  gauge('spindle_cluster_active_controller', 'Whether this broker is the active controller (ActiveControllerCount).', cluster.controller.active ? 1 : 0);
  gauge('spindle_cluster_partitions', 'Replicas hosted by this broker (PartitionCount).', replicas.length);
  gauge('spindle_cluster_leader_partitions', 'Partitions this broker leads (LeaderCount).', leading.length);
  gauge('spindle_cluster_under_replicated_partitions', 'Partitions led here whose ISR is smaller than their replica set (UnderReplicatedPartitions).', leading.filter((r) => r.isr.length < r.replicas.length).length);
  gauge('spindle_cluster_under_min_isr_partitions', 'Partitions led here whose ISR is below min.insync.replicas (UnderMinIsrPartitionCount).', leading.filter((r) => r.isr.length < minIsr(r.topic)).length);
  let offline = 0;
  if (cluster.controller.active) for (const t of cluster.metadata.topics) for (const p of t.partitions) if (p && p.leader < 0) offline++;
  gauge('spindle_cluster_offline_partitions', 'Partitions without a leader, counted by the active controller (OfflinePartitionsCount).', offline);
  const counter = (name: string, help: string, value: number): void => void e.family(name, 'counter', help).sample(name, undefined, value);
  counter('spindle_cluster_isr_shrinks_total', 'ISR shrinks of partitions led here, confirmed by the controller (IsrShrinksPerSec).', cluster.replicas.counters.isrShrinks);
  counter('spindle_cluster_isr_expands_total', 'ISR expansions of partitions led here, confirmed by the controller (IsrExpandsPerSec).', cluster.replicas.counters.isrExpands);
  counter('spindle_cluster_failed_isr_updates_total', 'ISR changes the controller refused or that failed (FailedIsrUpdatesPerSec).', cluster.replicas.counters.failedIsrUpdates);
  e.family('spindle_cluster_follower_lag_messages', 'gauge', "How far each follower of a partition led here is behind the leader's log end, from its last fetch (replica lag).");
  for (const r of leading) {
    for (const [id, f] of r.followers) {
      if (f.logEndOffset < 0) continue;
      e.sample('spindle_cluster_follower_lag_messages', { topic: r.topic, partition: r.partition, replica: id }, Math.max(0, r.state.logEndOffset - f.logEndOffset));
    }
  }
}

export async function renderMetrics(ctx: ScrapeContext): Promise<string> {
  const { broker } = ctx;
  const m = broker.metrics;
  const e = new Exposition();
  const coordinator = coordinatorFacts(broker);
  const [stats, stable] = await Promise.all([hostStats(broker, true), partitionTxnFacts(broker, heldPartitions(coordinator))]);
  const partitions = partitionFacts(broker, stats);
  noteTopicSizes(broker, partitions);
  const dirs = await logDirFacts(broker, partitions);
  const groups = groupFacts(broker);

  e.family('spindle_build_info', 'gauge', 'Spindle version and node identity; always 1.');
  e.sample('spindle_build_info', { version: ctx.version, node_id: broker.nodeId, cluster_id: broker.clusterId }, 1);

  // Requests.
  const served: number[] = [];
  for (let k = 0; k < API_KEY_SLOTS; k++) if (m.requests[k]! > 0) served.push(k);
  e.rows('spindle_requests_total', 'counter', 'Requests decoded, by API.', served, (k) => ({ api: apiName(k) }), (k) => m.requests[k]!);
  e.family('spindle_request_errors_total', 'counter', 'Non-zero error codes in responses, by API and Kafka error name (one per partition or resource).');
  for (const k of served) {
    for (let i = 0; i < ERROR_CODE_SLOTS; i++) {
      const n = m.errors[k * ERROR_CODE_SLOTS + i]!;
      if (n > 0) e.sample('spindle_request_errors_total', { api: apiName(k), error: i === ERROR_CODE_SLOTS - 1 ? 'OTHER' : errorName(i - 1) }, n);
    }
  }
  e.family('spindle_request_duration_seconds', 'histogram', 'Time from decoding a request to its encoded response, by API; includes waiting behind earlier requests of the connection and fetch long polls.');
  for (const k of served) {
    const at = k * HISTOGRAM_WIDTH;
    let cumulative = 0;
    for (let b = 0; b < LATENCY_BUCKETS_MS.length; b++) {
      cumulative += m.latency[at + b]!;
      e.sample('spindle_request_duration_seconds_bucket', { api: apiName(k), le: LATENCY_BUCKETS_MS[b]! / 1000 }, cumulative);
    }
    cumulative += m.latency[at + LATENCY_BUCKETS_MS.length]!;
    e.sample('spindle_request_duration_seconds_bucket', { api: apiName(k), le: '+Inf' }, cumulative);
    e.sample('spindle_request_duration_seconds_sum', { api: apiName(k) }, m.latency[at + LATENCY_BUCKETS_MS.length + 1]! / 1000);
    e.sample('spindle_request_duration_seconds_count', { api: apiName(k) }, cumulative);
  }

  // Topics.
  const topics = [...m.topicSlots()].sort((a, b) => a[0].localeCompare(b[0]));
  const topicFamily = (name: string, field: number, help: string): void => {
    e.rows(name, 'counter', help, topics, ([topic]) => ({ topic }), ([, slot]) => m.topicValue(slot, field));
  };
  topicFamily('spindle_topic_records_in_total', TopicField.recordsIn, 'Records appended to the topic (from batch headers).');
  topicFamily('spindle_topic_bytes_in_total', TopicField.bytesIn, 'Record bytes appended to the topic, as received.');
  topicFamily('spindle_topic_bytes_out_total', TopicField.bytesOut, 'Record bytes of the topic sent in fetch responses.');
  topicFamily('spindle_topic_records_out_estimated_total', TopicField.recordsOutEstimated, "Records of the topic sent in fetch responses, estimated from the bytes and the topic's mean stored record size.");
  topicFamily('spindle_topic_produce_requests_total', TopicField.produceRequests, 'Produce requests that named the topic.');
  topicFamily('spindle_topic_failed_produce_requests_total', TopicField.failedProduceRequests, 'Produce requests in which a partition of the topic failed.');
  topicFamily('spindle_topic_fetch_requests_total', TopicField.fetchRequests, 'Fetch requests that read the topic.');
  topicFamily('spindle_topic_failed_fetch_requests_total', TopicField.failedFetchRequests, 'Fetch requests in which a partition of the topic answered an error.');

  // Partitions.
  const pl = (p: (typeof partitions)[number]): Labels => ({ topic: p.topic, partition: p.partition });
  e.rows('spindle_partition_log_start_offset', 'gauge', 'First offset of the partition log.', partitions, pl, (p) => p.logStartOffset);
  e.rows('spindle_partition_log_end_offset', 'gauge', 'Offset after the last record of the partition log (the high watermark on one node).', partitions, pl, (p) => p.logEndOffset);
  const sized = partitions.filter((p) => p.sizeBytes >= 0);
  e.rows('spindle_partition_size_bytes', 'gauge', 'Bytes of the partition log on disk.', sized, pl, (p) => p.sizeBytes);
  e.rows('spindle_partition_segments', 'gauge', 'Segments of the partition log.', sized, pl, (p) => p.segmentCount);

  // Consumer groups.
  e.rows('spindle_consumer_group_members', 'gauge', 'Members of the consumer group.', groups, (g) => ({ group: g.groupId, state: g.state }), (g) => g.members);
  const offsets = groups.flatMap((g) => g.partitions.map((p) => ({ g, p })));
  const gl = ({ g, p }: (typeof offsets)[number]): Labels => ({ group: g.groupId, topic: p.topic, partition: p.partition });
  e.rows('spindle_consumer_group_committed_offset', 'gauge', 'Offset the group committed for the partition.', offsets, gl, ({ p }) => p.committedOffset);
  const live = offsets.filter(({ p }) => p.lag >= 0);
  e.rows('spindle_consumer_group_lag', 'gauge', "Records between the group's committed offset and the partition's log end offset.", live, gl, ({ p }) => p.lag);
  e.rows('spindle_consumer_group_lag_sum', 'gauge', 'Lag of the group summed over its partitions.', groups, (g) => ({ group: g.groupId }), (g) => g.totalLag);

  // Transactions.
  e.family('spindle_transaction_coordinator_transactions', 'gauge', 'Transactional ids at the transaction coordinator, by the state of their transaction; Ongoing, PrepareCommit and PrepareAbort are open.');
  for (const [state, n] of Object.entries(coordinator.states)) e.sample('spindle_transaction_coordinator_transactions', { state }, n);
  const oldest = coordinator.open[0];
  e.family('spindle_transaction_coordinator_oldest_open_transaction_age_seconds', 'gauge', 'Time since the oldest open transaction added its first partition; 0 when none is open.');
  e.sample('spindle_transaction_coordinator_oldest_open_transaction_age_seconds', undefined, oldest && oldest.startMs >= 0 ? Math.max(0, Date.now() - oldest.startMs) / 1000 : 0);
  const sl = (p: (typeof stable)[number]): Labels => ({ topic: p.topic, partition: p.partition });
  e.rows('spindle_partition_last_stable_offset', 'gauge', 'Last stable offset of the partition: the first offset of its oldest open transaction, else the high watermark. read_committed consumers read up to it.', stable, sl, (p) => p.lastStableOffset);
  e.rows('spindle_partition_last_stable_offset_lag', 'gauge', 'High watermark minus last stable offset: records of the partition that read_committed consumers cannot read yet because a transaction is open.', stable, sl, (p) => Math.max(0, p.logEndOffset - p.lastStableOffset));
  e.rows('spindle_partition_open_transactions', 'gauge', 'Transactions with records on the partition and no commit or abort marker yet.', stable, sl, (p) => p.open.length);

  // Faults.
  const fault = (name: string, kind: number, help: string): void => {
    e.family(name, 'counter', help).sample(name, undefined, m.faults[kind]!);
  };
  fault('spindle_internal_errors_total', FaultCounter.internalErrors, 'Programmer errors caught at a boundary (handler, encoder, partition worker), each logged with its stack.');
  fault('spindle_storage_errors_total', FaultCounter.storageErrors, 'I/O errors (full disk, read-only or failing file system) that took partitions offline.');
  fault('spindle_partition_worker_restarts_total', FaultCounter.workerRestarts, 'Partition workers that died and were restarted with their logs recovered.');
  fault('spindle_log_dirs_recovered_total', FaultCounter.logDirsRecovered, 'Offline log directories brought back once writes succeeded again.');

  // Connections.
  e.family('spindle_connections', 'gauge', 'Open client connections.').sample('spindle_connections', undefined, m.connectionsOpen);
  e.family('spindle_connections_accepted_total', 'counter', 'Client connections accepted.').sample('spindle_connections_accepted_total', undefined, m.connectionsAccepted);
  e.family('spindle_tls_handshake_failures_total', 'counter', 'TLS handshakes that failed (plaintext on a TLS port, an untrusted client certificate, a stalled handshake).').sample('spindle_tls_handshake_failures_total', undefined, m.tlsHandshakeFailures);
  e.family('spindle_sasl_authentications_total', 'counter', 'SASL logins that succeeded.').sample('spindle_sasl_authentications_total', undefined, m.authentications);
  e.family('spindle_sasl_failed_authentications_total', 'counter', 'SASL logins that failed.').sample('spindle_sasl_failed_authentications_total', undefined, m.failedAuthentications);
  e.family('spindle_connections_refused_per_ip_total', 'counter', 'Connections closed on arrival because their address was at max.connections.per.ip.').sample('spindle_connections_refused_per_ip_total', undefined, m.connectionsRefusedPerIp);
  e.family('spindle_connections_refused_max_total', 'counter', 'Connections closed on arrival because the broker held max.connections already.').sample('spindle_connections_refused_max_total', undefined, m.connectionsRefusedMax);
  const sec = broker.security;
  const quotas = [['produce', sec.produceQuota], ['fetch', sec.fetchQuota], ['request', sec.requestQuota]] as const;
  e.family('spindle_quota_throttle_time_ms_total', 'counter', 'Throttle time given to clients over a quota (producer_byte_rate, consumer_byte_rate, request_percentage), by quota.');
  for (const [name, q] of quotas) e.sample('spindle_quota_throttle_time_ms_total', { quota: name }, q.throttledMs);
  e.family('spindle_quota_throttles_total', 'counter', 'Requests answered with a throttle time, by quota.');
  for (const [name, q] of quotas) e.sample('spindle_quota_throttles_total', { quota: name }, q.throttles);
  e.family('spindle_connections_closed_total', 'counter', 'Client connections closed.').sample('spindle_connections_closed_total', undefined, m.connectionsClosed);

  // Partition workers.
  const wl = (w: (typeof stats.workers)[number]): Labels => ({ worker: w.worker });
  e.rows('spindle_worker_partitions', 'gauge', 'Partitions hosted by the worker.', stats.workers, wl, (w) => w.partitions);
  e.rows('spindle_worker_busy_seconds_total', 'counter', 'Time the partition worker spent draining commands, appending, flushing, answering and in upkeep.', stats.workers, wl, (w) => w.busyMs / 1000);
  e.rows('spindle_worker_command_ring_used_bytes', 'gauge', 'Bytes waiting in the worker command ring.', stats.workers, wl, (w) => w.commandRingUsedBytes);
  e.rows('spindle_worker_command_ring_capacity_bytes', 'gauge', 'Size of the worker command ring.', stats.workers, wl, (w) => w.commandRingCapacityBytes);
  e.rows('spindle_worker_reply_ring_used_bytes', 'gauge', 'Bytes waiting in the worker reply ring.', stats.workers, wl, (w) => w.replyRingUsedBytes);
  e.rows('spindle_worker_reply_ring_capacity_bytes', 'gauge', 'Size of the worker reply ring.', stats.workers, wl, (w) => w.replyRingCapacityBytes);

  // Data directories.
  const dl = (d: (typeof dirs)[number]): Labels => ({ dir: d.path });
  e.rows('spindle_log_dir_size_bytes', 'gauge', "Bytes of Spindle's partition logs in the data directory.", dirs, dl, (d) => d.dataBytes);
  const statted = dirs.filter((d) => d.capacityBytes >= 0);
  e.rows('spindle_log_dir_free_bytes', 'gauge', 'Free bytes of the file system holding the data directory.', statted, dl, (d) => d.freeBytes);
  e.rows('spindle_log_dir_capacity_bytes', 'gauge', 'Size of the file system holding the data directory.', statted, dl, (d) => d.capacityBytes);
  e.rows('spindle_log_dir_offline', 'gauge', 'Whether the data directory is offline after an I/O error (1) or serving (0).', dirs, dl, (d) => (d.online ? 0 : 1));
  e.rows('spindle_partition_offline', 'gauge', 'Whether the partition refuses writes because its data directory is offline.', partitions.filter((p) => p.offline), pl, () => 1);
  e.rows('spindle_partition_uncleanable', 'gauge', 'Whether the cleaner gave up on the partition (its log could not be compacted).', partitions.filter((p) => p.uncleanable !== null), pl, () => 1);

  if (broker.cluster) renderClusterMetrics(e, broker);

  // The process.
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  e.family('process_start_time_seconds', 'gauge', 'Start time of the process since the Unix epoch.').sample('process_start_time_seconds', undefined, Math.round((Date.now() - process.uptime() * 1000) / 1000));
  e.family('process_resident_memory_bytes', 'gauge', 'Resident memory size.').sample('process_resident_memory_bytes', undefined, mem.rss);
  e.family('process_cpu_seconds_total', 'counter', 'User and system CPU time of the process, every thread.').sample('process_cpu_seconds_total', undefined, (cpu.user + cpu.system) / 1e6);
  e.family('nodejs_heap_size_used_bytes', 'gauge', 'V8 heap in use (main thread).').sample('nodejs_heap_size_used_bytes', undefined, mem.heapUsed);
  e.family('nodejs_heap_size_total_bytes', 'gauge', 'V8 heap allocated (main thread).').sample('nodejs_heap_size_total_bytes', undefined, mem.heapTotal);
  e.family('nodejs_external_memory_bytes', 'gauge', 'Memory of C++ objects bound to JavaScript (buffers among them).').sample('nodejs_external_memory_bytes', undefined, mem.external);
  const h = ctx.eventLoopDelay;
  // The monitor's readings include its 10 ms sampling period; the delay is what exceeds it.
  const seconds = (ns: number): number => (h.count > 0 ? eventLoopDelayMs(ns) / 1000 : 0);
  e.family('nodejs_eventloop_lag_mean_seconds', 'gauge', "Mean delay of the main thread's event loop since the previous scrape.").sample('nodejs_eventloop_lag_mean_seconds', undefined, seconds(h.mean));
  e.family('nodejs_eventloop_lag_p50_seconds', 'gauge', 'Median event-loop delay since the previous scrape.').sample('nodejs_eventloop_lag_p50_seconds', undefined, seconds(h.percentile(50)));
  e.family('nodejs_eventloop_lag_p99_seconds', 'gauge', '99th percentile of the event-loop delay since the previous scrape.').sample('nodejs_eventloop_lag_p99_seconds', undefined, seconds(h.percentile(99)));
  e.family('nodejs_eventloop_lag_max_seconds', 'gauge', 'Longest event-loop delay since the previous scrape.').sample('nodejs_eventloop_lag_max_seconds', undefined, seconds(h.max));
  h.reset();
  return e.text();
}
