/**
 * ListGroups (key 16), v0-5.
 *
 * Every group the coordinator knows (with members, Empty with committed offsets, or
 * standalone consumers' groups with offsets only). v4 filters by state (KIP-518: names as
 * DescribeGroups gives them, matched case-insensitively) and answers each group's state; v5
 * filters by type and answers each group's type — every Spindle group is "classic", so a type
 * filter without "classic" lists nothing. Empty filters match every group.
 *
 * Authorization (KafkaApis.handleListGroupsRequest): with DESCRIBE on the cluster every group
 * is listed, else only the groups the principal may DESCRIBE; never an error.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { ListGroups } from '../../protocol/messages/index.js';
import { coordinatorOf } from '../groups/offsets-topic.js';
import { defineHandler } from '../router.js';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../security/acl.js';

export default defineHandler({
  api: ListGroups,
  async handle({ broker, version, authorize }, request) {
    const coordinator = coordinatorOf(broker);
    if (!coordinator) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, groups: [] };
    const listsAll = authorize(AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME);
    const groups = coordinator.listGroups(version >= 4 ? request.statesFilter : [], version >= 5 ? request.typesFilter : []);
    return { throttleTimeMs: 0, errorCode: 0, groups: listsAll ? groups : groups.filter((g) => authorize(AclOperation.DESCRIBE, ResourceType.GROUP, g.groupId)) };
  },
});
