/**
 * The storage engine against a plain in-memory oracle: random appends (and with them rolls),
 * retention by size, deleteRecords, truncation, clean and abrupt reopens, and injected faults
 * (ENOSPC, EIO, EROFS on writes, torn writes, failed fsyncs and renames). After every step the
 * log must hold exactly the oracle's records from its log start to its end: what was appended
 * successfully is there, what failed is not, and nothing is altered. Seeded; a failure prints
 * the seed and the step.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clearFaults, type FaultCode, type FaultRule, injectFaults, storageErrorOf } from '../../src/core/fs.js';
import { logConfig } from '../../src/core/log-config.js';
import { PartitionLog } from '../../src/core/partition-log.js';
import { encodeBatch } from '../../src/protocol/records/batch.js';
import { rng } from '../protocol/helpers/round-trip.js';
import { readSlice, recordsIn, tempDir } from './helpers.js';

const SEEDS = [1, 2, 3, 4, 5, 6];
const STEPS = 220;
const CODES: FaultCode[] = ['ENOSPC', 'EIO', 'EROFS'];

async function run(seed: number): Promise<void> {
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const t = tempDir();
  const config = logConfig({ segmentBytes: 2048 + Math.floor(rand() * 4096), indexIntervalBytes: 256, retentionBytes: -1 });
  const faults: string[] = [];
  const open = (): PartitionLog => PartitionLog.open(t.dir, 'm', 0, config, { onBackgroundFault: (what) => faults.push(what) });
  let log = open();
  /** The oracle: the value at every offset from its log start, and where the log starts. */
  const values: string[] = [];
  /** Where each batch ends (exclusive), ascending: truncation keeps whole batches. */
  const batchEnds: number[] = [];
  let logStart = 0;
  let next = 0;
  let failedAppends = 0;
  const where = (step: number, what: string) => `seed ${seed} step ${step} (${what})`;

  const check = (step: number, what: string): void => {
    const ctx = where(step, what);
    assert.is(log.logEndOffset, values.length, `${ctx}: log end offset`);
    assert.is(log.logStartOffset, logStart, `${ctx}: log start offset`);
    const maxBytes = pick([1, 300, 5000, 1 << 20]);
    for (let offset = logStart; offset < values.length; ) {
      const r = log.read(offset, maxBytes);
      assert.is(r.errorCode, 0, `${ctx}: read at ${offset}`);
      const records = recordsIn(readSlice(r.slice!)).filter((x) => x.offset >= offset);
      assert.ok(records.length > 0, `${ctx}: progress at ${offset}`);
      for (const x of records) assert.is(x.value!.toString(), values[x.offset], `${ctx}: offset ${x.offset}`);
      offset = records[records.length - 1]!.offset + 1;
    }
  };

  /** Reopens after a fault or a crash: what was written before it is what the oracle says. */
  const reopen = (clean: boolean): Promise<void> => {
    if (clean) return log.close().then(() => void (log = open()));
    // As after a crash: nothing of the old process's runs once the new one opens the files.
    log.closeAbruptly();
    return log.settled().then(() => void (log = open()));
  };

  {
    for (let step = 0; step < STEPS; step++) {
      const r = rand();
      if (r < 0.55) {
        const count = 1 + Math.floor(rand() * 8);
        const size = Math.floor(rand() * 300);
        const batchValues = Array.from({ length: count }, (_, i) => `${next}-${i}-${'x'.repeat(size)}`);
        const faulty = rand() < 0.12;
        if (faulty) {
          const rule: FaultRule = { op: pick(['write', 'write', 'fsync', 'rename', 'open'] as const), code: pick(CODES), times: 1, ...(rand() < 0.5 ? { torn: true } : {}) };
          injectFaults([rule]);
        }
        let ok = false;
        try {
          const result = log.append(encodeBatch(batchValues.map((value) => ({ value, timestamp: 1_700_000_000_000 + next }))));
          assert.is(result.errorCode, 0, where(step, 'append'));
          ok = true;
        } catch (e) {
          assert.ok(storageErrorOf(e), `${where(step, 'append')}: a storage error, not ${(e as Error).stack}`);
          failedAppends++;
        }
        clearFaults();
        next += count;
        if (ok) {
          values.push(...batchValues);
          batchEnds.push(values.length);
        }
        if (faulty || log.hasFaulted) {
          // A faulted log is reopened, as the host does when its directory comes back.
          await log.settled();
          await reopen(false);
        }
        check(step, ok ? 'append' : 'failed append');
      } else if (r < 0.62) {
        if (values.length > logStart) {
          const target = logStart + Math.floor(rand() * (values.length - logStart + 1));
          const { durable, ...result } = log.deleteRecords(target);
          assert.equal(result, { errorCode: 0, lowWatermark: Math.max(target, logStart) }, where(step, 'deleteRecords'));
          // Answered once durable, as the host does.
          await durable;
          logStart = Math.max(logStart, target);
        }
        check(step, 'deleteRecords');
      } else if (r < 0.68) {
        const keep = Math.floor(rand() * 3) * 2048;
        log.config = { ...log.config, retentionBytes: keep };
        log.runRetention();
        log.config = { ...log.config, retentionBytes: -1 };
        logStart = log.logStartOffset;
        assert.ok(logStart <= values.length);
        check(step, 'retention');
      } else if (r < 0.73) {
        if (values.length > logStart) {
          const to = logStart + Math.floor(rand() * (values.length - logStart + 1));
          log.truncateTo(to);
          // The batch holding `to - 1` stays whole: the log ends where that batch ends.
          const end = batchEnds.find((e) => e >= to) ?? to;
          values.length = end;
          while (batchEnds.length > 0 && batchEnds[batchEnds.length - 1]! > end) batchEnds.pop();
          next = Math.max(next, to);
        }
        check(step, 'truncate');
      } else if (r < 0.8) {
        await reopen(rand() < 0.5);
        check(step, 'reopen');
      } else if (r < 0.86) {
        injectFaults([{ op: 'fsync', code: pick(CODES), times: 1 }]);
        await log.flushAsync().catch(() => {});
        clearFaults();
        await log.settled();
        if (log.hasFaulted) await reopen(false);
        check(step, 'flush');
      } else {
        await log.flushAsync();
        check(step, 'flush ok');
      }
    }
    assert.ok(failedAppends > 0, `seed ${seed}: some appends met a fault`);
    await log.close();
    t.remove();
  }
}

for (const seed of SEEDS) {
  test(`seed ${seed}: the log always holds exactly the oracle's records`, async () => {
    await run(seed);
  });
}

test.run();
