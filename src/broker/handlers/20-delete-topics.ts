/**
 * DeleteTopics (key 20), v0-6.
 *
 * Topics are named in `topicNames` up to v5; from v6 each entry of `topics` gives a name or a
 * topic id. The request is sorted out as Kafka's ControllerApis.deleteTopics does, with its
 * codes and messages: an entry with neither name nor id, or with both, is INVALID_REQUEST; a
 * name or id given twice is refused for every copy ("Duplicate topic name." / "Duplicate topic
 * id."), as is a name whose topic's id was also given. Unknown names answer
 * UNKNOWN_TOPIC_OR_PARTITION, unknown ids UNKNOWN_TOPIC_ID (with a null name). The rest are
 * deleted (Broker.deleteTopic, in the name's lock: logs closed, directories removed, the topic
 * gone from the TopicStore before the answer), and answered with their name and id; one that a
 * concurrent request deleted first answers UNKNOWN_TOPIC_OR_PARTITION, or UNKNOWN_TOPIC_ID when
 * its name was given to a new topic meanwhile.
 *
 * With delete.topic.enable=false every entry answers TOPIC_DELETION_DISABLED, or
 * INVALID_REQUEST before v3, as Kafka does.
 *
 * Deviations: internal topics (__consumer_offsets, __transaction_state) are refused with
 * TOPIC_AUTHORIZATION_FAILED (Broker.deleteTopic), where Kafka would delete them. Answers come
 * in request order; Kafka shuffles them so that positions reveal nothing about authorization.
 *
 * Authorization (ControllerApis.deleteTopics, where a KRaft broker forwards the request): DELETE
 * on the cluster allows every topic; else DELETE and DESCRIBE on each. A topic given by name
 * that the principal may not describe answers TOPIC_AUTHORIZATION_FAILED before it is looked
 * up (an unknown one is not told apart), one it may describe but not delete too, once known;
 * a known topic id it may not delete answers TOPIC_AUTHORIZATION_FAILED, with its name only
 * when the principal may describe it.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { DeleteTopics } from '../../protocol/messages/index.js';
import type { ResponseOf } from '../../protocol/schema.js';
import { defineHandler } from '../router.js';
import { INTERNAL_TOPICS } from '../../core/topic-name.js';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../security/acl.js';

type TopicResult = ResponseOf<typeof DeleteTopics>['responses'][number];

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

export default defineHandler({
  api: DeleteTopics,
  async handle({ broker, version, authorize }, request) {
    const entries: { name: string | null; topicId: string }[] =
      version >= 6 ? request.topics : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    const responses: TopicResult[] = [];
    const answer = (name: string | null, topicId: string, errorCode: number, errorMessage: string | null = null): void => {
      responses.push({ name, topicId, errorCode, errorMessage });
    };

    if (!(broker.config.values['delete.topic.enable'] as boolean)) {
      const errorCode = version < 3 ? ErrorCode.INVALID_REQUEST : ErrorCode.TOPIC_DELETION_DISABLED;
      for (const e of entries) answer(e.name, e.topicId, errorCode, 'Topic deletion is disabled.');
      return { throttleTimeMs: 0, responses };
    }

    const names = new Set<string>();
    const repeatedNames = new Set<string>();
    const ids = new Set<string>();
    const repeatedIds = new Set<string>();
    const addName = (name: string): void => {
      if (repeatedNames.has(name) || names.has(name)) {
        repeatedNames.add(name);
        names.delete(name);
      } else {
        names.add(name);
      }
    };
    for (const e of entries) {
      if (e.name === null) {
        if (e.topicId === ZERO_UUID) answer(null, ZERO_UUID, ErrorCode.INVALID_REQUEST, 'Neither topic name nor id were specified.');
        else if (repeatedIds.has(e.topicId) || ids.has(e.topicId)) {
          repeatedIds.add(e.topicId);
          ids.delete(e.topicId);
        } else ids.add(e.topicId);
      } else if (e.topicId === ZERO_UUID) {
        addName(e.name);
      } else {
        answer(e.name, e.topicId, ErrorCode.INVALID_REQUEST, 'You may not specify both topic name and topic id.');
      }
    }
    for (const name of repeatedNames) answer(name, ZERO_UUID, ErrorCode.INVALID_REQUEST, 'Duplicate topic name.');
    for (const id of repeatedIds) answer(null, id, ErrorCode.INVALID_REQUEST, 'Duplicate topic id.');

    const deletesAny = authorize(AclOperation.DELETE, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME);
    const describable = (name: string): boolean => deletesAny || authorize(AclOperation.DESCRIBE, ResourceType.TOPIC, name);
    const deletable = (name: string): boolean => deletesAny || authorize(AclOperation.DELETE, ResourceType.TOPIC, name);
    const toDelete = new Map<string, string>(); // topic id → name
    // A cluster's topics are the metadata cache's (they need not have a replica here).
    const cache = broker.cluster?.metadata;
    const byId = (id: string): { name: string; topicId: string } | undefined => {
      if (cache) return cache.topicById(id);
      const state = broker.topicById(id);
      return state && { name: state.meta.name, topicId: state.meta.topicId };
    };
    const byName = (name: string): { name: string; topicId: string } | undefined => {
      if (cache) return cache.topic(name);
      const state = broker.topics.get(name);
      return state && { name: state.meta.name, topicId: state.meta.topicId };
    };
    for (const id of ids) {
      const state = byId(id);
      if (!state) answer(null, id, ErrorCode.UNKNOWN_TOPIC_ID);
      else if (!deletable(state.name)) answer(describable(state.name) ? state.name : null, id, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
      else toDelete.set(id, state.name);
    }
    for (const name of names) {
      if (!describable(name)) {
        answer(name, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
        continue;
      }
      const state = byName(name);
      if (!state) {
        answer(name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        continue;
      }
      if (!deletable(name)) {
        answer(name, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
        continue;
      }
      const id = state.topicId;
      if (repeatedIds.has(id) || toDelete.has(id)) {
        toDelete.delete(id);
        answer(name, id, ErrorCode.INVALID_REQUEST, 'The provided topic name maps to an ID that was already supplied.');
        continue;
      }
      toDelete.set(id, name);
    }
    if (cache) {
      // Cluster mode: marked in ZooKeeper for the controller, which stops and removes every
      // replica; answered once the metadata no longer lists the topic, or REQUEST_TIMED_OUT.
      for (const [id, name] of toDelete) {
        if (INTERNAL_TOPICS.has(name)) {
          answer(name, id, ErrorCode.TOPIC_AUTHORIZATION_FAILED, `Internal topic '${name}' cannot be deleted.`);
          continue;
        }
        const refused = await broker.cluster!.markForDeletion(name);
        if (refused) {
          answer(name, id, refused.errorCode, refused.errorMessage);
          continue;
        }
        const gone = await cache.waitFor(() => cache.topic(name)?.topicId !== id, request.timeoutMs);
        answer(name, id, gone || request.timeoutMs <= 0 ? 0 : ErrorCode.REQUEST_TIMED_OUT, gone || request.timeoutMs <= 0 ? null : `Topic '${name}' is marked for deletion; its replicas were not all removed within ${request.timeoutMs} ms.`);
      }
      return { throttleTimeMs: 0, responses };
    }
    for (const [id, name] of toDelete) {
      const problem = await broker.deleteTopic(name, id);
      answer(name, id, problem?.errorCode ?? 0, problem?.errorMessage ?? null);
    }
    return { throttleTimeMs: 0, responses };
  },
});
