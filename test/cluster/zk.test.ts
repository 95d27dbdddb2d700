/**
 * ZkSession (src/cluster/zk.ts) against real ZooKeeper servers (test/helpers/zookeeper.ts): one
 * standalone server for most tests, and a three-server ensemble for failover. What must hold:
 * ZooKeeper's semantics come through (versions, codes, atomic multi, one-shot watches,
 * ephemeral znodes, chroot), a session survives the loss of its server and a frozen server,
 * an expired session is replaced by a new one whose owners are called back, requests wait for a
 * connection only for connectionTimeoutMs, and no more than maxInFlightRequests are outstanding.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import zookeeper from 'node-zookeeper-client';
import { ZkError, type ZkEvent, ZkSession, type ZkSessionOptions, type ZkState } from '../../src/cluster/zk.js';
import { needs } from '../helpers/needs.js';
import { startZooKeeper, type ZooKeeperEnsemble, type ZooKeeperServer, zookeeperMissing } from '../helpers/zookeeper.js';

const missing = zookeeperMissing();
const zkTest = needs(missing);

let single: ZooKeeperEnsemble | undefined;
let ensemble: ZooKeeperEnsemble | undefined;
/** Every session a test opened, closed after the suite even when the test failed. */
const sessions = new Set<ZkSession>();

if (!missing) {
  test.before(async () => {
    single = await startZooKeeper({ servers: 1 });
  });
  test.after(async () => {
    await Promise.all([...sessions].map((s) => s.close()));
    await Promise.all([single?.stop(), ensemble?.stop()]);
  });
}

async function open(connectString: string, options: Partial<ZkSessionOptions> = {}): Promise<ZkSession> {
  const s = await ZkSession.connect({ connectString, sessionTimeoutMs: 6000, connectionTimeoutMs: 3000, ...options });
  sessions.add(s);
  return s;
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, ZkError);
    return (e as ZkError).code;
  }
  return 'OK';
}

async function eventually(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Resolves with the time (performance.now()) at which the session first enters `state`; rejects
 * after `ms`, so that a test fails instead of hanging.
 */
function reaches(s: ZkSession, state: ZkState, ms = 15_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`the session did not become ${state} within ${ms} ms (it is ${s.state})`));
    }, ms);
    const off = s.onStateChange((now) => {
      if (now === state) {
        off();
        clearTimeout(timer);
        resolve(performance.now());
      }
    });
  });
}

function serverOf(zk: ZooKeeperEnsemble, s: ZkSession): ZooKeeperServer {
  const port = Number(s.currentServer.split(':')[1]);
  const server = zk.servers.find((x) => x.clientPort === port);
  if (!server) throw new Error(`session is connected to ${s.currentServer || 'nothing'}, not to a server of ${zk.connectString}`);
  return server;
}

/** A unique base path per test, so that the tests share one server without meeting. */
let seq = 0;
const base = (name: string): string => `/t${++seq}-${name}`;

zkTest('create, get, set, delete and getChildren, with versions and stats', async () => {
  const s = await open(single!.connectString);
  const p = base('crud');
  const before = Date.now();
  assert.is(await s.create(p, Buffer.from('one'), 'persistent'), p);
  const got = await s.get(p);
  assert.ok(got);
  assert.is(got.data.toString(), 'one');
  assert.is(got.stat.version, 0);
  assert.is(got.stat.dataLength, 3);
  assert.is(got.stat.ephemeralOwner, '0x0');
  assert.ok(got.stat.czxid > 0n && got.stat.czxid === got.stat.mzxid);
  assert.ok(Math.abs(got.stat.ctime - before) < 60_000, `ctime ${got.stat.ctime} is the server's clock in ms`);

  const set = await s.set(p, Buffer.from('two'), 0);
  assert.is(set.version, 1);
  assert.ok(set.mzxid > got.stat.mzxid);
  assert.is((await s.get(p))!.data.toString(), 'two');
  assert.is((await s.set(p, Buffer.from('three'))).version, 2, 'version -1 matches any');

  await s.create(`${p}/b`, null, 'persistent');
  await s.create(`${p}/a`, Buffer.alloc(0), 'persistent');
  assert.equal((await s.getChildren(p))!.sort(), ['a', 'b']);
  const parent = await s.exists(p);
  assert.is(parent!.numChildren, 2);
  assert.is(parent!.cversion, 2);
  assert.is((await s.get(`${p}/b`))!.data.length, 0, 'null data reads back as an empty buffer');

  await s.delete(`${p}/a`, 0);
  await s.delete(`${p}/b`);
  await s.delete(p, 2);
  assert.is(await s.get(p), undefined);
  assert.is(await s.exists(p), undefined);
  assert.is(await s.getChildren(p), undefined);
  await s.close();
});

