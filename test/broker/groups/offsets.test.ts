/**
 * Committed offsets in the coordinator: who may commit, what is written to __consumer_offsets,
 * OffsetFetch, OffsetDelete's rule, retention, and rebuilding groups and offsets by replaying
 * the log after a restart.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type CommitRequest, GroupCoordinator } from '../../../src/broker/groups/coordinator.js';
import { decodeKey, decodeOffsetCommitValue } from '../../../src/broker/groups/records.js';
import { ErrorCode as E } from '../../../src/protocol/errors.js';
import { CONFIG, flush, joinRequest, ManualScheduler, MemoryLog, setup, subscription, watch } from './helpers.js';

type Harness = ReturnType<typeof setup>;

function commit(groupId: string, over: Partial<CommitRequest> = {}, partitions: [string, number, number][] = [['t', 0, 10]]): CommitRequest {
  const topics = new Map<string, CommitRequest['topics'][number]>();
  for (const [name, partitionIndex, committedOffset] of partitions) {
    if (!topics.has(name)) topics.set(name, { name, partitions: [] });
    topics.get(name)!.partitions.push({ partitionIndex, committedOffset, committedLeaderEpoch: 3, committedMetadata: `m${committedOffset}`, commitTimestamp: -1 });
  }
  return { groupId, generationId: -1, memberId: '', groupInstanceId: null, version: 8, topics: [...topics.values()], ...over };
}

/** One member joined and synced: a Stable consumer group subscribed to `topics`. */
async function member(h: Harness, groupId: string, topics = ['t']) {
  const { c, clock } = h;
  const protocols = [{ name: 'range', metadata: subscription(topics) }];
  const first = await c.join(joinRequest(groupId, { protocols }));
  const j = watch(c.join(joinRequest(groupId, { memberId: first.memberId, protocols })));
  clock.advance(c.config.initialRebalanceDelayMs);
  await flush();
  const { memberId, generationId } = j.value;
  await c.sync({ groupId, generationId, memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId, assignment: Buffer.from('a') }] });
  return { memberId, generationId };
}

/** Moves time on in 5 s steps with the member heartbeating, so its 10 s session holds. */
function keepAlive(h: Harness, groupId: string, m: { memberId: string; generationId: number }, ms: number): void {
  for (let left = ms; left > 0; left -= 5000) {
    h.clock.advance(Math.min(5000, left));
    assert.is(h.c.heartbeat({ groupId, generationId: m.generationId, memberId: m.memberId, groupInstanceId: null }), 0);
  }
}

const fetched = (c: GroupCoordinator, groupId: string, topic = 't', partitions = [0]) =>
  c.fetchOffsets(groupId, [{ name: topic, partitionIndexes: partitions }]).topics[0]!.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.committedLeaderEpoch, p.metadata]);

test('a member commits with its id and generation; the record is Kafka’s OffsetCommitKey/Value in the group’s partition', async () => {
  const h = setup({ initialRebalanceDelayMs: 0 });
  const { c, log, clock } = h;
  const m = await member(h, 'g');
  const before = log.records.length;
  const codes = await c.commitOffsets(commit('g', { generationId: m.generationId, memberId: m.memberId }, [['t', 0, 10], ['t', 1, 20]]));
  assert.equal(codes, [[0, 0]]);
  const written = log.records.slice(before);
  assert.is(written.length, 2);
  assert.ok(written.every((w) => w.partition === c.partitionFor('g')));
  assert.equal(decodeKey(written[1]!.key), { type: 'offset', key: { group: 'g', topic: 't', partition: 1 } });
  assert.equal(decodeOffsetCommitValue(written[1]!.value!), { offset: 20, leaderEpoch: 3, metadata: 'm20', commitTimestamp: clock.now(), expireTimestamp: -1 });
  assert.equal(fetched(c, 'g', 't', [0, 1, 2]), [
    [0, 10, 3, 'm10'],
    [1, 20, 3, 'm20'],
    [2, -1, -1, ''],
  ]);
});

