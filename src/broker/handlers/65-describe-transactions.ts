/**
 * DescribeTransactions (key 65), v0: the coordinator's view of each transactional id asked for
 * (KIP-664): state, timeout, start time, producer id and epoch, and the partitions of the
 * ongoing transaction (while it ends, those whose marker is not yet written). An unknown id is
 * TRANSACTIONAL_ID_NOT_FOUND.
 *
 * Authorization (KafkaApis.handleDescribeTransactionsRequest): DESCRIBE on each transactional
 * id, else TRANSACTIONAL_ID_AUTHORIZATION_FAILED with every other field zero; of the partitions
 * listed, only those of topics the principal may DESCRIBE.
 */
import { DescribeTransactions } from '../../protocol/messages/index.js';
import { ErrorCode } from '../../protocol/errors.js';
import { transactionCoordinatorOf } from '../transactions/state-topic.js';
import { defineHandler } from '../router.js';
import { AclOperation, ResourceType } from '../security/acl.js';

export default defineHandler({
  api: DescribeTransactions,
  async handle({ broker, authorize }, request) {
    const coordinator = transactionCoordinatorOf(broker);
    const authorizing = broker.security.authorizer.enabled;
    return {
      throttleTimeMs: 0,
      transactionStates: request.transactionalIds.map((transactionalId) => {
        if (!authorize(AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, transactionalId)) {
          const errorCode = ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
          return { errorCode, transactionalId, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: 0, producerId: 0, producerEpoch: 0, topics: [] };
        }
        const state = coordinator
          ? coordinator.describe(transactionalId)
          : { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, transactionalId, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1, producerId: -1, producerEpoch: -1, topics: [] };
        if (!authorizing) return state;
        return { ...state, topics: state.topics.filter((t) => authorize(AclOperation.DESCRIBE, ResourceType.TOPIC, t.topic)) };
      }),
    };
  },
});
