/**
 * The console's HTTP API: JSON over HTTP on the console listener, what the web page (public/)
 * calls and what scripts may call too.
 *
 * Every write is a Kafka admin operation sent through src/client (the same Admin the
 * `spindle` command uses) to the broker's own listener: the console has no side door into
 * the storage. The one exception is aborting a transaction the coordinator holds, which asks
 * the coordinator itself (TransactionCoordinator.abortOngoing) to abort it as it aborts a
 * timed-out one, since the protocol has no request for that. Reads go the same way where the
 * protocol carries the answer (topics, partitions' offsets, configs, groups, committed offsets,
 * records through the client's Fetch). The few read-only facts the protocol does not carry
 * (log sizes and segment counts, data directories, worker rings, the lag history, the
 * coordinator's open transactions with their last update) come from the Broker object (facts.ts).
 *
 *   GET    /api/overview                     broker, listeners, version, uptime, data directories
 *                                            (Spindle's bytes, free and total space), totals (open
 *                                            transactions among them), workers
 *   GET    /api/events                       server-sent events: `history` (the last 5 minutes of
 *                                            samples) then `sample` every second (sampler.ts)
 *   GET    /api/topics[?internal=1]          topics: partitions, size, records, retention, cleanup policy
 *   POST   /api/topics                       create: {name, partitions?, replicationFactor?, configs?: {k: v}}
 *   GET    /api/topics/:topic                partitions (log start, end offset, segments, size) and configs
 *   DELETE /api/topics/:topic?confirm=:topic delete; `confirm` must repeat the name
 *   PATCH  /api/topics/:topic/configs        alter: {set?: {k: v}, delete?: [k]} (IncrementalAlterConfigs)
 *   POST   /api/topics/:topic/partitions     add partitions: {count} (the new total)
 *   GET    /api/topics/:topic/messages       records of one partition:
 *            partition=N (default 0); where to start: offset=N | timestamp=ms | from=oldest|newest
 *            (default newest: the last `limit` records); limit (default 50, at most MAX_BROWSE_RECORDS);
 *            q=substring with in=key|value|any (default any): keeps matching records, scanning at
 *            most scan=N records (default DEFAULT_SCAN_RECORDS, at most MAX_SCAN_RECORDS)
 *          → {topic, partition, logStartOffset, logEndOffset, startOffset, nextOffset, scanned,
 *             reachedEnd, records: [{offset, timestamp, timestampType, key, keySize, value,
 *             valueSize, valueTruncated, headers: [{key, value}]}]}; keys, values and header
 *             values are base64 (null for null), values cut at MAX_VALUE_BYTES
 *   GET    /api/groups                       groups: state, protocol, members, summed lag
 *   GET    /api/groups/:group                state, protocol, members with assignments, per partition
 *                                            committed offset, end offset and lag, lag history
 *   POST   /api/groups/:group/reset          {to: earliest|latest|timestamp, timestamp?, topic?}:
 *                                            commits the reset offsets; only for an Empty group
 *   GET    /api/transactions                 the coordinator's ids by state; its open transactions
 *                                            (id, producer id and epoch, state, timeout, start, age)
 *                                            with per partition the transaction's first offset, the
 *                                            partition's LSO and log end, whether it pins the LSO and
 *                                            the groups parked behind it (ParkedGroup); and `hanging`:
 *                                            transactions open on a partition that the coordinator
 *                                            does not have open
 *   POST   /api/transactions/:id/abort       {producerId, producerEpoch}: the coordinator aborts the
 *                                            id's Ongoing transaction (409 if it is another by now)
 *   POST   /api/topics/:topic/partitions/:partition/abort-transaction
 *                                            {startOffset}: ends a hanging transaction with
 *                                            DescribeProducers and WriteTxnMarkers, as
 *                                            `kafka-transactions abort` does
 *
 * Errors answer {error: message} with 400 (bad input, or what Kafka refused, with its error
 * name), 404 (no such topic, group, transaction or route), 409 (the group is not empty, the
 * transaction is not the one named or no longer Ongoing), 503 (the transaction coordinator
 * cannot serve now) or 500.
 *
 * Writes (POST, PATCH, DELETE) must come from the console's own origin: a request whose Origin
 * header names another site is refused (403), and a body must be sent as application/json
 * (415 otherwise), which a page elsewhere cannot do without a CORS preflight that this server
 * never grants. So another site open in the same browser cannot change the broker.
 *
 * Main thread.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Broker } from '../broker/broker.js';
import { Admin, CONFIG_SOURCES, ConfigSource } from '../client/admin.js';
import type { Client } from '../client/client.js';
import { Consumer, type ConsumedRecord } from '../client/consumer.js';
import { ClientError, KafkaError, check } from '../client/errors.js';
import { tpKey } from '../broker/transactions/coordinator.js';
import { TXN_STATE_NAMES, TxnState } from '../broker/transactions/records.js';
import { transactionCoordinatorOf } from '../broker/transactions/state-topic.js';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../broker/security/acl.js';
import { ErrorCode, errorName } from '../protocol/errors.js';
import { DescribeProducers, WriteTxnMarkers } from '../protocol/messages/index.js';
import { type LogDirFacts, coordinatorFacts, groupFacts, heldPartitions, hostStats, logDirFacts, noteTopicSizes, partitionFacts, partitionTxnFacts } from './facts.js';
import type { Sampler } from './sampler.js';

/** Records one browse answers at most: a page of a table, and at most 50 × 64 KiB of values. */
export const MAX_BROWSE_RECORDS = 500;
export const DEFAULT_BROWSE_RECORDS = 50;
/** A search reads at most this many records: bounded work for one request (10,000 × 1 KiB is 10 MB of fetches). */
export const MAX_SCAN_RECORDS = 10_000;
export const DEFAULT_SCAN_RECORDS = 1_000;
/** Value bytes sent per record; the page shows the size and that it was cut. */
export const MAX_VALUE_BYTES = 64 * 1024;
/** A browse stops after this long even if it found fewer records than asked. */
export const BROWSE_TIME_LIMIT_MS = 5_000;
/** Request bodies are small JSON objects. */
export const MAX_BODY_BYTES = 1024 * 1024;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ApiContext {
  broker: Broker;
  /** The signed-in principal's Kafka client (server.ts ConsoleKafka): the broker authorizes its requests as that principal's. */
  client: () => Client;
  /** Who signed in to the console ("User:alice"; User:ANONYMOUS without console authentication). */
  principal: string;
  /**
   * What the broker's authorizer allows the principal, for the pages read from the broker's own
   * state rather than through the client (the overview, the transactions): always true without
   * an authorizer.
   */
  authorize(operation: number, resourceType: number, resourceName: string): boolean;
  sampler: Sampler;
  version: string;
  consoleUrl: string;
}

