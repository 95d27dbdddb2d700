/**
 * Metadata (key 3), v0-12.
 *
 * One broker, which is also the controller (kafkajs sends admin requests to the controller it
 * finds here). Every partition is led by this node, with this node as its only replica and ISR.
 * Topics are named, or from v12 identified by ID (an entry with an ID is looked up by it, its
 * name aside); in v0 an empty list means every topic, from v1 on null does. v10 and v11 carry an
 * ID and a nullable name, but as in Kafka a null name or a non-zero ID there refuses the whole
 * request: every topic answers INVALID_REQUEST, a null name as "". An illegal name ("" among
 * them) is INVALID_TOPIC_EXCEPTION. An unknown topic is created when both the request
 * (allowAutoTopicCreation, implied before v4) and auto.create.topics.enable allow it; it is
 * answered ready at once, since creation completes (all its partitions open) before the answer.
 *
 * Authorization (KafkaApis.handleTopicMetadataRequest): DESCRIBE on each topic. A request for
 * every topic lists only those the principal may describe; a topic asked for by name that it
 * may not describe answers TOPIC_AUTHORIZATION_FAILED (zero id, not internal), whether it
 * exists or not, and by id TOPIC_AUTHORIZATION_FAILED with a null name. A missing topic that
 * would be auto-created needs CREATE on the cluster or on the topic, else it answers
 * TOPIC_AUTHORIZATION_FAILED. The authorized operations, when asked (v8+), are the
 * authorizer's: the cluster's (v8-10) only with DESCRIBE on it, else 0; each topic's for the
 * topics described or missing, Int.MinValue for the refused ones.
 */
import { INTERNAL_TOPICS, topicNameProblem } from '../../core/topic-name.js';
import { ErrorCode } from '../../protocol/errors.js';
import { Metadata } from '../../protocol/messages/index.js';
import type { RequestOf, ResponseOf } from '../../protocol/schema.js';
import type { Broker, TopicState } from '../broker.js';
import { defineHandler, type RequestContext } from '../router.js';
import type { TopicMetadata } from '../../cluster/metadata-cache.js';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../security/acl.js';
import { NOT_REQUESTED as NO_OPERATIONS, authorizedOperations, clusterOperations } from './authorized-operations.js';

type MetadataTopic = ResponseOf<typeof Metadata>['topics'][number];

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** `operations`: the topic's authorized-operations field. */
export function describeTopic(broker: Broker, state: TopicState, operations: number): MetadataTopic {
  return {
    errorCode: 0,
    name: state.meta.name,
    topicId: state.meta.topicId,
    isInternal: INTERNAL_TOPICS.has(state.meta.name),
    partitions: state.partitions.map((p) => ({
      errorCode: 0,
      partitionIndex: p.partition,
      leaderId: broker.nodeId,
      leaderEpoch: 0,
      replicaNodes: [broker.nodeId],
      isrNodes: [broker.nodeId],
      offlineReplicas: [],
    })),
    topicAuthorizedOperations: operations,
  };
}

function missing(name: string | null, topicId: string, errorCode: number, operations = NO_OPERATIONS, isInternal = false): MetadataTopic {
  return { errorCode, name, topicId, isInternal, partitions: [], topicAuthorizedOperations: operations };
}

/**
 * Kafka's answer to a request it refuses as a whole (MetadataRequest.getErrorResponse): every
 * topic asked for, with the error, its name ("" for a null one, which the response cannot
 * carry before v12) and id, and nothing else.
 */
function refused(request: RequestOf<typeof Metadata>, errorCode: number): ResponseOf<typeof Metadata> {
  return {
    throttleTimeMs: 0,
    brokers: [],
    clusterId: null,
    controllerId: -1,
    topics: (request.topics ?? []).map((t) => missing(t.name ?? '', t.topicId, errorCode)),
    clusterAuthorizedOperations: NO_OPERATIONS,
  };
}

/**
 * Cluster mode: the answer from the metadata cache (cluster/metadata-cache.ts): every live
 * broker at its endpoint on the listener the client came in on, the controller, and each
 * partition's leader, leader epoch, replicas, ISR and offline replicas; a partition without a
 * leader answers LEADER_NOT_AVAILABLE. A missing topic is auto-created as on one node (the
 * request and auto.create.topics.enable allow it, CREATE authorized), through ZooKeeper, and
 * answered LEADER_NOT_AVAILABLE until its leaders are elected.
 */
