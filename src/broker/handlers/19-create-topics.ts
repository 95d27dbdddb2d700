/**
 * CreateTopics (key 19), v0-7.
 *
 * Checks each topic in the order of Kafka's controller (ReplicationControlManager.createTopics),
 * with its codes and messages: the name (INVALID_TOPIC_EXCEPTION), an existing topic
 * (TOPIC_ALREADY_EXISTS), a name that collides with one by '.' versus '_'
 * (INVALID_TOPIC_EXCEPTION), the configs (null values and anything resolveTopicConfig refuses:
 * INVALID_CONFIG), then either the manual assignment or the counts. numPartitions -1 means
 * num.partitions and replicationFactor -1 default.replication.factor; a replication factor
 * above 1 cannot be met by one node (INVALID_REPLICATION_FACTOR). A manual assignment needs both
 * counts at -1 (INVALID_REQUEST), partitions numbered 0..n-1 each listed once, and replica lists
 * that name this node only, once (INVALID_REPLICA_ASSIGNMENT: any other id "is not registered").
 * A name given twice in one request is refused for every copy ("Duplicate topic name.",
 * INVALID_REQUEST) and __cluster_metadata is never created; those answers follow the others,
 * as in Kafka's ControllerApis.
 *
 * validateOnly (v1+) runs every check and creates nothing. From v5 a successful answer carries
 * the partition count, the replication factor and every topic config with its value and Kafka's
 * ConfigSource code, sorted by name (config/dynamic.ts describeTopicConfigs); v7 the topic id.
 * As in Kafka, a validate-only answer carries a fresh random id that no topic will have.
 *
 * Creation (Broker.createTopic) runs in the name's lock and checks again there: a topic that
 * another request created after these checks answers TOPIC_ALREADY_EXISTS. It is atomic: a
 * partition that cannot be opened (too many open files, a full disk) undoes the whole topic
 * and answers KAFKA_STORAGE_ERROR with the cause.
 *
 * Limit: at most MAX_PARTITIONS_PER_REQUEST new partitions per request, Kafka's bound on the
 * records of one controller operation (10,000); a topic past it gets POLICY_VIOLATION.
 *
 * Deviations: an internal topic that does not exist yet (__transaction_state, and
 * __consumer_offsets before the first group write creates it; once it exists it answers
 * TOPIC_ALREADY_EXISTS) cannot be created by clients either: INVALID_REQUEST, with the message Kafka gives for
 * __cluster_metadata. Kafka would create it as an ordinary topic, sized by the client rather
 * than by the broker's settings. Kafka fails every topic of a request that passes the
 * record bound; Spindle fails the topics from the one that passes it on. timeoutMs is not
 * needed: creation has finished when the answer is sent.
 *
 * Authorization (ControllerApis.createTopics, where a KRaft broker forwards the request): CREATE
 * on the cluster, else CREATE on each topic; a topic refused answers TOPIC_AUTHORIZATION_FAILED
 * "Authorization failed." after the others (a duplicate or __cluster_metadata is answered as
 * above, unchecked). A topic created, or validated, by a principal without DESCRIBE_CONFIGS on
 * it answers topicConfigErrorCode TOPIC_AUTHORIZATION_FAILED and no partition count,
 * replication factor or configs (ReplicationControlManager.createTopic).
 */
import { newTopicId } from '../../core/topic-store.js';
import { AssignmentError, assignReplicas, sortBrokers } from '../../cluster/assignment.js';
import { INTERNAL_TOPICS, topicNameProblem } from '../../core/topic-name.js';
import { ErrorCode } from '../../protocol/errors.js';
import { CreateTopics } from '../../protocol/messages/index.js';
import type { RequestOf, ResponseOf } from '../../protocol/schema.js';
import type { Broker } from '../broker.js';
import { describeTopicConfigs } from '../config/dynamic.js';
import { ConfigError } from '../config/errors.js';
import { type ResolvedTopicConfig, resolveTopicConfig } from '../config/load.js';
import { defineHandler } from '../router.js';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../security/acl.js';
import type { Problem } from './config-resources.js';

type TopicResult = ResponseOf<typeof CreateTopics>['topics'][number];
type CreatableTopic = RequestOf<typeof CreateTopics>['topics'][number];

/** Kafka's MAX_RECORDS_PER_USER_OP: one controller operation writes at most this many records. */
export const MAX_PARTITIONS_PER_REQUEST = 10_000;
export const EXCESSIVE_BATCH_MESSAGE = 'Unable to perform excessively large batch operation.';
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
const CLUSTER_METADATA_TOPIC = '__cluster_metadata';

function failed(name: string, errorCode: number, errorMessage: string | null): TopicResult {
  return {
    name,
    topicId: ZERO_UUID,
    errorCode,
    errorMessage,
    topicConfigErrorCode: 0,
    numPartitions: -1,
    replicationFactor: -1,
    configs: [],
  };
}

