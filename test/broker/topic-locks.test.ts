import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_OPERATIONS_PER_TOPIC, TopicLocks } from '../../src/broker/topic-locks.js';

/** An operation that records when it starts and ends, and finishes when told. */
function operation(log: string[], name: string): { run: () => Promise<string>; finish: () => void } {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    run: async () => {
      log.push(`start ${name}`);
      await done;
      log.push(`end ${name}`);
      return name;
    },
    finish: () => finish(),
  };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

test('operations on one name run one at a time, in the order they came', async () => {
  const locks = new TopicLocks();
  const log: string[] = [];
  const ops = ['create', 'delete', 'create again'].map((n) => operation(log, n));
  const results = ops.map((o) => locks.run('orders', o.run)!);
  await tick();
  assert.equal(log, ['start create']);
  ops[1]!.finish();
  ops[2]!.finish();
  await tick();
  assert.equal(log, ['start create'], 'the later ones wait for the first even when ready');
  ops[0]!.finish();
  assert.equal(await Promise.all(results), ['create', 'delete', 'create again']);
  assert.equal(log, ['start create', 'end create', 'start delete', 'end delete', 'start create again', 'end create again']);
  assert.is(locks.busyNames, 0, 'an emptied queue is forgotten');
});

test('other names run at once; names that collide (. and _) share a queue', async () => {
  const locks = new TopicLocks();
  const log: string[] = [];
  const a = operation(log, 'metrics.cpu');
  const b = operation(log, 'metrics_cpu');
  const c = operation(log, 'orders');
  void locks.run('metrics.cpu', a.run);
  void locks.run('metrics_cpu', b.run);
  void locks.run('orders', c.run);
  await tick();
  assert.equal(log, ['start metrics.cpu', 'start orders']);
  a.finish();
  await tick();
  assert.ok(log.includes('start metrics_cpu'));
  b.finish();
  c.finish();
});

test('a failed operation does not hold the queue: the next one runs', async () => {
  const locks = new TopicLocks();
  const failing = locks.run('t', async () => {
    throw new Error('boom');
  })!;
  const next = locks.run('t', async () => 'ran')!;
  assert.is(await failing.then(() => 'resolved', (e: Error) => e.message), 'boom');
  assert.is(await next, 'ran');
});

test(`a name takes at most ${MAX_OPERATIONS_PER_TOPIC} operations; one more is refused, not queued`, async () => {
  const locks = new TopicLocks();
  const log: string[] = [];
  const first = operation(log, 'first');
  const queued = [locks.run('t', first.run)!];
  for (let i = 1; i < MAX_OPERATIONS_PER_TOPIC; i++) queued.push(locks.run('t', async () => 'later')!);
  assert.is(locks.run('t', async () => 'too many'), undefined);
  assert.ok(locks.run('other', async () => 'fine'), 'other names are not affected');
  first.finish();
  await Promise.all(queued);
  assert.is(await locks.run('t', async () => 'room again'), 'room again');
});

test.run();
