/**
 * DeleteRecords (key 21), v0-2.
 *
 * Moves each partition's log start offset up to the requested offset (-1 = the high watermark)
 * through its log (PartitionHost.deleteRecords), which deletes the segments wholly below it, and
 * answers the new low watermark. An offset below the current start changes nothing and answers
 * the current start; one above the high watermark (or another negative one) is
 * OFFSET_OUT_OF_RANGE. As in Kafka (ReplicaManager.deleteRecordsOnLocalLog), records of an
 * internal topic cannot be deleted (INVALID_TOPIC_EXCEPTION), nor those of a topic whose
 * cleanup.policy lacks "delete" (POLICY_VIOLATION), and a failed partition answers a low
 * watermark of -1. Partitions are handled in parallel; one failure does not stop the others.
 * The broker's picture of the partition (Broker.noteOffsets) learns the new start at once.
 *
 * timeoutMs is not needed: with one replica the low watermark has moved when the log answers.
 *
 * Authorization (KafkaApis.handleDeleteRecordsRequest): DELETE on each topic, else its
 * partitions answer TOPIC_AUTHORIZATION_FAILED (low watermark -1), before any other check.
 */
import { INTERNAL_TOPICS } from '../../core/topic-name.js';
import { ErrorCode } from '../../protocol/errors.js';
import { DeleteRecords } from '../../protocol/messages/index.js';
import { defineHandler } from '../router.js';
import { AclOperation, ResourceType } from '../security/acl.js';

export default defineHandler({
  api: DeleteRecords,
  async handle({ broker, authorize }, request) {
    const topics = await Promise.all(
      request.topics.map(async (t) => {
        const topic = broker.topics.get(t.name);
        const allowed = authorize(AclOperation.DELETE, ResourceType.TOPIC, t.name);
        const partitions = await Promise.all(
          t.partitions.map(async (p) => {
            const failed = (errorCode: number) => ({ partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode });
            if (!allowed) return failed(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
            if (INTERNAL_TOPICS.has(t.name)) return failed(ErrorCode.INVALID_TOPIC_EXCEPTION);
            const state = topic?.partitions[p.partitionIndex];
            if (!topic || !state) return failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
            if (!(topic.config.values['cleanup.policy'] as readonly string[]).includes('delete')) return failed(ErrorCode.POLICY_VIOLATION);
            const r = await broker.host.deleteRecords(state.handle, p.offset);
            if (r.errorCode !== 0) return failed(r.errorCode);
            broker.noteOffsets(state, r.lowWatermark, -1);
            return { partitionIndex: p.partitionIndex, lowWatermark: r.lowWatermark, errorCode: 0 };
          }),
        );
        return { name: t.name, partitions };
      }),
    );
    return { throttleTimeMs: 0, topics };
  },
});
