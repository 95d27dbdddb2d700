/**
 * JoinGroup (key 11), v0-9.
 *
 * The request parks in the group coordinator (groups/coordinator.ts) until the join phase ends:
 * when every member has rejoined, at the rebalance timeout, or — for a new group's first
 * rebalance — after group.initial.rebalance.delay.ms. The leader's answer lists every member's
 * metadata for the chosen protocol; the coordinator never reads it.
 *
 * Per version: v0 has no rebalance timeout (the session timeout serves, as in Kafka); from v4
 * a member without an id and without a static instance id first gets MEMBER_ID_REQUIRED with
 * the id to join with (KIP-394); v5 brings static membership (KIP-345); from v7 the protocol
 * type is answered and the protocol name may be null; v9 lets a rejoining static leader be told
 * to skip the assignment (KIP-814). The join reason (v8+) is not used.
 *
 * clientHost is the peer address with Kafka's leading slash ("/127.0.0.1").
 *
 * Authorization (KafkaApis.handleJoinGroupRequest): READ on the group, else
 * GROUP_AUTHORIZATION_FAILED with no member id, generation -1 and no members.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { JoinGroup } from '../../protocol/messages/index.js';
import { coordinatorOf } from '../groups/offsets-topic.js';
import { joinError } from '../groups/group.js';
import { defineHandler } from '../router.js';
import { AclOperation, ResourceType } from '../security/acl.js';

export default defineHandler({
  api: JoinGroup,
  async handle({ broker, version, header, connection, authorize }, request) {
    const coordinator = coordinatorOf(broker);
    const groupInstanceId = version >= 5 ? request.groupInstanceId : null;
    const allowed = authorize(AclOperation.READ, ResourceType.GROUP, request.groupId);
    const r = !allowed
      ? joinError('', ErrorCode.GROUP_AUTHORIZATION_FAILED)
      : coordinator
        ? await coordinator.join({
            groupId: request.groupId,
            memberId: request.memberId,
            groupInstanceId,
            requireKnownMemberId: version >= 4 && groupInstanceId === null,
            supportsSkippingAssignment: version >= 9,
            clientId: header.clientId ?? '',
            clientHost: `/${connection.socket.remoteAddress ?? ''}`,
            rebalanceTimeoutMs: version === 0 ? request.sessionTimeoutMs : request.rebalanceTimeoutMs,
            sessionTimeoutMs: request.sessionTimeoutMs,
            protocolType: request.protocolType,
            protocols: request.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) })),
          })
        : joinError(request.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    return {
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      generationId: r.generationId,
      protocolType: r.protocolType,
      // Not nullable before v7.
      protocolName: version >= 7 ? r.protocolName : (r.protocolName ?? ''),
      leader: r.leader,
      skipAssignment: r.skipAssignment,
      memberId: r.memberId,
      members: r.members,
    };
  },
});
