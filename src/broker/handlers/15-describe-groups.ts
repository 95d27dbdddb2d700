/**
 * DescribeGroups (key 15), v0-5.
 *
 * Per group: its state, protocol type, and members (client id, host, static instance id from
 * v4). The protocol name, member metadata and assignments are shown only for a Stable group, as
 * Kafka does (they are unsettled otherwise). A group that does not exist is described as Dead
 * with no error (GROUP_ID_NOT_FOUND only came with v6). authorizedOperations (v3+, when asked)
 * is every group operation — READ, DELETE, DESCRIBE — since there is no authorization.
 */
import { DescribeGroups } from '../../protocol/messages/index.js';
import { coordinatorOf } from '../groups/offsets-topic.js';
import { ErrorCode } from '../../protocol/errors.js';
import { defineHandler } from '../router.js';
import { GROUP_OPERATIONS, NOT_REQUESTED } from './authorized-operations.js';


export default defineHandler({
  api: DescribeGroups,
  async handle({ broker }, request) {
    const coordinator = coordinatorOf(broker);
    const authorizedOperations = request.includeAuthorizedOperations ? GROUP_OPERATIONS : NOT_REQUESTED;
    const groups = coordinator
      ? coordinator.describeGroups(request.groups)
      : request.groups.map((groupId) => ({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, groupId, groupState: '', protocolType: '', protocolData: '', members: [] }));
    return { throttleTimeMs: 0, groups: groups.map((g) => ({ ...g, authorizedOperations })) };
  },
});