zkTest('error codes: NODE_EXISTS, NO_NODE, BAD_VERSION, NOT_EMPTY, NO_CHILDREN_FOR_EPHEMERALS, BAD_ARGUMENTS, with the path', async () => {
  const s = await open(single!.connectString);
  const p = base('codes');
  await s.create(p, Buffer.from('x'), 'persistent');
  assert.is(await code(s.create(p, null, 'persistent')), 'NODE_EXISTS');
  assert.is(await code(s.create(`${p}/missing/child`, null, 'persistent')), 'NO_NODE');
  assert.is(await code(s.set(`${p}/missing`, Buffer.from('y'))), 'NO_NODE');
  assert.is(await code(s.delete(`${p}/missing`)), 'NO_NODE');
  assert.is(await code(s.set(p, Buffer.from('y'), 7)), 'BAD_VERSION');
  assert.is(await code(s.delete(p, 7)), 'BAD_VERSION');
  await s.create(`${p}/child`, null, 'persistent');
  assert.is(await code(s.delete(p)), 'NOT_EMPTY');
  await s.create(`${p}/eph`, null, 'ephemeral');
  assert.is(await code(s.create(`${p}/eph/child`, null, 'persistent')), 'NO_CHILDREN_FOR_EPHEMERALS');
  assert.is(await code(s.get('no-slash')), 'BAD_ARGUMENTS');
  assert.is(await code(s.create(`${p}/`, null, 'persistent')), 'BAD_ARGUMENTS');
  assert.is(await code(s.create(`${p}/big`, Buffer.alloc(1024 * 1024 + 1), 'persistent')), 'BAD_ARGUMENTS');
  try {
    await s.set(p, Buffer.from('y'), 7);
    assert.unreachable('BAD_VERSION expected');
  } catch (e) {
    assert.instance(e, ZkError);
    assert.is((e as ZkError).path, p);
    assert.match((e as ZkError).message, /BAD_VERSION/);
  }
  await s.close();
});

zkTest('sequential znodes get increasing ten-digit suffixes; ephemeral ones belong to the session', async () => {
  const s = await open(single!.connectString);
  const p = base('seq');
  await s.create(p, null, 'persistent');
  const a = await s.create(`${p}/n-`, null, 'persistent_sequential');
  const b = await s.create(`${p}/n-`, null, 'ephemeral_sequential');
  assert.match(a, new RegExp(`^${p}/n-\\d{10}$`));
  assert.ok(b > a);
  assert.is((await s.exists(b))!.ephemeralOwner, s.sessionId);
  assert.match(s.sessionId, /^0x[0-9a-f]+$/);
  await s.close();
});

zkTest('mkdirs creates the missing parents and leaves existing ones alone', async () => {
  const s = await open(single!.connectString);
  const p = base('mkdirs');
  await s.mkdirs(`${p}/a/b/c`);
  assert.ok(await s.exists(`${p}/a/b/c`));
  await s.set(`${p}/a`, Buffer.from('kept'));
  await s.mkdirs(`${p}/a/b/d`);
  await s.mkdirs(`${p}/a/b/d`);
  assert.is((await s.get(`${p}/a`))!.data.toString(), 'kept');
  assert.equal((await s.getChildren(`${p}/a/b`))!.sort(), ['c', 'd']);
  await s.close();
});