type Query = URLSearchParams;
type Handler = (ctx: ApiContext, params: string[], query: Query, body: unknown) => Promise<unknown>;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

const SEGMENT = '([^/]+)';
const routes: Route[] = [];
function route(method: string, path: string, handler: Handler): void {
  routes.push({ method, pattern: new RegExp(`^${path.replace(/:[a-z]+/g, SEGMENT)}$`), handler });
}

/** Answers a request under /api/; false when no route matches the path at all. */
export async function handleApi(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (req.method === 'GET' && url.pathname === '/api/events') {
    if (!ctx.sampler.attach(res)) sendJson(res, 503, { error: 'too many event streams are open' });
    return;
  }
  let pathMatched = false;
  for (const r of routes) {
    const m = r.pattern.exec(url.pathname);
    if (!m) continue;
    pathMatched = true;
    if (r.method !== req.method) continue;
    try {
      if (req.method !== 'GET') checkWriteOrigin(req);
      const params = m.slice(1).map((p) => decodeURIComponent(p));
      const body = req.method === 'GET' || req.method === 'DELETE' ? undefined : await readJson(req);
      sendJson(res, 200, await r.handler(ctx, params, url.searchParams, body));
    } catch (e) {
      const [status, message] = describeError(e);
      if (status === 500) process.stderr.write(`console: ${req.method} ${url.pathname}: ${(e as Error).stack ?? e}\n`);
      sendJson(res, status, { error: message });
    }
    return;
  }
  sendJson(res, pathMatched ? 405 : 404, { error: pathMatched ? `${req.method} is not served for ${url.pathname}` : `no such API: ${url.pathname}` });
}

function checkWriteOrigin(req: IncomingMessage): void {
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      throw new HttpError(403, 'bad Origin header');
    }
    if (host !== req.headers.host) throw new HttpError(403, `writes are accepted only from the console itself, not from ${origin}`);
  }
  const type = req.headers['content-type'];
  const hasBody = req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0';
  if ((hasBody || req.headers['transfer-encoding'] !== undefined) && !/^application\/json\b/i.test(type ?? '')) {
    throw new HttpError(415, 'send the request body as application/json');
  }
}

/** Kafka's refusals of a principal: 403 to the console, whose signed-in user the broker refused. */
const AUTHORIZATION_FAILURES = new Set<number>([
  ErrorCode.TOPIC_AUTHORIZATION_FAILED,
  ErrorCode.GROUP_AUTHORIZATION_FAILED,
  ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
  ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
  ErrorCode.DELEGATION_TOKEN_AUTHORIZATION_FAILED,
]);