test('a commit from a stale generation, an unknown member or a fenced instance is refused; during CompletingRebalance it is REBALANCE_IN_PROGRESS', async () => {
  const h = setup({ initialRebalanceDelayMs: 0 });
  const { c, clock } = h;
  const m = await member(h, 'g');
  assert.equal(await c.commitOffsets(commit('g', { generationId: m.generationId - 1, memberId: m.memberId })), [[E.ILLEGAL_GENERATION]]);
  assert.equal(await c.commitOffsets(commit('g', { generationId: m.generationId, memberId: 'who' })), [[E.UNKNOWN_MEMBER_ID]]);
  assert.equal(await c.commitOffsets(commit('g', { generationId: m.generationId, memberId: m.memberId, groupInstanceId: 'nope' })), [[E.UNKNOWN_MEMBER_ID]]);
  assert.equal(await c.commitOffsets(commit('g')), [[E.UNKNOWN_MEMBER_ID]], 'no generation, no member id, group has members');
  // The member rejoins: a new generation, awaiting its assignment.
  const j = watch(c.join(joinRequest('g', { memberId: m.memberId })));
  clock.advance(0);
  await flush();
  assert.is(c.group('g')!.state, 'CompletingRebalance');
  assert.equal(await c.commitOffsets(commit('g', { generationId: j.value.generationId, memberId: m.memberId })), [[E.REBALANCE_IN_PROGRESS]]);
});

test('generation -1 with no member id commits for a group that does not exist (a simple group) or an Empty one', async () => {
  const h = setup({ initialRebalanceDelayMs: 0 });
  const { c } = h;
  assert.equal(await c.commitOffsets(commit('standalone')), [[0]]);
  const g = c.group('standalone')!;
  assert.is(g.state, 'Empty');
  assert.is(g.protocolType, null);
  assert.equal(fetched(c, 'standalone'), [[0, 10, 3, 'm10']]);
  // An Empty group that once had members takes them too.
  const m = await member(h, 'was-busy');
  c.leave('was-busy', [{ memberId: m.memberId, groupInstanceId: null }]);
  await flush();
  assert.is(c.group('was-busy')!.state, 'Empty');
  assert.equal(await c.commitOffsets(commit('was-busy')), [[0]]);
});

test('a commit with a generation for a group that does not exist: ILLEGAL_GENERATION, GROUP_ID_NOT_FOUND from v9', async () => {
  const { c } = setup();
  assert.equal(await c.commitOffsets(commit('ghost', { generationId: 4, memberId: 'm', version: 8 })), [[E.ILLEGAL_GENERATION]]);
  assert.equal(await c.commitOffsets(commit('ghost', { generationId: 4, memberId: 'm', version: 9 })), [[E.GROUP_ID_NOT_FOUND]]);
  assert.not.ok(c.group('ghost'));
});

test('per partition: OFFSET_METADATA_TOO_LARGE beyond offset.metadata.max.bytes, UNKNOWN_TOPIC_OR_PARTITION for a missing one; the rest commit', async () => {
  const { c } = setup({ offsetMetadataMaxBytes: 5 });
  const req = commit('g', {}, [['t', 0, 1], ['t', 1, 123456], ['missing-topic', 0, 1]]);
  const codes = await c.commitOffsets(req);
  assert.equal(codes, [[0, E.OFFSET_METADATA_TOO_LARGE], [E.UNKNOWN_TOPIC_OR_PARTITION]]);
  assert.equal(fetched(c, 'g', 't', [0, 1]), [
    [0, 1, 3, 'm1'],
    [1, -1, -1, ''],
  ]);
});

test('a failed append answers the commit with the mapped error and commits nothing', async () => {
  const { c, log } = setup();
  log.failNext = E.MESSAGE_TOO_LARGE;
  assert.equal(await c.commitOffsets(commit('g')), [[E.INVALID_COMMIT_OFFSET_SIZE]]);
  log.failNext = E.KAFKA_STORAGE_ERROR;
  assert.equal(await c.commitOffsets(commit('g')), [[E.NOT_COORDINATOR]]);
  assert.equal(fetched(c, 'g'), [[0, -1, -1, '']]);
});

test('OffsetFetch with null topics answers every committed partition; an unknown group answers -1 for what is asked', async () => {
  const { c } = setup();
  await c.commitOffsets(commit('g', {}, [['b', 1, 7], ['a', 2, 5], ['a', 0, 3]]));
  const all = c.fetchOffsets('g', null);
  assert.is(all.errorCode, 0);
  assert.equal(
    all.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.committedOffset])]).sort(),
    [
      ['a', [[0, 3], [2, 5]]],
      ['b', [[1, 7]]],
    ],
  );
  assert.equal(c.fetchOffsets('nope', null), { errorCode: 0, topics: [] });
  assert.equal(fetched(c, 'nope', 'a', [0, 1]), [
    [0, -1, -1, ''],
    [1, -1, -1, ''],
  ]);
});

