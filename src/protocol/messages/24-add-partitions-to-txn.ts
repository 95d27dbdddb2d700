/**
 * AddPartitionsToTxn (key 24), versions 0-5, flexible from 3.
 *
 * Versions 0-3 are the client's form: one transaction, its partitions. Versions 4 and 5 are the
 * broker's form (KIP-890 part 1): a batch of transactions, each possibly `verifyOnly` (is the
 * partition already in the transaction?), with a top-level error code in the response. v2 tells
 * the broker the client understands PRODUCER_FENCED, v5 TRANSACTION_ABORTABLE.
 */
import { array, arrayOf, bool, defineApi, int16, int32, int64, string } from '../schema.js';

const topic = (v: string) => ({ name: string(v), partitions: arrayOf('int32', v) });
const topicResult = (v: string) => ({
  name: string(v),
  resultsByPartition: array(v, { partitionIndex: int32(v), partitionErrorCode: int16(v) }),
});

export const AddPartitionsToTxn = defineApi({
  key: 24,
  name: 'AddPartitionsToTxn',
  versions: '0-5',
  flexible: '3+',
  request: {
    transactions: array('4+', {
      transactionalId: string('4+'),
      producerId: int64('4+'),
      producerEpoch: int16('4+'),
      verifyOnly: bool('4+', { default: false }),
      topics: array('4+', topic('4+')),
    }),
    v3AndBelowTransactionalId: string('0-3'),
    v3AndBelowProducerId: int64('0-3'),
    v3AndBelowProducerEpoch: int16('0-3'),
    v3AndBelowTopics: array('0-3', topic('0-3')),
  },
  response: {
    throttleTimeMs: int32('0+'),
    errorCode: int16('4+', { default: 0 }),
    resultsByTransaction: array('4+', { transactionalId: string('4+'), topicResults: array('4+', topicResult('4+')) }),
    resultsByTopicV3AndBelow: array('0-3', topicResult('0-3')),
  },
});
