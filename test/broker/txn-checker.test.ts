/**
 * The randomized transaction checker (bench/txn-checker.ts): its analysis catches each class
 * of anomaly in a made-up history, and a short run against a real broker — concurrent
 * transactional producers, read_committed consumers, two kill -9 restarts — does work and
 * finds none, with transaction protocol 1 (AddPartitionsToTxn, EndTxn v3) and 2 (Produce v12
 * adding its partitions, EndTxn v5 bumping the epoch, late writes of the ended epoch refused).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ANOMALY_CLASSES, type AnomalyClass, analyze, formatReport, type History, runChecker, type TxnHistory } from '../../bench/txn-checker.js';

/** A clean history: T1 committed on two partitions, T2 aborted, T3's commit unanswered and found aborted. */
function history(): History {
  const t1: TxnHistory = {
    id: 'P0.0',
    producer: 0,
    intent: 'commit',
    outcome: 'committed',
    endSentAt: 100,
    records: [
      { value: 'P0.0|0|0', partition: 0, key: 'K0.0.0', order: 0, acked: true },
      { value: 'P0.0|1|1', partition: 0, key: 'K0.0.0', order: 1, acked: true },
      { value: 'P0.0|2|2', partition: 1, key: 'K0.1.0', order: 2, acked: true },
    ],
  };
  const t2: TxnHistory = { id: 'P0.1', producer: 0, intent: 'abort', outcome: 'aborted', endSentAt: 200, records: [{ value: 'P0.1|0|3', partition: 0, key: 'K0.0.1', order: 3, acked: true }] };
  const t3: TxnHistory = {
    id: 'P1.0',
    producer: 1,
    intent: 'commit',
    outcome: 'unknown',
    endSentAt: 300,
    records: [
      { value: 'P1.0|0|0', partition: 0, key: 'K1.0.0', order: 0, acked: true },
      { value: 'P1.0|1|1', partition: 1, key: 'K1.1.0', order: 1, acked: true },
    ],
  };
  const final = [
    [
      { offset: 0, value: 'P0.0|0|0' },
      { offset: 1, value: 'P0.0|1|1' },
    ],
    [{ offset: 0, value: 'P0.0|2|2' }],
  ];
  return {
    partitions: 2,
    txns: [t1, t2, t3],
    final,
    finalAfterRestart: final.map((p) => p.map((s) => ({ ...s }))),
    live: [[[{ offset: 0, value: 'P0.0|0|0', at: 150 }], [{ offset: 0, value: 'P0.0|2|2', at: 160 }]]],
    stuck: [],
    zombiesAccepted: [],
    brokerFailures: [],
  };
}

const anomalies: Record<AnomalyClass, (h: History) => void> = {
  abortedRead: (h) => h.final[0]!.push({ offset: 5, value: 'P0.1|0|3' }),
  earlyRead: (h) => (h.live[0]![0]![0]!.at = 90),
  lostWrite: (h) => (h.final[1] = []),
  torn: (h) => h.final[1]!.push({ offset: 4, value: 'P1.0|1|1' }),
  orderViolation: (h) => h.final[0]!.reverse(),
  duplicate: (h) => h.final[1]!.push({ offset: 7, value: 'P0.0|2|2' }),
  retracted: (h) => (h.live[0]![0]![0]!.offset = 3),
  stuckLso: (h) => h.stuck.push('checked-0: LSO 3, high watermark 4'),
  zombieAccepted: (h) => h.zombiesAccepted.push('checker-0: epoch 1 wrote after epoch 2'),
  lateWriteAccepted: (h) => (h.lateWritesAccepted = ['checker-0: epoch 1 wrote after its EndTxn v5 was answered with epoch 2']),
  unknownRecord: (h) => h.final[0]!.push({ offset: 9, value: 'nobody wrote this' }),
  brokerFailure: (h) => h.brokerFailures.push('the broker exited by itself'),
};

test('the analysis finds nothing in a clean history, and each anomaly in one that has it', () => {
  const clean = analyze(history());
  assert.equal(Object.values(clean.counts), ANOMALY_CLASSES.map(() => 0), JSON.stringify(clean.examples));
  assert.equal([clean.visibleRecords, clean.unknownCommitted, clean.unknownAborted], [3, 0, 1]);
  for (const c of ANOMALY_CLASSES) {
    const h = history();
    anomalies[c](h);
    const a = analyze(h);
    assert.ok(a.counts[c] > 0, `${c} is caught`);
    assert.ok(a.examples[c].length > 0, `${c} has an example`);
  }
  // Torn the other way: a committed transaction missing one record is also a lost write.
  const h = history();
  h.final[0]!.pop();
  const a = analyze(h);
  assert.equal([a.counts.lostWrite, a.counts.torn], [1, 1]);
  // A late write of an ended transaction's epoch that is read (its answer lost, say) is caught too.
  const late = history();
  late.txns[0]!.records.push({ value: 'P0.0|late|-1', partition: 1, key: 'L0', order: -1, acked: false, late: true });
  late.final[1]!.push({ offset: 3, value: 'P0.0|late|-1' });
  late.finalAfterRestart = late.final.map((p) => p.map((s) => ({ ...s })));
  const l = analyze(late);
  assert.equal(Object.entries(l.counts).filter(([, n]) => n > 0), [['lateWriteAccepted', 1]], JSON.stringify(l.examples));
});

/** A short run with two kill -9 restarts: no anomaly, and transactions of every kind happened. */
async function shortRun(options: { durationMs: number; seed: number; protocol?: 1 | 2 }) {
  const lines: string[] = [];
  const report = await runChecker({
    ...options,
    producers: 4,
    partitions: 6,
    consumers: 2,
    restartMinMs: 3_000,
    restartMaxMs: 4_500,
    maxRestarts: 2,
    workers: 2,
    progress: (line) => lines.push(line),
  });
  const text = `${formatReport(report)}\n${lines.join('\n')}`;
  assert.is(report.anomalies, 0, text);
  const f = report.figures;
  assert.is(f.restarts, 2, text);
  assert.ok(f.committed > 0 && f.aborted > 0 && f.abandoned > 0, text);
  assert.ok(f.recordsCommitted > 0 && f.recordsVisible >= f.recordsCommitted, text);
  assert.ok(f.consumerReads > 0, text);
  assert.ok(f.zombieWritesRefused > 0, text);
  return { f, text };
}

test('a short run with two kill -9 restarts: transactions of every kind, and no anomaly', async () => {
  await shortRun({ durationMs: 13_000, seed: 20261202 });
});

test('protocol 2, a short run with two kill -9 restarts: epochs from EndTxn v5, late writes refused, no anomaly', async () => {
  const { f, text } = await shortRun({ durationMs: 12_000, seed: 20261203, protocol: 2 });
  assert.ok((f.lateWritesRefused.INVALID_PRODUCER_EPOCH ?? 0) > 0, text);
  assert.ok(![...Object.keys(f.errors), ...Object.keys(f.lostAnswers)].some((k) => k.startsWith('AddPartitionsToTxn')), 'no AddPartitionsToTxn is sent');
});

test.run();
