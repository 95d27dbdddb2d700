/**
 * The classic group state machine, driven by hand-moved time: joins (KIP-394 two-step), the
 * initial rebalance delay, join and sync phases, heartbeats and sessions, rebalance and sync
 * timeouts, protocol selection, static membership (KIP-345), leaving, limits, and what the
 * group writes to __consumer_offsets.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { GroupCoordinator } from '../../../src/broker/groups/coordinator.js';
import { ClassicGroup, type JoinResult, type SyncResult } from '../../../src/broker/groups/group.js';
import { decodeGroupMetadataValue, decodeKey } from '../../../src/broker/groups/records.js';
import { ErrorCode as E } from '../../../src/protocol/errors.js';
import { flush, joinRequest, type ManualScheduler, type MemoryLog, setup, subscription, watch, type Watched } from './helpers.js';

type Harness = ReturnType<typeof setup>;

/** First join without an id: MEMBER_ID_REQUIRED and the id to use. */
async function memberId(c: GroupCoordinator, groupId: string, over: Parameters<typeof joinRequest>[1] = {}): Promise<string> {
  const r = await c.join(joinRequest(groupId, over));
  assert.is(r.errorCode, E.MEMBER_ID_REQUIRED);
  return r.memberId;
}

/** Joins with an id (parks until the join phase ends). */
function rejoin(c: GroupCoordinator, groupId: string, id: string, over: Parameters<typeof joinRequest>[1] = {}): Watched<JoinResult> {
  return watch(c.join(joinRequest(groupId, { memberId: id, ...over })));
}

function sync(c: GroupCoordinator, groupId: string, id: string, generationId: number, assignments: [string, string][] = []): Watched<SyncResult> {
  return watch(
    c.sync({
      groupId,
      generationId,
      memberId: id,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocolName: null,
      assignments: assignments.map(([memberId, a]) => ({ memberId, assignment: Buffer.from(a) })),
    }),
  );
}

const hb = (c: GroupCoordinator, groupId: string, id: string, generationId: number, groupInstanceId: string | null = null) => c.heartbeat({ groupId, memberId: id, generationId, groupInstanceId });

/** n members join and sync: a Stable group, with each member's id and the generation. */
async function stableGroup({ c, clock }: Harness, groupId: string, n: number, over: Parameters<typeof joinRequest>[1] = {}) {
  const ids: string[] = [];
  const joins: Watched<JoinResult>[] = [];
  for (let i = 0; i < n; i++) {
    const id = await memberId(c, groupId, over);
    ids.push(id);
    joins.push(rejoin(c, groupId, id, over));
  }
  clock.advance(c.config.initialRebalanceDelayMs * (n + 1));
  await flush();
  for (const j of joins) assert.ok(j.settled, 'every join answered');
  const generation = joins[0]!.value.generationId;
  const leader = joins[0]!.value.leader;
  const syncs = ids.map((id) => sync(c, groupId, id, generation, id === leader ? ids.map((m) => [m, `for ${m}`]) : []));
  await flush();
  for (const s of syncs) assert.is(s.value?.errorCode, 0);
  assert.is(c.group(groupId)!.state, 'Stable');
  return { ids, generation, leader };
}

function groupRecords(log: MemoryLog, groupId: string) {
  return log.records
    .filter((r) => {
      const k = decodeKey(r.key);
      return k.type === 'group' && k.group === groupId;
    })
    .map((r) => (r.value ? decodeGroupMetadataValue(r.value) : null));
}

test('a first JoinGroup v4+ without a member id gets MEMBER_ID_REQUIRED with a new id, and nothing joins yet', async () => {
  const { c } = setup();
  const r = await c.join(joinRequest('g', { clientId: 'app' }));
  assert.is(r.errorCode, E.MEMBER_ID_REQUIRED);
  assert.match(r.memberId, /^app-[0-9a-f-]{36}$/);
  assert.is(r.generationId, -1);
  const g = c.group('g')!;
  assert.is(g.state, 'Empty');
  assert.is(g.size, 0);
  assert.ok(g.pendingJoinMembers.has(r.memberId));
});

test('JoinGroup before v4 (no member id required) joins at once and starts the first rebalance', async () => {
  const { c, clock } = setup({ initialRebalanceDelayMs: 100 });
  const j = watch(c.join(joinRequest('g', { requireKnownMemberId: false })));
  await flush();
  assert.is(c.group('g')!.state, 'PreparingRebalance');
  assert.not.ok(j.settled);
  clock.advance(100);
  await flush();
  assert.is(j.value.errorCode, 0);
  assert.is(j.value.generationId, 1);
  assert.is(j.value.leader, j.value.memberId);
  assert.is(c.group('g')!.state, 'CompletingRebalance');
});