zkTest('multi: applied atomically with per-operation results; a failing check (version 0 included) leaves nothing', async () => {
  const s = await open(single!.connectString);
  const p = base('multi');
  await s.create(p, Buffer.from('v0'), 'persistent');
  await s.create(`${p}/gone`, null, 'persistent');
  const results = await s.multi([
    { op: 'check', path: p, version: 0 },
    { op: 'create', path: `${p}/new`, data: Buffer.from('n') },
    { op: 'create', path: `${p}/seq-`, data: null, mode: 'persistent_sequential' },
    { op: 'set', path: p, data: Buffer.from('v1'), version: 0 },
    { op: 'delete', path: `${p}/gone`, version: 0 },
  ]);
  assert.is(results.length, 5);
  assert.equal(results[0], { op: 'check' });
  assert.equal(results[1], { op: 'create', path: `${p}/new` });
  assert.ok(results[2]!.op === 'create' && /seq-\d{10}$/.test(results[2]!.path));
  assert.ok(results[3]!.op === 'set' && results[3]!.stat.version === 1);
  assert.equal(results[4], { op: 'delete' });
  assert.is((await s.get(p))!.data.toString(), 'v1');
  assert.is(await s.exists(`${p}/gone`), undefined);

  // The znode is at version 1 now: a check of version 0 must fail, and with it the whole multi.
  let failure: unknown;
  try {
    await s.multi([
      { op: 'create', path: `${p}/never`, data: null },
      { op: 'set', path: `${p}/new`, data: Buffer.from('changed') },
      { op: 'check', path: p, version: 0 },
      { op: 'delete', path: `${p}/new` },
    ]);
  } catch (e) {
    failure = e;
  }
  assert.instance(failure, ZkError);
  assert.is((failure as ZkError).code, 'BAD_VERSION');
  assert.is((failure as ZkError).opIndex, 2);
  assert.is((failure as ZkError).path, p);
  assert.is(await s.exists(`${p}/never`), undefined);
  assert.is((await s.get(`${p}/new`))!.data.toString(), 'n');
  assert.is((await s.get(p))!.stat.version, 1);

  assert.is(await code(s.multi([{ op: 'create', path: `${p}/new`, data: null }])), 'NODE_EXISTS');
  assert.equal(await s.multi([]), []);
  await s.close();
});

zkTest('watches fire once: data change, children change, deletion, and creation through exists', async () => {
  const s = await open(single!.connectString);
  const other = await open(single!.connectString);
  const p = base('watch');
  await s.create(p, Buffer.from('a'), 'persistent');
  const events: ZkEvent[] = [];
  const record = (e: ZkEvent): void => {
    events.push(e);
  };

  await s.get(p, record);
  await s.get(p, record); // the same watcher twice on a path: still one notification
  await other.set(p, Buffer.from('b'));
  await eventually(() => events.length >= 1, 5000, 'the data watch');
  await other.set(p, Buffer.from('c')); // no watch left: nothing more
  await s.getChildren(p, record);
  await other.create(`${p}/kid`, null, 'persistent');
  await eventually(() => events.length >= 2, 5000, 'the child watch');
  await other.create(`${p}/kid2`, null, 'persistent');
  assert.is(await s.exists(`${p}/later`, record), undefined);
  await other.create(`${p}/later`, null, 'persistent');
  await eventually(() => events.length >= 3, 5000, 'the creation watch');
  await s.get(`${p}/later`, record);
  await other.delete(`${p}/later`);
  await eventually(() => events.length >= 4, 5000, 'the deletion watch');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(events, [
    { type: 'dataChanged', path: p },
    { type: 'childrenChanged', path: p },
    { type: 'created', path: `${p}/later` },
    { type: 'deleted', path: `${p}/later` },
  ]);
  await s.close();
  await other.close();
});

zkTest('an ephemeral znode goes when its session closes; close is idempotent and later requests fail with CLOSED', async () => {
  const owner = await open(single!.connectString);
  const observer = await open(single!.connectString);
  const p = base('ephemeral');
  await owner.create(p, Buffer.from('mine'), 'ephemeral');
  const stat = await observer.exists(p);
  assert.is(stat!.ephemeralOwner, owner.sessionId);
  const states: ZkState[] = [];
  owner.onStateChange((st) => states.push(st));
  const closing = owner.close();
  assert.is(owner.close(), closing);
  await closing;
  assert.is(owner.state, 'closed');
  assert.equal(states, ['closed']);
  assert.is(await observer.exists(p), undefined, 'gone at once, not after the session timeout');
  assert.is(await code(owner.get(p)), 'CLOSED');
  await observer.close();
});

