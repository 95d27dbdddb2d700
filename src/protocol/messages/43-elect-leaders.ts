/**
 * ElectLeaders (key 43), versions 0-2, flexible from 2 (`kafka-leader-election`).
 *
 * Non-obvious:
 * - A null `topicPartitions` asks for an election on every partition.
 * - v1 adds `electionType` (KIP-460: 0 preferred, 1 unclean); v0 can only ask for the
 *   preferred replica, which is what the absent field reads as.
 * - Every version answers per partition with an error code and message; v1 adds the
 *   top-level error code.
 */
import { array, arrayOf, defineApi, int16, int32, int8, string } from '../schema.js';

export const ElectLeaders = defineApi({
  key: 43,
  name: 'ElectLeaders',
  versions: '0-2',
  flexible: '2+',
  request: {
    electionType: int8('1+'),
    topicPartitions: array(
      '0+',
      {
        topic: string('0+'),
        partitions: arrayOf('int32', '0+'),
      },
      { nullable: '0+' },
    ),
    timeoutMs: int32('0+', { default: 60000 }),
  },
  response: {
    throttleTimeMs: int32('0+'),
    errorCode: int16('1+'),
    replicaElectionResults: array('0+', {
      topic: string('0+'),
      partitionResult: array('0+', {
        partitionId: int32('0+'),
        errorCode: int16('0+'),
        errorMessage: string('0+', { nullable: '0+' }),
      }),
    }),
  },
});
