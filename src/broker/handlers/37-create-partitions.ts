/**
 * CreatePartitions (key 37), v0-3.
 *
 * Raises a topic's partition count to `count` (the new total), as Kafka's controller does
 * (ReplicationControlManager.createPartitions), with its codes and messages: an unknown topic is
 * UNKNOWN_TOPIC_OR_PARTITION, a count equal to or below the current one INVALID_PARTITIONS. With
 * `assignments`, there must be one replica list per new partition, each naming this node only,
 * once, like the partitions already there (INVALID_REPLICA_ASSIGNMENT; any other id "is not
 * registered"). A topic named twice in one request is refused for every copy ("Duplicate topic
 * name.", INVALID_REQUEST), answered first as in Kafka's ControllerApis. validateOnly checks
 * and creates nothing. New partitions are open, empty and led by this node when the answer goes
 * out (Broker.addPartitions), so timeoutMs is not needed. The topic and count are checked again
 * in the name's lock, so concurrent requests for one topic get the answers sequential ones
 * would; a partition that cannot be opened undoes all the new ones (KAFKA_STORAGE_ERROR).
 *
 * Limit: at most MAX_PARTITIONS_PER_REQUEST new partitions per request (Kafka's bound on one
 * controller operation); a topic past it gets POLICY_VIOLATION.
 *
 * Deviation: internal topics keep their partition count (INVALID_REQUEST): the group
 * coordinator places groups by the partition count of __consumer_offsets. Kafka would add them.
 *
 * Authorization (ControllerApis.createPartitions, where a KRaft broker forwards the request):
 * ALTER on each topic, else TOPIC_AUTHORIZATION_FAILED, answered after the duplicates and
 * before the others, whether the topic exists or not.
 */
import { INTERNAL_TOPICS } from '../../core/topic-name.js';
import { ErrorCode } from '../../protocol/errors.js';
import { CreatePartitions } from '../../protocol/messages/index.js';
import type { RequestOf } from '../../protocol/schema.js';
import { type Broker, partitionCountProblem } from '../broker.js';
import { defineHandler } from '../router.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { EXCESSIVE_BATCH_MESSAGE, manualAssignmentProblem, MAX_PARTITIONS_PER_REQUEST } from './19-create-topics.js';
import type { Problem } from './config-resources.js';

type PartitionsTopic = RequestOf<typeof CreatePartitions>['topics'][number];

/** The checks on one topic, synchronous; the number of partitions to add when they pass. */
function plan(broker: Broker, t: PartitionsTopic): number | Problem {
  const state = broker.topics.get(t.name);
  if (!state) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null };
  if (INTERNAL_TOPICS.has(t.name)) {
    return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Partitions cannot be added to internal topic ${t.name}: groups are placed by its partition count.` };
  }
  const current = state.meta.partitions;
  const wrongCount = partitionCountProblem(t.name, current, t.count);
  if (wrongCount) return wrongCount;
  const additional = t.count - current;
  if (t.assignments !== null) {
    if (t.assignments.length !== additional) {
      return {
        errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        errorMessage: `Attempted to add ${additional} additional partition(s), but only ${t.assignments.length} assignment(s) were specified.`,
      };
    }
    for (const a of t.assignments) {
      const wrong = manualAssignmentProblem(broker.nodeId, a.brokerIds, 1);
      if (wrong) return wrong;
    }
  }
  return additional;
}

export default defineHandler({
  api: CreatePartitions,
  async handle({ broker, authorize }, request) {
    const copies = new Map<string, number>();
    for (const t of request.topics) copies.set(t.name, (copies.get(t.name) ?? 0) + 1);
    const results: { name: string; errorCode: number; errorMessage: string | null }[] = [];
    for (const [name, n] of copies) if (n > 1) results.push({ name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' });
    const allowed = request.topics.filter((t) => {
      if (copies.get(t.name)! > 1) return false;
      if (authorize(AclOperation.ALTER, ResourceType.TOPIC, t.name)) return true;
      results.push({ name: t.name, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: null });
      return false;
    });
    let newPartitions = 0;
    for (const t of allowed) {
      const additional = plan(broker, t);
      if (typeof additional !== 'number') {
        results.push({ name: t.name, ...additional });
        continue;
      }
      if (newPartitions + additional > MAX_PARTITIONS_PER_REQUEST) {
        results.push({ name: t.name, errorCode: ErrorCode.POLICY_VIOLATION, errorMessage: EXCESSIVE_BATCH_MESSAGE });
        continue;
      }
      newPartitions += additional;
      const problem = request.validateOnly ? undefined : await broker.addPartitions(t.name, t.count);
      results.push({ name: t.name, errorCode: problem?.errorCode ?? 0, errorMessage: problem?.errorMessage ?? null });
    }
    return { throttleTimeMs: 0, results };
  },
});
