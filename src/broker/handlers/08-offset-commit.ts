/**
 * OffsetCommit (key 8), v0-9.
 *
 * Commits are validated as Kafka does (groups/coordinator.ts): a member of the group commits
 * with its member id and the current generation (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID,
 * FENCED_INSTANCE_ID otherwise; REBALANCE_IN_PROGRESS while the group awaits its assignment);
 * a commit with generation -1 and no member id — a standalone consumer, an admin, kcat with a
 * group but no subscription — is accepted for an Empty group or one that does not exist yet.
 * Each accepted partition is one OffsetCommitKey/OffsetCommitValue record in the group's
 * __consumer_offsets partition, all in one batch, and the answer follows the append.
 *
 * Per partition: UNKNOWN_TOPIC_OR_PARTITION for a partition that does not exist,
 * OFFSET_METADATA_TOO_LARGE beyond offset.metadata.max.bytes; a null metadata is stored as "".
 * The leader epoch (v6+) is stored and returned by OffsetFetch.
 *
 * Deviations: v0 commits are treated like any other (Kafka kept them in ZooKeeper); the v1
 * per-partition commit timestamp is honoured but the v2-4 retention time is ignored (offsets
 * expire by offsets.retention.minutes only).
 *
 * Authorization (KafkaApis.handleOffsetCommitRequest): READ on the group, else every partition
 * answers GROUP_AUTHORIZATION_FAILED; then READ on each topic, else its partitions answer
 * TOPIC_AUTHORIZATION_FAILED and only the others are committed (none left: the group is not
 * touched).
 */
import { OffsetCommit } from '../../protocol/messages/index.js';
import { ErrorCode } from '../../protocol/errors.js';
import { coordinatorOf } from '../groups/offsets-topic.js';
import { defineHandler } from '../router.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { partitionByAuthorized } from './authorized-operations.js';

export default defineHandler({
  api: OffsetCommit,
  async handle(ctx, request) {
    const { broker, version, authorize } = ctx;
    const answer = (topics: typeof request.topics, code: (i: number, j: number) => number) =>
      topics.map((t, i) => ({ name: t.name, partitions: t.partitions.map((p, j) => ({ partitionIndex: p.partitionIndex, errorCode: code(i, j) })) }));
    if (!authorize(AclOperation.READ, ResourceType.GROUP, request.groupId)) {
      return { throttleTimeMs: 0, topics: answer(request.topics, () => ErrorCode.GROUP_AUTHORIZATION_FAILED) };
    }
    const [topics, denied] = partitionByAuthorized(ctx, AclOperation.READ, ResourceType.TOPIC, request.topics, (t) => t.name);
    const refused = denied.length === 0 ? undefined : answer(denied, () => ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    if (refused && topics.length === 0) return { throttleTimeMs: 0, topics: refused };
    const coordinator = coordinatorOf(broker);
    const codes = coordinator
      ? await coordinator.commitOffsets({
          groupId: request.groupId,
          generationId: request.generationIdOrMemberEpoch,
          memberId: request.memberId,
          groupInstanceId: version >= 7 ? request.groupInstanceId : null,
          version,
          topics,
        })
      : topics.map((t) => t.partitions.map(() => ErrorCode.COORDINATOR_NOT_AVAILABLE));
    const committed = answer(topics, (i, j) => codes[i]![j]!);
    return { throttleTimeMs: 0, topics: refused ? [...committed, ...refused] : committed };
  },
});
