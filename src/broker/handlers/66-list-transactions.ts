/**
 * ListTransactions (key 66), v0-1: every transactional id the coordinator knows, filtered by
 * state names (unknown names are listed back in unknownStateFilters), producer ids and, from
 * v1, by having run longer than a duration (KIP-994).
 *
 * Authorization (KafkaApis.handleListTransactionsRequest): only the transactional ids the
 * principal may DESCRIBE are listed; never an error.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { ListTransactions } from '../../protocol/messages/index.js';
import { transactionCoordinatorOf } from '../transactions/state-topic.js';
import { defineHandler } from '../router.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { partitionByAuthorized } from './authorized-operations.js';

export default defineHandler({
  api: ListTransactions,
  async handle(ctx, request) {
    const coordinator = transactionCoordinatorOf(ctx.broker);
    if (!coordinator) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, unknownStateFilters: [], transactionStates: [] };
    const r = coordinator.list(request.stateFilters, request.producerIdFilters, request.durationFilter);
    const [listed] = partitionByAuthorized(ctx, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, r.transactions, (t) => t.transactionalId);
    return { throttleTimeMs: 0, errorCode: r.errorCode, unknownStateFilters: r.unknownStateFilters, transactionStates: listed };
  },
});