test('the first rebalance of a new group waits the initial delay, extended while members keep joining, within the rebalance timeout', async () => {
  const { c, clock } = setup({ initialRebalanceDelayMs: 3000 });
  const a = await memberId(c, 'g');
  const ja = rejoin(c, 'g', a, { rebalanceTimeoutMs: 10_000 });
  clock.advance(2000);
  const b = await memberId(c, 'g');
  const jb = rejoin(c, 'g', b, { rebalanceTimeoutMs: 10_000 });
  clock.advance(1000); // first delay over, but b joined during it: another 3000
  await flush();
  assert.not.ok(ja.settled, 'extended by the newcomer');
  clock.advance(2999);
  await flush();
  assert.not.ok(ja.settled);
  clock.advance(1);
  await flush();
  assert.ok(ja.settled && jb.settled);
  assert.is(ja.value.generationId, 1);
  assert.is(c.group('g')!.size, 2);
});

test('a stream of newcomers cannot hold the first rebalance past the rebalance timeout', async () => {
  const { c, clock } = setup({ initialRebalanceDelayMs: 3000 });
  const first = await memberId(c, 'g');
  const j = rejoin(c, 'g', first, { rebalanceTimeoutMs: 7000 });
  const start = clock.now();
  for (let i = 0; i < 10 && !j.settled; i++) {
    const id = await memberId(c, 'g', { rebalanceTimeoutMs: 7000 });
    rejoin(c, 'g', id, { rebalanceTimeoutMs: 7000 });
    clock.advance(1000);
    await flush();
  }
  assert.ok(j.settled);
  assert.ok(clock.now() - start <= 7000 + 3000, `completed after ${clock.now() - start} ms`);
});

test("the leader's join answer lists every member's metadata for the chosen protocol; followers get none", async () => {
  const { c, clock } = setup({ initialRebalanceDelayMs: 0 });
  const a = await memberId(c, 'g');
  const ja = rejoin(c, 'g', a, { protocols: [{ name: 'range', metadata: Buffer.from('a-range') }, { name: 'rr', metadata: Buffer.from('a-rr') }] });
  const b = await memberId(c, 'g');
  const jb = rejoin(c, 'g', b, { protocols: [{ name: 'range', metadata: Buffer.from('b-range') }] });
  clock.advance(0);
  await flush();
  assert.is(ja.value.protocolName, 'range');
  assert.is(ja.value.protocolType, 'consumer');
  assert.is(ja.value.leader, a);
  assert.equal(
    ja.value.members.map((m) => [m.memberId, m.metadata.toString()]),
    [
      [a, 'a-range'],
      [b, 'b-range'],
    ],
  );
  assert.equal(jb.value.members, []);
  assert.is(jb.value.leader, a);
});

test("the leader's SyncGroup stores the assignments and answers every member with its own; the group is Stable", async () => {
  const h = setup({ initialRebalanceDelayMs: 0 });
  const { c, clock, log } = h;
  const a = await memberId(c, 'g');
  const b = await memberId(c, 'g');
  const ja = rejoin(c, 'g', a);
  rejoin(c, 'g', b);
  clock.advance(0);
  await flush();
  const gen = ja.value.generationId;
  const sb = sync(c, 'g', b, gen);
  await flush();
  assert.not.ok(sb.settled, "a follower's sync waits for the leader's");
  const sa = sync(c, 'g', a, gen, [
    [a, 'A'],
    [b, 'B'],
  ]);
  await flush();
  assert.is(sa.value.assignment.toString(), 'A');
  assert.is(sb.value.assignment.toString(), 'B');
  assert.is(sb.value.protocolName, 'range');
  assert.is(c.group('g')!.state, 'Stable');
  const stored = groupRecords(log, 'g').at(-1)!;
  assert.is(stored.generation, gen);
  assert.is(stored.protocol, 'range');
  assert.is(stored.leader, a);
  assert.equal(
    stored.members.map((m) => [m.memberId, m.assignment.toString(), m.sessionTimeout, m.rebalanceTimeout, m.clientHost]),
    [
      [a, 'A', 10000, 30000, '/127.0.0.1'],
      [b, 'B', 10000, 30000, '/127.0.0.1'],
    ],
  );
  assert.is(log.records.at(-1)!.partition, c.partitionFor('g'));
  // A sync in a Stable group is answered at once with the member's assignment.
  const again = sync(c, 'g', b, gen);
  await flush();
  assert.is(again.value.assignment.toString(), 'B');
});

test('members the leader leaves out get an empty assignment', async () => {
  const h = setup({ initialRebalanceDelayMs: 0 });
  const { c, clock } = h;
  const a = await memberId(c, 'g');
  const b = await memberId(c, 'g');
  const ja = rejoin(c, 'g', a);
  rejoin(c, 'g', b);
  clock.advance(0);
  await flush();
  const sb = sync(c, 'g', b, ja.value.generationId);
  sync(c, 'g', a, ja.value.generationId, [[a, 'all']]);
  await flush();
  assert.is(sb.value.errorCode, 0);
  assert.is(sb.value.assignment.length, 0);
});

