/**
 * EndTxn (key 26), versions 0-5, flexible from 3: commit or abort the ongoing transaction. v2
 * tells the broker the client understands PRODUCER_FENCED, v4 TRANSACTION_ABORTABLE; v5 (Kafka
 * 4.0, KIP-890 part 2) bumps the epoch with every end and answers the producer id and epoch.
 */
import { bool, defineApi, int16, int32, int64, string } from '../schema.js';

export const EndTxn = defineApi({
  key: 26,
  name: 'EndTxn',
  versions: '0-5',
  flexible: '3+',
  request: {
    transactionalId: string('0+'),
    producerId: int64('0+'),
    producerEpoch: int16('0+'),
    committed: bool('0+'),
  },
  response: {
    throttleTimeMs: int32('0+'),
    errorCode: int16('0+'),
    producerId: int64('5+', { default: -1 }),
    producerEpoch: int16('5+', { default: -1 }),
  },
});
