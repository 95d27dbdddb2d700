/**
 * ControlledShutdown (key 7), versions 0-3, flexible from 3: a broker asks the ZooKeeper-mode
 * controller to move leadership away before it stops; the answer lists the partitions it still
 * leads (an empty list means it may stop now).
 *
 * Non-obvious:
 * - Version 0 is sent with request header v0, which has no client id: the one exception to
 *   header v1 for non-flexible requests. Versions 1 and 2 use the usual headers.
 * - v2 adds the broker epoch so that the controller can refuse a stale broker incarnation.
 *   The response is the same in every version.
 */
import { array, defineApi, int16, int32, int64, string } from '../schema.js';

export const ControlledShutdown = defineApi({
  key: 7,
  name: 'ControlledShutdown',
  versions: '0-3',
  flexible: '3+',
  request: {
    brokerId: int32('0+'),
    brokerEpoch: int64('2+', { default: -1 }),
  },
  response: {
    errorCode: int16('0+'),
    remainingPartitions: array('0+', {
      topicName: string('0+'),
      partitionIndex: int32('0+'),
    }),
  },
});