test('heartbeats keep a member; one that stops is removed after its session timeout and the others rebalance without it', async () => {
  const h = setup({ initialRebalanceDelayMs: 0 });
  const { c, clock } = h;
  const { ids, generation } = await stableGroup(h, 'g', 3);
  const [a, b, dead] = ids as [string, string, string];
  for (let t = 0; t < 9; t++) {
    clock.advance(1000);
    assert.is(hb(c, 'g', a, generation), 0);
    assert.is(hb(c, 'g', b, generation), 0);
  }
  assert.is(c.group('g')!.state, 'Stable', 'the silent member is within its 10 s session');
  clock.advance(1000);
  assert.is(c.group('g')!.state, 'PreparingRebalance');
  assert.not.ok(c.group('g')!.members.has(dead));
  assert.is(hb(c, 'g', a, generation), E.REBALANCE_IN_PROGRESS);
  assert.is(hb(c, 'g', dead, generation), E.UNKNOWN_MEMBER_ID);
  const ja = rejoin(c, 'g', a);
  const jb = rejoin(c, 'g', b);
  await flush();
  assert.is(ja.value.generationId, generation + 1, 'all remaining members rejoined: the join phase ends at once');
  assert.equal(ja.value.members.map((m) => m.memberId).sort(), [a, b].sort());
  assert.ok(jb.settled);
});

test('in a rebalance, a dynamic member that does not rejoin within the rebalance timeout is removed', async () => {
  const h = setup({ initialRebalanceDelayMs: 0 });
  const { c, clock } = h;
  const { ids, generation } = await stableGroup(h, 'g', 2, { rebalanceTimeoutMs: 20_000, sessionTimeoutMs: 60_000 });
  const [a, b] = ids as [string, string];
  const ja = rejoin(c, 'g', a, { rebalanceTimeoutMs: 20_000, sessionTimeoutMs: 60_000 }); // the leader rejoining forces a rebalance
  await flush();
  assert.is(c.group('g')!.state, 'PreparingRebalance');
  clock.advance(15_000);
  assert.is(hb(c, 'g', b, generation), E.REBALANCE_IN_PROGRESS, 'alive, but not rejoining');
  await flush();
  assert.not.ok(ja.settled);
  clock.advance(5_000);
  await flush();
  assert.is(ja.value.generationId, generation + 1);
  assert.equal(ja.value.members.map((m) => m.memberId), [a]);
  assert.not.ok(c.group('g')!.members.has(b));
});

test('a member that never sends SyncGroup within the rebalance timeout is removed and the group rebalances', async () => {
  const { c, clock } = setup({ initialRebalanceDelayMs: 0 });
  const a = await memberId(c, 'g');
  const b = await memberId(c, 'g');
  const ja = rejoin(c, 'g', a, { rebalanceTimeoutMs: 20_000 });
  rejoin(c, 'g', b, { rebalanceTimeoutMs: 20_000 });
  clock.advance(0);
  await flush();
  const gen = ja.value.generationId;
  const sa = sync(c, 'g', a, gen, [
    [a, 'A'],
    [b, 'B'],
  ]);
  await flush();
  assert.is(sa.value.errorCode, 0);
  for (let t = 0; t < 19; t++) {
    clock.advance(1000);
    hb(c, 'g', a, gen);
    hb(c, 'g', b, gen); // heartbeats alone do not replace the sync
  }
  assert.is(c.group('g')!.state, 'Stable');
  clock.advance(1000);
  assert.not.ok(c.group('g')!.members.has(b));
  assert.is(c.group('g')!.state, 'PreparingRebalance');
});

test('a pending member that never comes back is dropped after its session timeout and stops holding up the join', async () => {
  const h = setup({ initialRebalanceDelayMs: 0 });
  const { c, clock } = h;
  const { ids, generation } = await stableGroup(h, 'g', 1, { sessionTimeoutMs: 10_000 });
  const ghost = await memberId(c, 'g', { sessionTimeoutMs: 10_000 });
  assert.is(c.group('g')!.state, 'Stable', 'a pending member changes nothing yet');
  const j = rejoin(c, 'g', ids[0]!);
  await flush();
  assert.not.ok(j.settled, 'the join phase waits for the pending member');
  clock.advance(10_000);
  await flush();
  assert.is(j.value.generationId, generation + 1);
  assert.not.ok(c.group('g')!.pendingJoinMembers.has(ghost));
});

test('the leader rejoining a Stable group forces a rebalance; a follower with unchanged metadata gets the current generation', async () => {
  const h = setup({ initialRebalanceDelayMs: 0 });
  const { c } = h;
  const { ids, generation, leader } = await stableGroup(h, 'g', 2);
  const follower = ids.find((id) => id !== leader)!;
  const jf = rejoin(c, 'g', follower);
  await flush();
  assert.is(jf.value.errorCode, 0);
  assert.is(jf.value.generationId, generation);
  assert.is(c.group('g')!.state, 'Stable');
  // With new metadata it is a rebalance.
  rejoin(c, 'g', follower, { protocols: [{ name: 'range', metadata: subscription(['t', 'u']) }] });
  await flush();
  assert.is(c.group('g')!.state, 'PreparingRebalance');
  const h2 = setup({ initialRebalanceDelayMs: 0 });
  const s2 = await stableGroup(h2, 'g', 2);
  rejoin(h2.c, 'g', s2.leader);
  await flush();
  assert.is(h2.c.group('g')!.state, 'PreparingRebalance');
});