test('OffsetDelete: an Empty group loses the offsets (tombstones) and, with none left, the group itself', async () => {
  const { c, log } = setup();
  await c.commitOffsets(commit('g', {}, [['t', 0, 1], ['t', 1, 2]]));
  const before = log.records.length;
  const r1 = await c.deleteOffsets('g', [{ name: 't', partitions: [0, 5] }]);
  assert.equal(r1, { errorCode: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 5, errorCode: 0 }] }] });
  assert.equal(log.records.slice(before).map((r) => [decodeKey(r.key).type, r.value]), [['offset', null]], 'a tombstone only for the offset that existed');
  assert.ok(c.group('g'));
  await c.deleteOffsets('g', [{ name: 't', partitions: [1] }]);
  assert.not.ok(c.group('g'), 'Empty with no offsets: removed');
  assert.equal(log.records.slice(-2).map((r) => [decodeKey(r.key).type, r.value]), [['offset', null], ['group', null]]);
  assert.is((await c.deleteOffsets('g', [{ name: 't', partitions: [1] }])).errorCode, E.GROUP_ID_NOT_FOUND);
  assert.equal((await c.deleteOffsets('g2', [{ name: 'missing-x', partitions: [0] }])).errorCode, E.GROUP_ID_NOT_FOUND);
});

test('OffsetDelete on a consumer group with members: GROUP_SUBSCRIBED_TO_TOPIC for subscribed topics, deleted for others', async () => {
  const h = setup({ initialRebalanceDelayMs: 0 });
  const { c } = h;
  const m = await member(h, 'g', ['t']);
  await c.commitOffsets(commit('g', { generationId: m.generationId, memberId: m.memberId }, [['t', 0, 1], ['old', 0, 2], ['missing-t', 0, 3]]));
  const r = await c.deleteOffsets('g', [
    { name: 't', partitions: [0] },
    { name: 'old', partitions: [0] },
    { name: 'missing-t', partitions: [0] },
  ]);
  assert.equal(
    r.topics.map((t) => [t.name, t.partitions[0]!.errorCode]),
    [
      ['t', E.GROUP_SUBSCRIBED_TO_TOPIC],
      ['old', 0],
      ['missing-t', E.UNKNOWN_TOPIC_OR_PARTITION],
    ],
  );
  assert.equal(fetched(c, 'g', 'old'), [[0, -1, -1, '']]);
  assert.equal(fetched(c, 'g', 't'), [[0, 1, 3, 'm1']]);
});

test('OffsetDelete on a non-consumer group with members is NON_EMPTY_GROUP', async () => {
  const { c, clock } = setup({ initialRebalanceDelayMs: 0 });
  const first = await c.join(joinRequest('conn', { protocolType: 'connect' }));
  watch(c.join(joinRequest('conn', { memberId: first.memberId, protocolType: 'connect' })));
  clock.advance(0);
  await flush();
  assert.is((await c.deleteOffsets('conn', [{ name: 't', partitions: [0] }])).errorCode, E.NON_EMPTY_GROUP);
});

test("offsets of an Empty group expire offsets.retention after the group became Empty, with tombstones; the group goes too", async () => {
  const h = setup({ initialRebalanceDelayMs: 0, offsetsRetentionMs: 60 * 60_000, offsetsRetentionCheckIntervalMs: 10 * 60_000 });
  const { c, clock, log } = h;
  const m = await member(h, 'g');
  await c.commitOffsets(commit('g', { generationId: m.generationId, memberId: m.memberId }));
  keepAlive(h, 'g', m, 2 * 60 * 60_000); // long past retention, but the group has a member
  assert.equal(fetched(c, 'g'), [[0, 10, 3, 'm10']], 'kept while the member is there and subscribed');
  c.leave('g', [{ memberId: m.memberId, groupInstanceId: null }]);
  await flush();
  assert.is(c.group('g')!.state, 'Empty');
  clock.advance(50 * 60_000);
  assert.ok(c.group('g'), 'not yet an hour since the group became Empty');
  clock.advance(20 * 60_000);
  await flush();
  assert.not.ok(c.group('g'));
  assert.equal(log.records.slice(-2).map((r) => [decodeKey(r.key).type, r.value]), [['offset', null], ['group', null]]);
});