zkTest('a chroot in the connect string: paths, created paths, children, multi and watch events are relative to it', async () => {
  const root = await open(single!.connectString);
  const chroot = base('chroot');
  await root.mkdirs(`${chroot}/spindle`);
  const s = await open(`${single!.connectString}${chroot}/spindle`);
  const events: ZkEvent[] = [];
  assert.is(await s.create('/brokers', null, 'persistent'), '/brokers');
  const seqPath = await s.create('/brokers/id-', Buffer.from('1'), 'ephemeral_sequential');
  assert.match(seqPath, /^\/brokers\/id-\d{10}$/);
  assert.equal(await s.getChildren('/brokers', (e) => events.push(e)), [seqPath.slice('/brokers/'.length)]);
  const [created] = await s.multi([{ op: 'create', path: '/controller', data: Buffer.from('c') }]);
  assert.equal(created, { op: 'create', path: '/controller' });
  assert.is((await root.get(`${chroot}/spindle/controller`))!.data.toString(), 'c');
  assert.ok(await root.exists(`${chroot}/spindle${seqPath}`));
  assert.is(await s.exists(`${chroot}/spindle/controller`), undefined, 'no double chroot');
  await root.create(`${chroot}/spindle/brokers/other`, null, 'persistent');
  await eventually(() => events.length === 1, 5000, 'the child watch under the chroot');
  assert.equal(events, [{ type: 'childrenChanged', path: '/brokers' }]);
  assert.equal((await s.getChildren('/'))!.sort(), ['brokers', 'controller']);
  await s.close();
  await root.close();
});

zkTest('at most maxInFlightRequests outstanding; the rest wait in order, and past maxQueuedRequests a request is refused', async () => {
  const s = await open(single!.connectString, { maxInFlightRequests: 3, maxQueuedRequests: 20 });
  const p = base('inflight');
  await s.create(p, null, 'persistent');
  for (let i = 0; i < 23; i++) await s.create(`${p}/c${i}`, Buffer.from(String(i)), 'persistent');
  let peak = 0;
  let done = false;
  const sample = (): void => {
    peak = Math.max(peak, s.inFlightRequests);
    if (!done) setImmediate(sample);
  };
  const order: number[] = [];
  const gets = Array.from({ length: 23 }, (_, i) =>
    s.get(`${p}/c${i}`).then((g) => {
      order.push(i);
      return g!.data.toString();
    }),
  );
  assert.is(s.inFlightRequests, 3, 'sent at once: the bound');
  assert.is(s.queuedRequests, 20);
  const refused = await code(s.get(p));
  assert.is(refused, 'QUEUE_FULL');
  sample();
  const values = await Promise.all(gets);
  done = true;
  assert.equal(values, Array.from({ length: 23 }, (_, i) => String(i)));
  assert.equal(order, Array.from({ length: 23 }, (_, i) => i), 'answered in the order sent');
  assert.ok(peak <= 3, `peak in flight ${peak}`);
  assert.is(s.inFlightRequests, 0);
  assert.is(s.queuedRequests, 0);
  await s.close();
});