test('protocol selection: only protocols every member supports, chosen by the votes of member preferences', async () => {
  const { c, clock } = setup({ initialRebalanceDelayMs: 0 });
  const p = (...names: string[]) => names.map((name) => ({ name, metadata: Buffer.from(name) }));
  const votes = [p('sticky', 'range', 'rr'), p('range', 'sticky', 'rr'), p('range', 'rr'), p('rr', 'range', 'sticky')];
  const joins: Watched<JoinResult>[] = [];
  for (const protocols of votes) {
    const id = await memberId(c, 'g', { protocols });
    joins.push(rejoin(c, 'g', id, { protocols }));
  }
  clock.advance(0);
  await flush();
  // Common: range and rr (sticky is missing from the third). Votes: range ×3 (1st falls back to range), rr ×1.
  assert.is(joins[0]!.value.protocolName, 'range');
  assert.is(joins[0]!.value.members[0]!.metadata.toString(), 'range');
});

test('a member that lists one protocol name twice still completes the rebalance with it (regression: a timer threw)', async () => {
  const { c, clock } = setup({ initialRebalanceDelayMs: 0 });
  const twice = [
    { name: 'range', metadata: Buffer.from('first') },
    { name: 'range', metadata: Buffer.from('second') },
  ];
  const first = rejoin(c, 'g', await memberId(c, 'g', { protocols: twice }), { protocols: twice });
  const second = rejoin(c, 'g', await memberId(c, 'g'), {});
  clock.advance(0);
  await flush();
  assert.is(first.value.errorCode, 0);
  assert.is(first.value.protocolName, 'range', 'counted once per member, range is supported by both');
  assert.is(second.value.protocolName, 'range');
  assert.is(first.value.members.find((m) => m.memberId === first.value.memberId)!.metadata.toString(), 'first', "the member's first entry is its metadata");
});

test('a member whose protocols the group cannot use gets INCONSISTENT_GROUP_PROTOCOL', async () => {
  const h = setup({ initialRebalanceDelayMs: 0 });
  await stableGroup(h, 'g', 1);
  const other = await h.c.join(joinRequest('g', { protocols: [{ name: 'cooperative-sticky', metadata: Buffer.alloc(0) }] }));
  assert.is(other.errorCode, E.INCONSISTENT_GROUP_PROTOCOL);
  const connect = await h.c.join(joinRequest('g', { protocolType: 'connect' }));
  assert.is(connect.errorCode, E.INCONSISTENT_GROUP_PROTOCOL);
  const none = await h.c.join(joinRequest('new', { protocols: [] }));
  assert.is(none.errorCode, E.INCONSISTENT_GROUP_PROTOCOL, 'an empty group still needs a protocol');
});

test('session timeouts outside group.min/max.session.timeout.ms are INVALID_SESSION_TIMEOUT', async () => {
  const { c } = setup({ minSessionTimeoutMs: 6000, maxSessionTimeoutMs: 30_000 });
  assert.is((await c.join(joinRequest('g', { sessionTimeoutMs: 5999 }))).errorCode, E.INVALID_SESSION_TIMEOUT);
  assert.is((await c.join(joinRequest('g', { sessionTimeoutMs: 30_001 }))).errorCode, E.INVALID_SESSION_TIMEOUT);
  assert.is((await c.join(joinRequest('g', { sessionTimeoutMs: 30_000 }))).errorCode, E.MEMBER_ID_REQUIRED);
});

test('group.max.size: a newcomer beyond it gets GROUP_MAX_SIZE_REACHED', async () => {
  const h = setup({ initialRebalanceDelayMs: 0, maxSize: 2 });
  const { ids } = await stableGroup(h, 'g', 2);
  const r = await h.c.join(joinRequest('g'));
  assert.is(r.errorCode, E.GROUP_MAX_SIZE_REACHED, 'refused before a member id is even handed out');
  assert.is(r.memberId, '');
  assert.is(h.c.group('g')!.pendingJoinMembers.size, 0);
  // Members already in are still let in.
  const known = await h.c.join(joinRequest('g', { memberId: ids[1]! }));
  assert.is(known.errorCode, 0);
  assert.is(h.c.group('g')!.size, 2);
  assert.is(h.c.group('g')!.state, 'Stable');
});

