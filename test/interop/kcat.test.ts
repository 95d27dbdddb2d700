/**
 * kcat (librdkafka) against a real broker: metadata, produce with every codec and acks level,
 * consume back byte-exact with keys and headers, and everything still there after a restart;
 * and producing with the message formats of Kafka 0.9 and 0.10.0 (Produce v1 and v2).
 * Runs with the logs inline (0 workers) and on 2 partition workers. Needs the `kcat` program
 * (Debian package kcat); skipped when it is absent.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { broker, dataDir, hasKcat, kcat } from './helpers.js';
import { needs } from '../helpers/needs.js';

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
const COUNT = 3000;

function lines(codec: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `k${i % 97}:${codec}-${i}-${'payload '.repeat(1 + (i % 7))}`);
}

for (const workers of [0, 2]) {
  const name = (s: string) => `[kcat, ${workers} workers] ${s}`;
  if (!hasKcat) {
    needs('kcat is not installed')(name('every codec and acks level'), () => {});
    continue;
  }

  test(name('every codec and acks level: produced records come back byte-exact with keys and headers, also after a restart'), async () => {
    const data = dataDir();
    let b = await broker(data.dir, workers, { 'num.partitions': 3 });
    try {
      const expected = new Map<string, string[]>();
      for (const codec of CODECS) {
        for (const acks of codec === 'none' ? ['0', '1', '-1'] : ['-1']) {
          const topic = `t-${codec}-${acks.replace('-', 'm')}`;
          const input = lines(codec, COUNT);
          const r = await kcat(b.bootstrap, ['-P', '-t', topic, '-K:', '-z', codec, '-X', `acks=${acks}`, '-H', `codec=${codec}`], `${input.join('\n')}\n`);
          assert.is(r.code, 0, `produce ${topic}: ${r.stderr}`);
          expected.set(topic, input.map((l) => `${l.replace(':', '|')}|codec=${codec}`).sort());
        }
      }
      const check = async (when: string) => {
        for (const [topic, want] of expected) {
          const r = await kcat(b.bootstrap, ['-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%k|%s|%h\\n']);
          assert.is(r.code, 0, `consume ${topic}: ${r.stderr}`);
          const got = r.stdout.split('\n').filter((l) => l.length > 0).sort();
          assert.is(got.length, want.length, `${topic} ${when}: record count`);
          assert.equal(got, want, `${topic} ${when}: records`);
        }
      };
      await check('before restart');
      const meta = await kcat(b.bootstrap, ['-L', '-t', 't-zstd-m1']);
      assert.match(meta.stdout, /topic "t-zstd-m1" with 3 partitions/);
      assert.match(meta.stdout, /partition 2, leader 1, replicas: 1, isrs: 1/);
      await b.close();
      b = await broker(data.dir, workers, { 'num.partitions': 3 });
      await check('after restart');
    } finally {
      await b.close();
      data.remove();
    }
  });

  test(name('a consumer starting in the middle of the log reads from that offset on'), async () => {
    const data = dataDir();
    const b = await broker(data.dir, workers);
    try {
      const input = Array.from({ length: 500 }, (_, i) => `v${i}`);
      assert.is((await kcat(b.bootstrap, ['-P', '-t', 'mid', '-p', '0'], `${input.join('\n')}\n`)).code, 0);
      const r = await kcat(b.bootstrap, ['-C', '-t', 'mid', '-p', '0', '-o', '250', '-e', '-q', '-f', '%o %s\\n']);
      const got = r.stdout.trim().split('\n');
      assert.is(got.length, 250);
      assert.is(got[0], '250 v250');
      assert.is(got[249], '499 v499');
    } finally {
      await b.close();
      data.remove();
    }
  });
}

// librdkafka told the broker is older than ApiVersions (api.version.request=false) produces with
// the message formats of its fallback version: Produce v1 with magic 0 for 0.9, v2 with magic 1
// for 0.10.0. Kafka 3.9 converts both to magic 2; so does Spindle, for every codec they allow.
needs(hasKcat ? '' : 'kcat is not installed')('[kcat] producing as for Kafka 0.9 and 0.10.0 (message formats 0 and 1): every record read back, with its timestamp where the format has one', async () => {
  const data = dataDir();
  const b = await broker(data.dir, 2);
  try {
    for (const [fallback, hasTimestamp] of [['0.9.0.0', false], ['0.10.0.0', true]] as const) {
      for (const codec of ['none', 'gzip', 'snappy', 'lz4']) {
        const topic = `old-${fallback.replaceAll('.', '')}-${codec}`;
        const input = lines(codec, 200);
        const before = Date.now();
        const old = ['-X', 'api.version.request=false', '-X', `broker.version.fallback=${fallback}`, '-X', 'enable.idempotence=false'];
        const r = await kcat(b.bootstrap, ['-P', '-t', topic, '-p', '0', '-K:', '-z', codec, ...old], `${input.join('\n')}\n`);
        assert.is(r.code, 0, `produce ${topic}: ${r.stderr}`);
        const back = await kcat(b.bootstrap, ['-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%o|%k|%s|%T\\n']);
        assert.is(back.code, 0, `consume ${topic}: ${back.stderr}`);
        const got = back.stdout.split('\n').filter((l) => l.length > 0).map((l) => l.split('|'));
        assert.equal(got.map(([o, k, v]) => `${o}|${k}:${v}`), input.map((l, i) => `${i}|${l}`), `${topic}: every record, in order`);
        for (const [, , , ts] of got) {
          if (hasTimestamp) assert.ok(Number(ts) >= before - 1000 && Number(ts) <= Date.now(), `${topic}: the producer's timestamp ${ts}`);
          else assert.is(ts, '-1', `${topic}: magic 0 has no timestamp`);
        }
      }
    }
  } finally {
    await b.close();
    data.remove();
  }
});

test.run();
