/**
 * OffsetFetch (key 9), versions 0-9, flexible from 6.
 *
 * Two request forms share the API. Versions 0-7 ask about one group (`groupId`, `topics`);
 * from v2 a null `topics` means every topic the group has offsets for. Versions 8+ batch
 * several groups in `groups`, each with its own nullable topic list, and the response moves
 * likewise from top-level `topics`/`errorCode` to per-group results in `groups`. v9 adds the
 * KIP-848 member id and epoch to each group; its response has the v8 shape.
 */
import { array, arrayOf, bool, defineApi, int16, int32, int64, string } from '../schema.js';

export const OffsetFetch = defineApi({
  key: 9,
  name: 'OffsetFetch',
  versions: '0-9',
  flexible: '6+',
  request: {
    groupId: string('0-7'),
    topics: array(
      '0-7',
      {
        name: string('0-7'),
        partitionIndexes: arrayOf('int32', '0-7'),
      },
      { nullable: '2-7' },
    ),
    groups: array('8+', {
      groupId: string('8+'),
      memberId: string('9+', { nullable: '9+', default: null }),
      memberEpoch: int32('9+', { default: -1 }),
      topics: array(
        '8+',
        {
          name: string('8+'),
          partitionIndexes: arrayOf('int32', '8+'),
        },
        { nullable: '8+' },
      ),
    }),
    requireStable: bool('7+', { default: false }),
  },
  response: {
    throttleTimeMs: int32('3+'),
    topics: array('0-7', {
      name: string('0-7'),
      partitions: array('0-7', {
        partitionIndex: int32('0-7'),
        committedOffset: int64('0-7'),
        committedLeaderEpoch: int32('5-7', { default: -1 }),
        metadata: string('0-7', { nullable: '0-7' }),
        errorCode: int16('0-7'),
      }),
    }),
    errorCode: int16('2-7', { default: 0 }),
    groups: array('8+', {
      groupId: string('8+'),
      topics: array('8+', {
        name: string('8+'),
        partitions: array('8+', {
          partitionIndex: int32('8+'),
          committedOffset: int64('8+'),
          committedLeaderEpoch: int32('8+', { default: -1 }),
          metadata: string('8+', { nullable: '8+' }),
          errorCode: int16('8+'),
        }),
      }),
      errorCode: int16('8+', { default: 0 }),
    }),
  },
});
