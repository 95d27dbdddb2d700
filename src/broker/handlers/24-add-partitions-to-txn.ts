/**
 * AddPartitionsToTxn (key 24), v0-5.
 *
 * v0-3 (clients): the partitions join the transaction, which starts if it had not
 * (transactions/coordinator.ts); one error code answers every partition. A partition that does
 * not exist is UNKNOWN_TOPIC_OR_PARTITION and the others OPERATION_NOT_ATTEMPTED, nothing
 * added, as Kafka answers. Before v2 a client does not know PRODUCER_FENCED and gets
 * INVALID_PRODUCER_EPOCH.
 *
 * v4-5 (Kafka's brokers, KIP-890): a batch of transactions, each either added or, with
 * verifyOnly, checked (is each partition in the ongoing transaction?), answered per partition.
 *
 * Authorization (KafkaApis.handleAddPartitionsToTxnRequest). v0-3: WRITE on the transactional
 * id, else every partition answers TRANSACTIONAL_ID_AUTHORIZATION_FAILED; then WRITE on each
 * topic, else its partitions answer TOPIC_AUTHORIZATION_FAILED (before UNKNOWN_TOPIC_OR_PARTITION,
 * the others OPERATION_NOT_ATTEMPTED). An internal topic is never authorized there, authorizer
 * or not, as in Kafka: a client adds __consumer_offsets with AddOffsetsToTxn. v4-5 come from
 * brokers: CLUSTER_ACTION on the cluster, else CLUSTER_AUTHORIZATION_FAILED for the request.
 */
import { INTERNAL_TOPICS } from '../../core/topic-name.js';
import { ErrorCode } from '../../protocol/errors.js';
import { AddPartitionsToTxn } from '../../protocol/messages/index.js';
import type { Broker } from '../broker.js';
import { transactionCoordinatorOf } from '../transactions/state-topic.js';
import type { TopicPartition } from '../transactions/coordinator.js';
import { type RequestContext, defineHandler } from '../router.js';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../security/acl.js';

type Topics = { name: string; partitions: number[] }[];

const results = (topics: Topics, code: (tp: TopicPartition) => number) =>
  topics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((partition) => ({ partitionIndex: partition, partitionErrorCode: code({ topic: t.name, partition }) })) }));

/**
 * The partitions that keep the request from being attempted, with their error: those of topics
 * the client may not write to (v0-3), then those the broker does not have.
 */
function refusals(broker: Broker, topics: Topics, writable: ((topic: string) => boolean) | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of topics) {
    const refused = writable !== undefined && !writable(t.name);
    for (const p of t.partitions) {
      if (refused) out.set(`${t.name}-${p}`, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
      else if (!broker.partition(t.name, p)) out.set(`${t.name}-${p}`, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    }
  }
  return out;
}

/** `writable`: whether the client may add a topic's partitions (v0-3); undefined for brokers (v4+). */
async function add(broker: Broker, transactionalId: string, producerId: number, producerEpoch: number, topics: Topics, version: number, writable?: (topic: string) => boolean) {
  const coordinator = transactionCoordinatorOf(broker);
  if (!coordinator) return results(topics, () => ErrorCode.COORDINATOR_NOT_AVAILABLE);
  const refused = refusals(broker, topics, writable);
  if (refused.size > 0) return results(topics, (tp) => refused.get(`${tp.topic}-${tp.partition}`) ?? ErrorCode.OPERATION_NOT_ATTEMPTED);
  const partitions = topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition })));
  let code = await coordinator.addPartitions(transactionalId, producerId, producerEpoch, partitions);
  if (code === ErrorCode.PRODUCER_FENCED && version < 2) code = ErrorCode.INVALID_PRODUCER_EPOCH;
  return results(topics, () => code);
}

export default defineHandler({
  api: AddPartitionsToTxn,
  async handle(ctx, request) {
    const { broker, version, authorize } = ctx;
    if (version <= 3) {
      const transactionalId = request.v3AndBelowTransactionalId;
      const topics = request.v3AndBelowTopics;
      if (!authorize(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, transactionalId)) {
        return { throttleTimeMs: 0, errorCode: 0, resultsByTransaction: [], resultsByTopicV3AndBelow: results(topics, () => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED) };
      }
      const r = await add(broker, transactionalId, request.v3AndBelowProducerId, request.v3AndBelowProducerEpoch, topics, version, writableBy(ctx));
      return { throttleTimeMs: 0, errorCode: 0, resultsByTransaction: [], resultsByTopicV3AndBelow: r };
    }
    if (!authorize(AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, resultsByTransaction: [], resultsByTopicV3AndBelow: [] };
    }
    const coordinator = transactionCoordinatorOf(broker);
    const resultsByTransaction = await Promise.all(
      request.transactions.map(async (t) => {
        if (!t.verifyOnly) return { transactionalId: t.transactionalId, topicResults: await add(broker, t.transactionalId, t.producerId, t.producerEpoch, t.topics, version) };
        const partitions = t.topics.flatMap((x) => x.partitions.map((partition) => ({ topic: x.name, partition })));
        const codes = coordinator ? coordinator.verifyPartitions(t.transactionalId, t.producerId, t.producerEpoch, partitions) : partitions.map(() => ErrorCode.COORDINATOR_NOT_AVAILABLE);
        let i = 0;
        return { transactionalId: t.transactionalId, topicResults: results(t.topics, () => codes[i++]!) };
      }),
    );
    return { throttleTimeMs: 0, errorCode: 0, resultsByTransaction, resultsByTopicV3AndBelow: [] };
  },
});

/** Kafka's rule for a client's partitions: WRITE on the topic, and never an internal topic. */
function writableBy({ broker, authorize }: RequestContext): (topic: string) => boolean {
  if (!broker.security.authorizer.enabled) return (topic) => !INTERNAL_TOPICS.has(topic);
  return (topic) => !INTERNAL_TOPICS.has(topic) && authorize(AclOperation.WRITE, ResourceType.TOPIC, topic);
}