test("a standalone consumer's offsets expire by their commit time; a Stable consumer group's only for topics it no longer subscribes to", async () => {
  const h = setup({ initialRebalanceDelayMs: 0, offsetsRetentionMs: 60 * 60_000, offsetsRetentionCheckIntervalMs: 60_000 });
  const { c, clock } = h;
  await c.commitOffsets(commit('simple', {}, [['t', 0, 1]]));
  clock.advance(30 * 60_000);
  await c.commitOffsets(commit('simple', {}, [['t', 1, 2]]));
  const m = await member(h, 'busy', ['t']);
  await c.commitOffsets(commit('busy', { generationId: m.generationId, memberId: m.memberId }, [['t', 0, 1], ['gone', 0, 2]]));
  keepAlive(h, 'busy', m, 31 * 60_000);
  await flush();
  assert.equal(fetched(c, 'simple', 't', [0, 1]), [
    [0, -1, -1, ''],
    [1, 2, 3, 'm2'],
  ]);
  keepAlive(h, 'busy', m, 31 * 60_000);
  assert.equal(fetched(c, 'busy', 't'), [[0, 1, 3, 'm1']]);
  assert.equal(fetched(c, 'busy', 'gone'), [[0, -1, -1, '']]);
});

test('replaying the log rebuilds offsets and groups: generation, protocol, leader, members and assignments, Stable', async () => {
  const h = setup({ initialRebalanceDelayMs: 0 });
  const { c, log } = h;
  const m = await member(h, 'g');
  await c.commitOffsets(commit('g', { generationId: m.generationId, memberId: m.memberId }, [['t', 0, 10], ['t', 1, 11]]));
  await c.commitOffsets(commit('g', { generationId: m.generationId, memberId: m.memberId }, [['t', 0, 15]]));
  await c.commitOffsets(commit('simple', {}, [['u', 0, 1]]));
  await c.commitOffsets(commit('deleted', {}, [['u', 0, 1]]));
  await c.deleteGroups(['deleted']);

  const clock = new ManualScheduler();
  const again = new GroupCoordinator({ ...CONFIG, initialRebalanceDelayMs: 0 }, log, { scheduler: clock });
  for (const r of log.records) again.replay(r.key, r.value);
  again.replay(Buffer.from([0, 9, 1, 2]), Buffer.from([1])); // some other record type: skipped
  again.finishLoading();
  assert.equal(fetched(again, 'g', 't', [0, 1]), [
    [0, 15, 3, 'm15'],
    [1, 11, 3, 'm11'],
  ]);
  assert.equal(fetched(again, 'simple', 'u'), [[0, 1, 3, 'm1']]);
  assert.not.ok(again.group('deleted'));
  const g = again.group('g')!;
  assert.is(g.state, 'Stable');
  assert.is(g.generationId, m.generationId);
  assert.is(g.protocolName, 'range');
  assert.is(g.leaderId, m.memberId);
  assert.is(g.members.get(m.memberId)!.assignment.toString(), 'a');
  assert.equal([...g.subscribedTopics!], ['t']);

  // The member carries on where it was: heartbeats and syncs of its generation still work.
  assert.is(again.heartbeat({ groupId: 'g', generationId: m.generationId, memberId: m.memberId, groupInstanceId: null }), 0);
  const s = await again.sync({ groupId: 'g', generationId: m.generationId, memberId: m.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
  assert.is(s.assignment.toString(), 'a');
});

test('a restored member that never comes back is removed after its session; the group then stores an Empty generation', async () => {
  const h = setup({ initialRebalanceDelayMs: 0 });
  const m = await member(h, 'g');
  const clock = new ManualScheduler();
  const again = new GroupCoordinator({ ...CONFIG, initialRebalanceDelayMs: 0 }, h.log, { scheduler: clock });
  for (const r of h.log.records) again.replay(r.key, r.value);
  again.finishLoading();
  clock.advance(9_999);
  assert.is(again.group('g')!.state, 'Stable');
  clock.advance(1);
  await flush();
  const g = again.group('g')!;
  assert.is(g.state, 'Empty');
  assert.is(g.generationId, m.generationId + 1);
  assert.is(again.pendingDeadlines, 1, 'only the retention check');
});

test.run();
