/**
 * DescribeGroups (key 15), v0-5.
 *
 * Per group: its state, protocol type, and members (client id, host, static instance id from
 * v4). The protocol name, member metadata and assignments are shown only for a Stable group, as
 * Kafka does (they are unsettled otherwise). A group that does not exist is described as Dead
 * with no error (GROUP_ID_NOT_FOUND only came with v6).
 *
 * Authorization (KafkaApis.handleDescribeGroupsRequest): DESCRIBE on each group, else it answers
 * GROUP_AUTHORIZATION_FAILED with nothing else, listed first. authorizedOperations (v3+, when
 * asked) is, for each group answered without error, the group operations (READ, DELETE,
 * DESCRIBE) the principal may do — all three without an authorizer; Int.MinValue otherwise.
 */
import { DescribeGroups } from '../../protocol/messages/index.js';
import { coordinatorOf } from '../groups/offsets-topic.js';
import { ErrorCode } from '../../protocol/errors.js';
import { defineHandler } from '../router.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { NOT_REQUESTED, authorizedOperations, partitionByAuthorized } from './authorized-operations.js';

const groupError = (groupId: string, errorCode: number) => ({ errorCode, groupId, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: NOT_REQUESTED });

export default defineHandler({
  api: DescribeGroups,
  async handle(ctx, request) {
    const coordinator = coordinatorOf(ctx.broker);
    const [allowed, denied] = partitionByAuthorized(ctx, AclOperation.DESCRIBE, ResourceType.GROUP, request.groups, (g) => g);
    const described = coordinator
      ? coordinator.describeGroups(allowed).map((g) => ({
          ...g,
          authorizedOperations: request.includeAuthorizedOperations && g.errorCode === 0 ? authorizedOperations(ctx, ResourceType.GROUP, g.groupId) : NOT_REQUESTED,
        }))
      : allowed.map((groupId) => groupError(groupId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
    return { throttleTimeMs: 0, groups: [...denied.map((groupId) => groupError(groupId, ErrorCode.GROUP_AUTHORIZATION_FAILED)), ...described] };
  },
});
