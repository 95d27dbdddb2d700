/**
 * ListOffsets (key 2), v0-9. Per partition: the earliest (-2) or latest (-1) offset, the offset
 * of the record with the largest timestamp (-3, KIP-734), the earliest local offset (-4, the log
 * start: there is no tiered storage), the latest tiered offset (-5: none, offset and epoch -1, as
 * Kafka answers with remote storage off), or the first offset whose timestamp is at or after the
 * given one (with that timestamp); -1 when no record is that new. Version 0
 * answers in its old form, a list of offsets. Under READ_COMMITTED (v2+, isolation level 1)
 * the latest offset is the last stable offset.
 *
 * Authorization (KafkaApis.handleListOffsetRequestV1AndAbove and V0): DESCRIBE on each topic,
 * else its partitions answer TOPIC_AUTHORIZATION_FAILED, listed after the authorized topics.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { ListOffsets } from '../../protocol/messages/index.js';
import { defineHandler } from '../router.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { partitionByAuthorized } from './authorized-operations.js';

const unknownOffset = (partitionIndex: number, errorCode: number) => ({ partitionIndex, errorCode, oldStyleOffsets: [], timestamp: -1, offset: -1, leaderEpoch: -1 });

export default defineHandler({
  api: ListOffsets,
  async handle(ctx, request) {
    const { broker, version } = ctx;
    const readCommitted = version >= 2 && request.isolationLevel === 1;
    const [asked, denied] = partitionByAuthorized(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, request.topics, (t) => t.name);
    const topics = await Promise.all(
      asked.map(async (t) => {
        const topic = broker.topics.get(t.name);
        const partitions = await Promise.all(
          t.partitions.map(async (p) => {
            const state = topic?.partitions[p.partitionIndex];
            if (!state) return unknownOffset(p.partitionIndex, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
            const r = await broker.host.listOffset(state.handle, p.timestamp, readCommitted);
            return {
              partitionIndex: p.partitionIndex,
              errorCode: r.errorCode,
              oldStyleOffsets: r.errorCode === 0 && r.offset >= 0 ? [r.offset] : [],
              timestamp: r.timestamp,
              offset: r.offset,
              leaderEpoch: r.offset >= 0 ? 0 : -1,
            };
          }),
        );
        return { name: t.name, partitions };
      }),
    );
    for (const t of denied) topics.push({ name: t.name, partitions: t.partitions.map((p) => unknownOffset(p.partitionIndex, ErrorCode.TOPIC_AUTHORIZATION_FAILED)) });
    return { throttleTimeMs: 0, topics };
  },
});
