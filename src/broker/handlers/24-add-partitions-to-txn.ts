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
 */
import { ErrorCode } from '../../protocol/errors.js';
import { AddPartitionsToTxn } from '../../protocol/messages/index.js';
import type { Broker } from '../broker.js';
import { transactionCoordinatorOf } from '../transactions/state-topic.js';
import type { TopicPartition } from '../transactions/coordinator.js';
import { defineHandler } from '../router.js';

type Topics = { name: string; partitions: number[] }[];

const results = (topics: Topics, code: (tp: TopicPartition) => number) =>
  topics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((partition) => ({ partitionIndex: partition, partitionErrorCode: code({ topic: t.name, partition }) })) }));

/** Partitions the broker does not have, which keep the request from being attempted. */
function missing(broker: Broker, topics: Topics): Set<string> {
  const out = new Set<string>();
  for (const t of topics) for (const p of t.partitions) if (!broker.partition(t.name, p)) out.add(`${t.name}-${p}`);
  return out;
}

async function add(broker: Broker, transactionalId: string, producerId: number, producerEpoch: number, topics: Topics, version: number) {
  const coordinator = transactionCoordinatorOf(broker);
  if (!coordinator) return results(topics, () => ErrorCode.COORDINATOR_NOT_AVAILABLE);
  const unknown = missing(broker, topics);
  if (unknown.size > 0) return results(topics, (tp) => (unknown.has(`${tp.topic}-${tp.partition}`) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED));
  const partitions = topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition })));
  let code = await coordinator.addPartitions(transactionalId, producerId, producerEpoch, partitions);
  if (code === ErrorCode.PRODUCER_FENCED && version < 2) code = ErrorCode.INVALID_PRODUCER_EPOCH;
  return results(topics, () => code);
}

export default defineHandler({
  api: AddPartitionsToTxn,
  async handle({ broker, version }, request) {
    if (version <= 3) {
      const r = await add(broker, request.v3AndBelowTransactionalId, request.v3AndBelowProducerId, request.v3AndBelowProducerEpoch, request.v3AndBelowTopics, version);
      return { throttleTimeMs: 0, errorCode: 0, resultsByTransaction: [], resultsByTopicV3AndBelow: r };
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
