/**
 * ListTransactions (key 66), v0-1: every transactional id the coordinator knows, filtered by
 * state names (unknown names are listed back in unknownStateFilters), producer ids and, from
 * v1, by having run longer than a duration (KIP-994).
 */
import { ErrorCode } from '../../protocol/errors.js';
import { ListTransactions } from '../../protocol/messages/index.js';
import { transactionCoordinatorOf } from '../transactions/state-topic.js';
import { defineHandler } from '../router.js';

export default defineHandler({
  api: ListTransactions,
  async handle({ broker }, request) {
    const coordinator = transactionCoordinatorOf(broker);
    if (!coordinator) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, unknownStateFilters: [], transactionStates: [] };
    const r = coordinator.list(request.stateFilters, request.producerIdFilters, request.durationFilter);
    return { throttleTimeMs: 0, errorCode: r.errorCode, unknownStateFilters: r.unknownStateFilters, transactionStates: r.transactions };
  },
});
