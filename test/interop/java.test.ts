/**
 * Apache Kafka's Java client, the reference implementation, against a real broker: kafka-clients
 * at the newest 4.x and the newest 3.9.x (test/interop/java/VERSIONS), each running every scenario
 * of test/interop/java/Interop.java:
 *
 *   produce      acks 0/1/all, idempotence, all five codecs, keys, null keys, headers; read back byte-exact
 *   large        a batch of exactly message.max.bytes stored, one byte more RecordTooLargeException
 *   restart      max.in.flight=5 with retries while the broker restarts: no duplicate, order kept
 *   groups       range and cooperative-sticky, rebalance listeners, a member joining and leaving
 *   static       group.instance.id: a static member comes back to its partitions without a rebalance
 *   consumer     assign + seek, offsetsForTimes, commitSync/commitAsync, pause/resume, max.poll.records
 *   admin        every admin call Spindle serves, each checked against what it did
 *   unsupported  calls Spindle does not serve fail with UnsupportedVersionException, promptly;
 *                describeAcls without an authorizer SecurityDisabledException, as from Kafka;
 *                client quotas and SCRAM users described (none yet)
 *
 * The transactions scenario runs in java-transactions.test.ts.
 *
 * Needs Java 17+ (java, javac) and the client jars that `bash test/interop/java/setup.sh` copies
 * from Maven (CI runs it first); skipped with the reason otherwise. Interop.java is compiled once
 * per version into a temporary directory.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { broker, dataDir } from './helpers.js';
import { needs } from '../helpers/needs.js';
import { java, passed, skipReason, versions } from './java-harness.js';

for (const version of versions) {
  const name = (s: string) => `[kafka-clients ${version}] ${s}`;
  if (skipReason) {
    needs(skipReason)(name('the Java client suite'), () => {});
    continue;
  }

  // One broker per version for the scenarios that need no restart; each uses its own topics and groups.
  let shared: RunningBroker;
  let sharedData: { dir: string; remove: () => void };
  test.before(async () => {
    sharedData = dataDir();
    shared = await broker(sharedData.dir, 2, { 'group.initial.rebalance.delay.ms': 0 });
  });
  test.after(async () => {
    await shared.close();
    sharedData.remove();
  });

  test(name('producer: acks 0/1/all, idempotence, every codec, keys and headers come back byte-exact'), async () => {
    const line = passed(await java(version, ['produce', shared.bootstrap]), 'produce');
    for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) assert.ok(line.includes(`java-${codec}-all-idem`), codec);
  });

  test(name('producer: a batch of exactly message.max.bytes is stored, one byte more is RecordTooLargeException'), async () => {
    assert.match(passed(await java(version, ['large', shared.bootstrap]), 'large'), /fits=1048516/);
  });

  test(name('consumer groups: range (eager) and cooperative-sticky, with rebalance listeners'), async () => {
    const range = passed(await java(version, ['groups', shared.bootstrap, 'range']), 'groups');
    assert.match(range, /a=\[assigned 6, revoked 6/, 'eager: everything revoked when b joins');
    const coop = passed(await java(version, ['groups', shared.bootstrap, 'cooperative-sticky']), 'groups');
    assert.match(coop, /a=\[assigned 6, revoked 3/, 'cooperative: only what moves is revoked');
  });

  test(name('static membership: a static member comes back to its partitions without a rebalance'), async () => {
    passed(await java(version, ['static', shared.bootstrap]), 'static');
  });

  test(name('consumer: assign + seek, offsetsForTimes, commitSync/commitAsync, pause/resume, max.poll.records'), async () => {
    passed(await java(version, ['consumer', shared.bootstrap]), 'consumer');
  });

  test(name('AdminClient: every call Spindle serves'), async () => {
    assert.match(passed(await java(version, ['admin', shared.bootstrap]), 'admin'), /node=1 /);
  });

  test(name('AdminClient: calls Spindle does not serve fail with UnsupportedVersionException, never hang'), async () => {
    const line = passed(await java(version, ['unsupported', shared.bootstrap]), 'unsupported');
    assert.equal(line.split(' ')[2]!.split(','), ['describeLogDirs', 'listPartitionReassignments', 'describeDelegationToken', 'describeMetadataQuorum']);
  });

  test(name('idempotent producer, max.in.flight=5: a broker restart mid-stream loses, duplicates and reorders nothing'), async () => {
    const data = dataDir();
    let b = await broker(data.dir, 2);
    const port = b.port;
    let restarted: Promise<void> | undefined;
    try {
      const r = await java(version, ['restart', b.bootstrap, '20000'], (line) => {
        const acked = /^acked (\d+)/.exec(line);
        if (acked && Number(acked[1]) >= 4000 && !restarted) {
          restarted = (async () => {
            await b.close();
            b = await startBroker({ port, config: { 'log.dirs': data.dir, 'num.io.threads': 2 } });
          })();
        }
      });
      assert.ok(restarted, `the broker was restarted mid-stream:\n${r.stdout}`);
      await restarted;
      passed(r, 'restart');
    } finally {
      await restarted?.catch(() => {});
      await b.close();
      data.remove();
    }
  });
}

test.run();