zkTest('a process paused longer than its session: after the resume the expiry is noticed at once, a new session made, onNewSession called, the old ephemerals gone', async () => {
  const s = await open(single!.connectString, { sessionTimeoutMs: 1000, connectionTimeoutMs: 3000 });
  assert.is(s.sessionTimeoutMs, 1000);
  const p = base('expiry');
  await s.create(p, null, 'persistent');
  await s.create(`${p}/recreated`, null, 'ephemeral');
  await s.create(`${p}/lost`, null, 'ephemeral');
  const oldId = s.sessionId;
  const states: ZkState[] = [];
  s.onStateChange((st) => states.push(st));
  let newSessionAt = 0;
  let newSessions = 0;
  s.onNewSession(async () => {
    newSessions++;
    newSessionAt = performance.now();
    await s.create(`${p}/recreated`, null, 'ephemeral');
  });
  const expired = reaches(s, 'expired');

  // The whole process stops, as under SIGSTOP or a long GC pause: no pings, no timers.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2500);
  const resumed = performance.now();
  // A read made at once goes to the dead connection and is sent again on the new session.
  const read = s.get(p);
  const expiredAt = await expired;
  // A write made while expired waits for the new session.
  const write = s.create(`${p}/while-expired`, null, 'ephemeral');
  assert.ok((await read) !== undefined);
  await write;
  await eventually(() => newSessions === 1, 5000, 'onNewSession');
  assert.ok(expiredAt - resumed < 1000, `expiry noticed ${Math.round(expiredAt - resumed)} ms after the resume`);
  assert.ok(newSessionAt - resumed < 2000, `new session ${Math.round(newSessionAt - resumed)} ms after the resume`);
  assert.is(s.state, 'connected');
  assert.is.not(s.sessionId, oldId);
  // 'disconnected' first when the closed connection is seen before the reconnection's verdict.
  assert.equal(states.filter((st) => st !== 'disconnected'), ['expired', 'connected']);

  const observer = await open(single!.connectString);
  await eventually(async () => (await observer.exists(`${p}/recreated`))?.ephemeralOwner === s.sessionId, 5000, 'the re-created ephemeral');
  assert.is(await observer.exists(`${p}/lost`), undefined, "the old session's ephemeral is gone");
  assert.is((await observer.exists(`${p}/while-expired`))!.ephemeralOwner, s.sessionId);
  await s.close();
  await observer.close();
});

zkTest('a frozen server (SIGSTOP): nothing heard for 2/3 of the session timeout and the client disconnects; thawed in time, the same session resumes', async () => {
  const server = single!.servers[0]!;
  const s = await open(single!.connectString, { sessionTimeoutMs: 6000, connectionTimeoutMs: 3000 });
  const p = base('frozen');
  await s.create(p, null, 'ephemeral');
  const id = s.sessionId;
  const disconnected = reaches(s, 'disconnected');
  await s.exists(p); // heard from the server just now
  const frozenAt = performance.now();
  server.kill('SIGSTOP');
  let thawed = false;
  try {
    const at = await disconnected;
    const after = at - frozenAt;
    assert.ok(after >= 3900 && after < 5000, `disconnected ${Math.round(after)} ms after the freeze (read timeout 4000 ms)`);
    const connected = reaches(s, 'connected');
    server.kill('SIGCONT');
    thawed = true;
    await connected;
  } finally {
    if (!thawed) server.kill('SIGCONT');
  }
  assert.is(s.sessionId, id, 'the same session');
  assert.is((await s.exists(p))!.ephemeralOwner, id);
  await s.close();
});

zkTest('the server killed: requests fail with CONNECTION_LOSS after connectionTimeoutMs and not before; restarted within the session timeout, the session resumes', async () => {
  const server = single!.servers[0]!;
  // A session long enough to outlast the JVM's restart on a loaded machine (the server restores
  // its sessions, each with its whole timeout, once it is up again).
  const s = await open(single!.connectString, { sessionTimeoutMs: 30_000, connectionTimeoutMs: 1500 });
  const p = base('killed');
  await s.create(p, Buffer.from('e'), 'ephemeral');
  const id = s.sessionId;
  const disconnected = reaches(s, 'disconnected');
  server.kill('SIGKILL');
  await server.exited();
  await disconnected;
  const started = performance.now();
  const outcomes = await Promise.all([code(s.get(p)), code(s.set(p, Buffer.from('x')))]);
  const waited = performance.now() - started;
  assert.equal(outcomes, ['CONNECTION_LOSS', 'CONNECTION_LOSS']);
  assert.ok(waited >= 1495 && waited < 2200, `failed after ${Math.round(waited)} ms`);
  const connected = reaches(s, 'connected');
  await server.restart();
  await connected;
  assert.is((await s.get(p))!.data.toString(), 'e');
  assert.is(s.sessionId, id);
  assert.is((await s.exists(p))!.ephemeralOwner, id);
  await s.close();
});

test('error codes node-zookeeper-client does not list (SESSION_MOVED) become its exceptions instead of throwing', () => {
  const e = (zookeeper.Exception as unknown as { create(code: number, path?: string): { name: string; getCode(): number } }).create(-118, '/x');
  assert.is(e.name, 'SESSION_MOVED');
  assert.is(e.getCode(), -118);
  assert.instance(e, zookeeper.Exception);
});

