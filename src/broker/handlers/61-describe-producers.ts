/**
 * DescribeProducers (key 61), v0.
 *
 * Per partition asked for, the idempotent producers its log knows — those that wrote to it
 * within producer.id.expiration.ms — with their epoch, the last sequence and the max timestamp
 * of their last batch. The partition's owner answers (a control message to its worker,
 * workers/messages.ts), with the coordinator epoch of its last marker (-1 before any) and the
 * first offset of its open transaction (-1 when none is open). An unknown topic or partition is UNKNOWN_TOPIC_OR_PARTITION for that
 * partition alone; every partition is led here, so NOT_LEADER_OR_FOLLOWER never occurs.
 *
 * Authorization (KafkaApis.handleDescribeProducersRequest), per topic, after its name is checked
 * (an illegal one is INVALID_TOPIC_EXCEPTION): READ on it, else TOPIC_AUTHORIZATION_FAILED for
 * each partition asked, whether the topic exists or not.
 */
import { topicNameProblem } from '../../core/topic-name.js';
import { ErrorCode } from '../../protocol/errors.js';
import { DescribeProducers } from '../../protocol/messages/index.js';
import { defineHandler } from '../router.js';
import { AclOperation, ResourceType } from '../security/acl.js';

export default defineHandler({
  api: DescribeProducers,
  async handle({ broker, authorize }, request) {
    const topics = await Promise.all(
      request.topics.map(async (t) => {
        const topic = broker.topics.get(t.name);
        const badName = topicNameProblem(t.name);
        const refusal = badName
          ? { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: badName }
          : !authorize(AclOperation.READ, ResourceType.TOPIC, t.name)
            ? { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: null }
            : undefined;
        const partitions = await Promise.all(
          t.partitionIndexes.map(async (partitionIndex) => {
            if (refusal) return { partitionIndex, ...refusal, activeProducers: [] };
            const state = topic?.partitions[partitionIndex];
            if (!state) return { partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null, activeProducers: [] };
            const r = await broker.host.describeProducers(state.handle);
            return {
              partitionIndex,
              errorCode: r.errorCode,
              errorMessage: null,
              activeProducers: r.producers.map((p) => ({
                producerId: p.producerId,
                producerEpoch: p.producerEpoch,
                lastSequence: p.lastSequence,
                lastTimestamp: p.lastTimestamp,
                coordinatorEpoch: p.coordinatorEpoch,
                currentTxnStartOffset: p.currentTxnStartOffset,
              })),
            };
          }),
        );
        return { name: t.name, partitions };
      }),
    );
    return { throttleTimeMs: 0, topics };
  },
});