/**
 * A page read from the broker's own state must be allowed as the Kafka request that reads the
 * same would be: refused as Kafka refuses it, with its code's name.
 */
function requireAllowed(ctx: ApiContext, operation: number, resourceType: number, resourceName: string, code: number, what: string): void {
  if (!ctx.authorize(operation, resourceType, resourceName)) throw new HttpError(403, `${errorName(code)}: ${ctx.principal} may not ${what}`);
}

function describeError(e: unknown): [number, string] {
  if (e instanceof HttpError) return [e.status, e.message];
  if (e instanceof ClientError) return [/does not exist|has no partition/.test(e.message) ? 404 : 400, e.message];
  if (e instanceof KafkaError) {
    if (AUTHORIZATION_FAILURES.has(e.code)) return [403, e.message];
    if (e.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION || e.code === ErrorCode.GROUP_ID_NOT_FOUND) return [404, e.message];
    if (e.code === ErrorCode.NON_EMPTY_GROUP || e.code === ErrorCode.UNKNOWN_MEMBER_ID) return [409, e.message];
    return [400, e.message];
  }
  return [500, (e as Error).message ?? String(e)];
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'the request body is not JSON');
  }
}

// ───────────────────────────── input helpers ─────────────────────────────

function object(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'the request body must be a JSON object');
  return body as Record<string, unknown>;
}

function intParam(query: Query, name: string, fallback: number, min = -Infinity, max = Infinity): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new HttpError(400, `${name} must be a whole number${Number.isFinite(min) ? ` from ${min}` : ''}${Number.isFinite(max) ? ` to ${max}` : ''}`);
  return n;
}

function stringMap(v: unknown, what: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new HttpError(400, `${what} must be an object of strings`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean') throw new HttpError(400, `${what}.${k} must be a string`);
    out[k] = String(x);
  }
  return out;
}

// ───────────────────────────── overview ─────────────────────────────

route('GET', '/api/overview', async (ctx) => {
  const { broker } = ctx;
  // Log directories, listeners and connections: what DescribeLogDirs and DescribeConfigs of the broker need (DESCRIBE on the cluster).
  requireAllowed(ctx, AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'describe the cluster');
  const stats = await hostStats(broker, true);
  const partitions = partitionFacts(broker, stats);
  noteTopicSizes(broker, partitions);
  const dirs: LogDirFacts[] = await logDirFacts(broker, partitions);
  const groups = groupFacts(broker);
  const config = broker.config;
  const listeners = config.derived.listeners.map((l) => ({
    name: l.name,
    host: l.host === '' ? '0.0.0.0' : l.host,
    port: l.port === 0 ? broker.advertised.port : l.port,
  }));
  const latest = ctx.sampler.history[ctx.sampler.history.length - 1];
  return {
    broker: {
      nodeId: broker.nodeId,
      clusterId: broker.clusterId,
      version: ctx.version,
      nodeVersion: process.version,
      pid: process.pid,
      startedMs: broker.startedMs,
      uptimeMs: Date.now() - broker.startedMs,
      numIoThreads: config.derived.numIoThreads,
    },
    listeners,
    advertised: `${broker.advertised.host}:${broker.advertised.port}`,
    console: ctx.consoleUrl,
    logDirs: dirs,
    totals: {
      topics: [...broker.topics.keys()].filter((n) => !n.startsWith('__')).length,
      partitions: partitions.length,
      groups: groups.length,
      openTransactions: coordinatorFacts(broker).open.length,
      connections: broker.metrics.connectionsOpen,
      connectionsAccepted: broker.metrics.connectionsAccepted,
      dataBytes: dirs.reduce((a, d) => a + d.dataBytes, 0),
    },
    workers: stats.workers.map((w, i) => ({ ...w, busy: latest?.workerBusy[i] ?? null })),
    process: { rssBytes: process.memoryUsage().rss, heapUsedBytes: process.memoryUsage().heapUsed, eventLoopDelayP99Ms: latest?.eventLoopDelayP99Ms ?? null },
  };
});

// ───────────────────────────── topics ─────────────────────────────

