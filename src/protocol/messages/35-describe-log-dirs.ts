/**
 * DescribeLogDirs (key 35), versions 0-4, flexible from 2: a broker's log directories and the
 * size and lag of each partition replica in them (`kafka-log-dirs`).
 *
 * Non-obvious:
 * - A null `topics` asks for every partition; an empty list asks for none (the directories
 *   are still listed).
 * - `offsetLag` is the replica's distance behind the high watermark, or, for a future replica
 *   (`isFutureKey`, one being moved by AlterReplicaLogDirs), behind the current replica.
 * - The request is the same in versions 2-4; the response adds a top-level error code in v3
 *   and each directory's volume `totalBytes` and `usableBytes` in v4 (KIP-827), -1 when not
 *   known. Version 1 changes no field (KIP-219 throttling).
 */
import { array, arrayOf, bool, defineApi, int16, int32, int64, string } from '../schema.js';

export const DescribeLogDirs = defineApi({
  key: 35,
  name: 'DescribeLogDirs',
  versions: '0-4',
  flexible: '2+',
  request: {
    topics: array(
      '0+',
      {
        topic: string('0+'),
        partitions: arrayOf('int32', '0+'),
      },
      { nullable: '0+' },
    ),
  },
  response: {
    throttleTimeMs: int32('0+'),
    errorCode: int16('3+'),
    results: array('0+', {
      errorCode: int16('0+'),
      logDir: string('0+'),
      topics: array('0+', {
        name: string('0+'),
        partitions: array('0+', {
          partitionIndex: int32('0+'),
          partitionSize: int64('0+'),
          offsetLag: int64('0+'),
          isFutureKey: bool('0+'),
        }),
      }),
      totalBytes: int64('4+', { default: -1 }),
      usableBytes: int64('4+', { default: -1 }),
    }),
  },
});
