/**
 * SyncGroup (key 14), v0-5.
 *
 * The leader sends the assignments it computed; once they are stored in __consumer_offsets the
 * group is Stable and every member gets its own assignment back. A follower's request parks
 * until then. The assignments are bytes the coordinator passes on without reading; a member
 * the leader left out gets an empty one, as in Kafka.
 *
 * v3 adds the static instance id; v5 (KIP-559) requires the protocol type and name
 * (INCONSISTENT_GROUP_PROTOCOL when missing or not the group's) and answers them.
 *
 * Authorization (KafkaApis.handleSyncGroupRequest): READ on the group, after the v5 protocol
 * check, else GROUP_AUTHORIZATION_FAILED and an empty assignment.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { SyncGroup } from '../../protocol/messages/index.js';
import { coordinatorOf } from '../groups/offsets-topic.js';
import { defineHandler } from '../router.js';
import { AclOperation, ResourceType } from '../security/acl.js';

const EMPTY = Buffer.alloc(0);

export default defineHandler({
  api: SyncGroup,
  async handle({ broker, version, authorize }, request) {
    const fail = (errorCode: number) => ({ throttleTimeMs: 0, errorCode, protocolType: null, protocolName: null, assignment: EMPTY });
    if (version >= 5 && (request.protocolType === null || request.protocolName === null)) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    if (!authorize(AclOperation.READ, ResourceType.GROUP, request.groupId)) return fail(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const coordinator = coordinatorOf(broker);
    if (!coordinator) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const r = await coordinator.sync({
      groupId: request.groupId,
      generationId: request.generationId,
      memberId: request.memberId,
      groupInstanceId: version >= 3 ? request.groupInstanceId : null,
      protocolType: request.protocolType,
      protocolName: request.protocolName,
      assignments: request.assignments.map((a) => ({ memberId: a.memberId, assignment: Buffer.from(a.assignment) })),
    });
    return { throttleTimeMs: 0, errorCode: r.errorCode, protocolType: r.protocolType, protocolName: r.protocolName, assignment: r.assignment };
  },
});