route('GET', '/api/topics', async (ctx, _params, query) => {
  const admin = new Admin(ctx.client());
  const includeInternal = query.get('internal') === '1' || query.get('internal') === 'true';
  const described = (await admin.describeTopics()).filter((t) => includeInternal || !t.isInternal);
  const stats = await hostStats(ctx.broker, true);
  const facts = partitionFacts(ctx.broker, stats);
  const sizeOf = new Map<string, number>();
  for (const f of facts) if (f.sizeBytes > 0) sizeOf.set(f.topic, (sizeOf.get(f.topic) ?? 0) + f.sizeBytes);
  const configs = await Promise.all(described.map((t) => topicConfigsIfAllowed(admin, t.name, ['retention.ms', 'retention.bytes', 'cleanup.policy'])));
  return {
    topics: described.map((t, i) => {
      const entries = configs[i];
      const c = new Map(entries?.map((e) => [e.name, e.value]) ?? []);
      return {
        name: t.name,
        topicId: t.topicId,
        internal: t.isInternal,
        partitions: t.partitions.length,
        records: t.partitions.reduce((a, p) => a + Math.max(0, p.logEndOffset - p.logStartOffset), 0),
        sizeBytes: sizeOf.get(t.name) ?? 0,
        retentionMs: entries ? Number(c.get('retention.ms') ?? -1) : null,
        retentionBytes: entries ? Number(c.get('retention.bytes') ?? -1) : null,
        cleanupPolicy: entries ? (c.get('cleanup.policy') ?? 'delete') : null,
      };
    }),
  };
});

route('POST', '/api/topics', async (ctx, _params, _query, body) => {
  const b = object(body);
  if (typeof b.name !== 'string' || b.name === '') throw new HttpError(400, 'name is required');
  const partitions = b.partitions === undefined || b.partitions === '' ? -1 : Number(b.partitions);
  const replicationFactor = b.replicationFactor === undefined || b.replicationFactor === '' ? -1 : Number(b.replicationFactor);
  if (!Number.isInteger(partitions) || !Number.isInteger(replicationFactor)) throw new HttpError(400, 'partitions and replicationFactor must be whole numbers');
  const created = await new Admin(ctx.client()).createTopics([{ name: b.name, numPartitions: partitions, replicationFactor, configs: stringMap(b.configs, 'configs') }]);
  return { created: created[0] };
});

/**
 * A topic's configs, or null when the principal may describe the topic but not its configs
 * (DESCRIBE_CONFIGS): the page shows the topic without them, as Kafka answers DescribeConfigs
 * TOPIC_AUTHORIZATION_FAILED for that resource alone.
 */
async function topicConfigsIfAllowed(admin: Admin, topic: string, keys?: string[]): Promise<Awaited<ReturnType<Admin['describeConfigs']>> | null> {
  try {
    return await admin.describeConfigs('topic', topic, { ...(keys ? { keys } : {}), synonyms: false });
  } catch (e) {
    if (e instanceof KafkaError && AUTHORIZATION_FAILURES.has(e.code)) return null;
    throw e;
  }
}

