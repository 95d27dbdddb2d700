/**
 * LeaveGroup (key 13), v0-5.
 *
 * Versions 0-2 remove one member by id and answer one error: the group's, or else the member's.
 * From v3 (KIP-345) a batch of members, each by member id and/or static instance id (an empty
 * member id with an instance id removes that static member, as an administrator does), with an
 * error per member. A Stable or CompletingRebalance group rebalances after a member leaves; a
 * rebalancing group may complete its join phase. The leave reason (v5) is not used.
 *
 * Authorization (KafkaApis.handleLeaveGroupRequest): READ on the group, else
 * GROUP_AUTHORIZATION_FAILED and no members.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { LeaveGroup } from '../../protocol/messages/index.js';
import { coordinatorOf } from '../groups/offsets-topic.js';
import { defineHandler } from '../router.js';
import { AclOperation, ResourceType } from '../security/acl.js';

export default defineHandler({
  api: LeaveGroup,
  async handle({ broker, version, authorize }, request) {
    if (!authorize(AclOperation.READ, ResourceType.GROUP, request.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, members: [] };
    const coordinator = coordinatorOf(broker);
    const leaving = version >= 3 ? request.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId })) : [{ memberId: request.memberId, groupInstanceId: null }];
    const r = coordinator ? coordinator.leave(request.groupId, leaving) : { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    if (version >= 3) return { throttleTimeMs: 0, errorCode: r.errorCode, members: r.members };
    const memberError = r.members.find((m) => m.errorCode !== 0)?.errorCode ?? 0;
    return { throttleTimeMs: 0, errorCode: r.errorCode !== 0 ? r.errorCode : memberError, members: [] };
  },
});
