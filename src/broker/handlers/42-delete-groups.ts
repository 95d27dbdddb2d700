/**
 * DeleteGroups (key 42), v0-2.
 *
 * An Empty group is deleted with its committed offsets: tombstones for each offset and for the
 * group go to __consumer_offsets and the answer follows their append. A group with members is
 * NON_EMPTY_GROUP; one that does not exist is GROUP_ID_NOT_FOUND.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { DeleteGroups } from '../../protocol/messages/index.js';
import { coordinatorOf } from '../groups/offsets-topic.js';
import { defineHandler } from '../router.js';

export default defineHandler({
  api: DeleteGroups,
  async handle({ broker }, request) {
    const coordinator = coordinatorOf(broker);
    const results = coordinator
      ? await coordinator.deleteGroups(request.groupsNames)
      : request.groupsNames.map((groupId) => ({ groupId, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE }));
    return { throttleTimeMs: 0, results };
  },
});