route('GET', '/api/topics/:topic', async (ctx, [name]) => {
  const admin = new Admin(ctx.client());
  const [described] = await admin.describeTopics([name!]);
  const configs = (await topicConfigsIfAllowed(admin, name!)) ?? [];
  const stats = await hostStats(ctx.broker, true);
  const facts = new Map(partitionFacts(ctx.broker, stats).filter((f) => f.topic === name).map((f) => [f.partition, f]));
  return {
    name: described!.name,
    topicId: described!.topicId,
    internal: described!.isInternal,
    partitions: described!.partitions.map((p) => {
      const f = facts.get(p.partition);
      return {
        partition: p.partition,
        leaderId: p.leaderId,
        replicas: p.replicas,
        isr: p.isr,
        logStartOffset: p.logStartOffset,
        logEndOffset: p.logEndOffset,
        segments: f?.segmentCount ?? -1,
        sizeBytes: f?.sizeBytes ?? -1,
        offline: f?.offline ?? false,
        uncleanable: f?.uncleanable ?? null,
      };
    }),
    configs: configs
      .map((e) => ({ name: e.name, value: e.isSensitive ? null : e.value, source: CONFIG_SOURCES[e.source] ?? 'UNKNOWN', isDefault: e.isDefault, readOnly: e.readOnly, sensitive: e.isSensitive }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    overrides: Object.fromEntries(configs.filter((e) => e.source === ConfigSource.DYNAMIC_TOPIC_CONFIG).map((e) => [e.name, e.value])),
  };
});

route('DELETE', '/api/topics/:topic', async (ctx, [name], query) => {
  if (query.get('confirm') !== name) throw new HttpError(400, `deleting topic '${name}' needs confirm=${name}`);
  await new Admin(ctx.client()).deleteTopics([name!]);
  return { deleted: name };
});

route('PATCH', '/api/topics/:topic/configs', async (ctx, [name], _query, body) => {
  const b = object(body);
  const set = stringMap(b.set, 'set');
  const del = b.delete === undefined ? [] : b.delete;
  if (!Array.isArray(del) || del.some((k) => typeof k !== 'string')) throw new HttpError(400, 'delete must be a list of config names');
  const ops = [
    ...Object.entries(set).map(([k, value]) => ({ name: k, op: 'set' as const, value })),
    ...(del as string[]).map((k) => ({ name: k, op: 'delete' as const })),
  ];
  if (ops.length === 0) throw new HttpError(400, 'nothing to change: give set or delete');
  await new Admin(ctx.client()).incrementalAlterConfigs('topic', name!, ops);
  return { altered: name, set, deleted: del };
});

route('POST', '/api/topics/:topic/partitions', async (ctx, [name], _query, body) => {
  const count = Number(object(body).count);
  if (!Number.isInteger(count) || count < 1) throw new HttpError(400, 'count (the new number of partitions) must be a positive whole number');
  await new Admin(ctx.client()).createPartitions([{ name: name!, count }]);
  return { topic: name, partitions: count };
});

// ───────────────────────────── the message browser ─────────────────────────────

interface RecordView {
  offset: number;
  timestamp: number;
  timestampType: string;
  key: string | null;
  keySize: number;
  value: string | null;
  valueSize: number;
  valueTruncated: boolean;
  headers: { key: string; value: string | null }[];
}

function viewOf(r: ConsumedRecord): RecordView {
  const value = r.value;
  const cut = value !== null && value.length > MAX_VALUE_BYTES;
  return {
    offset: r.offset,
    timestamp: r.timestamp,
    timestampType: r.timestampType,
    key: r.key === null ? null : r.key.toString('base64'),
    keySize: r.key?.length ?? -1,
    value: value === null ? null : (cut ? value.subarray(0, MAX_VALUE_BYTES) : value).toString('base64'),
    valueSize: value?.length ?? -1,
    valueTruncated: cut,
    headers: r.headers.map((h) => ({ key: h.key, value: h.value === null ? null : Buffer.from(h.value).toString('base64') })),
  };
}

route('GET', '/api/topics/:topic/messages', async (ctx, [topic], query) => {
  const client = ctx.client();
  const admin = new Admin(client);
  const partition = intParam(query, 'partition', 0, 0);
  const limit = intParam(query, 'limit', DEFAULT_BROWSE_RECORDS, 1, MAX_BROWSE_RECORDS);
  const scanLimit = intParam(query, 'scan', DEFAULT_SCAN_RECORDS, 1, MAX_SCAN_RECORDS);
  const needle = query.get('q') ?? '';
  const where = query.get('in') ?? 'any';
  if (!['key', 'value', 'any'].includes(where)) throw new HttpError(400, 'in must be key, value or any');
  const info = await client.topic(topic!, { refresh: true });
  if (!info.partitions[partition]) throw new HttpError(404, `topic '${topic}' has no partition ${partition}`);
  const tp = [{ topic: topic!, partition }];
  const [[start], [end]] = await Promise.all([admin.listOffsets(tp, 'earliest'), admin.listOffsets(tp, 'latest')]);
  const logStartOffset = start!.offset;
  const logEndOffset = end!.offset;
  let from: number;
  if (query.get('offset') !== null && query.get('offset') !== '') {
    from = Math.min(Math.max(intParam(query, 'offset', 0), logStartOffset), logEndOffset);
  } else if (query.get('timestamp') !== null && query.get('timestamp') !== '') {
    const [found] = await admin.listOffsets(tp, { timestamp: intParam(query, 'timestamp', 0, 0) });
    from = found!.offset < 0 ? logEndOffset : found!.offset;
  } else if (query.get('from') === 'oldest') {
    from = logStartOffset;
  } else {
    from = Math.max(logStartOffset, logEndOffset - limit);
  }

  const needleBytes = Buffer.from(needle, 'utf8');
  const matches = (r: ConsumedRecord): boolean =>
    needle === '' || ((where === 'key' || where === 'any') && r.key !== null && r.key.includes(needleBytes)) || ((where === 'value' || where === 'any') && r.value !== null && r.value.includes(needleBytes));

  const records: RecordView[] = [];
  let scanned = 0;
  let nextOffset = from;
  // maxWaitMs 0: the broker answers at once, and the loop stops at the end offset seen above.
  const consumer = new Consumer(client, { maxWaitMs: 0, autoCommit: false, maxPollRecords: 500 });
  const deadline = Date.now() + BROWSE_TIME_LIMIT_MS;
  try {
    if (from < logEndOffset) {
      await consumer.assign([{ topic: topic!, partition, offset: from }]);
      let idlePolls = 0;
      outer: while (nextOffset < logEndOffset && scanned < scanLimit && records.length < limit && Date.now() < deadline) {
        const batch = await consumer.poll();
        if (batch.length === 0) {
          // Offsets with no record (compacted away, transaction markers): move on by position.
          const position = consumer.positions()[0]?.offset ?? nextOffset;
          if (position > nextOffset) nextOffset = position;
          else if (++idlePolls > 3) break;
          continue;
        }
        idlePolls = 0;
        for (const r of batch) {
          if (r.offset >= logEndOffset) break outer;
          scanned++;
          nextOffset = r.offset + 1;
          if (matches(r)) records.push(viewOf(r));
          if (records.length >= limit || scanned >= scanLimit) break outer;
        }
      }
    }
  } finally {
    await consumer.close();
  }
  return { topic, partition, logStartOffset, logEndOffset, startOffset: from, nextOffset, scanned, reachedEnd: nextOffset >= logEndOffset, records };
});

// ───────────────────────────── consumer groups ─────────────────────────────

route('GET', '/api/groups', async (ctx) => {
  const admin = new Admin(ctx.client());
  const listed = await admin.listGroups();
  const described = listed.length > 0 ? await admin.describeGroups(listed.map((g) => g.groupId)) : [];
  const lagOf = new Map(groupFacts(ctx.broker).map((g) => [g.groupId, g]));
  return {
    groups: described.map((g) => ({
      groupId: g.groupId,
      state: g.state,
      protocolType: g.protocolType,
      protocol: g.protocol,
      members: g.members.length,
      partitions: lagOf.get(g.groupId)?.partitions.length ?? 0,
      totalLag: lagOf.get(g.groupId)?.totalLag ?? 0,
    })),
  };
});

route('GET', '/api/groups/:group', async (ctx, [groupId]) => {
  const admin = new Admin(ctx.client());
  const [g] = await admin.describeGroups([groupId!]);
  const committed = await admin.fetchGroupOffsets(groupId!);
  if (g!.state === 'Dead' && committed.length === 0) throw new HttpError(404, `group '${groupId}' does not exist`);
  // End offsets for the committed partitions, by ListOffsets; a partition whose topic is gone has none.
  const known = committed.filter((o) => ctx.broker.partition(o.topic, o.partition) !== undefined);
  const ends = known.length > 0 ? await admin.listOffsets(known, 'latest') : [];
  const endOf = new Map(ends.map((e) => [`${e.topic}\u0000${e.partition}`, e.offset]));
  const offsets = committed.map((o) => {
    const end = endOf.get(`${o.topic}\u0000${o.partition}`);
    return { topic: o.topic, partition: o.partition, committedOffset: o.offset, logEndOffset: end ?? -1, lag: end === undefined ? -1 : Math.max(0, end - o.offset), metadata: o.metadata ?? null };
  });
  return {
    groupId: g!.groupId,
    state: g!.state,
    protocolType: g!.protocolType,
    protocol: g!.protocol,
    members: g!.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      assignment: m.assignment?.map((a) => ({ topic: a.topic, partitions: a.partitions })) ?? null,
    })),
    offsets,
    totalLag: offsets.reduce((a, o) => a + Math.max(0, o.lag), 0),
    lagHistory: ctx.sampler.lagHistory(groupId!),
  };
});

