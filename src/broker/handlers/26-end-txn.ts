/**
 * EndTxn (key 26), v0-4: commit or abort. The answer comes once PrepareCommit or PrepareAbort
 * is in __transaction_state; the markers follow (transactions/coordinator.ts), and until they
 * are written the id answers CONCURRENT_TRANSACTIONS. Before v2, PRODUCER_FENCED is answered as
 * INVALID_PRODUCER_EPOCH.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { EndTxn } from '../../protocol/messages/index.js';
import { transactionCoordinatorOf } from '../transactions/state-topic.js';
import { defineHandler } from '../router.js';

export default defineHandler({
  api: EndTxn,
  async handle({ broker, version }, request) {
    const coordinator = transactionCoordinatorOf(broker);
    let errorCode = coordinator ? await coordinator.endTxn(request.transactionalId, request.producerId, request.producerEpoch, request.committed) : ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (errorCode === ErrorCode.PRODUCER_FENCED && version < 2) errorCode = ErrorCode.INVALID_PRODUCER_EPOCH;
    return { throttleTimeMs: 0, errorCode };
  },
});
