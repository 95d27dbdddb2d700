/**
 * Produce (key 0), v0-12, as Kafka 3.9 serves v0-11 and Kafka 4.0 v12.
 *
 * Versions 0-2 carry message sets of magic 0 or 1 (old producers: librdkafka with
 * api.version.request=false and an old broker.version.fallback, clients from before Kafka 0.11).
 * As Kafka 3.x does, each such set is converted to one batch of magic 2 before it reaches the
 * log (protocol/records/legacy.ts, on the piscina pool), compressed with the topic's codec or,
 * for compression.type=producer, the producer's; the log then treats it as any other batch.
 * A v0-2 request holding magic 2 batches is appended as it is, as Kafka appends it.
 *
 * Each partition's record data is handed to its log as the slice of the request frame it is —
 * nothing is decoded here. When the topic's compression.type names a codec, batches in another
 * codec are recompressed first, on the piscina pool, their records validated on the way with the
 * topic's checks: a batch refused there gets the answer the log would give it (the error code,
 * Kafka's error message and record errors). Partitions are appended in parallel and
 * one bad partition never fails the others. acks=0 gets no response at all; acks=1 and acks=-1
 * are the same on a single node (the leader is the whole ISR). Produce requests are pipelined
 * on their connection (router/connection.ts): their appends reach each partition's ring in
 * request order.
 *
 * Idempotent producers are deduplicated by the partition's log (core/producer-state.ts).
 * A transactional batch (attribute bit 4) is first checked with the transaction coordinator
 * (transactions/coordinator.ts checkProduce: the producer's current epoch, an ongoing
 * transaction that holds this partition), immediately before it is handed to the partition's
 * ring, with no await between: a batch accepted there reaches the log before any marker that
 * ends its transaction. transaction.partition.verification.enable=false skips the check, as
 * Kafka's does. In v12 (KIP-890 part 2, transaction version 2) the client sends no
 * AddPartitionsToTxn: the partitions of the request's transactional batches that the
 * transaction does not hold yet are added by the broker, in one coordinator write for the whole
 * request, started before any partition takes its place in its ring order; each partition
 * waits for it after taking its place, then is checked as above. An add that fails answers as
 * Kafka's broker does: retriable coordinator errors as NOT_ENOUGH_REPLICAS (which every client
 * retries), PRODUCER_FENCED as INVALID_PRODUCER_EPOCH.
 *
 * Internal topics (__consumer_offsets, __transaction_state) are refused with
 * INVALID_TOPIC_EXCEPTION, as Kafka refuses client appends to them: only the broker writes
 * there (its coordinators append through the PartitionHost, not through this handler), so a
 * client can never put a record there that would stop the coordinator from loading.
 *
 * Authorization (KafkaApis.handleProduceRequest): a request holding any transactional batch
 * needs a transactional id and WRITE on it, else every partition answers
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED; then WRITE on each topic, else its partitions answer
 * TOPIC_AUTHORIZATION_FAILED (before any other check, and nothing of theirs is added to a
 * transaction). Idempotent batches need nothing more (Kafka 3.x, KIP-679: the rule is on
 * InitProducerId). acks=0 still gets no answer; Kafka closes the connection instead.
 */
import { INTERNAL_TOPICS } from '../../core/topic-name.js';
import { ErrorCode } from '../../protocol/errors.js';
import { Produce } from '../../protocol/messages/index.js';
import { Attr, BATCH_OFFSETS } from '../../protocol/records/batch.js';
import { transactionCoordinatorOf } from '../transactions/state-topic.js';
import { codecNamed } from '../../protocol/records/compression/index.js';
import { compressionOf } from '../../protocol/records/batch.js';
import { recordSetMagic } from '../../protocol/records/legacy.js';
import { RecompressError } from '../../protocol/records/recompress.js';
import type { RecordChecks, RecordError } from '../../protocol/records/validate.js';
import type { RequestOf, ResponseOf } from '../../protocol/schema.js';
import { convertLegacyOnPool, recompressOnPool } from '../../workers/pool.js';
import type { Broker, TopicState } from '../broker.js';
import { defineHandler } from '../router.js';
import { AclOperation, ResourceType } from '../security/acl.js';

type PartitionResponse = ResponseOf<typeof Produce>['responses'][number]['partitionResponses'][number];

