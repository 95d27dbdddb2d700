/**
 * Transactions with Apache Kafka's Java client (Interop.java's `transactions` scenario), for
 * each kafka-clients version in test/interop/java/VERSIONS: commit, abort, a zombie fenced by a
 * second producer of its transactional.id, consume-transform-produce with
 * sendOffsetsToTransaction(consumer.groupMetadata()), read_committed reading each committed
 * record exactly once, listTransactions and describeTransactions.
 *
 * The broker finalizes transaction.version 2 (KIP-890 part 2): the 4.x client then uses it,
 * which the scenario sees as one epoch bump per commit, while 3.9's keeps the classic
 * protocol. Against a broker with transaction.version=1 the 4.x client falls back to it.
 *
 * Needs Java 17+ and the jars of test/interop/java/setup.sh; skipped with the reason otherwise.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { broker, dataDir } from './helpers.js';
import { needs } from '../helpers/needs.js';
import { java, passed, skipReason, versions } from './java-harness.js';

async function transactions(version: string, config: Record<string, unknown>): Promise<string> {
  const data = dataDir();
  const b = await broker(data.dir, 2, { 'group.initial.rebalance.delay.ms': 0, ...config });
  try {
    const line = passed(await java(version, ['transactions', b.bootstrap]), 'transactions');
    assert.match(line, /committed=50 uncommitted=56 /);
    return line;
  } finally {
    await b.close();
    data.remove();
  }
}

for (const version of versions) {
  const name = (s: string) => `[kafka-clients ${version}] ${s}`;
  if (skipReason) {
    needs(skipReason)(name('the Java transactions suite'), () => {});
    continue;
  }
  const classic = version.startsWith('3.');

  test(name(`transactions (${classic ? 'classic protocol' : 'transaction version 2'}): commit, abort, zombie fencing, sendOffsetsToTransaction, read_committed exactly once`), async () => {
    const line = await transactions(version, {});
    assert.match(line, classic ? /transaction\.version=2 epochBumps=none/ : /transaction\.version=2 epochBumps=each-commit/);
  });

  if (!classic) {
    test(name('transactions with transaction.version=1: the same client falls back to the classic protocol'), async () => {
      assert.match(await transactions(version, { 'transaction.version': 1 }), /transaction\.version=1 epochBumps=none/);
    });
  }
}

test.run();