test('JoinGroup answers UNKNOWN_MEMBER_ID for an id the group does not know, INVALID_GROUP_ID for an empty group id', async () => {
  const h = setup({ initialRebalanceDelayMs: 0 });
  assert.is((await h.c.join(joinRequest('nope', { memberId: 'x-1' }))).errorCode, E.UNKNOWN_MEMBER_ID);
  assert.not.ok(h.c.group('nope'), 'no group is created for a stale id');
  await stableGroup(h, 'g', 1);
  assert.is((await h.c.join(joinRequest('g', { memberId: 'x-1' }))).errorCode, E.UNKNOWN_MEMBER_ID);
  assert.is((await h.c.join(joinRequest('', {}))).errorCode, E.INVALID_GROUP_ID);
});

test('Heartbeat: ILLEGAL_GENERATION for another generation, UNKNOWN_MEMBER_ID for unknown members and groups, REBALANCE_IN_PROGRESS while preparing', async () => {
  const h = setup({ initialRebalanceDelayMs: 0 });
  const { c } = h;
  const { ids, generation, leader } = await stableGroup(h, 'g', 2);
  assert.is(hb(c, 'g', ids[0]!, generation), 0);
  assert.is(hb(c, 'g', ids[0]!, generation - 1), E.ILLEGAL_GENERATION);
  assert.is(hb(c, 'g', 'who', generation), E.UNKNOWN_MEMBER_ID);
  assert.is(hb(c, 'nope', ids[0]!, generation), E.UNKNOWN_MEMBER_ID);
  assert.is(hb(c, '', ids[0]!, generation), E.INVALID_GROUP_ID);
  rejoin(c, 'g', leader);
  await flush();
  const follower = ids.find((id) => id !== leader)!;
  assert.is(hb(c, 'g', follower, generation), E.REBALANCE_IN_PROGRESS);
});

test('SyncGroup: UNKNOWN_MEMBER_ID for unknown groups and members, ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS while preparing, INCONSISTENT_GROUP_PROTOCOL', async () => {
  const h = setup({ initialRebalanceDelayMs: 0 });
  const { c } = h;
  const { ids, generation, leader } = await stableGroup(h, 'g', 2);
  const s = async (over: Partial<Parameters<GroupCoordinator['sync']>[0]>) =>
    (await c.sync({ groupId: 'g', generationId: generation, memberId: ids[0]!, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [], ...over })).errorCode;
  assert.is(await s({ groupId: 'nope' }), E.UNKNOWN_MEMBER_ID);
  assert.is(await s({ memberId: 'who' }), E.UNKNOWN_MEMBER_ID);
  assert.is(await s({ generationId: generation + 1 }), E.ILLEGAL_GENERATION);
  assert.is(await s({ protocolName: 'roundrobin' }), E.INCONSISTENT_GROUP_PROTOCOL);
  assert.is(await s({ protocolType: 'connect' }), E.INCONSISTENT_GROUP_PROTOCOL);
  assert.is(await s({ protocolType: 'consumer', protocolName: 'range' }), 0);
  rejoin(c, 'g', leader);
  await flush();
  assert.is(await s({ memberId: ids.find((id) => id !== leader)! }), E.REBALANCE_IN_PROGRESS);
});

test('a new join during CompletingRebalance answers the parked syncs REBALANCE_IN_PROGRESS', async () => {
  const { c, clock } = setup({ initialRebalanceDelayMs: 0 });
  const a = await memberId(c, 'g');
  const b = await memberId(c, 'g');
  const ja = rejoin(c, 'g', a);
  rejoin(c, 'g', b);
  clock.advance(0);
  await flush();
  const leader = ja.value.leader;
  const follower = leader === a ? b : a;
  const sf = sync(c, 'g', follower, ja.value.generationId);
  await flush();
  const newcomer = await memberId(c, 'g');
  rejoin(c, 'g', newcomer);
  await flush();
  assert.is(c.group('g')!.state, 'PreparingRebalance');
  assert.is(sf.value.errorCode, E.REBALANCE_IN_PROGRESS);
});

test("a failed store of the leader's assignment answers its error and the group rebalances", async () => {
  const { c, clock, log } = setup({ initialRebalanceDelayMs: 0 });
  const a = await memberId(c, 'g');
  const ja = rejoin(c, 'g', a);
  clock.advance(0);
  await flush();
  log.failNext = E.NOT_LEADER_OR_FOLLOWER;
  const sa = sync(c, 'g', a, ja.value.generationId, [[a, 'A']]);
  await flush();
  assert.is(sa.value.errorCode, E.NOT_COORDINATOR);
  assert.is(c.group('g')!.state, 'PreparingRebalance');
});

