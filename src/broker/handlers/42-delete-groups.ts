/**
 * DeleteGroups (key 42), v0-2.
 *
 * An Empty group is deleted with its committed offsets: tombstones for each offset and for the
 * group go to __consumer_offsets and the answer follows their append. A group with members is
 * NON_EMPTY_GROUP; one that does not exist is GROUP_ID_NOT_FOUND. A group named twice is
 * answered once, as Kafka answers.
 *
 * Authorization (KafkaApis.handleDeleteGroupsRequest): DELETE on each group, else
 * GROUP_AUTHORIZATION_FAILED, answered after the others.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { DeleteGroups } from '../../protocol/messages/index.js';
import { coordinatorOf } from '../groups/offsets-topic.js';
import { defineHandler } from '../router.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { partitionByAuthorized } from './authorized-operations.js';

export default defineHandler({
  api: DeleteGroups,
  async handle(ctx, request) {
    const coordinator = coordinatorOf(ctx.broker);
    const [allowed, denied] = partitionByAuthorized(ctx, AclOperation.DELETE, ResourceType.GROUP, [...new Set(request.groupsNames)], (g) => g);
    const results = coordinator
      ? await coordinator.deleteGroups(allowed)
      : allowed.map((groupId) => ({ groupId, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE }));
    for (const groupId of denied) results.push({ groupId, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED });
    return { throttleTimeMs: 0, results };
  },
});
