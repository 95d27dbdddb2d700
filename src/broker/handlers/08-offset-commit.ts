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
 */
import { OffsetCommit } from '../../protocol/messages/index.js';
import { ErrorCode } from '../../protocol/errors.js';
import { coordinatorOf } from '../groups/offsets-topic.js';
import { defineHandler } from '../router.js';

export default defineHandler({
  api: OffsetCommit,
  async handle({ broker, version }, request) {
    const coordinator = coordinatorOf(broker);
    const codes = coordinator
      ? await coordinator.commitOffsets({
          groupId: request.groupId,
          generationId: request.generationIdOrMemberEpoch,
          memberId: request.memberId,
          groupInstanceId: version >= 7 ? request.groupInstanceId : null,
          version,
          topics: request.topics,
        })
      : request.topics.map((t) => t.partitions.map(() => ErrorCode.COORDINATOR_NOT_AVAILABLE));
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t, i) => ({
        name: t.name,
        partitions: t.partitions.map((p, j) => ({ partitionIndex: p.partitionIndex, errorCode: codes[i]![j]! })),
      })),
    };
  },
});