/**
 * Kafka's validateManualPartitionAssignment on a one-node cluster: a non-empty list of
 * distinct registered ids (only this node is), as long as the partitions before it.
 */
export function manualAssignmentProblem(nodeId: number | ((id: number) => boolean), brokerIds: readonly number[], replicationFactor?: number): Problem | undefined {
  const registered = typeof nodeId === 'number' ? (id: number) => id === nodeId : nodeId;
  const refuse = (errorMessage: string): Problem => ({ errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage });
  if (brokerIds.length === 0) return refuse('The manual partition assignment includes an empty replica list.');
  const sorted = [...brokerIds].sort((a, b) => a - b);
  let previous: number | undefined;
  for (const id of sorted) {
    if (!registered(id)) return refuse(`The manual partition assignment includes broker ${id}, but no such broker is registered.`);
    if (id === previous) return refuse(`The manual partition assignment includes the broker ${previous} more than once.`);
    previous = id;
  }
  if (replicationFactor !== undefined && sorted.length !== replicationFactor) {
    return refuse(
      `The manual partition assignment includes a partition with ${sorted.length} replica(s), but this is not consistent with previous partitions, which have ${replicationFactor} replica(s).`,
    );
  }
  return undefined;
}

interface Plan {
  overrides: Record<string, string>;
  resolved: ResolvedTopicConfig;
  partitions: number;
  replicationFactor: number;
  /** A manual assignment's replicas by partition; in a cluster, computed when absent. */
  assignment?: number[][];
}

/** Every check of one topic, in Kafka's order; synchronous, so nothing can change between it and the creation. */
function plan(broker: Broker, t: CreatableTopic): Plan | Problem {
  const bad = topicNameProblem(t.name);
  if (bad) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: bad };
  if (broker.topics.has(t.name) || broker.cluster?.metadata.topic(t.name)) return { errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, errorMessage: `Topic '${t.name}' already exists.` };
  if (INTERNAL_TOPICS.has(t.name)) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Creation of internal topic ${t.name} is prohibited.` };
  const colliding = broker.store.collidingWith(t.name);
  if (colliding) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: `Topic '${t.name}' collides with existing topic: ${colliding.name}` };

  const nulls = t.configs.filter((c) => c.value === null).map((c) => c.name);
  if (nulls.length > 0) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Null value not supported for topic configs: ${nulls.join(',')}` };
  const overrides: Record<string, string> = {};
  for (const c of t.configs) overrides[c.name] = c.value!;
  let resolved: ResolvedTopicConfig;
  try {
    resolved = resolveTopicConfig(broker.config, overrides);
  } catch (e) {
    if (e instanceof ConfigError) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: e.message };
    throw e;
  }

  if (t.assignments.length > 0) {
    if (t.replicationFactor !== -1) {
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'A manual partition assignment was specified, but replication factor was not set to -1.' };
    }
    if (t.numPartitions !== -1) {
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'A manual partition assignment was specified, but numPartitions was not set to -1.' };
    }
    const seen = new Set<number>();
    let replicationFactor: number | undefined;
    for (const a of t.assignments) {
      if (seen.has(a.partitionIndex)) {
        return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: `Found multiple manual partition assignments for partition ${a.partitionIndex}` };
      }
      const cluster = broker.cluster;
      const wrong = manualAssignmentProblem(cluster ? (id) => cluster.metadata.isAlive(id) : broker.nodeId, a.brokerIds, replicationFactor);
      if (wrong) return wrong;
      replicationFactor = a.brokerIds.length;
      seen.add(a.partitionIndex);
    }
    for (let i = 0; i < seen.size; i++) {
      if (!seen.has(i)) return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: 'partitions should be a consecutive 0-based integer sequence' };
    }
    const assignment = [...t.assignments].sort((a, b) => a.partitionIndex - b.partitionIndex).map((a) => [...a.brokerIds]);
    return { overrides, resolved, partitions: seen.size, replicationFactor: replicationFactor!, assignment };
  }
  if (t.replicationFactor < -1 || t.replicationFactor === 0) {
    return { errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, errorMessage: 'Replication factor must be larger than 0, or -1 to use the default value.' };
  }
  if (t.numPartitions < -1 || t.numPartitions === 0) {
    return { errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: 'Number of partitions was set to an invalid non-positive value.' };
  }
  const partitions = t.numPartitions === -1 ? (broker.config.values['num.partitions'] as number) : t.numPartitions;
  const replicationFactor = t.replicationFactor === -1 ? (broker.config.values['default.replication.factor'] as number) : t.replicationFactor;
  const registered = broker.cluster ? broker.cluster.metadata.brokers.length : 1;
  if (replicationFactor > registered) {
    return {
      errorCode: ErrorCode.INVALID_REPLICATION_FACTOR,
      errorMessage: `Unable to replicate the partition ${replicationFactor} time(s): The target replication factor of ${replicationFactor} cannot be reached because only ${registered} broker(s) are registered.`,
    };
  }
  return { overrides, resolved, partitions, replicationFactor };
}

