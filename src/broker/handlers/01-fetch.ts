/**
 * Fetch (key 1), v4-17 (record batches of magic v2 only, as in Kafka 4.0).
 *
 * Each partition is read by its log, which answers with a file slice (segment, position,
 * length); the slice becomes an ExternalBytes in the response and its bytes are streamed from
 * the file to the socket (fetch-stream.ts). No record is decoded or copied into the response.
 *
 * Limits: each partition reads at most its partition_max_bytes, and at most
 * replica.fetch.max.bytes in a fetch that carries a replica id (replica_id ≥ 0 up to v14,
 * replica_state.replica_id from v15: a follower, or a tool fetching as one); the response holds at most
 * min(max_bytes, fetch.max.bytes) of records, except that the first partition with data always
 * gets its first batch whole (Kafka's rule, so a consumer is never stuck behind a large batch).
 * A partition that does not fit the remaining budget is answered without records this time.
 *
 * Long poll: below min_bytes, the fetch parks on the partitions it asked for and is woken by the
 * first append to any of them (Broker.noteOffsets), then reads again — no polling loop — until
 * min_bytes is met or max_wait_ms has passed. An error on any partition answers at once.
 *
 * Sessions (KIP-227, v7+): fetch-sessions.ts. Topics are named up to v12 and identified by
 * topic ID from v13. Under READ_COMMITTED (isolation level 1) each partition is read only up
 * to its last stable offset and answered with the aborted transactions its bytes overlap
 * (core/partition-log.ts); under READ_UNCOMMITTED the list is null. The preferred read replica
 * is -1.
 *
 * Authorization (KafkaApis.handleFetchRequest), over every partition of the fetch, a session's
 * included: a fetch with a replica id (a follower) needs CLUSTER_ACTION on the cluster, else
 * every partition answers TOPIC_AUTHORIZATION_FAILED; a consumer's needs READ on each topic,
 * else its partitions answer TOPIC_AUTHORIZATION_FAILED (an unknown topic id stays
 * UNKNOWN_TOPIC_ID, a name is checked before it is looked up).
 */
import { ExternalBytes } from '../../protocol/codec/writer.js';
import { ErrorCode } from '../../protocol/errors.js';
import { Fetch } from '../../protocol/messages/index.js';
import type { ResponseOf } from '../../protocol/schema.js';
import type { Broker, PartitionState } from '../broker.js';
import type { FileSlice } from '../fetch-stream.js';
import { FetchSessions, type SessionPartition } from '../fetch-sessions.js';
import type { ReadResult } from '../partitions/host.js';
import { FetchIsolation } from '../../core/partition-log.js';
import { defineHandler } from '../router.js';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../security/acl.js';

type FetchResponse = ResponseOf<typeof Fetch>;
type PartitionData = FetchResponse['responses'][number]['partitions'][number];

const EMPTY = Buffer.alloc(0);
const sessionsByBroker = new WeakMap<Broker, FetchSessions>();

interface Wanted extends SessionPartition {
  state: PartitionState | undefined;
  /** Error for a topic or partition the broker does not have. */
  missingError: number;
}

function sessionsOf(broker: Broker): FetchSessions {
  let s = sessionsByBroker.get(broker);
  if (!s) sessionsByBroker.set(broker, (s = new FetchSessions()));
  return s;
}

/**
 * Whether the principal may read a topic: by name, or undefined for a topic id the broker does
 * not know. Absent without an authorizer.
 */
type Readable = (topic: string | undefined) => boolean;

function resolve(broker: Broker, byId: boolean, topic: string, topicId: string, partition: number, readable?: Readable): Pick<Wanted, 'state' | 'missingError' | 'topic' | 'topicId'> {
  const t = byId ? broker.topicById(topicId) : broker.topics.get(topic);
  if (readable && !readable(byId ? t?.meta.name : topic)) {
    return { state: undefined, missingError: ErrorCode.TOPIC_AUTHORIZATION_FAILED, topic: t?.meta.name ?? topic, topicId: t?.meta.topicId ?? topicId };
  }
  if (!t) return { state: undefined, missingError: byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, topic, topicId };
  const state = t.partitions[partition];
  return { state, missingError: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, topic: t.meta.name, topicId: t.meta.topicId };
}

