/**
 * OffsetForLeaderEpoch (key 23), v0-4.
 *
 * Every partition here has had one leader, this node, since it was created: its leader epoch is
 * 0 and its epoch cache holds the single entry (0 → the log start offset). The answer is Kafka's
 * LeaderEpochFileCache.endOffsetFor over that cache:
 *
 *   requested epoch 0 (the current one)   epoch 0, end offset = the log end offset
 *   requested epoch above 0               UNDEFINED_EPOCH (-1), UNDEFINED_EPOCH_OFFSET (-1)
 *   requested epoch -1 (undefined)        -1, -1
 *   requested epoch below -1              the requested epoch, the log start offset (where the
 *                                          first known epoch starts)
 *
 * A currentLeaderEpoch other than -1 ("not given", and absent before v2) is checked first, as
 * Partition.checkCurrentLeaderEpoch does: below 0 is FENCED_LEADER_EPOCH, above 0
 * UNKNOWN_LEADER_EPOCH. An unknown topic or partition is UNKNOWN_TOPIC_OR_PARTITION. replicaId
 * changes nothing: this node leads every partition, so consumers and followers alike are
 * answered from the leader.
 *
 * Authorization (KafkaApis.handleOffsetForLeaderEpochRequest): CLUSTER_ACTION on the cluster (a
 * follower) allows every topic; else DESCRIBE on each (KIP-320's consumers), and a topic refused
 * answers TOPIC_AUTHORIZATION_FAILED for its partitions, after the others.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { OffsetForLeaderEpoch } from '../../protocol/messages/index.js';
import { defineHandler } from '../router.js';
import { ReplicaOp } from '../../workers/messages.js';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../security/acl.js';
import { partitionByAuthorized } from './authorized-operations.js';

/** Every partition's leader epoch on a node that has always led it. */
const LEADER_EPOCH = 0;
const UNDEFINED_EPOCH = -1;
const UNDEFINED_EPOCH_OFFSET = -1;

export default defineHandler({
  api: OffsetForLeaderEpoch,
  async handle(ctx, request) {
    const { broker, authorize } = ctx;
    const [allowed, denied] = authorize(AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)
      ? [request.topics, []]
      : partitionByAuthorized(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, request.topics, (t) => t.topic);
    const cluster = broker.cluster;
    const topics = await Promise.all(
      allowed.map(async (t) => ({
        topic: t.topic,
        partitions: await Promise.all(
          t.partitions.map(async (p) => {
            const answer = (errorCode: number, leaderEpoch = UNDEFINED_EPOCH, endOffset = UNDEFINED_EPOCH_OFFSET) => ({ errorCode, partition: p.partition, leaderEpoch, endOffset });
            const state = broker.partition(t.topic, p.partition);
            if (cluster) {
              // Cluster mode: the leader answers from its epoch cache (core/leader-epoch-cache.ts).
              const replica = cluster.replicas.get(t.topic, p.partition);
              if (!state || !replica) return answer(cluster.metadata.partition(t.topic, p.partition) ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
              if (p.currentLeaderEpoch !== -1 && p.currentLeaderEpoch < replica.leaderEpoch) return answer(ErrorCode.FENCED_LEADER_EPOCH);
              if (p.currentLeaderEpoch > replica.leaderEpoch) return answer(ErrorCode.UNKNOWN_LEADER_EPOCH);
              if (replica.role !== 'leader') return answer(ErrorCode.NOT_LEADER_OR_FOLLOWER);
              const r = await broker.host.replica(state.handle, ReplicaOp.EpochEndOffset, p.leaderEpoch);
              return r.errorCode !== 0 ? answer(r.errorCode) : answer(0, r.epoch, r.endOffset);
            }
        if (!state) return answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        if (p.currentLeaderEpoch !== -1) {
          if (p.currentLeaderEpoch < LEADER_EPOCH) return answer(ErrorCode.FENCED_LEADER_EPOCH);
          if (p.currentLeaderEpoch > LEADER_EPOCH) return answer(ErrorCode.UNKNOWN_LEADER_EPOCH);
        }
        if (p.leaderEpoch === LEADER_EPOCH) return answer(0, LEADER_EPOCH, state.logEndOffset);
        if (p.leaderEpoch < UNDEFINED_EPOCH) return answer(0, p.leaderEpoch, state.logStartOffset);
        return answer(0);
          }),
        ),
      })),
    );
    for (const t of denied) {
      topics.push({
        topic: t.topic,
        partitions: t.partitions.map((p) => ({ errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, partition: p.partition, leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET })),
      });
    }
    return { throttleTimeMs: 0, topics };
  },
});
