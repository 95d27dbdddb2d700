/**
 * TxnOffsetCommit (key 28), v0-5: offsets committed within a transaction. The transaction must
 * be the producer's ongoing one and hold the group's __consumer_offsets partition (added by
 * AddOffsetsToTxn); with transaction.partition.verification.enable off, only the group's own
 * checks apply. The offsets are then written and held by the group coordinator until the
 * transaction's marker (groups/coordinator.ts). v3+ carries the member id, instance id and
 * generation, checked like OffsetCommit's (KIP-447). In v5 (KIP-890 part 2, transaction version
 * 2) the client sends no AddOffsetsToTxn: the group's partition is added to the transaction
 * here first, as Kafka's broker adds it.
 *
 * Authorization (KafkaApis.handleTxnOffsetCommitRequest), first: WRITE on the transactional id
 * (every partition TRANSACTIONAL_ID_AUTHORIZATION_FAILED), READ on the group (every partition
 * GROUP_AUTHORIZATION_FAILED), then READ on each topic: a topic refused answers
 * TOPIC_AUTHORIZATION_FAILED and only the others are committed (none left: nothing is done).
 */
import { ErrorCode } from '../../protocol/errors.js';
import { TxnOffsetCommit } from '../../protocol/messages/index.js';
import { OFFSETS_TOPIC, coordinatorOf } from '../groups/offsets-topic.js';
import { transactionCoordinatorOf } from '../transactions/state-topic.js';
import { defineHandler } from '../router.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { partitionByAuthorized } from './authorized-operations.js';

export default defineHandler({
  api: TxnOffsetCommit,
  async handle(ctx, request) {
    const { broker, version, authorize } = ctx;
    const resultsOf = (topics: typeof request.topics, codes: (i: number, j: number) => number) =>
      topics.map((t, i) => ({ name: t.name, partitions: t.partitions.map((p, j) => ({ partitionIndex: p.partitionIndex, errorCode: codes(i, j) })) }));
    if (!authorize(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)) {
      return { throttleTimeMs: 0, topics: resultsOf(request.topics, () => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED) };
    }
    if (!authorize(AclOperation.READ, ResourceType.GROUP, request.groupId)) return { throttleTimeMs: 0, topics: resultsOf(request.topics, () => ErrorCode.GROUP_AUTHORIZATION_FAILED) };
    const [topics, denied] = partitionByAuthorized(ctx, AclOperation.READ, ResourceType.TOPIC, request.topics, (t) => t.name);
    const refused = denied.length === 0 ? undefined : resultsOf(denied, () => ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    const answer = (codes: (i: number, j: number) => number) => {
      const results = resultsOf(topics, codes);
      return { throttleTimeMs: 0, topics: refused ? [...results, ...refused] : results };
    };
    if (refused && topics.length === 0) return answer(() => 0);
    const groups = coordinatorOf(broker);
    const transactions = transactionCoordinatorOf(broker);
    if (!groups || !transactions) return answer(() => ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const offsetsPartition = { topic: OFFSETS_TOPIC, partition: groups.partitionFor(request.groupId) };
    if (version >= 5) {
      const added = await transactions.addPartitionsImplicitly(request.transactionalId, request.producerId, request.producerEpoch, [offsetsPartition]);
      // A retriable failure to add is one the client retries after looking for the coordinator.
      const retriable = added === ErrorCode.CONCURRENT_TRANSACTIONS || added === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS || added === ErrorCode.NOT_COORDINATOR;
      if (added) return answer(() => (retriable ? ErrorCode.COORDINATOR_NOT_AVAILABLE : added));
    }
    if (broker.config.values['transaction.partition.verification.enable'] as boolean) {
      const [verdict] = transactions.verifyPartitions(request.transactionalId, request.producerId, request.producerEpoch, [offsetsPartition]);
      if (verdict) return answer(() => (verdict === ErrorCode.PRODUCER_FENCED && version < 2 ? ErrorCode.INVALID_PRODUCER_EPOCH : verdict));
    }
    const codes = await groups.txnCommitOffsets({
      groupId: request.groupId,
      producerId: request.producerId,
      producerEpoch: request.producerEpoch,
      generationId: request.generationId,
      memberId: request.memberId,
      groupInstanceId: request.groupInstanceId,
      topics,
    });
    return answer((i, j) => codes[i]![j]!);
  },
});