async function clusterMetadata(ctx: RequestContext, request: RequestOf<typeof Metadata>): Promise<ResponseOf<typeof Metadata>> {
  const { broker, connection, version, authorize } = ctx;
  const cache = broker.cluster!.metadata;
  const listener = connection.auth.security.listener.name;
  const may = (name: string): boolean => !broker.security.authorizer.enabled || authorize(AclOperation.DESCRIBE, ResourceType.TOPIC, name);
  const operationsOf = (name: string): number => (request.includeTopicAuthorizedOperations ? authorizedOperations(ctx, ResourceType.TOPIC, name) : NO_OPERATIONS);
  const describe = (t: TopicMetadata): MetadataTopic => ({
    errorCode: 0,
    name: t.name,
    topicId: t.topicId,
    isInternal: INTERNAL_TOPICS.has(t.name),
    partitions: t.partitions
      .filter((p) => p !== undefined)
      .map((p) => ({
        errorCode: p.leader < 0 ? ErrorCode.LEADER_NOT_AVAILABLE : 0,
        partitionIndex: p.partition,
        leaderId: p.leader,
        leaderEpoch: p.leaderEpoch,
        replicaNodes: p.replicas,
        isrNodes: p.isr,
        offlineReplicas: p.offlineReplicas,
      })),
    topicAuthorizedOperations: operationsOf(t.name),
  });
  const all = request.topics === null || (version === 0 && request.topics.length === 0);
  const topics: MetadataTopic[] = [];
  if (all) {
    for (const t of cache.topics) if (may(t.name)) topics.push(describe(t));
  } else {
    if (version < 12 && request.topics!.some((t) => t.name === null || t.topicId !== ZERO_UUID)) return refused(request, ErrorCode.INVALID_REQUEST);
    const mayCreate = (version < 4 || request.allowAutoTopicCreation) && broker.autoCreateEnabled;
    const authorizing = broker.security.authorizer.enabled;
    let createsAny: boolean | undefined;
    const mayCreateTopic = (name: string): boolean =>
      !authorizing || (createsAny ??= authorize(AclOperation.CREATE, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) || authorize(AclOperation.CREATE, ResourceType.TOPIC, name);
    for (const t of request.topics!) {
      if (t.topicId !== ZERO_UUID || t.name === null) {
        const byId = t.topicId === ZERO_UUID ? undefined : cache.topicById(t.topicId);
        if (!byId) topics.push(missing(null, t.topicId, ErrorCode.UNKNOWN_TOPIC_ID));
        else if (!may(byId.name)) topics.push(missing(null, t.topicId, ErrorCode.TOPIC_AUTHORIZATION_FAILED));
        else topics.push(describe(byId));
        continue;
      }
      if (!may(t.name)) topics.push(missing(t.name, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED));
      else if (topicNameProblem(t.name) !== undefined) topics.push(missing(t.name, ZERO_UUID, ErrorCode.INVALID_TOPIC_EXCEPTION, operationsOf(t.name)));
      else {
        const known = cache.topic(t.name);
        if (known) topics.push(describe(known));
        else if (mayCreate && !INTERNAL_TOPICS.has(t.name)) {
          // Created through ZooKeeper; the client asks again once its leaders are elected.
          const code = mayCreateTopic(t.name) ? await broker.cluster!.autoCreateTopic(t.name, broker) : ErrorCode.TOPIC_AUTHORIZATION_FAILED;
          topics.push(missing(t.name, ZERO_UUID, code, operationsOf(t.name)));
        } else topics.push(missing(t.name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, operationsOf(t.name), INTERNAL_TOPICS.has(t.name)));
      }
    }
  }
  const brokers = cache.brokers.flatMap((b) => {
    const e = b.endpoints.find((x) => x.listener === listener);
    return e ? [{ nodeId: b.id, host: e.host, port: e.port, rack: b.rack }] : [];
  });
  return {
    throttleTimeMs: 0,
    brokers,
    clusterId: broker.clusterId,
    controllerId: cache.controllerId,
    topics,
    clusterAuthorizedOperations: request.includeClusterAuthorizedOperations ? clusterOperations(ctx) : NO_OPERATIONS,
  };
}

export default defineHandler({
  api: Metadata,
  async handle(ctx, request) {
    const { broker, connection, version, authorize } = ctx;
    if (broker.cluster) return clusterMetadata(ctx, request);
    const advertised = broker.advertisedFor(connection);
    const authorizing = broker.security.authorizer.enabled;
    const may = (operation: number, name: string): boolean => !authorizing || authorize(operation, ResourceType.TOPIC, name);
    // A topic's authorized-operations field, for a topic described or missing.
    const operationsOf = (name: string): number => (request.includeTopicAuthorizedOperations ? authorizedOperations(ctx, ResourceType.TOPIC, name) : NO_OPERATIONS);
    const all = request.topics === null || (version === 0 && request.topics.length === 0);
    const topics: MetadataTopic[] = [];
    if (all) {
      for (const state of broker.topics.values()) if (may(AclOperation.DESCRIBE, state.meta.name)) topics.push(describeTopic(broker, state, operationsOf(state.meta.name)));
    } else {
      // Before v12 every topic is named, and none by id (KafkaApis.handleTopicMetadataRequest):
      // v10 and v11 carry both fields, but Kafka refuses the request when either is used.
      if (version < 12 && request.topics!.some((t) => t.name === null || t.topicId !== ZERO_UUID)) return refused(request, ErrorCode.INVALID_REQUEST);
      const mayCreate = (version < 4 || request.allowAutoTopicCreation) && broker.autoCreateEnabled;
      // CREATE on the cluster lets every missing topic be created; asked once, when needed.
      let createsAny: boolean | undefined;
      const mayCreateTopic = (name: string): boolean =>
        !authorizing || (createsAny ??= authorize(AclOperation.CREATE, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) || authorize(AclOperation.CREATE, ResourceType.TOPIC, name);
      for (const t of request.topics!) {
        if (t.topicId !== ZERO_UUID || t.name === null) {
          // v12: by id, the name (if any) aside, as Kafka does when an id is given.
          const byId = t.topicId === ZERO_UUID ? undefined : broker.topicById(t.topicId);
          if (!byId) topics.push(missing(null, t.topicId, ErrorCode.UNKNOWN_TOPIC_ID));
          // Topic ids are not secret: a refused one answers with its id, not its name.
          else if (!may(AclOperation.DESCRIBE, byId.meta.name)) topics.push(missing(null, t.topicId, ErrorCode.TOPIC_AUTHORIZATION_FAILED));
          else topics.push(describeTopic(broker, byId, operationsOf(byId.meta.name)));
          continue;
        }
        // Not even whether the topic exists is told to a principal that may not describe it.
        if (!may(AclOperation.DESCRIBE, t.name)) {
          topics.push(missing(t.name, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED));
          continue;
        }
        const state = broker.topics.get(t.name);
        if (state) {
          topics.push(describeTopic(broker, state, operationsOf(t.name)));
        } else if (mayCreate && !mayCreateTopic(t.name)) {
          topics.push(missing(t.name, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED, NO_OPERATIONS, INTERNAL_TOPICS.has(t.name)));
        } else if (topicNameProblem(t.name) !== undefined) {
          topics.push(missing(t.name, ZERO_UUID, ErrorCode.INVALID_TOPIC_EXCEPTION, operationsOf(t.name)));
        } else if (mayCreate && !INTERNAL_TOPICS.has(t.name)) {
          const created = await broker.autoCreate(t.name);
          topics.push('meta' in created ? describeTopic(broker, created, operationsOf(t.name)) : missing(t.name, ZERO_UUID, created.errorCode, operationsOf(t.name)));
        } else {
          topics.push(missing(t.name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, operationsOf(t.name), INTERNAL_TOPICS.has(t.name)));
        }
      }
    }
    return {
      throttleTimeMs: 0,
      brokers: [{ nodeId: broker.nodeId, host: advertised.host, port: advertised.port, rack: null }],
      clusterId: broker.clusterId,
      controllerId: broker.nodeId,
      topics,
      // v8-10: the cluster's operations when asked, only for a principal that may describe it.
      clusterAuthorizedOperations: request.includeClusterAuthorizedOperations ? clusterOperations(ctx) : NO_OPERATIONS,
    };
  },
});
