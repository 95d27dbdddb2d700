/**
 * Keys produced by `spindle produce` land in the partitions where librdkafka's Java-compatible
 * partitioner (`kcat -X partitioner=murmur2_random`) puts them, and where murmur2.ts says the
 * Java client does. Needs the `kcat` program; skipped when it is absent.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { partitionForKey } from '../../src/client/murmur2.js';
import { hasKcat, kcat } from '../interop/helpers.js';
import { lines, spindle, type TestBroker, testBroker } from './helpers.js';
import { needs } from '../helpers/needs.js';

const PARTITIONS = 7;
const KEYS = [
  ...Array.from({ length: 200 }, (_, i) => `user-${i}`),
  ...Array.from({ length: 40 }, (_, i) => `${i * 7919}`),
  'a',
  'ab',
  'abc',
  'abcd',
  'abcde',
  'héllo wörld',
  '日本語のキー',
  'emoji-🙂',
  'x'.repeat(300),
];

async function placements(b: TestBroker, topic: string): Promise<Map<string, number>> {
  const r = await kcat(b.bootstrap, ['-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%p %k\\n']);
  assert.is(r.code, 0, r.stderr);
  const out = new Map<string, number>();
  for (const l of lines(r.stdout)) {
    const space = l.indexOf(' ');
    out.set(l.slice(space + 1), Number(l.slice(0, space)));
  }
  return out;
}

if (!hasKcat) {
  needs('kcat is not installed')("every key lands where kcat's murmur2_random partitioner puts it", () => {});
} else {
  test("every key lands where kcat's murmur2_random partitioner and the Java client put it", async () => {
    const b = await testBroker();
    try {
      for (const topic of ['by-spindle', 'by-kcat']) {
        const c = await spindle(['topics', '--create', '--topic', topic, '--partitions', String(PARTITIONS), ...b.flag]);
        assert.is(c.code, 0, c.stderr);
      }
      const input = `${KEYS.map((k, i) => `${k}:value-${i}`).join('\n')}\n`;
      const ours = await spindle(['produce', '--topic', 'by-spindle', '--property', 'parse.key=true', '--property', 'key.separator=:', ...b.flag], { input });
      assert.is(ours.code, 0, ours.stderr);
      const theirs = await kcat(b.bootstrap, ['-P', '-t', 'by-kcat', '-K:', '-X', 'partitioner=murmur2_random'], input);
      assert.is(theirs.code, 0, theirs.stderr);
      const spindlePlaced = await placements(b, 'by-spindle');
      const kcatPlaced = await placements(b, 'by-kcat');
      assert.is(spindlePlaced.size, KEYS.length);
      assert.is(kcatPlaced.size, KEYS.length);
      for (const key of KEYS) {
        assert.is(spindlePlaced.get(key), kcatPlaced.get(key), `key ${JSON.stringify(key)}`);
        assert.is(spindlePlaced.get(key), partitionForKey(Buffer.from(key), PARTITIONS), `key ${JSON.stringify(key)} vs murmur2.ts`);
      }
      assert.is(new Set(spindlePlaced.values()).size, PARTITIONS, 'the keys spread over every partition');
    } finally {
      await b.stop();
    }
  });
}

test.run();