route('POST', '/api/groups/:group/reset', async (ctx, [groupId], _query, body) => {
  const b = object(body);
  const admin = new Admin(ctx.client());
  const [g] = await admin.describeGroups([groupId!]);
  if (g!.state !== 'Empty' && g!.state !== 'Dead') throw new HttpError(409, `group '${groupId}' is ${g!.state}: offsets can be reset only while it has no members (Empty)`);
  let to: Parameters<Admin['planOffsetReset']>[2];
  if (b.to === 'earliest') to = { kind: 'earliest' };
  else if (b.to === 'latest') to = { kind: 'latest' };
  else if (b.to === 'timestamp') {
    const timestamp = Number(b.timestamp);
    if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new HttpError(400, 'timestamp must be milliseconds since the epoch');
    to = { kind: 'datetime', timestamp };
  } else throw new HttpError(400, 'to must be earliest, latest or timestamp');
  let topics: string[];
  if (typeof b.topic === 'string' && b.topic !== '') topics = [b.topic];
  else topics = [...new Set((await admin.fetchGroupOffsets(groupId!)).map((o) => o.topic))];
  if (topics.length === 0) throw new HttpError(400, `group '${groupId}' has no committed offsets; name a topic to reset`);
  const offsets = await admin.planOffsetReset(
    groupId!,
    topics.map((topic) => ({ topic })),
    to,
  );
  await admin.commitGroupOffsets(groupId!, offsets);
  return { groupId, offsets };
});

// ───────────────────────────── transactions ─────────────────────────────

/**
 * Groups whose committed offset on a partition has reached its last stable offset: a
 * read_committed consumer of such a group can read no further there until the transaction
 * pinning the offset ends. The broker does not know a group's isolation level (a fetch carries
 * it, not the group), so a read_uncommitted group that is caught up shows too; one past the
 * LSO (`atLso` false) has read records of the open transaction, which read_committed never does.
 */
