/**
 * FindCoordinator (key 10), v0-6.
 *
 * This node coordinates every group (key type 0) and every transactional id (key type 1);
 * other key types (2, share groups, KIP-932) are INVALID_REQUEST. Versions 0-3 look up one
 * key and answer at the top level; from v4 keys are batched (`coordinatorKeys`) and each gets
 * its own entry. The coordinator is the node itself, at its advertised address.
 *
 * Deviation: Kafka answers COORDINATOR_NOT_AVAILABLE while __consumer_offsets is being created
 * or loaded; Spindle loads it before it accepts connections, so there is no such window.
 *
 * Authorization (KafkaApis.getCoordinator, per key): DESCRIBE on the group
 * (GROUP_AUTHORIZATION_FAILED) or on the transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
 * a share-group key (v6) needs CLUSTER_ACTION on the cluster (CLUSTER_AUTHORIZATION_FAILED).
 * Refused keys answer node -1, host "", port -1; before v4 with Kafka's default message.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { FindCoordinator } from '../../protocol/messages/index.js';
import { type RequestContext, defineHandler } from '../router.js';
import type { Broker } from '../broker.js';
import { OFFSETS_TOPIC } from '../groups/offsets-topic.js';
import { partitionForGroup } from '../groups/records.js';
import { assignReplicas, sortBrokers } from '../../cluster/assignment.js';
import { newTopicId } from '../../core/topic-store.js';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../security/acl.js';

const GROUP = 0;
const TRANSACTION = 1;
const SHARE = 2;

/** Kafka's Errors messages, which its pre-v4 answer carries. */
const DEFAULT_MESSAGES: ReadonlyMap<number, string> = new Map([
  [ErrorCode.GROUP_AUTHORIZATION_FAILED, 'Group authorization failed.'],
  [ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'Transactional Id authorization failed.'],
  [ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.'],
]);

/** The authorization failure of looking the key up, 0 when none. */
function refusal({ authorize, version }: RequestContext, keyType: number, key: string): number {
  if (keyType === GROUP) return authorize(AclOperation.DESCRIBE, ResourceType.GROUP, key) ? 0 : ErrorCode.GROUP_AUTHORIZATION_FAILED;
  if (keyType === TRANSACTION) return authorize(AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, key) ? 0 : ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
  if (keyType === SHARE && version >= 6) return authorize(AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME) ? 0 : ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
  return 0;
}

/** Cluster mode: __consumer_offsets creations asked of ZooKeeper by this broker, one at a time. */
const creating = new WeakMap<Broker, Promise<void>>();

/**
 * Cluster mode: a group's coordinator is the leader of its __consumer_offsets partition, from
 * the metadata cache. A missing offsets topic is created through ZooKeeper, as Kafka creates it
 * on the first FindCoordinator, with offsets.topic.num.partitions partitions and
 * offsets.topic.replication.factor replicas (which fails, and keeps failing, while fewer
 * brokers are alive); until its partition has a leader the answer is COORDINATOR_NOT_AVAILABLE.
 * Transactional ids are not coordinated in a cluster yet (COORDINATOR_NOT_AVAILABLE).
 */
function clusterCoordinator(broker: Broker, listener: string, keyType: number, key: string): { nodeId: number; host: string; port: number; errorCode: number } {
  const cluster = broker.cluster!;
  const unavailable = { nodeId: -1, host: '', port: -1, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
  if (keyType !== GROUP) return unavailable;
  const topic = cluster.metadata.topic(OFFSETS_TOPIC);
  if (!topic) {
    if (!creating.has(broker)) {
      const v = broker.config.values;
      const run = (async () => {
        const live = sortBrokers(cluster.metadata.brokers.map((b) => ({ id: b.id, rack: b.rack })));
        const assignment = assignReplicas(live, v['offsets.topic.num.partitions'] as number, v['offsets.topic.replication.factor'] as number);
        const refused = await cluster.createTopic(OFFSETS_TOPIC, assignment, { 'cleanup.policy': 'compact', 'segment.bytes': String(v['offsets.topic.segment.bytes']), 'compression.type': 'producer' }, newTopicId());
        if (refused && refused.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) broker.logger.warn(`creating ${OFFSETS_TOPIC}: ${refused.errorMessage}`);
      })().catch((e: unknown) => broker.logger.warn(`creating ${OFFSETS_TOPIC}: ${(e as Error).message ?? e}`));
      creating.set(broker, run);
      void run.finally(() => creating.delete(broker));
    }
    return unavailable;
  }
  const p = topic.partitions[partitionForGroup(key, topic.partitions.length)];
  if (!p || p.leader < 0) return unavailable;
  const e = cluster.metadata.endpoint(p.leader, listener);
  return e ? { nodeId: p.leader, host: e.host, port: e.port, errorCode: 0 } : unavailable;
}

export default defineHandler({
  api: FindCoordinator,
  async handle(ctx, request) {
    const { broker, connection, version } = ctx;
    const known = request.keyType === GROUP || request.keyType === TRANSACTION;
    if (broker.cluster && known) {
      const listener = connection.auth.security.listener.name;
      if (version < 4) {
        const refused = refusal(ctx, request.keyType, request.key);
        if (refused) return { throttleTimeMs: 0, errorCode: refused, errorMessage: DEFAULT_MESSAGES.get(refused)!, nodeId: -1, host: '', port: -1, coordinators: [] };
        const c = clusterCoordinator(broker, listener, request.keyType, request.key);
        return { throttleTimeMs: 0, errorCode: c.errorCode, errorMessage: null, nodeId: c.nodeId, host: c.host, port: c.port, coordinators: [] };
      }
      const coordinators = request.coordinatorKeys.map((key) => {
        const refused = refusal(ctx, request.keyType, key);
        if (refused) return { key, nodeId: -1, host: '', port: -1, errorCode: refused, errorMessage: null };
        return { key, ...clusterCoordinator(broker, listener, request.keyType, key), errorMessage: null };
      });
      return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: -1, host: '', port: -1, coordinators };
    }
    const { nodeId } = broker;
    const { host, port } = broker.advertisedFor(connection);
    if (version < 4) {
      const refused = refusal(ctx, request.keyType, request.key);
      if (refused) return { throttleTimeMs: 0, errorCode: refused, errorMessage: DEFAULT_MESSAGES.get(refused)!, nodeId: -1, host: '', port: -1, coordinators: [] };
      if (!known) return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Key type ${request.keyType} is not supported`, nodeId: -1, host: '', port: -1, coordinators: [] };
      return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId, host, port, coordinators: [] };
    }
    const coordinators = request.coordinatorKeys.map((key) => {
      const refused = refusal(ctx, request.keyType, key);
      if (refused) return { key, nodeId: -1, host: '', port: -1, errorCode: refused, errorMessage: null };
      return known
        ? { key, nodeId, host, port, errorCode: 0, errorMessage: null }
        : { key, nodeId: -1, host: '', port: -1, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Key type ${request.keyType} is not supported` };
    });
    return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: -1, host: '', port: -1, coordinators };
  },
});
