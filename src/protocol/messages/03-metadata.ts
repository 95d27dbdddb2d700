/**
 * Metadata (key 3), versions 0-12, flexible from 9.
 *
 * Non-obvious:
 * - `topics` means "all topics" when empty in version 0, but when null from version 1 on
 *   (an empty list then asks for none).
 * - Versions 10 and 11 carry `topicId` and allow a null topic name in the request, but Kafka
 *   only acts on lookups by id from version 12, where the response's topic name may be null
 *   for an unknown id.
 * - The cluster's authorized operations exist only in versions 8-10 (request flag and
 *   response field); from 11 they moved to DescribeCluster. The topic's stay.
 */
import { array, arrayOf, bool, defineApi, int16, int32, string, uuid } from '../schema.js';

export const Metadata = defineApi({
  key: 3,
  name: 'Metadata',
  versions: '0-12',
  flexible: '9+',
  request: {
    topics: array('0+', { topicId: uuid('10+'), name: string('0+', { nullable: '10+' }) }, { nullable: '1+' }),
    allowAutoTopicCreation: bool('4+', { default: true }),
    includeClusterAuthorizedOperations: bool('8-10'),
    includeTopicAuthorizedOperations: bool('8+'),
  },
  response: {
    throttleTimeMs: int32('3+'),
    brokers: array('0+', {
      nodeId: int32('0+'),
      host: string('0+'),
      port: int32('0+'),
      rack: string('1+', { nullable: '1+', default: null }),
    }),
    clusterId: string('2+', { nullable: '2+', default: null }),
    controllerId: int32('1+', { default: -1 }),
    topics: array('0+', {
      errorCode: int16('0+'),
      name: string('0+', { nullable: '12+' }),
      topicId: uuid('10+'),
      isInternal: bool('1+', { default: false }),
      partitions: array('0+', {
        errorCode: int16('0+'),
        partitionIndex: int32('0+'),
        leaderId: int32('0+'),
        leaderEpoch: int32('7+', { default: -1 }),
        replicaNodes: arrayOf('int32', '0+'),
        isrNodes: arrayOf('int32', '0+'),
        offlineReplicas: arrayOf('int32', '5+'),
      }),
      topicAuthorizedOperations: int32('8+', { default: -2147483648 }),
    }),
    clusterAuthorizedOperations: int32('8-10', { default: -2147483648 }),
  },
});