/** `describable`: whether the principal may see the topic's configs (DESCRIBE_CONFIGS). */
function succeeded(broker: Broker, name: string, topicId: string, p: Plan, describable: boolean): TopicResult {
  if (!describable) return { ...failed(name, 0, null), topicId, topicConfigErrorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED };
  const configs = describeTopicConfigs(broker.config, p.overrides, p.resolved)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((c) => ({ name: c.name, value: c.isSensitive ? null : c.value, readOnly: c.readOnly, configSource: c.source, isSensitive: c.isSensitive }));
  return {
    name,
    topicId,
    errorCode: 0,
    errorMessage: null,
    topicConfigErrorCode: 0,
    numPartitions: p.partitions,
    replicationFactor: p.replicationFactor,
    configs,
  };
}

/**
 * Cluster mode: the topic goes into ZooKeeper as Kafka's ZooKeeper-mode brokers write it
 * (cluster/admin-zk.ts: its configs, then its assignment, spread over the live brokers by
 * Kafka's rack-aware placement, cluster/assignment.ts), and the controller elects its leaders.
 * The answer waits for the metadata to show every partition led, up to the request's timeout
 * (REQUEST_TIMED_OUT past it: the topic exists, its leaders are still being elected); a
 * timeout of 0 answers once the topic is written, as Kafka does.
 */
async function createInCluster(broker: Broker, name: string, p: Plan, describable: boolean, timeoutMs: number): Promise<TopicResult> {
  const cluster = broker.cluster!;
  const topicId = newTopicId();
  let assignment: number[][];
  try {
    assignment = p.assignment ?? assignReplicas(sortBrokers(cluster.metadata.brokers.map((b) => ({ id: b.id, rack: b.rack }))), p.partitions, p.replicationFactor);
  } catch (e) {
    if (e instanceof AssignmentError) return failed(name, e.errorCode, e.message);
    throw e;
  }
  const refused = await cluster.createTopic(name, assignment, p.overrides, topicId);
  if (refused) return failed(name, refused.errorCode, refused.errorMessage);
  if (timeoutMs > 0 && !(await cluster.metadata.waitFor(() => cluster.metadata.topicReady(name, p.partitions), timeoutMs))) {
    return failed(name, ErrorCode.REQUEST_TIMED_OUT, `Topic '${name}' was created, but not every partition had a leader within ${timeoutMs} ms.`);
  }
  return succeeded(broker, name, cluster.metadata.topic(name)?.topicId ?? topicId, p, describable);
}

export default defineHandler({
  api: CreateTopics,
  async handle({ broker, authorize }, request) {
    const copies = new Map<string, number>();
    for (const t of request.topics) copies.set(t.name, (copies.get(t.name) ?? 0) + 1);
    const topics: TopicResult[] = [];
    const refused: string[] = [];
    const createsAny = authorize(AclOperation.CREATE, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME);
    let newPartitions = 0;
    for (const t of request.topics) {
      if (copies.get(t.name)! > 1 || t.name === CLUSTER_METADATA_TOPIC) continue;
      if (!createsAny && !authorize(AclOperation.CREATE, ResourceType.TOPIC, t.name)) {
        refused.push(t.name);
        continue;
      }
      const describable = authorize(AclOperation.DESCRIBE_CONFIGS, ResourceType.TOPIC, t.name);
      const p = plan(broker, t);
      if (!('partitions' in p)) {
        topics.push(failed(t.name, p.errorCode, p.errorMessage));
        continue;
      }
      if (newPartitions + p.partitions > MAX_PARTITIONS_PER_REQUEST) {
        topics.push(failed(t.name, ErrorCode.POLICY_VIOLATION, EXCESSIVE_BATCH_MESSAGE));
        continue;
      }
      newPartitions += p.partitions;
      if (request.validateOnly) {
        topics.push(succeeded(broker, t.name, newTopicId(), p, describable));
        continue;
      }
      if (broker.cluster) {
        topics.push(await createInCluster(broker, t.name, p, describable, request.timeoutMs));
        continue;
      }
      const created = await broker.createTopic(t.name, p.partitions, p.overrides);
      topics.push('meta' in created ? succeeded(broker, t.name, created.meta.topicId, p, describable) : failed(t.name, created.errorCode, created.errorMessage));
    }
    for (const [name, n] of copies) if (n > 1) topics.push(failed(name, ErrorCode.INVALID_REQUEST, 'Duplicate topic name.'));
    for (const name of refused) topics.push(failed(name, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Authorization failed.'));
    if (copies.get(CLUSTER_METADATA_TOPIC) === 1) {
      topics.push(failed(CLUSTER_METADATA_TOPIC, ErrorCode.INVALID_REQUEST, `Creation of internal topic ${CLUSTER_METADATA_TOPIC} is prohibited.`));
    }
    return { throttleTimeMs: 0, topics };
  },
});
