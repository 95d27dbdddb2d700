/**
 * OffsetDelete (key 47), v0 (KIP-496).
 *
 * Deletes a group's committed offsets for the given partitions (tombstones in
 * __consumer_offsets). Kafka's rule: an Empty group may lose any of them; a consumer group
 * with members only those of topics none of its members subscribes to — the others get
 * GROUP_SUBSCRIBED_TO_TOPIC — and a non-consumer group with members gets NON_EMPTY_GROUP. An
 * unknown group is GROUP_ID_NOT_FOUND; a partition that does not exist,
 * UNKNOWN_TOPIC_OR_PARTITION. An Empty group left without offsets is removed, as in Kafka.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { OffsetDelete } from '../../protocol/messages/index.js';
import { coordinatorOf } from '../groups/offsets-topic.js';
import { defineHandler } from '../router.js';

export default defineHandler({
  api: OffsetDelete,
  async handle({ broker }, request) {
    const coordinator = coordinatorOf(broker);
    if (!coordinator) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, throttleTimeMs: 0, topics: [] };
    const r = await coordinator.deleteOffsets(
      request.groupId,
      request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => p.partitionIndex) })),
    );
    return { errorCode: r.errorCode, throttleTimeMs: 0, topics: r.topics };
  },
});
