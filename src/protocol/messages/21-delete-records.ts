/**
 * DeleteRecords (key 21), versions 0-2, flexible from 2.
 *
 * Version 1 changes no field: it only promises that a throttled answer is sent before the
 * broker throttles (KIP-219).
 */
import { array, defineApi, int16, int32, int64, string } from '../schema.js';

export const DeleteRecords = defineApi({
  key: 21,
  name: 'DeleteRecords',
  versions: '0-2',
  flexible: '2+',
  request: {
    topics: array('0+', {
      name: string('0+'),
      partitions: array('0+', { partitionIndex: int32('0+'), offset: int64('0+') }),
    }),
    timeoutMs: int32('0+'),
  },
  response: {
    throttleTimeMs: int32('0+'),
    topics: array('0+', {
      name: string('0+'),
      partitions: array('0+', {
        partitionIndex: int32('0+'),
        lowWatermark: int64('0+'),
        errorCode: int16('0+'),
      }),
    }),
  },
});
