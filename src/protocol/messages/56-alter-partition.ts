/**
 * AlterPartition (key 56), versions 0-3, flexible in all (formerly AlterIsr, KIP-497): a
 * partition leader asks the controller to change the partition's ISR, and learns the state
 * the controller committed.
 *
 * Non-obvious:
 * - v1 adds `leaderRecoveryState` (KIP-704), in request and response.
 * - v2 names topics by `topicId` instead of `topicName` (KIP-841), in both.
 * - v3 (KIP-903) replaces the request's `newIsr` with `newIsrWithEpochs`, each ISR member
 *   with its broker epoch (-1 when the sender does not know it), so the controller can refuse
 *   an ISR member whose broker has restarted since the leader saw it. The response still lists
 *   the ISR as plain broker ids; v3 changes nothing in it.
 * - `partitionEpoch` is the znode version under a ZooKeeper controller.
 */
import { array, arrayOf, defineApi, int16, int32, int64, int8, string, uuid } from '../schema.js';

export const AlterPartition = defineApi({
  key: 56,
  name: 'AlterPartition',
  versions: '0-3',
  flexible: '0+',
  request: {
    brokerId: int32('0+'),
    brokerEpoch: int64('0+', { default: -1 }),
    topics: array('0+', {
      topicName: string('0-1'),
      topicId: uuid('2+'),
      partitions: array('0+', {
        partitionIndex: int32('0+'),
        leaderEpoch: int32('0+'),
        newIsr: arrayOf('int32', '0-2'),
        newIsrWithEpochs: array('3+', {
          brokerId: int32('3+'),
          brokerEpoch: int64('3+', { default: -1 }),
        }),
        leaderRecoveryState: int8('1+', { default: 0 }),
        partitionEpoch: int32('0+'),
      }),
    }),
  },
  response: {
    throttleTimeMs: int32('0+'),
    errorCode: int16('0+'),
    topics: array('0+', {
      topicName: string('0-1'),
      topicId: uuid('2+'),
      partitions: array('0+', {
        partitionIndex: int32('0+'),
        errorCode: int16('0+'),
        leaderId: int32('0+'),
        leaderEpoch: int32('0+'),
        isr: arrayOf('int32', '0+'),
        leaderRecoveryState: int8('1+', { default: 0 }),
        partitionEpoch: int32('0+'),
      }),
    }),
  },
});
