/**
 * InitProducerId (key 22), versions 0-5, flexible from 2.
 *
 * v3 lets a producer present its current id and epoch so that it can bump the epoch and carry
 * on after an error instead of starting over (both -1 when it has none). v4 and v5 add no
 * fields; they tell the broker the client understands PRODUCER_FENCED (v4) and
 * TRANSACTION_ABORTABLE (v5). Without a transactional id (null) the producer is idempotent
 * only and the transaction timeout is unused.
 */
import { defineApi, int16, int32, int64, string } from '../schema.js';

export const InitProducerId = defineApi({
  key: 22,
  name: 'InitProducerId',
  versions: '0-5',
  flexible: '2+',
  request: {
    transactionalId: string('0+', { nullable: '0+' }),
    transactionTimeoutMs: int32('0+'),
    producerId: int64('3+', { default: -1 }),
    producerEpoch: int16('3+', { default: -1 }),
  },
  response: {
    throttleTimeMs: int32('0+'),
    errorCode: int16('0+'),
    producerId: int64('0+', { default: -1 }),
    producerEpoch: int16('0+'),
  },
});
