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
 */
import { INTERNAL_TOPICS, topicNameProblem } from '../../core/topic-name.js';
import { ErrorCode } from '../../protocol/errors.js';
import { Metadata } from '../../protocol/messages/index.js';
import type { RequestOf, ResponseOf } from '../../protocol/schema.js';
import type { Broker, TopicState } from '../broker.js';
import { defineHandler } from '../router.js';
import { CLUSTER_OPERATIONS, NOT_REQUESTED as NO_OPERATIONS, TOPIC_OPERATIONS } from './authorized-operations.js';

type MetadataTopic = ResponseOf<typeof Metadata>['topics'][number];

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

export function describeTopic(broker: Broker, state: TopicState, includeOperations: boolean): MetadataTopic {
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
    topicAuthorizedOperations: includeOperations ? TOPIC_OPERATIONS : NO_OPERATIONS,
  };
}

function missing(name: string | null, topicId: string, errorCode: number): MetadataTopic {
  return { errorCode, name, topicId, isInternal: false, partitions: [], topicAuthorizedOperations: NO_OPERATIONS };
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

export default defineHandler({
  api: Metadata,
  async handle({ broker, connection, version }, request) {
    const advertised = broker.advertisedFor(connection);
    const includeOperations = request.includeTopicAuthorizedOperations;
    const all = request.topics === null || (version === 0 && request.topics.length === 0);
    const topics: MetadataTopic[] = [];
    if (all) {
      for (const state of broker.topics.values()) topics.push(describeTopic(broker, state, includeOperations));
    } else {
      // Before v12 every topic is named, and none by id (KafkaApis.handleTopicMetadataRequest):
      // v10 and v11 carry both fields, but Kafka refuses the request when either is used.
      if (version < 12 && request.topics!.some((t) => t.name === null || t.topicId !== ZERO_UUID)) return refused(request, ErrorCode.INVALID_REQUEST);
      const mayCreate = (version < 4 || request.allowAutoTopicCreation) && broker.autoCreateEnabled;
      for (const t of request.topics!) {
        if (t.topicId !== ZERO_UUID || t.name === null) {
          // v12: by id, the name (if any) aside, as Kafka does when an id is given.
          const byId = t.topicId === ZERO_UUID ? undefined : broker.topicById(t.topicId);
          topics.push(byId ? describeTopic(broker, byId, includeOperations) : missing(null, t.topicId, ErrorCode.UNKNOWN_TOPIC_ID));
          continue;
        }
        const state = broker.topics.get(t.name);
        if (state) {
          topics.push(describeTopic(broker, state, includeOperations));
        } else if (topicNameProblem(t.name) !== undefined) {
          topics.push(missing(t.name, ZERO_UUID, ErrorCode.INVALID_TOPIC_EXCEPTION));
        } else if (mayCreate && !INTERNAL_TOPICS.has(t.name)) {
          const created = await broker.autoCreate(t.name);
          topics.push('meta' in created ? describeTopic(broker, created, includeOperations) : missing(t.name, ZERO_UUID, created.errorCode));
        } else {
          topics.push(missing(t.name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
        }
      }
    }
    return {
      throttleTimeMs: 0,
      brokers: [{ nodeId: broker.nodeId, host: advertised.host, port: advertised.port, rack: null }],
      clusterId: broker.clusterId,
      controllerId: broker.nodeId,
      topics,
      // v8-10: the cluster's operations when asked, as Kafka answers without an authorizer.
      clusterAuthorizedOperations: request.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : NO_OPERATIONS,
    };
  },
});