interface ParkedGroup {
  groupId: string;
  committedOffset: number;
  atLso: boolean;
}

interface PartitionView {
  topic: string;
  partition: number;
  /** The transaction's first offset on the partition; null while it has added the partition but written nothing there. */
  firstOffset: number | null;
  lastStableOffset: number;
  logEndOffset: number;
  /** Whether this transaction is the partition's oldest open one: the LSO is its first offset. */
  pinsLso: boolean;
  /** Preparing transactions only: the marker for this partition is not written yet. */
  awaitingMarker: boolean;
  parked: ParkedGroup[];
}

route('GET', '/api/transactions', async (ctx) => {
  const { broker } = ctx;
  const before = coordinatorFacts(broker);
  const partitions = await partitionTxnFacts(broker, heldPartitions(before));
  // The coordinator again, after the partitions answered. A transaction open at either read is
  // not taken for a hanging one: one begun meanwhile, or one whose markers were being written.
  const coordinator = coordinatorFacts(broker);
  const now = Date.now();
  const byPartition = new Map(partitions.map((f) => [tpKey(f.topic, f.partition), f]));
  const committed = new Map<string, { groupId: string; offset: number }[]>();
  for (const g of groupFacts(broker)) {
    for (const p of g.partitions) {
      const k = tpKey(p.topic, p.partition);
      let list = committed.get(k);
      if (!list) committed.set(k, (list = []));
      list.push({ groupId: g.groupId, offset: p.committedOffset });
    }
  }
  const view = (topic: string, partition: number, producerId: number, awaitingMarker: boolean): PartitionView => {
    const k = tpKey(topic, partition);
    const f = byPartition.get(k);
    const mine = f?.open.find((o) => o.producerId === producerId);
    const pinsLso = mine !== undefined && f!.open[0] === mine;
    const lso = f?.lastStableOffset ?? -1;
    return {
      topic,
      partition,
      firstOffset: mine?.firstOffset ?? null,
      lastStableOffset: lso,
      logEndOffset: f?.logEndOffset ?? -1,
      pinsLso,
      awaitingMarker,
      parked: pinsLso ? (committed.get(k) ?? []).filter((c) => c.offset >= lso).map((c) => ({ groupId: c.groupId, committedOffset: c.offset, atLso: c.offset === lso })) : [],
    };
  };
  const known = new Set([...before.open, ...coordinator.open].map((t) => t.producerId));
  const hanging = [];
  for (const f of partitions) {
    // DescribeProducers, which shows these to Kafka's tools, needs READ on the topic.
    if (!ctx.authorize(AclOperation.READ, ResourceType.TOPIC, f.topic)) continue;
    for (const o of f.open) {
      if (known.has(o.producerId)) continue;
      hanging.push({ ...view(f.topic, f.partition, o.producerId, false), producerId: o.producerId, producerEpoch: o.producerEpoch, coordinatorEpoch: o.coordinatorEpoch, lastTimestamp: o.lastTimestamp });
    }
  }
  return {
    nowMs: now,
    coordinator: { loaded: coordinator.loaded, states: coordinator.states },
    // As ListTransactions: only the transactional ids the principal may describe.
    transactions: coordinator.open.filter((t) => ctx.authorize(AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, t.transactionalId)).map((t) => ({
      transactionalId: t.transactionalId,
      producerId: t.producerId,
      producerEpoch: t.producerEpoch,
      state: t.state,
      pendingState: t.pendingState,
      timeoutMs: t.timeoutMs,
      startMs: t.startMs,
      lastUpdateMs: t.lastUpdateMs,
      ageMs: t.startMs >= 0 ? Math.max(0, now - t.startMs) : 0,
      timedOut: t.startMs >= 0 && now - t.startMs > t.timeoutMs,
      partitions: t.partitions.map((p) => view(p.topic, p.partition, t.producerId, p.awaitingMarker)),
    })),
    hanging,
  };
});

/** Answers a coordinator error code as the console's errors. */
function coordinatorRefusal(code: number, transactionalId: string): HttpError {
  const what = `transaction of '${transactionalId}': ${errorName(code)}`;
  switch (code) {
    case ErrorCode.TRANSACTIONAL_ID_NOT_FOUND:
      return new HttpError(404, what);
    case ErrorCode.INVALID_TXN_STATE:
    case ErrorCode.CONCURRENT_TRANSACTIONS:
      return new HttpError(409, `${what}; it is no longer Ongoing or is changing state: reload`);
    case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
    case ErrorCode.COORDINATOR_NOT_AVAILABLE:
    case ErrorCode.NOT_COORDINATOR:
      return new HttpError(503, `${what}; try again`);
    default:
      return new HttpError(400, what);
  }
}