test('a static member rejoining without its id takes a new id, keeps its assignment, and fences the old id, without a rebalance', async () => {
  const h = setup({ initialRebalanceDelayMs: 0 });
  const { c, log } = h;
  const { ids, generation } = await stableGroup(h, 'g', 2, { groupInstanceId: null });
  // A third member, static, joins and the group settles again.
  const sj = watch(c.join(joinRequest('g', { groupInstanceId: 'box-1' })));
  await flush();
  assert.ok(!sj.settled, 'static members skip MEMBER_ID_REQUIRED and join at once');
  const others = ids.map((id) => rejoin(c, 'g', id));
  await flush();
  assert.is(sj.value.errorCode, 0);
  const gen2 = sj.value.generationId;
  assert.is(gen2, generation + 1);
  const leader = others[0]!.value.leader || sj.value.leader;
  const staticId = sj.value.memberId;
  assert.match(staticId, /^box-1-/);
  const all = [...ids, staticId];
  const syncs = all.map((id) => sync(c, 'g', id, gen2, id === leader ? all.map((m) => [m, `to ${m}`]) : []));
  await flush();
  assert.ok(syncs.every((s) => s.value.errorCode === 0));
  const writes = log.records.length;

  // The instance restarts and rejoins with no member id and the same protocols.
  const back = await c.join(joinRequest('g', { groupInstanceId: 'box-1' }));
  assert.is(back.errorCode, 0);
  assert.is.not(back.memberId, staticId);
  assert.is(back.generationId, gen2);
  assert.is(c.group('g')!.state, 'Stable', 'no rebalance');
  assert.is(log.records.length, writes + 1, 'the group is stored with the new id');
  assert.ok(groupRecords(log, 'g').at(-1)!.members.some((m) => m.memberId === back.memberId && m.groupInstanceId === 'box-1'));
  const sBack = sync(c, 'g', back.memberId, gen2);
  await flush();
  assert.is(sBack.value.assignment.toString(), `to ${staticId}`, 'the assignment carried over');
  // The old id is fenced.
  assert.is(hb(c, 'g', staticId, gen2, 'box-1'), E.FENCED_INSTANCE_ID);
  assert.is(hb(c, 'g', back.memberId, gen2, 'box-1'), 0);
  assert.is((await c.join(joinRequest('g', { memberId: staticId, groupInstanceId: 'box-1' }))).errorCode, E.FENCED_INSTANCE_ID);
});

test('a static leader rejoining with JoinGroup v9 is told it leads but to skip the assignment; before v9 it is given the old leader id', async () => {
  const h = setup({ initialRebalanceDelayMs: 0 });
  const { c, clock } = h;
  const j = watch(c.join(joinRequest('g', { groupInstanceId: 'lead' })));
  clock.advance(0);
  await flush();
  const id = j.value.memberId;
  await c.sync({ groupId: 'g', generationId: j.value.generationId, memberId: id, groupInstanceId: 'lead', protocolType: null, protocolName: null, assignments: [{ memberId: id, assignment: Buffer.from('x') }] });
  const v9 = await c.join(joinRequest('g', { groupInstanceId: 'lead', supportsSkippingAssignment: true }));
  assert.is(v9.leader, v9.memberId);
  assert.ok(v9.skipAssignment);
  assert.is(v9.members.length, 1);
  const old = await c.join(joinRequest('g', { groupInstanceId: 'lead' }));
  assert.is(old.leader, v9.memberId, 'the previous leader id, not its own');
  assert.not.ok(old.skipAssignment);
  assert.is(c.group('g')!.state, 'Stable');
});

test('a static member rejoining with a different protocol choice rebalances; during CompletingRebalance it always does', async () => {
  const h = setup({ initialRebalanceDelayMs: 0 });
  const { c, clock } = h;
  const j = watch(c.join(joinRequest('g', { groupInstanceId: 's' })));
  clock.advance(0);
  await flush();
  assert.is(c.group('g')!.state, 'CompletingRebalance');
  const again = watch(c.join(joinRequest('g', { groupInstanceId: 's' })));
  await flush();
  assert.is(j.value.errorCode, 0);
  assert.is(c.group('g')!.state, 'CompletingRebalance', 'rebalanced at once: the only member rejoined');
  assert.is(again.value.generationId, j.value.generationId + 1);
  await c.sync({ groupId: 'g', generationId: again.value.generationId, memberId: again.value.memberId, groupInstanceId: 's', protocolType: null, protocolName: null, assignments: [] });
  assert.is(c.group('g')!.state, 'Stable');
  // Now preferring a protocol it also supported before: the selection changes, so it rebalances.
  const switched = watch(c.join(joinRequest('g', { groupInstanceId: 's', protocols: [{ name: 'rr', metadata: Buffer.alloc(0) }, { name: 'range', metadata: subscription(['t']) }] })));
  await flush();
  assert.is(switched.value.protocolName, 'rr');
  assert.is(switched.value.generationId, again.value.generationId + 1);
});

