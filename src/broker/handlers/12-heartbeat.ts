/**
 * Heartbeat (key 12), v0-4.
 *
 * Restarts the member's session. REBALANCE_IN_PROGRESS tells a member of a rebalancing group to
 * rejoin; ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID and FENCED_INSTANCE_ID (v3+, static members)
 * tell it its membership is stale. Answered at once; the session is one deadline in the
 * coordinator's queue, moved, never a timer per member.
 *
 * Authorization (KafkaApis.handleHeartbeatRequest): READ on the group, else GROUP_AUTHORIZATION_FAILED.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { Heartbeat } from '../../protocol/messages/index.js';
import { coordinatorOf } from '../groups/offsets-topic.js';
import { defineHandler } from '../router.js';
import { AclOperation, ResourceType } from '../security/acl.js';

export default defineHandler({
  api: Heartbeat,
  async handle({ broker, version, authorize }, request) {
    if (!authorize(AclOperation.READ, ResourceType.GROUP, request.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
    const coordinator = coordinatorOf(broker);
    const errorCode = coordinator
      ? coordinator.heartbeat({
          groupId: request.groupId,
          generationId: request.generationId,
          memberId: request.memberId,
          groupInstanceId: version >= 3 ? request.groupInstanceId : null,
        })
      : ErrorCode.COORDINATOR_NOT_AVAILABLE;
    return { throttleTimeMs: 0, errorCode };
  },
});