// ---- a three-server ensemble ------------------------------------------------------------------

zkTest('ensemble: the connected server killed, the session moves to another server: same id, ephemeral kept, watches kept, requests go on', async () => {
  ensemble = await startZooKeeper({ servers: 3 });
  const s = await open(ensemble.connectString, { sessionTimeoutMs: 8000, connectionTimeoutMs: 8000 });
  const p = base('failover');
  await s.create(p, Buffer.from('0'), 'persistent');
  await s.create(`${p}/eph`, null, 'ephemeral');
  const events: ZkEvent[] = [];
  await s.get(p, (e) => events.push(e));
  const id = s.sessionId;
  const victim = serverOf(ensemble, s);
  const disconnected = reaches(s, 'disconnected');
  const reconnected = reaches(s, 'connected');
  victim.kill('SIGKILL');
  await disconnected;
  // Issued while the session moves (not before the loss is seen: a write in flight on the lost
  // connection fails with CONNECTION_LOSS, its outcome unknown): waits, then is answered.
  const during = s.set(`${p}/eph`, Buffer.from('during'));
  await reconnected;
  assert.is((await during).version, 1);
  assert.is(s.sessionId, id);
  assert.is.not(s.currentServer, victim.address);
  assert.is((await s.exists(`${p}/eph`))!.ephemeralOwner, id);
  const other = await open(ensemble.connectString);
  await other.set(p, Buffer.from('1'));
  await eventually(() => events.length === 1, 5000, 'the watch set before the failover');
  assert.equal(events, [{ type: 'dataChanged', path: p }]);
  for (let i = 0; i < 20; i++) await s.create(`${p}/n${i}`, null, 'persistent');
  assert.is((await other.getChildren(p))!.length, 21);
  await other.close();
  await s.close();
  await victim.restart();
  await ensemble.ready();
});

zkTest('ensemble: the connected server frozen (SIGSTOP), the client leaves it after 2/3 of the session timeout for another server, in the same session', async () => {
  const zk = ensemble!;
  const s = await open(zk.connectString, { sessionTimeoutMs: 6000, connectionTimeoutMs: 6000 });
  const p = base('freeze');
  await s.create(p, null, 'ephemeral');
  const id = s.sessionId;
  const victim = serverOf(zk, s);
  const disconnected = reaches(s, 'disconnected');
  await s.exists(p);
  victim.kill('SIGSTOP');
  try {
    const at = await disconnected;
    const connectedAt = await reaches(s, 'connected');
    assert.ok(connectedAt - at < 2000, `reconnected ${Math.round(connectedAt - at)} ms after leaving`);
    assert.is(s.sessionId, id);
    assert.is.not(s.currentServer, victim.address);
    assert.is((await s.exists(p))!.ephemeralOwner, id);
    await s.set(p, Buffer.from('still mine'));
  } finally {
    victim.kill('SIGCONT');
  }
  await s.close();
  await zk.ready();
});

zkTest('ensemble entirely down: requests fail with CONNECTION_LOSS after connectionTimeoutMs and not before', async () => {
  const zk = ensemble!;
  const s = await open(zk.connectString, { sessionTimeoutMs: 6000, connectionTimeoutMs: 1200 });
  const p = base('down');
  await s.create(p, null, 'persistent');
  const disconnected = reaches(s, 'disconnected');
  for (const server of zk.servers) server.kill('SIGKILL');
  await Promise.all(zk.servers.map((x) => x.exited()));
  await disconnected;
  const started = performance.now();
  const outcomes = await Promise.all([code(s.get(p)), code(s.create(`${p}/x`, null, 'persistent')), code(s.multi([{ op: 'check', path: p, version: 0 }]))]);
  const waited = performance.now() - started;
  assert.equal(outcomes, ['CONNECTION_LOSS', 'CONNECTION_LOSS', 'CONNECTION_LOSS']);
  assert.ok(waited >= 1195 && waited < 1800, `failed after ${Math.round(waited)} ms`);
  assert.is(s.state, 'disconnected');
  const closing = performance.now();
  await s.close();
  assert.ok(performance.now() - closing < 1000, 'close does not wait for a server that is gone');
});

test.run();
