/**
 * OffsetFetch (key 9), v0-9.
 *
 * Versions 0-7 ask about one group (`groupId`, `topics`); versions 8+ batch groups in
 * `groups`, each answered with its own topics and error. A null topic list (v2+) means every
 * partition the group has an offset for. A partition without a committed offset answers
 * offset -1, leader epoch -1, metadata "" and no error, as does every partition of a group that
 * does not exist. The committed leader epoch is answered from v5. With requireStable (v7+,
 * KIP-447) a partition whose transactional offsets wait for their marker answers
 * UNSTABLE_OFFSET_COMMIT (retriable) and offset -1. The KIP-848 member id and epoch (v9)
 * are ignored; classic groups do not check them.
 *
 * Authorization (KafkaApis.handleOffsetFetchRequestFromCoordinator, per group): DESCRIBE on
 * the group, else the group answers GROUP_AUTHORIZATION_FAILED and no topics (in v0, which
 * has no group error, each partition asked for answers it, as Kafka's ZooKeeper path did);
 * then DESCRIBE on each topic: a topic asked for that the principal may not describe answers
 * TOPIC_AUTHORIZATION_FAILED (offset -1) after the others, and a request for every partition
 * leaves such topics out.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { OffsetFetch } from '../../protocol/messages/index.js';
import type { FetchedOffsets } from '../groups/coordinator.js';
import { coordinatorOf } from '../groups/offsets-topic.js';
import { defineHandler } from '../router.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { partitionByAuthorized } from './authorized-operations.js';

const unfetched = (partitionIndex: number, errorCode: number) => ({ partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode });

export default defineHandler({
  api: OffsetFetch,
  async handle(ctx, request) {
    const { broker, version, authorize } = ctx;
    const coordinator = coordinatorOf(broker);
    const fetchAuthorized = (groupId: string, topics: { name: string; partitionIndexes: number[] }[] | null): FetchedOffsets =>
      coordinator
        ? coordinator.fetchOffsets(groupId, topics, version >= 7 && request.requireStable)
        : {
            errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
            topics: (topics ?? []).map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => unfetched(p, ErrorCode.COORDINATOR_NOT_AVAILABLE)) })),
          };
    const fetch = (groupId: string, topics: { name: string; partitionIndexes: number[] }[] | null): FetchedOffsets => {
      if (!authorize(AclOperation.DESCRIBE, ResourceType.GROUP, groupId)) {
        const errorCode = ErrorCode.GROUP_AUTHORIZATION_FAILED;
        if (version > 0) return { errorCode, topics: [] };
        return { errorCode, topics: (topics ?? []).map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => unfetched(p, errorCode)) })) };
      }
      if (topics === null) {
        const r = fetchAuthorized(groupId, null);
        if (r.errorCode !== 0) return r;
        return { errorCode: 0, topics: partitionByAuthorized(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, r.topics, (t) => t.name)[0] };
      }
      const [allowed, denied] = partitionByAuthorized(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, topics, (t) => t.name);
      const r = fetchAuthorized(groupId, allowed);
      if (r.errorCode !== 0 || denied.length === 0) return r;
      const refused = denied.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => unfetched(p, ErrorCode.TOPIC_AUTHORIZATION_FAILED)) }));
      return { errorCode: 0, topics: [...r.topics, ...refused] };
    };
    if (version >= 8) {
      return { throttleTimeMs: 0, topics: [], errorCode: 0, groups: request.groups.map((g) => ({ groupId: g.groupId, ...fetch(g.groupId, g.topics) })) };
    }
    // v0-1 cannot ask for every partition; a null list there is refused by the codec.
    const r = fetch(request.groupId, request.topics);
    return { throttleTimeMs: 0, topics: r.topics, errorCode: r.errorCode, groups: [] };
  },
});
