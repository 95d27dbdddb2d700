/**
 * OffsetDelete (key 47), v0 (KIP-496).
 *
 * Deletes a group's committed offsets for the given partitions (tombstones in
 * __consumer_offsets). Kafka's rule: an Empty group may lose any of them; a consumer group
 * with members only those of topics none of its members subscribes to — the others get
 * GROUP_SUBSCRIBED_TO_TOPIC — and a non-consumer group with members gets NON_EMPTY_GROUP. An
 * unknown group is GROUP_ID_NOT_FOUND; a partition that does not exist,
 * UNKNOWN_TOPIC_OR_PARTITION. An Empty group left without offsets is removed, as in Kafka.
 *
 * Authorization (KafkaApis.handleOffsetDeleteRequest): DELETE on the group, else
 * GROUP_AUTHORIZATION_FAILED and no topics; then READ on each topic, else its partitions answer
 * TOPIC_AUTHORIZATION_FAILED and only the others are deleted.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { OffsetDelete } from '../../protocol/messages/index.js';
import { coordinatorOf } from '../groups/offsets-topic.js';
import { defineHandler } from '../router.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { partitionByAuthorized } from './authorized-operations.js';

export default defineHandler({
  api: OffsetDelete,
  async handle(ctx, request) {
    if (!ctx.authorize(AclOperation.DELETE, ResourceType.GROUP, request.groupId)) return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, throttleTimeMs: 0, topics: [] };
    const coordinator = coordinatorOf(ctx.broker);
    if (!coordinator) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, throttleTimeMs: 0, topics: [] };
    const [allowed, denied] = partitionByAuthorized(ctx, AclOperation.READ, ResourceType.TOPIC, request.topics, (t) => t.name);
    const r = await coordinator.deleteOffsets(
      request.groupId,
      allowed.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => p.partitionIndex) })),
    );
    if (r.errorCode !== 0 || denied.length === 0) return { errorCode: r.errorCode, throttleTimeMs: 0, topics: r.topics };
    const refused = denied.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED })) }));
    return { errorCode: 0, throttleTimeMs: 0, topics: [...r.topics, ...refused] };
  },
});
