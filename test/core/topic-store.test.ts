import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { clearFaults, injectFaults } from '../../src/core/fs.js';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { logConfig } from '../../src/core/log-config.js';
import { PartitionLog } from '../../src/core/partition-log.js';
import { topicNameProblem } from '../../src/core/topic-name.js';
import { TopicStore, base64ToUuid, uuidToBase64 } from '../../src/core/topic-store.js';
import { makeBatch, tempDir } from './helpers.js';

test('topics survive a restart with their IDs, partition counts and configs', async () => {
  const t = tempDir();
  const store = new TopicStore([t.dir]);
  const a = await store.create('orders', 3, { 'retention.ms': '1000' });
  await store.create('audit', 1);
  await store.addPartitions('orders', 5);
  await store.setConfigs('audit', { 'cleanup.policy': 'compact' });
  const again = new TopicStore([t.dir]);
  assert.equal(again.get('orders'), { ...a, partitions: 5 });
  assert.is(again.getById(a.topicId)?.name, 'orders');
  assert.equal(again.get('audit')?.configs, { 'cleanup.policy': 'compact' });
  t.remove();
});

test('partitions spread over log dirs, fewest first, and are found again after a restart', async () => {
  const a = tempDir();
  const b = tempDir();
  const store = new TopicStore([a.dir, b.dir]);
  await store.create('spread', 4);
  const dirs = [0, 1, 2, 3].map((p) => store.logDirFor('spread', p));
  assert.equal(dirs, [a.dir, b.dir, a.dir, b.dir]);
  const log = PartitionLog.open(dirs[1]!, 'spread', 1, logConfig());
  log.append(makeBatch('x', 2));
  await log.close();
  const again = new TopicStore([a.dir, b.dir]);
  assert.is(again.logDirFor('spread', 1), b.dir);
  const meta = readFileSync(join(b.dir, 'spread-1', 'partition.metadata'), 'utf8');
  assert.match(meta, /^version: 0\ntopic_id: /);
  assert.is(base64ToUuid(/topic_id: (\S+)/.exec(meta)![1]!), again.get('spread')!.topicId);
  a.remove();
  b.remove();
});

test('deleting a topic removes its directories; a re-created topic gets a new ID and no old data', async () => {
  const t = tempDir();
  const store = new TopicStore([t.dir]);
  const first = await store.create('again', 1);
  store.logDirFor('again', 0);
  assert.ok(existsSync(join(t.dir, 'again-0')));
  await store.delete('again');
  assert.not.ok(readdirSync(t.dir).some((n) => n.startsWith('again-')));
  const second = await store.create('again', 1);
  assert.is.not(second.topicId, first.topicId);
  t.remove();
});

test('a leftover directory of an older topic with the same name is removed at load', async () => {
  const t = tempDir();
  const store = new TopicStore([t.dir]);
  await store.create('stale', 1);
  store.logDirFor('stale', 0);
  // Simulate a crash between forgetting the topic and removing its directory, then a re-create.
  const dir = join(t.dir, 'stale-0');
  const meta = readFileSync(join(dir, 'partition.metadata'), 'utf8');
  await store.delete('stale');
  await store.create('stale', 1);
  mkdirSync(dir);
  writeFileSync(join(dir, 'partition.metadata'), meta);
  const again = new TopicStore([t.dir]);
  assert.ok(again.get('stale'));
  assert.not.ok(existsSync(dir), 'the old directory is gone');
  t.remove();
});

test('a burst of creations all settle, stored, and a restart finds every one', async () => {
  const t = tempDir();
  const store = new TopicStore([t.dir]);
  const names = Array.from({ length: 200 }, (_, i) => `burst-${i}`);
  await Promise.all(names.map((n) => store.create(n, 1)));
  assert.equal(
    new TopicStore([t.dir])
      .list()
      .map((x) => x.name)
      .sort(),
    [...names].sort(),
  );
  t.remove();
});

test('a change whose write fails is refused with the error; the file keeps what it held', async () => {
  const t = tempDir();
  const store = new TopicStore([t.dir]);
  await store.create('kept', 1);
  injectFaults([{ op: 'fsync', code: 'ENOSPC', times: 1 }]);
  const failed = await store.create('lost', 1).then(
    () => undefined,
    (e: NodeJS.ErrnoException) => e.code,
  );
  clearFaults();
  assert.is(failed, 'ENOSPC');
  assert.equal(new TopicStore([t.dir]).list().map((x) => x.name), ['kept']);
  t.remove();
});

test('a deletion whose directory cannot be moved aside rejects with the error; the topic stays forgotten and its directory goes at the next load', async () => {
  const t = tempDir();
  const store = new TopicStore([t.dir]);
  await store.create('stuck', 1);
  store.logDirFor('stuck', 0);
  injectFaults([{ op: 'rename', code: 'EIO', path: 'stuck-0', times: 1 }]);
  const code = await store.delete('stuck').then(
    () => '',
    (e: NodeJS.ErrnoException) => e.code,
  );
  clearFaults();
  assert.is(code, 'EIO');
  assert.is(store.get('stuck'), undefined);
  assert.ok(existsSync(join(t.dir, 'stuck-0')), 'left where it was');
  const again = new TopicStore([t.dir]);
  assert.is(again.get('stuck'), undefined);
  assert.not.ok(existsSync(join(t.dir, 'stuck-0')), 'removed at load: no stored topic owns it');
  t.remove();
});

test('topic IDs are printed as Kafka does, URL-safe base64 without padding, never starting with "-"', async () => {
  const t = tempDir();
  const store = new TopicStore([t.dir]);
  for (let i = 0; i < 50; i++) {
    const id = (await store.create(`t${i}`, 1)).topicId;
    const b64 = uuidToBase64(id);
    assert.is(b64.length, 22);
    assert.not.ok(b64.startsWith('-'));
    assert.is(base64ToUuid(b64), id);
  }
  t.remove();
});

test('topic names follow Kafka’s rules', async () => {
  assert.is(topicNameProblem('orders.v1_x-2'), undefined);
  assert.ok(topicNameProblem(''));
  assert.ok(topicNameProblem('.'));
  assert.ok(topicNameProblem('..'));
  assert.ok(topicNameProblem('a'.repeat(250)));
  assert.is(topicNameProblem('a'.repeat(249)), undefined);
  assert.ok(topicNameProblem('with space'));
  assert.ok(topicNameProblem('ümlaut'));
  const t = tempDir();
  const store = new TopicStore([t.dir]);
  await store.create('metrics.cpu', 1);
  assert.is(store.collidingWith('metrics_cpu')?.name, 'metrics.cpu');
  assert.is(store.collidingWith('metrics.cpu'), undefined);
  t.remove();
});

test.run();
