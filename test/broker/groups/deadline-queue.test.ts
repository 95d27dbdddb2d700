/**
 * The coordinator's single deadline queue: order, rescheduling in place, cancelling, and one
 * host timer for all deadlines.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';
import { Deadline, DeadlineQueue, systemScheduler } from '../../../src/broker/groups/deadline-queue.js';
import { ManualScheduler } from './helpers.js';

function setup() {
  const clock = new ManualScheduler();
  const queue = new DeadlineQueue(clock);
  const fired: string[] = [];
  const make = (name: string) => new Deadline(() => fired.push(name));
  return { clock, queue, fired, make };
}

test('deadlines fire in time order, ties in the order they were scheduled', () => {
  const { clock, queue, fired, make } = setup();
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(make) as [Deadline, Deadline, Deadline, Deadline];
  queue.schedule(c, 300);
  queue.schedule(a, 100);
  queue.schedule(d, 300);
  queue.schedule(b, 200);
  clock.advance(250);
  assert.equal(fired, ['a', 'b']);
  clock.advance(100);
  assert.equal(fired, ['a', 'b', 'c', 'd']);
  assert.is(queue.size, 0);
});

test('rescheduling moves a deadline in place instead of adding another', () => {
  const { clock, queue, fired, make } = setup();
  const session = make('session');
  for (let i = 0; i < 100; i++) {
    queue.schedule(session, 1000);
    clock.advance(500);
  }
  assert.is(queue.size, 1);
  assert.equal(fired, []);
  clock.advance(1000);
  assert.equal(fired, ['session']);
});

test('a stream of later reschedules does not re-arm the host timer each time', () => {
  const { clock, queue, make } = setup();
  const sessions = Array.from({ length: 50 }, (_, i) => make(`m${i}`));
  for (const s of sessions) queue.schedule(s, 10_000);
  const armedBefore = clock.timersSet;
  for (let round = 0; round < 20; round++) {
    for (const s of sessions) queue.schedule(s, 10_000);
    clock.advance(500);
  }
  // 1000 heartbeats; the host timer is set again only when an early one fires and finds nothing due.
  assert.ok(clock.timersSet - armedBefore <= 2, `${clock.timersSet - armedBefore} host timers for 1000 reschedules`);
  assert.is(clock.armed, 1, 'one host timer at a time');
});

test('a cancelled deadline never fires and leaves the heap consistent', () => {
  const { clock, queue, fired, make } = setup();
  const ds = Array.from({ length: 20 }, (_, i) => make(`d${i}`));
  ds.forEach((d, i) => queue.schedule(d, (i * 37) % 101 + 1));
  for (let i = 0; i < 20; i += 3) queue.cancel(ds[i]!);
  queue.cancel(ds[0]!); // twice is harmless
  clock.advance(200);
  const expected = ds
    .map((d, i) => ({ name: `d${i}`, at: (i * 37) % 101 + 1, i }))
    .filter((x) => x.i % 3 !== 0)
    .sort((x, y) => x.at - y.at || x.i - y.i)
    .map((x) => x.name);
  assert.equal(fired, expected);
});

test('a deadline rescheduled for now by its own callback waits for the next turn', () => {
  const { clock, queue, make } = setup();
  let runs = 0;
  const again: Deadline = new Deadline(() => {
    runs++;
    if (runs < 5) queue.schedule(again, 0);
  });
  queue.schedule(again, 10);
  clock.advance(10);
  assert.is(runs, 5, 'each run is its own timer turn');
  assert.is(queue.size, 0);
  void make;
});

test('after the main thread was held up, bytes that arrived meanwhile are read before a due deadline fires', async () => {
  // A member's heartbeat that reached the socket in time must count before its session ends.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const client = createConnection((server.address() as AddressInfo).port, '127.0.0.1');
  await new Promise<void>((resolve) => client.once('connect', resolve));
  const peer = await accepted;
  const order: string[] = [];
  peer.on('data', () => order.push('read'));
  const queue = new DeadlineQueue(systemScheduler);
  const fired = new Promise<void>((resolve) =>
    queue.schedule(
      new Deadline(() => {
        order.push('deadline');
        resolve();
      }),
      20,
    ),
  );
  // The main thread busy for longer than the deadline; the bytes are written meanwhile.
  client.write('heartbeat');
  const until = Date.now() + 150;
  while (Date.now() < until);
  try {
    await fired;
    assert.equal(order, ['read', 'deadline']);
  } finally {
    queue.close();
    client.destroy();
    peer.destroy();
    server.close();
  }
});

test('close drops every deadline and the host timer', () => {
  const { clock, queue, fired, make } = setup();
  queue.schedule(make('x'), 10);
  queue.close();
  queue.schedule(make('y'), 10);
  clock.advance(100);
  assert.equal(fired, []);
  assert.is(clock.armed, 0);
});

test.run();