const failed = (index: number, errorCode: number, errorMessage: string | null = null, recordErrors: readonly RecordError[] = []): PartitionResponse => ({
  index,
  errorCode,
  baseOffset: -1,
  logAppendTimeMs: -1,
  logStartOffset: -1,
  recordErrors: recordErrors.map((e) => ({ batchIndex: e.batchIndex, batchIndexErrorMessage: e.message })),
  errorMessage,
  currentLeader: { leaderId: -1, leaderEpoch: -1 },
});

/** The record checks of a partition of the topic, from its config, as the log applies them. */
function recordChecks(topic: TopicState, index: number): RecordChecks {
  const v = topic.config.values;
  return {
    compacted: (v['cleanup.policy'] as readonly string[]).includes('compact'),
    timestampType: v['message.timestamp.type'] === 'LogAppendTime' ? 'LogAppendTime' : 'CreateTime',
    nowMs: Date.now(),
    timestampBeforeMaxMs: v['message.timestamp.before.max.ms'] as number,
    timestampAfterMaxMs: v['message.timestamp.after.max.ms'] as number,
    topicPartition: `${topic.meta.name}-${index}`,
  };
}

/** Whether any batch of the set uses a codec other than `to`. */
function needsRecompression(records: Buffer, to: number): boolean {
  for (let at = 0; at + 61 <= records.length; ) {
    if (compressionOf(records.readInt16BE(at + 21)) !== to) return true;
    const size = records.readInt32BE(at + 8) + 12;
    if (size < 61) return false;
    at += size;
  }
  return false;
}

/**
 * For a set whose first batch is transactional (a producer sends one batch per partition): the
 * coordinator's verdict on appending it now, 0 when it may be. Non-transactional sets cost one
 * read of the attributes.
 */
function transactionalVerdict(broker: Broker, transactionalId: string | null, topic: string, partition: number, records: Buffer): number {
  if (!isTransactional(records)) return 0;
  if (!(broker.config.values['transaction.partition.verification.enable'] as boolean)) return 0;
  const coordinator = transactionCoordinatorOf(broker);
  if (!coordinator) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  return coordinator.checkProduce(transactionalId, producerIdOf(records), records.readInt16BE(BATCH_OFFSETS.producerEpoch), topic, partition);
}

function isTransactional(records: Buffer | null): records is Buffer {
  return records !== null && records.length >= 61 && records[16] === 2 && (records.readInt16BE(BATCH_OFFSETS.attributes) & Attr.transactional) !== 0;
}

/** Whether any batch of any partition is transactional (Kafka's RequestUtils.hasTransactionalRecords). */
function hasTransactionalRecords(request: RequestOf<typeof Produce>): boolean {
  for (const t of request.topicData) {
    for (const p of t.partitionData) {
      const records = p.records;
      if (records === null) continue;
      for (let at = 0; at + 61 <= records.length; ) {
        if (records[at + 16] === 2 && (records.readInt16BE(at + BATCH_OFFSETS.attributes) & Attr.transactional) !== 0) return true;
        const size = records.readInt32BE(at + 8) + 12;
        if (size < 61) break;
        at += size;
      }
    }
  }
  return false;
}

const producerIdOf = (records: Buffer): number => records.readInt32BE(BATCH_OFFSETS.producerId) * 4294967296 + records.readUInt32BE(BATCH_OFFSETS.producerId + 4);

/** What an implicit add's failure answers in the produce response (Kafka's ReplicaManager). */
function addFailure(code: number): number {
  switch (code) {
    case ErrorCode.CONCURRENT_TRANSACTIONS:
    case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
    case ErrorCode.COORDINATOR_NOT_AVAILABLE:
    case ErrorCode.NOT_COORDINATOR:
      return ErrorCode.NOT_ENOUGH_REPLICAS;
    case ErrorCode.PRODUCER_FENCED:
      return ErrorCode.INVALID_PRODUCER_EPOCH;
    default:
      return code;
  }
}

/**
 * Produce v12: starts adding, in one write, the partitions of the request's transactional
 * batches that the producer's transaction does not hold yet. Undefined when there are none.
 */
