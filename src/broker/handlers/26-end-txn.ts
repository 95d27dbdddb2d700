/**
 * EndTxn (key 26), v0-5: commit or abort. The answer comes once PrepareCommit or PrepareAbort
 * is in __transaction_state; the markers follow (transactions/coordinator.ts), and until they
 * are written the id answers CONCURRENT_TRANSACTIONS. Before v2, PRODUCER_FENCED is answered as
 * INVALID_PRODUCER_EPOCH. v5 is KIP-890's protocol (transaction version 2): every end bumps the
 * producer's epoch, and the answer carries the producer id and epoch of the next transaction.
 *
 * Authorization (KafkaApis.handleEndTxnRequest): WRITE on the transactional id, else
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED (producer id and epoch -1).
 */
import { ErrorCode } from '../../protocol/errors.js';
import { EndTxn } from '../../protocol/messages/index.js';
import { transactionCoordinatorOf } from '../transactions/state-topic.js';
import { defineHandler } from '../router.js';
import { AclOperation, ResourceType } from '../security/acl.js';

export default defineHandler({
  api: EndTxn,
  async handle({ broker, version, authorize }, request) {
    if (!authorize(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1, producerEpoch: -1 };
    }
    const coordinator = transactionCoordinatorOf(broker);
    const result = coordinator
      ? await coordinator.endTxn(request.transactionalId, request.producerId, request.producerEpoch, request.committed, version >= 5 ? 2 : 0)
      : { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, producerId: -1, producerEpoch: -1 };
    let errorCode = result.errorCode;
    if (errorCode === ErrorCode.PRODUCER_FENCED && version < 2) errorCode = ErrorCode.INVALID_PRODUCER_EPOCH;
    return { throttleTimeMs: 0, errorCode, producerId: result.producerId, producerEpoch: result.producerEpoch };
  },
});