test('a static member that does not rejoin keeps its place through a rebalance; its session still removes it', async () => {
  const h = setup({ initialRebalanceDelayMs: 0 });
  const { c, clock } = h;
  const s = watch(c.join(joinRequest('g', { groupInstanceId: 's', sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 10_000 })));
  const d = await memberId(c, 'g', { sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 10_000 });
  const jd = rejoin(c, 'g', d, { sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 10_000 });
  clock.advance(0);
  await flush();
  const gen = s.value.generationId;
  await Promise.all([
    c.sync({ groupId: 'g', generationId: gen, memberId: s.value.memberId, groupInstanceId: 's', protocolType: null, protocolName: null, assignments: [] }),
    c.sync({ groupId: 'g', generationId: gen, memberId: d, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] }),
  ]);
  void jd;
  // The dynamic member rejoins with new metadata; the static one stays silent.
  const again = rejoin(c, 'g', d, { sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 10_000, protocols: [{ name: 'range', metadata: subscription(['x']) }] });
  clock.advance(10_000);
  await flush();
  assert.is(again.value.generationId, gen + 1);
  assert.ok(c.group('g')!.members.has(s.value.memberId), 'static member kept');
  assert.is(again.value.members.length, 2, 'and offered to the leader');
  hb(c, 'g', d, gen + 1);
  clock.advance(20_000);
  await flush();
  assert.not.ok(c.group('g')!.members.has(s.value.memberId), 'removed once its 30 s session ran out');
});

test('LeaveGroup removes the member and the rest rebalance; the last to leave leaves the group Empty, its new generation stored', async () => {
  const h = setup({ initialRebalanceDelayMs: 0 });
  const { c, log } = h;
  const { ids, generation } = await stableGroup(h, 'g', 2);
  const r = c.leave('g', [{ memberId: ids[0]!, groupInstanceId: null }]);
  assert.equal(r, { errorCode: 0, members: [{ memberId: ids[0]!, groupInstanceId: null, errorCode: 0 }] });
  assert.is(c.group('g')!.state, 'PreparingRebalance');
  const j = rejoin(c, 'g', ids[1]!);
  await flush();
  assert.is(j.value.generationId, generation + 1);
  assert.is(j.value.leader, ids[1]);
  c.leave('g', [{ memberId: ids[1]!, groupInstanceId: null }]);
  await flush();
  const g = c.group('g')!;
  assert.is(g.state, 'Empty');
  assert.is(g.generationId, generation + 2);
  const last = groupRecords(log, 'g').at(-1)!;
  assert.equal([last.generation, last.protocol, last.leader, last.members.length], [generation + 2, null, null, 0]);
  assert.is(c.pendingDeadlines, 1, 'an empty group holds no timers (only the retention check is queued)');
});

test('LeaveGroup by instance id alone removes a static member; unknown members get UNKNOWN_MEMBER_ID each', async () => {
  const h = setup({ initialRebalanceDelayMs: 0 });
  const { c, clock } = h;
  const s = watch(c.join(joinRequest('g', { groupInstanceId: 'inst' })));
  clock.advance(0);
  await flush();
  const r = c.leave('g', [
    { memberId: '', groupInstanceId: 'inst' },
    { memberId: 'ghost', groupInstanceId: null },
    { memberId: '', groupInstanceId: 'nobody' },
    { memberId: 'wrong-id', groupInstanceId: 'inst' },
  ]);
  assert.equal(
    r.members.map((m) => m.errorCode),
    [0, E.UNKNOWN_MEMBER_ID, E.UNKNOWN_MEMBER_ID, E.UNKNOWN_MEMBER_ID],
  );
  assert.is(c.group('g')!.size, 0);
  void s;
  assert.is(c.leave('nope', [{ memberId: 'x', groupInstanceId: null }]).errorCode, E.UNKNOWN_MEMBER_ID);
});