const keyOf = (byId: boolean, topic: string, topicId: string, partition: number) => `${byId ? topicId : topic}:${partition}`;

interface PassResult {
  data: Map<Wanted, { reply: ReadResult | undefined; records: FileSlice | undefined }>;
  bytes: number;
  anyError: boolean;
}

async function readPass(broker: Broker, wanted: Wanted[], maxBytes: number, isolation: FetchIsolation): Promise<PassResult> {
  const replies = await Promise.all(wanted.map((w) => (w.state ? broker.host.read(w.state.handle, w.fetchOffset, Math.min(w.partitionMaxBytes, maxBytes), isolation) : undefined)));
  const data: PassResult['data'] = new Map();
  let bytes = 0;
  let anyError = false;
  wanted.forEach((w, i) => {
    const reply = replies[i];
    if (reply && w.state) broker.noteOffsets(w.state, reply.logStartOffset, reply.logEndOffset);
    if (!reply || reply.errorCode !== 0) anyError = true;
    let records: FileSlice | undefined;
    if (reply?.slice && (bytes === 0 || reply.slice.length <= maxBytes - bytes)) {
      records = reply.slice;
      bytes += reply.slice.length;
    }
    data.set(w, { reply, records });
  });
  return { data, bytes, anyError };
}

/** Resolves when any of the partitions grows, after `ms`, or when the client's connection closes. */
function waitForGrowth(states: PartitionState[], ms: number, closed: AbortSignal): Promise<void> {
  return new Promise((done) => {
    const wake = (): void => {
      clearTimeout(timer);
      closed.removeEventListener('abort', wake);
      for (const s of states) s.waiters.delete(wake);
      done();
    };
    const timer = setTimeout(wake, ms);
    closed.addEventListener('abort', wake);
    for (const s of states) s.waiters.add(wake);
  });
}

/**
 * Kafka's rule: a follower needs CLUSTER_ACTION on the cluster, for every partition alike; a
 * consumer READ on each topic, asked once per topic name.
 */
function readableBy(authorize: (operation: number, resourceType: number, resourceName: string) => boolean, fromFollower: boolean): Readable {
  if (fromFollower) {
    const allowed = authorize(AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME);
    return () => allowed;
  }
  const byName = new Map<string, boolean>();
  return (topic) => {
    if (topic === undefined) return true;
    let allowed = byName.get(topic);
    if (allowed === undefined) byName.set(topic, (allowed = authorize(AclOperation.READ, ResourceType.TOPIC, topic)));
    return allowed;
  };
}

