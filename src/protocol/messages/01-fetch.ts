/**
 * Fetch (key 1), versions 4-17, flexible from 12.
 *
 * Kafka 3.9 defines versions 0-17; versions 0-3 (message formats 0 and 1, before
 * IsolationLevel) are not declared, as Kafka 4.0 dropped them too (KIP-896), so they are never
 * advertised. Fields keep Kafka's own version ranges even where these start below 4.
 *
 * Non-obvious:
 * - From version 13 topics are named by `topicId` (a uuid) instead of `topic`, in the request,
 *   in the forgotten topics and in the response.
 * - From version 15 a follower identifies itself in the tagged `replicaState`; `replicaId`
 *   is gone from the fixed fields and reads as -1.
 * - In the response, `divergingEpoch`, `currentLeader` and `snapshotId` are tagged structs
 *   whose fields are all -1 when unset, so a partition with nothing to say writes no tags.
 * - `records` is the partition's record data, left opaque; null and empty are both allowed.
 */
import { array, arrayOf, defineApi, int16, int32, int64, int8, records, string, struct, uuid } from '../schema.js';

export const Fetch = defineApi({
  key: 1,
  name: 'Fetch',
  versions: '4-17',
  flexible: '12+',
  request: {
    clusterId: string('12+', { nullable: '12+', default: null, tag: 0, tagged: '12+' }),
    replicaId: int32('0-14', { default: -1 }),
    replicaState: struct(
      '15+',
      { replicaId: int32('15+', { default: -1 }), replicaEpoch: int64('15+', { default: -1 }) },
      { tag: 1, tagged: '15+' },
    ),
    maxWaitMs: int32('0+'),
    minBytes: int32('0+'),
    maxBytes: int32('3+', { default: 0x7fffffff }),
    isolationLevel: int8('4+', { default: 0 }),
    sessionId: int32('7+', { default: 0 }),
    sessionEpoch: int32('7+', { default: -1 }),
    topics: array('0+', {
      topic: string('0-12'),
      topicId: uuid('13+'),
      partitions: array('0+', {
        partition: int32('0+'),
        currentLeaderEpoch: int32('9+', { default: -1 }),
        fetchOffset: int64('0+'),
        lastFetchedEpoch: int32('12+', { default: -1 }),
        logStartOffset: int64('5+', { default: -1 }),
        partitionMaxBytes: int32('0+'),
        replicaDirectoryId: uuid('17+', { tag: 0, tagged: '17+' }),
      }),
    }),
    forgottenTopicsData: array('7+', {
      topic: string('7-12'),
      topicId: uuid('13+'),
      partitions: arrayOf('int32', '7+'),
    }),
    rackId: string('11+', { default: '' }),
  },
  response: {
    throttleTimeMs: int32('1+'),
    errorCode: int16('7+'),
    sessionId: int32('7+', { default: 0 }),
    responses: array('0+', {
      topic: string('0-12'),
      topicId: uuid('13+'),
      partitions: array('0+', {
        partitionIndex: int32('0+'),
        errorCode: int16('0+'),
        highWatermark: int64('0+'),
        lastStableOffset: int64('4+', { default: -1 }),
        logStartOffset: int64('5+', { default: -1 }),
        divergingEpoch: struct(
          '12+',
          { epoch: int32('12+', { default: -1 }), endOffset: int64('12+', { default: -1 }) },
          { tag: 0, tagged: '12+' },
        ),
        currentLeader: struct(
          '12+',
          { leaderId: int32('12+', { default: -1 }), leaderEpoch: int32('12+', { default: -1 }) },
          { tag: 1, tagged: '12+' },
        ),
        snapshotId: struct(
          '12+',
          { endOffset: int64('0+', { default: -1 }), epoch: int32('0+', { default: -1 }) },
          { tag: 2, tagged: '12+' },
        ),
        abortedTransactions: array(
          '4+',
          { producerId: int64('4+'), firstOffset: int64('4+') },
          { nullable: '4+' },
        ),
        preferredReadReplica: int32('11+', { default: -1 }),
        records: records('0+', { nullable: '0+' }),
      }),
    }),
    nodeEndpoints: array(
      '16+',
      {
        nodeId: int32('16+'),
        host: string('16+'),
        port: int32('16+'),
        rack: string('16+', { nullable: '16+', default: null }),
      },
      { tag: 0, tagged: '16+' },
    ),
  },
});
