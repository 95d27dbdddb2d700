/**
 * ListOffsets (key 2), versions 0-9, flexible from 6.
 *
 * Version 0 is the old shape: the request asks for up to `maxNumOffsets` offsets per
 * partition and the answer is a list (`oldStyleOffsets`); from version 1 one offset and its
 * timestamp come back instead. Versions 7-9 change no field, only the special timestamps a
 * request may carry (-3 max timestamp, -4 earliest local, -5 latest tiered).
 */
import { array, arrayOf, defineApi, int16, int32, int64, int8, string } from '../schema.js';

export const ListOffsets = defineApi({
  key: 2,
  name: 'ListOffsets',
  versions: '0-9',
  flexible: '6+',
  request: {
    replicaId: int32('0+'),
    isolationLevel: int8('2+'),
    topics: array('0+', {
      name: string('0+'),
      partitions: array('0+', {
        partitionIndex: int32('0+'),
        currentLeaderEpoch: int32('4+', { default: -1 }),
        timestamp: int64('0+'),
        maxNumOffsets: int32('0', { default: 1 }),
      }),
    }),
  },
  response: {
    throttleTimeMs: int32('2+'),
    topics: array('0+', {
      name: string('0+'),
      partitions: array('0+', {
        partitionIndex: int32('0+'),
        errorCode: int16('0+'),
        oldStyleOffsets: arrayOf('int64', '0'),
        timestamp: int64('1+', { default: -1 }),
        offset: int64('1+', { default: -1 }),
        leaderEpoch: int32('4+', { default: -1 }),
      }),
    }),
  },
});