test('a member removed while its JoinGroup is parked gets UNKNOWN_MEMBER_ID', async () => {
  const { c, clock } = setup({ initialRebalanceDelayMs: 0, newMemberJoinTimeoutMs: 300_000 });
  const a = await memberId(c, 'g', { rebalanceTimeoutMs: 600_000 });
  const ja = rejoin(c, 'g', a, { rebalanceTimeoutMs: 600_000 });
  clock.advance(0);
  await flush();
  const gen = ja.value.generationId;
  await c.sync({ groupId: 'g', generationId: gen, memberId: a, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
  // A newcomer joins; the rebalance waits for the old member (600 s), but the newcomer's
  // new-member timeout (300 s) comes first.
  const b = await memberId(c, 'g', { rebalanceTimeoutMs: 600_000 });
  const jb = rejoin(c, 'g', b, { rebalanceTimeoutMs: 600_000 });
  for (let t = 0; t < 300; t += 5) {
    clock.advance(5_000);
    hb(c, 'g', a, gen);
  }
  await flush();
  assert.is(jb.value.errorCode, E.UNKNOWN_MEMBER_ID);
  assert.not.ok(c.group('g')!.members.has(b));
});

test('every state transition Kafka allows, and no other', () => {
  const allowed: Record<string, string[]> = {
    Empty: ['PreparingRebalance', 'Dead'],
    PreparingRebalance: ['Empty', 'CompletingRebalance', 'Dead'],
    CompletingRebalance: ['PreparingRebalance', 'Stable', 'Dead'],
    Stable: ['PreparingRebalance', 'Dead'],
    Dead: ['Dead'],
  };
  const states = ['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead'] as const;
  for (const from of states) {
    for (const to of states) {
      const g = new ClassicGroup('g', from, 0, () => {}, () => {});
      const ok = allowed[from]!.includes(to);
      if (ok) {
        g.transitionTo(to, 5);
        assert.is(g.state, to);
        assert.is(g.previousState, from);
        assert.is(g.currentStateTimestampMs, 5);
      } else assert.throws(() => g.transitionTo(to, 5), /illegal transition/, `${from} → ${to}`);
    }
  }
});

test('DescribeGroups shows metadata and assignments only when Stable; an unknown group is Dead', async () => {
  const h = setup({ initialRebalanceDelayMs: 0 });
  const { c } = h;
  const { ids, leader } = await stableGroup(h, 'g', 2);
  const [d, unknown] = c.describeGroups(['g', 'nope']);
  assert.is(d!.groupState, 'Stable');
  assert.is(d!.protocolType, 'consumer');
  assert.is(d!.protocolData, 'range');
  assert.equal(d!.members.map((m) => m.memberAssignment.toString()).sort(), ids.map((id) => `for ${id}`).sort());
  assert.equal(d!.members[0]!.memberMetadata, subscription(['t']));
  assert.equal(unknown, { errorCode: 0, groupId: 'nope', groupState: 'Dead', protocolType: '', protocolData: '', members: [] });
  rejoin(c, 'g', leader);
  await flush();
  const [p] = c.describeGroups(['g']);
  assert.is(p!.groupState, 'PreparingRebalance');
  assert.is(p!.protocolData, '');
  assert.ok(p!.members.every((m) => m.memberMetadata.length === 0 && m.memberAssignment.length === 0));
});

test('ListGroups lists every group, filtered by state and type case-insensitively', async () => {
  const h = setup({ initialRebalanceDelayMs: 0 });
  const { c } = h;
  await stableGroup(h, 'busy', 1);
  await c.commitOffsets({ groupId: 'simple', generationId: -1, memberId: '', groupInstanceId: null, version: 8, topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: null, commitTimestamp: -1 }] }] });
  const all = c.listGroups([], []);
  assert.equal(
    all.map((g) => [g.groupId, g.groupState, g.protocolType, g.groupType]).sort(),
    [
      ['busy', 'Stable', 'consumer', 'classic'],
      ['simple', 'Empty', '', 'classic'],
    ],
  );
  assert.equal(c.listGroups(['stable'], []).map((g) => g.groupId), ['busy']);
  assert.equal(c.listGroups(['Empty', 'Dead'], []).map((g) => g.groupId), ['simple']);
  assert.is(c.listGroups([], ['Classic']).length, 2);
  assert.is(c.listGroups([], ['consumer']).length, 0);
});

test('DeleteGroups deletes an Empty group with tombstones for it and its offsets; NON_EMPTY_GROUP and GROUP_ID_NOT_FOUND otherwise', async () => {
  const h = setup({ initialRebalanceDelayMs: 0 });
  const { c, log } = h;
  await stableGroup(h, 'busy', 1);
  await c.commitOffsets({ groupId: 'idle', generationId: -1, memberId: '', groupInstanceId: null, version: 8, topics: [{ name: 't', partitions: [0, 1].map((p) => ({ partitionIndex: p, committedOffset: 5, committedLeaderEpoch: -1, committedMetadata: '', commitTimestamp: -1 })) }] });
  const before = log.records.length;
  const r = await c.deleteGroups(['busy', 'idle', 'nope']);
  assert.equal(r, [
    { groupId: 'busy', errorCode: E.NON_EMPTY_GROUP },
    { groupId: 'idle', errorCode: 0 },
    { groupId: 'nope', errorCode: E.GROUP_ID_NOT_FOUND },
  ]);
  assert.not.ok(c.group('idle'));
  const written = log.records.slice(before);
  assert.is(written.length, 3);
  assert.ok(written.every((w) => w.value === null && w.partition === c.partitionFor('idle')));
  assert.equal(written.map((w) => decodeKey(w.key).type), ['offset', 'offset', 'group']);
  assert.is(c.fetchOffsets('idle', null).topics.length, 0);
});

test('shutdown answers parked joins and syncs NOT_COORDINATOR and drops every timer', async () => {
  const h = setup({ initialRebalanceDelayMs: 0 });
  const { c, clock } = h;
  const id = await memberId(c, 'g');
  const j = rejoin(c, 'g', id);
  c.shutdown();
  await flush();
  assert.is(j.value.errorCode, E.NOT_COORDINATOR);
  assert.is(c.pendingDeadlines, 0);
  assert.is((clock as ManualScheduler).armed, 0);
  assert.is((await c.join(joinRequest('g'))).errorCode, E.NOT_COORDINATOR);
});

test.run();
