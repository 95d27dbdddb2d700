/**
 * LogDirs' state machine against a host of its own making: a directory that fails again on one
 * thread while the others still recover it stays offline and is probed again.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SILENT_LOGGER } from '../../src/core/logger.js';
import { LogDirs } from '../../src/broker/log-dirs.js';
import type { BrokerMetrics } from '../../src/broker/metrics.js';
import type { PartitionHost } from '../../src/broker/partitions/host.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a directory that fails again while it is being recovered stays offline, everywhere, and is probed again', async () => {
  const dir = '/nonexistent/spindle-log-dir';
  const offlineCalls: string[] = [];
  let recoveries = 0;
  let logDirs: LogDirs | undefined;
  const host = {
    markDirOffline: async (_logDir: string, reason: string) => void offlineCalls.push(reason),
    probeDir: async () => {},
    recoverDir: async (logDir: string) => {
      recoveries++;
      // The first recovery: one thread has reopened its logs and fails again before the others are done.
      if (recoveries === 1) logDirs!.failed(logDir, 'EIO', 'i/o error again', 't-1');
      return [];
    },
  } as unknown as PartitionHost;
  const metrics = { fault: () => {} } as unknown as BrokerMetrics;
  logDirs = new LogDirs([dir], { host, logger: SILENT_LOGGER, metrics, probeIntervalMs: 20, partitionsIn: () => ['t-0', 't-1'], reopened: () => {} });
  logDirs.failed(dir, 'EIO', 'i/o error', 't-0');
  assert.not.ok(logDirs.isOnline(dir));
  for (let i = 0; i < 100 && recoveries < 1; i++) await sleep(10);
  await sleep(5);
  assert.is(recoveries, 1);
  assert.not.ok(logDirs.isOnline(dir), 'not called online after a failure during its recovery');
  assert.equal(offlineCalls, ['EIO (i/o error)', 'EIO (i/o error again)'], 'taken offline on every thread again');
  for (let i = 0; i < 100 && !logDirs.isOnline(dir); i++) await sleep(10);
  assert.is(recoveries, 2, 'probed and recovered again');
  assert.ok(logDirs.isOnline(dir));
  logDirs.stop();
});

test.run();
