/**
 * WriteTxnMarkers (key 27), v0-1: writes commit or abort markers to partitions. Spindle's own
 * coordinator writes its markers in-process; this serves `kafka-transactions abort`, which ends a
 * hanging transaction of a partition with the producer id, epoch and coordinator epoch that
 * DescribeProducers reported. Each marker is checked by the partition's producer state (an
 * older epoch is INVALID_PRODUCER_EPOCH, an older coordinator epoch
 * TRANSACTION_COORDINATOR_FENCED); a marker for __consumer_offsets also completes the
 * producer's transactional offsets.
 *
 * Authorization (KafkaApis.handleWriteTxnMarkersRequest): ALTER on the cluster, or else
 * CLUSTER_ACTION on it; without either every partition of every marker answers
 * CLUSTER_AUTHORIZATION_FAILED.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { WriteTxnMarkers } from '../../protocol/messages/index.js';
import { writeMarker } from '../transactions/state-topic.js';
import { defineHandler } from '../router.js';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../security/acl.js';

export default defineHandler({
  api: WriteTxnMarkers,
  quotaExempt: true,
  async handle({ broker, authorize }, request) {
    if (!authorize(AclOperation.ALTER, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME) && !authorize(AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) {
      const errorCode = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
      return {
        markers: request.markers.map((m) => ({
          producerId: m.producerId,
          topics: m.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, errorCode })) })),
        })),
      };
    }
    const markers = await Promise.all(
      request.markers.map(async (m) => ({
        producerId: m.producerId,
        topics: await Promise.all(
          m.topics.map(async (t) => ({
            name: t.name,
            partitions: await Promise.all(
              t.partitionIndexes.map(async (partitionIndex) => ({
                partitionIndex,
                errorCode: await writeMarker(broker, { topic: t.name, partition: partitionIndex }, { producerId: m.producerId, producerEpoch: m.producerEpoch, coordinatorEpoch: m.coordinatorEpoch, commit: m.transactionResult }),
              })),
            ),
          })),
        ),
      })),
    );
    return { markers };
  },
});
