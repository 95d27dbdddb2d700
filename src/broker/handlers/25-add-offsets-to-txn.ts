/**
 * AddOffsetsToTxn (key 25), v0-4: the group's __consumer_offsets partition joins the
 * transaction (created first if the topic does not exist yet), so that the commit marker
 * reaches it and the transaction's offsets (TxnOffsetCommit) become visible with its records.
 * Before v2, PRODUCER_FENCED is answered as INVALID_PRODUCER_EPOCH.
 *
 * Authorization (KafkaApis.handleAddOffsetsToTxnRequest), first: WRITE on the transactional id
 * (TRANSACTIONAL_ID_AUTHORIZATION_FAILED), then READ on the group (GROUP_AUTHORIZATION_FAILED).
 */
import { ErrorCode } from '../../protocol/errors.js';
import { AddOffsetsToTxn } from '../../protocol/messages/index.js';
import { OFFSETS_TOPIC, coordinatorOf, ensureOffsetsTopic } from '../groups/offsets-topic.js';
import { transactionCoordinatorOf } from '../transactions/state-topic.js';
import { defineHandler } from '../router.js';
import { AclOperation, ResourceType } from '../security/acl.js';

export default defineHandler({
  api: AddOffsetsToTxn,
  async handle({ broker, version, authorize }, request) {
    const answer = (errorCode: number) => ({ throttleTimeMs: 0, errorCode: errorCode === ErrorCode.PRODUCER_FENCED && version < 2 ? ErrorCode.INVALID_PRODUCER_EPOCH : errorCode });
    if (!authorize(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)) return answer(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    if (!authorize(AclOperation.READ, ResourceType.GROUP, request.groupId)) return answer(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const coordinator = transactionCoordinatorOf(broker);
    const groups = coordinatorOf(broker);
    if (!coordinator || !groups) return answer(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (request.groupId === '') return answer(ErrorCode.INVALID_GROUP_ID);
    const topic = await ensureOffsetsTopic(broker);
    if (!('meta' in topic)) return answer(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const partition = groups.partitionFor(request.groupId);
    return answer(await coordinator.addPartitions(request.transactionalId, request.producerId, request.producerEpoch, [{ topic: OFFSETS_TOPIC, partition }]));
  },
});
