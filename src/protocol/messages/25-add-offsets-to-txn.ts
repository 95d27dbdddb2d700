/**
 * AddOffsetsToTxn (key 25), versions 0-4, flexible from 3: the transaction will commit offsets
 * of this group, so the coordinator adds the group's __consumer_offsets partition to it. v2 tells
 * the broker the client understands PRODUCER_FENCED, v4 TRANSACTION_ABORTABLE.
 */
import { defineApi, int16, int32, int64, string } from '../schema.js';

export const AddOffsetsToTxn = defineApi({
  key: 25,
  name: 'AddOffsetsToTxn',
  versions: '0-4',
  flexible: '3+',
  request: {
    transactionalId: string('0+'),
    producerId: int64('0+'),
    producerEpoch: int16('0+'),
    groupId: string('0+'),
  },
  response: {
    throttleTimeMs: int32('0+'),
    errorCode: int16('0+'),
  },
});
