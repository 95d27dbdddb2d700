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
 */
import { ErrorCode } from '../../protocol/errors.js';
import { OffsetFetch } from '../../protocol/messages/index.js';
import type { FetchedOffsets } from '../groups/coordinator.js';
import { coordinatorOf } from '../groups/offsets-topic.js';
import { defineHandler } from '../router.js';

export default defineHandler({
  api: OffsetFetch,
  async handle({ broker, version }, request) {
    const coordinator = coordinatorOf(broker);
    const fetch = (groupId: string, topics: { name: string; partitionIndexes: number[] }[] | null): FetchedOffsets =>
      coordinator
        ? coordinator.fetchOffsets(groupId, topics, version >= 7 && request.requireStable)
        : {
            errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
            topics: (topics ?? []).map((t) => ({
              name: t.name,
              partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE })),
            })),
          };
    if (version >= 8) {
      return { throttleTimeMs: 0, topics: [], errorCode: 0, groups: request.groups.map((g) => ({ groupId: g.groupId, ...fetch(g.groupId, g.topics) })) };
    }
    // v0-1 cannot ask for every partition; a null list there is refused by the codec.
    const r = fetch(request.groupId, request.topics);
    return { throttleTimeMs: 0, topics: r.topics, errorCode: r.errorCode, groups: [] };
  },
});
