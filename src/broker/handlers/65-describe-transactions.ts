/**
 * DescribeTransactions (key 65), v0: the coordinator's view of each transactional id asked for
 * (KIP-664): state, timeout, start time, producer id and epoch, and the partitions of the
 * ongoing transaction (while it ends, those whose marker is not yet written). An unknown id is
 * TRANSACTIONAL_ID_NOT_FOUND.
 */
import { DescribeTransactions } from '../../protocol/messages/index.js';
import { ErrorCode } from '../../protocol/errors.js';
import { transactionCoordinatorOf } from '../transactions/state-topic.js';
import { defineHandler } from '../router.js';

export default defineHandler({
  api: DescribeTransactions,
  async handle({ broker }, request) {
    const coordinator = transactionCoordinatorOf(broker);
    return {
      throttleTimeMs: 0,
      transactionStates: request.transactionalIds.map((transactionalId) =>
        coordinator
          ? coordinator.describe(transactionalId)
          : { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, transactionalId, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1, producerId: -1, producerEpoch: -1, topics: [] },
      ),
    };
  },
});