/**
 * Aborts a transaction the coordinator holds, the way it aborts one past its timeout: the
 * producer's epoch is bumped (the producer is fenced, its later writes refused), PrepareAbort is
 * written, then abort markers to every partition and CompleteAbort. The body names the producer
 * id and epoch the caller saw, so that a newer transaction of the same id is never aborted by a
 * stale page.
 */
route('POST', '/api/transactions/:id/abort', async (ctx, [transactionalId], _query, body) => {
  const b = object(body);
  const whole = (x: unknown): number => (typeof x === 'number' || (typeof x === 'string' && x.trim() !== '') ? Number(x) : Number.NaN);
  const producerId = whole(b.producerId);
  const producerEpoch = whole(b.producerEpoch);
  if (!Number.isSafeInteger(producerId) || !Number.isSafeInteger(producerEpoch)) throw new HttpError(400, 'producerId and producerEpoch (of the transaction to abort) are required');
  // Ending a transaction is EndTxn's to do, which needs WRITE on the transactional id.
  requireAllowed(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, transactionalId!, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, `end the transaction of '${transactionalId}'`);
  const coordinator = transactionCoordinatorOf(ctx.broker);
  if (!coordinator) throw new HttpError(503, 'the transaction coordinator is not running');
  const meta = coordinator.transactions.get(transactionalId!);
  if (!meta) throw new HttpError(404, `transactional id '${transactionalId}' does not exist`);
  if (meta.producerId !== producerId || meta.producerEpoch !== producerEpoch) {
    throw new HttpError(409, `'${transactionalId}' is now producer ${meta.producerId} epoch ${meta.producerEpoch}, not ${producerId} epoch ${producerEpoch}: reload`);
  }
  const state = TXN_STATE_NAMES[meta.state];
  if (meta.state !== TxnState.Ongoing) throw new HttpError(409, `the transaction of '${transactionalId}' is ${state}, not Ongoing: there is nothing to abort`);
  const code = await coordinator.abortOngoing(transactionalId!);
  if (code !== 0) throw coordinatorRefusal(code, transactionalId!);
  return { transactionalId, producerId: meta.producerId, producerEpoch: meta.producerEpoch, state: TXN_STATE_NAMES[meta.state] };
});

/**
 * Ends a hanging transaction (open on a partition, unknown to the coordinator as an open one)
 * as `kafka-transactions abort --topic T --partition P --start-offset N` does: DescribeProducers
 * finds the producer whose open transaction starts at `startOffset`, and WriteTxnMarkers writes
 * an abort marker with its producer id and epoch. A transaction the coordinator has open is
 * refused: abort it by its transactional id instead, or its other partitions would stay open.
 */
route('POST', '/api/topics/:topic/partitions/:partition/abort-transaction', async (ctx, [topic, partitionText], _query, body) => {
  const given = object(body).startOffset;
  const startOffset = typeof given === 'number' || (typeof given === 'string' && given.trim() !== '') ? Number(given) : Number.NaN;
  if (!Number.isSafeInteger(startOffset) || startOffset < 0) throw new HttpError(400, 'startOffset (the first offset of the open transaction) is required');
  const partition = Number(partitionText);
  if (!Number.isSafeInteger(partition) || partition < 0) throw new HttpError(400, 'the partition must be a whole number');
  const client = ctx.client();
  const leader = await client.leaderFor(topic!, partition);
  const described = await leader.request(DescribeProducers, { topics: [{ name: topic!, partitionIndexes: [partition] }] });
  const p = described.topics[0]?.partitions[0];
  if (!p) throw new HttpError(500, 'DescribeProducers answered no partition');
  check(p.errorCode, `${topic}-${partition}`, p.errorMessage);
  const producer = p.activeProducers.find((x) => x.currentTxnStartOffset === startOffset);
  if (!producer) throw new HttpError(404, `no open transaction starts at offset ${startOffset} of ${topic}-${partition}`);
  const owner = coordinatorFacts(ctx.broker).open.find((t) => t.producerId === producer.producerId);
  if (owner) throw new HttpError(409, `that transaction is '${owner.transactionalId}', open at the coordinator: abort it by its transactional id`);
  const written = await leader.request(WriteTxnMarkers, {
    markers: [{ producerId: producer.producerId, producerEpoch: producer.producerEpoch, transactionResult: false, topics: [{ name: topic!, partitionIndexes: [partition] }], coordinatorEpoch: Math.max(0, producer.coordinatorEpoch) }],
  });
  check(written.markers[0]?.topics[0]?.partitions[0]?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, `${topic}-${partition}`);
  return { topic, partition, startOffset, producerId: producer.producerId, producerEpoch: producer.producerEpoch, aborted: true };
});