function addImplicitly(broker: Broker, request: RequestOf<typeof Produce>, denied: ReadonlySet<string> | undefined): Promise<number> | undefined {
  const transactionalId = request.transactionalId;
  if (transactionalId === null) return undefined;
  const coordinator = transactionCoordinatorOf(broker);
  let producer: { id: number; epoch: number } | undefined;
  const partitions: { topic: string; partition: number }[] = [];
  for (const t of request.topicData) {
    if (denied?.has(t.name)) continue;
    for (const p of t.partitionData) {
      if (!isTransactional(p.records) || INTERNAL_TOPICS.has(t.name) || !broker.partition(t.name, p.index)) continue;
      if (!coordinator) return Promise.resolve(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      producer ??= { id: producerIdOf(p.records), epoch: p.records.readInt16BE(BATCH_OFFSETS.producerEpoch) };
      if (coordinator.checkProduce(transactionalId, producer.id, producer.epoch, t.name, p.index) !== 0) partitions.push({ topic: t.name, partition: p.index });
    }
  }
  if (!producer || partitions.length === 0) return undefined;
  return coordinator!.addPartitionsImplicitly(transactionalId, producer.id, producer.epoch, partitions);
}

/** `legacy`: a request of v0-2, whose record set may be a message set of magic 0 or 1. */
async function appendPartition(
  broker: Broker,
  topic: TopicState,
  index: number,
  records: Buffer | null,
  legacy: boolean,
  transactionalId: string | null,
  added: Promise<number> | undefined,
  acks: number,
  timeoutMs: number,
): Promise<PartitionResponse> {
  const p = topic.partitions[index];
  // Cluster mode: only the leader appends, and acks=all needs min.insync.replicas in the ISR first.
  const replica = broker.cluster?.replicas.get(topic.meta.name, index);
  const minIsr = topic.config.values['min.insync.replicas'] as number;
  if (broker.cluster) {
    if (!replica || replica.role !== 'leader') return notLeader(broker, topic.meta.name, index);
    if (acks === -1 && replica.isr.length < minIsr) {
      return failed(index, ErrorCode.NOT_ENOUGH_REPLICAS, `The size of the current ISR [${replica.isr}] is insufficient to satisfy the min.isr requirement of ${minIsr} for partition ${topic.meta.name}-${index}`);
    }
  }
  if (!p) return failed(index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (records === null || records.length === 0) return failed(index, ErrorCode.CORRUPT_MESSAGE, 'no record data');
  // Take this request's place in the partition's order before any await.
  const previous = p.lastDispatch;
  let dispatched!: () => void;
  p.lastDispatch = new Promise((resolve) => (dispatched = resolve));
  const wanted = topic.config.values['compression.type'];
  const codec = wanted === 'producer' ? undefined : codecNamed(wanted === 'uncompressed' ? 'none' : wanted);
  // The rewrites a set may need first, on the pool: both refuse the way the log would.
  let rewrite: (() => Promise<Buffer>) | undefined;
  if (legacy && [0, 1].includes(recordSetMagic(records))) rewrite = () => convertLegacyOnPool(records, codec ? codec.type : null);
  else if (codec && needsRecompression(records, codec.type)) {
    rewrite = () => recompressOnPool(records, codec.type, { checks: recordChecks(topic, index), maxBatchBytes: topic.logConfig.maxMessageBytes });
  }
  let data = records;
  if (rewrite) {
    try {
      data = await rewrite();
    } catch (e) {
      await previous;
      dispatched();
      if (e instanceof RecompressError) return failed(index, e.errorCode, e.refusal.errorMessage ?? null, e.refusal.recordErrors);
      return failed(index, ErrorCode.CORRUPT_MESSAGE, (e as Error).message);
    }
  }
  const addCode = added && isTransactional(data) ? addFailure(await added) : 0;
  await previous;
  if (addCode !== 0) {
    dispatched();
    return failed(index, addCode, 'the partition could not be added to the transaction');
  }
  // The coordinator's check and the hand-over to the ring happen together (see the header).
  const verdict = transactionalVerdict(broker, transactionalId, topic.meta.name, index, data);
  if (verdict !== 0) {
    dispatched();
    return failed(index, verdict, 'the transactional batch does not belong to an ongoing transaction of this producer that holds this partition');
  }
  const pending = broker.host.append(p.handle, data);
  dispatched();
  const r = await pending;
  if (r.errorCode !== 0) return failed(index, r.errorCode, r.errorMessage ?? null, r.recordErrors);
  broker.noteOffsets(p, r.logStartOffset, r.logEndOffset);
  // Metrics: records from the batch headers (one read per batch), bytes as received.
  broker.metrics.produced(p.metricsSlot, data, records.length);
  if (replica) {
    broker.cluster!.replicas.leaderAppended(replica);
    // acks=all: answered once every in-sync replica has the records (the high watermark passed them).
    if (acks === -1) {
      const code = await broker.cluster!.replicas.awaitCommit(replica, r.lastOffset, minIsr, timeoutMs);
      if (code !== ErrorCode.NONE) return failed(index, code, code === ErrorCode.REQUEST_TIMED_OUT ? `the in-sync replicas did not all have the records within ${timeoutMs} ms` : null);
    }
  }
  return {
    index,
    errorCode: 0,
    baseOffset: r.baseOffset,
    logAppendTimeMs: r.logAppendTimeMs,
    logStartOffset: r.logStartOffset,
    recordErrors: [],
    errorMessage: null,
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
  };
}

/**
 * Cluster mode: NOT_LEADER_OR_FOLLOWER for a partition this broker does not lead, with the
 * leader the metadata cache knows (KIP-951's currentLeader; its endpoint goes in the answer's
 * nodeEndpoints from v10, added by the caller).
 */
function notLeader(broker: Broker, topic: string, index: number): PartitionResponse {
  const known = broker.cluster?.metadata.partition(topic, index);
  if (!known) return failed(index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  return { ...failed(index, ErrorCode.NOT_LEADER_OR_FOLLOWER, `This broker is not the leader of ${topic}-${index}`), currentLeader: { leaderId: known.leader, leaderEpoch: known.leaderEpoch } };
}

/**
 * acks=0 gets no answer, so a failure (a partition refused, unknown, not authorized) closes the
 * connection instead, as Kafka does: the producer sees the connection drop, refreshes its
 * metadata and reconnects. Requests read before this one are answered first.
 */
function closeOnFailure(connection: { drainAndClose(): void }): null {
  connection.drainAndClose();
  return null;
}

export default defineHandler({
  api: Produce,
  pipelined: true,
  async handle({ broker, connection, header, version, authorize, requestBytes }, request) {
    // Topics the principal may not WRITE to; undefined when none (always, without an authorizer).
    let denied: Set<string> | undefined;
    if (broker.security.authorizer.enabled) {
      const id = request.transactionalId;
      if (hasTransactionalRecords(request) && (id === null || !authorize(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, id))) {
        if (request.acks === 0) return closeOnFailure(connection);
        const responses = request.topicData.map((t) => ({ name: t.name, partitionResponses: t.partitionData.map((p) => failed(p.index, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)) }));
        return { responses, throttleTimeMs: 0, nodeEndpoints: [] };
      }
      for (const t of request.topicData) if (!authorize(AclOperation.WRITE, ResourceType.TOPIC, t.name)) (denied ??= new Set()).add(t.name);
    }
    const badAcks = request.acks !== 0 && request.acks !== 1 && request.acks !== -1;
    const added = version >= 12 && !badAcks ? addImplicitly(broker, request, denied) : undefined;
    const responses = await Promise.all(
      request.topicData.map(async (t) => {
        const topic = broker.topics.get(t.name);
        const refused = denied?.has(t.name) === true;
        if (!topic && broker.cluster?.metadata.topic(t.name)) {
          return { name: t.name, partitionResponses: t.partitionData.map((p) => (refused ? failed(p.index, ErrorCode.TOPIC_AUTHORIZATION_FAILED) : notLeader(broker, t.name, p.index))) };
        }
        const partitionResponses = await Promise.all(
          t.partitionData.map((p) => {
            if (refused) return failed(p.index, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
            if (badAcks) return failed(p.index, ErrorCode.INVALID_REQUIRED_ACKS);
            if (!topic) return failed(p.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
            if (INTERNAL_TOPICS.has(t.name)) return failed(p.index, ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot append to internal topic ${t.name}`);
            return appendPartition(broker, topic, p.index, p.records, version < 3, request.transactionalId, added, request.acks, request.timeoutMs);
          }),
        );
        // Metrics: a produce request per topic, failed when any of its partitions failed.
        if (topic) broker.metrics.produceRequest(topic.metricsSlot, partitionResponses.some((r) => r.errorCode !== 0));
        return { name: t.name, partitionResponses };
      }),
    );
    // producer_byte_rate (security/quota-manager.ts): the request's bytes counted, and past the
    // quota the connection muted for the throttle time it is told (KIP-219), acks=0 included.
    const throttleTimeMs = broker.security.produceQuota.record(connection.auth.principal, header.clientId ?? '', requestBytes);
    connection.throttle(throttleTimeMs);
    if (request.acks === 0) return responses.some((t) => t.partitionResponses.some((r) => r.errorCode !== 0)) ? closeOnFailure(connection) : null;
    return { responses, throttleTimeMs, nodeEndpoints: [] };
  },
});
