/**
 * InitProducerId (key 22), v0-5.
 *
 * Without a transactional id (null) the producer is idempotent only, and gets a new producer id
 * with epoch 0 — also when it presents its current id and epoch (v3+). That is Kafka's answer
 * (TransactionCoordinator.handleInitProducerId allocates a new id for every such request): an
 * idempotent client bumps its epoch itself, without asking the broker (KIP-360; the Java
 * client and librdkafka both do), and asks for an id only at start, after the epoch would
 * overflow, or after an error that made it give its id up. The partitions accept a new epoch
 * starting at sequence 0 (core/producer-state.ts).
 *
 * With a transactional id, the transaction coordinator answers (transactions/coordinator.ts):
 * the id's producer id with its epoch bumped, which fences any older producer of the id; an
 * open transaction of the id is aborted first, answering CONCURRENT_TRANSACTIONS meanwhile; a
 * v3+ request presenting its current id and epoch (KIP-360) resumes. A timeout above
 * transaction.max.timeout.ms is INVALID_TRANSACTION_TIMEOUT. Before v4 a client does not know
 * PRODUCER_FENCED and gets INVALID_PRODUCER_EPOCH instead, as Kafka answers. An empty
 * transactional id is INVALID_REQUEST.
 *
 * Producer ids come from durable blocks (transactions/producer-ids.ts); when no block can be
 * made durable the answer is the retriable COORDINATOR_LOAD_IN_PROGRESS.
 *
 * Authorization (KafkaApis.handleInitProducerIdRequest), before anything else: with a
 * transactional id, WRITE on it (TRANSACTIONAL_ID_AUTHORIZATION_FAILED); without, Kafka 3.x's
 * rule (KIP-679): IDEMPOTENT_WRITE on the cluster, or WRITE on at least one topic — any ACL
 * that could allow it, a prefixed or wildcard one included — else CLUSTER_AUTHORIZATION_FAILED.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { InitProducerId } from '../../protocol/messages/index.js';
import { producerIdsOf } from '../transactions/producer-ids.js';
import { transactionCoordinatorOf } from '../transactions/state-topic.js';
import { defineHandler } from '../router.js';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../security/acl.js';

const refused = (errorCode: number) => ({ throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1 });

export default defineHandler({
  api: InitProducerId,
  async handle({ broker, connection, version, authorize }, request) {
    if (request.transactionalId !== null) {
      if (!authorize(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)) return refused(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    } else if (
      !authorize(AclOperation.IDEMPOTENT_WRITE, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME) &&
      !broker.security.authorizer.allowsSomeOf(connection.auth.principal, connection.clientAddress, AclOperation.WRITE, ResourceType.TOPIC)
    ) {
      return refused(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    }
    if (request.transactionalId === '') return refused(ErrorCode.INVALID_REQUEST);
    if (request.transactionalId !== null) {
      const coordinator = transactionCoordinatorOf(broker);
      if (!coordinator) return refused(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      const expected = request.producerId >= 0 || request.producerEpoch >= 0 ? { producerId: request.producerId, producerEpoch: request.producerEpoch } : undefined;
      let r;
      try {
        r = await coordinator.initProducerId(request.transactionalId, request.transactionTimeoutMs, expected);
      } catch (e) {
        broker.logger.error(`InitProducerId: ${(e as Error).message}`);
        return refused(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
      }
      const errorCode = r.errorCode === ErrorCode.PRODUCER_FENCED && version < 4 ? ErrorCode.INVALID_PRODUCER_EPOCH : r.errorCode;
      return { throttleTimeMs: 0, errorCode, producerId: r.producerId, producerEpoch: r.producerEpoch };
    }
    let producerId: number;
    try {
      producerId = await producerIdsOf(broker).nextId();
    } catch (e) {
      // No id is handed out unless its block is on disk; the client retries.
      broker.logger.error(`InitProducerId: ${(e as Error).message}`);
      return refused(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 };
  },
});