export default defineHandler({
  api: Fetch,
  async handle({ broker, version, connection, header, authorize, requestQuota }, request) {
    const byId = version >= 13;
    const maxBytes = Math.max(0, Math.min(request.maxBytes, broker.config.values['fetch.max.bytes'] as number));
    // Each field reads as -1 in the versions that lack it.
    const replicaId = Math.max(request.replicaId, request.replicaState?.replicaId ?? -1);
    const partitionCapBytes = replicaId >= 0 ? (broker.config.values['replica.fetch.max.bytes'] as number) : Infinity;
    const outcome = version >= 7 ? sessionsOf(broker).begin(request.sessionId, request.sessionEpoch) : ({ kind: 'sessionless' } as const);
    if (outcome.kind === 'error') {
      return { throttleTimeMs: 0, errorCode: outcome.errorCode, sessionId: 0, responses: [], nodeEndpoints: [] };
    }

    const readable = broker.security.authorizer.enabled ? readableBy(authorize, replicaId >= 0) : undefined;

    // The partitions this fetch is about, in order.
    const fromRequest: Wanted[] = [];
    for (const t of request.topics) {
      for (const p of t.partitions) {
        const found = resolve(broker, byId, t.topic, t.topicId, p.partition, readable);
        fromRequest.push({
          ...found,
          partition: p.partition,
          fetchOffset: p.fetchOffset,
          partitionMaxBytes: Math.min(p.partitionMaxBytes, partitionCapBytes),
          lastHighWatermark: -1,
          lastLogStartOffset: -1,
        });
      }
    }
    let wanted: Wanted[];
    const session = outcome.kind === 'sessionless' ? undefined : outcome.session;
    if (outcome.kind === 'incremental') {
      const parts = outcome.session.partitions;
      for (const w of fromRequest) {
        const key = keyOf(byId, w.topic, w.topicId, w.partition);
        const known = parts.get(key);
        if (known) {
          known.fetchOffset = w.fetchOffset;
          known.partitionMaxBytes = w.partitionMaxBytes;
        } else parts.set(key, w);
      }
      for (const f of request.forgottenTopicsData) {
        for (const p of f.partitions) parts.delete(`${byId ? f.topicId : f.topic}:${p}`);
      }
      wanted = [...parts.values()].map((sp) => ({ ...sp, ...resolve(broker, byId, sp.topic, sp.topicId, sp.partition, readable) }));
    } else {
      wanted = fromRequest;
      if (session) for (const w of wanted) session.partitions.set(keyOf(byId, w.topic, w.topicId, w.partition), w);
    }

    const deadline = Date.now() + Math.max(0, request.maxWaitMs);
    const readCommitted = request.isolationLevel === 1;
    // Followers read to the log end, consumers to the high watermark (or the LSO).
    const isolation = replicaId >= 0 ? FetchIsolation.LogEnd : readCommitted ? FetchIsolation.TxnCommitted : FetchIsolation.HighWatermark;
    const cluster = broker.cluster;
    if (cluster) {
      // Cluster mode: only the leader serves a partition, to consumers and followers alike.
      for (const w of wanted) {
        const replica = cluster.replicas.get(w.topic, w.partition);
        if (w.state && (!replica || replica.role !== 'leader')) {
          w.state = undefined;
          w.missingError = ErrorCode.NOT_LEADER_OR_FOLLOWER;
        } else if (!w.state && w.missingError !== ErrorCode.TOPIC_AUTHORIZATION_FAILED && cluster.metadata.partition(w.topic, w.partition)) {
          w.missingError = ErrorCode.NOT_LEADER_OR_FOLLOWER;
        }
      }
    }
    let pass = await readPass(broker, wanted, maxBytes, isolation);
    if (cluster && replicaId >= 0) {
      // A follower's fetch offset is its log end offset: the ISR and high watermark follow it.
      for (const w of wanted) {
        const reply = pass.data.get(w)?.reply;
        const replica = w.state && cluster.replicas.get(w.topic, w.partition);
        if (replica && reply && reply.errorCode === 0) cluster.replicas.followerFetched(replica, replicaId, w.fetchOffset, reply.logEndOffset);
      }
    }
    const states = wanted.map((w) => w.state).filter((s): s is PartitionState => s !== undefined);
    while (pass.bytes < Math.max(1, request.minBytes) && !pass.anyError && states.length > 0 && request.maxWaitMs > 0 && !connection.signal.aborted) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      await waitForGrowth(states, left, connection.signal);
      pass = await readPass(broker, wanted, maxBytes, isolation);
    }

    // consumer_byte_rate and request_percentage (security/quota-manager.ts): the records' bytes
    // and the request's thread time are counted, and a fetch that takes the client past either
    // quota is answered as Kafka answers it (KIP-219, FetchContext.getThrottledResponse): no
    // partitions, throttle_time_ms the larger throttle, its bytes taken back off the rate, the
    // connection muted for that long. The session keeps the offsets the request brought but not
    // what the response would have told (the next answer says it), and a session this full
    // fetch opened is dropped, the client never having learnt its id. A follower's fetch is
    // exempt from both, as Kafka exempts cluster actions.
    if (replicaId >= 0) requestQuota.exempt();
    else {
      const bytesQuota = broker.security.fetchQuota;
      let fetchedBytes = 0;
      if (bytesQuota.enabled) for (const w of wanted) if (w.state) fetchedBytes += pass.data.get(w)!.records?.length ?? 0;
      const principal = connection.auth.principal;
      const clientId = header.clientId ?? '';
      const bytesThrottleMs = fetchedBytes > 0 ? bytesQuota.record(principal, clientId, fetchedBytes) : 0;
      const throttleTimeMs = Math.max(bytesThrottleMs, requestQuota.throttleMs());
      if (throttleTimeMs > 0) {
        if (fetchedBytes > 0) bytesQuota.unrecord(principal, clientId, fetchedBytes);
        connection.throttle(throttleTimeMs);
        if (outcome.kind === 'new') sessionsOf(broker).discard(outcome.session);
        return { throttleTimeMs, errorCode: 0, sessionId: outcome.kind === 'incremental' ? outcome.session.id : 0, responses: [], nodeEndpoints: [] };
      }
    }

    const topics: FetchResponse['responses'] = [];
    // Metrics (metrics.ts): bytes out exactly, records out estimated from them; one fetch
    // request per topic, failed once when any of its partitions answers an error.
    const metrics = broker.metrics;
    let countedSlot = -1;
    let failedSlot = -1;
    for (const w of wanted) {
      const { reply, records } = pass.data.get(w)!;
      const errorCode = reply ? reply.errorCode : w.missingError;
      if (w.state) {
        const slot = w.state.metricsSlot;
        if (slot !== countedSlot) metrics.fetchRequest((countedSlot = slot));
        if (errorCode !== 0 && slot !== failedSlot) metrics.fetchFailed((failedSlot = slot));
        if (records) metrics.fetched(slot, records.length);
      }
      const highWatermark = reply && errorCode !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION ? reply.highWatermark : -1;
      const logStartOffset = reply ? reply.logStartOffset : -1;
      if (outcome.kind === 'incremental') {
        const sp = session!.partitions.get(keyOf(byId, w.topic, w.topicId, w.partition));
        const changed = records !== undefined || errorCode !== 0 || !sp || sp.lastHighWatermark !== highWatermark || sp.lastLogStartOffset !== logStartOffset;
        if (sp) {
          sp.lastHighWatermark = highWatermark;
          sp.lastLogStartOffset = logStartOffset;
        }
        if (!changed) continue;
      } else if (session) {
        const sp = session.partitions.get(keyOf(byId, w.topic, w.topicId, w.partition));
        if (sp) {
          sp.lastHighWatermark = highWatermark;
          sp.lastLogStartOffset = logStartOffset;
        }
      }
      const partition: PartitionData = {
        partitionIndex: w.partition,
        errorCode,
        highWatermark,
        lastStableOffset: reply && highWatermark >= 0 ? reply.lastStableOffset : -1,
        logStartOffset,
        divergingEpoch: { epoch: -1, endOffset: -1 },
        currentLeader: { leaderId: -1, leaderEpoch: -1 },
        snapshotId: { endOffset: -1, epoch: -1 },
        abortedTransactions: readCommitted ? (records ? (reply?.abortedTransactions ?? []) : []) : null,
        preferredReadReplica: -1,
        records: records ? (new ExternalBytes(records.length, records) as unknown as Buffer) : EMPTY,
      };
      const last = topics[topics.length - 1];
      if (last && (byId ? last.topicId === w.topicId : last.topic === w.topic)) last.partitions.push(partition);
      else topics.push({ topic: w.topic, topicId: w.topicId, partitions: [partition] });
    }
    return { throttleTimeMs: 0, errorCode: 0, sessionId: session?.id ?? 0, responses: topics, nodeEndpoints: [] };
  },
});
