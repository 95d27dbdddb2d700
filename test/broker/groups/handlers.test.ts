/**
 * The group and offset APIs on the wire, every declared version, through the project's own
 * codec on one connection: FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
 * DescribeGroups, ListGroups, DeleteGroups, OffsetCommit, OffsetFetch, OffsetDelete. Then
 * __consumer_offsets itself: created compacted at start, holding Kafka's records, and loaded
 * again after a restart (logs inline, a small load buffer so a partition takes many reads).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OFFSETS_TOPIC, coordinatorOf } from '../../../src/broker/groups/offsets-topic.js';
import { decodeGroupMetadataValue, decodeKey, decodeOffsetCommitValue, partitionForGroup } from '../../../src/broker/groups/records.js';
import { ErrorCode as E } from '../../../src/protocol/errors.js';
import {
  DeleteGroups,
  DescribeGroups,
  Fetch,
  FindCoordinator,
  Heartbeat,
  JoinGroup,
  LeaveGroup,
  ListGroups,
  OffsetCommit,
  OffsetDelete,
  OffsetFetch,
  SyncGroup,
} from '../../../src/protocol/messages/index.js';
import { batchPositions, decodeBatchDecompressing } from '../../../src/protocol/records/batch.js';
import type { RunningBroker } from '../../../src/broker/server.js';
import { broker, dataDir } from '../../interop/helpers.js';
import { CLIENT_ID, RawClient } from '../../helpers/raw-client.js';
import { subscription } from './helpers.js';

const PARTITIONS = 5;
const CONFIG = { 'group.initial.rebalance.delay.ms': 0, 'offsets.topic.num.partitions': PARTITIONS, 'offsets.load.buffer.size': 300, 'num.partitions': 4 };
const data = dataDir();
let b: RunningBroker = await broker(data.dir, 0, CONFIG);
let c = await RawClient.connect(b.bootstrap);
await b.broker.createTopic('t', 4, {});

const protocols = [{ name: 'range', metadata: subscription(['t']) }];

/** Joins a one-member group at this JoinGroup version and syncs it (SyncGroup v3): its member id and generation. */
async function oneMemberGroup(groupId: string, version = 5): Promise<{ memberId: string; generationId: number }> {
  const body = { groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols, reason: null };
  let r = await c.request(JoinGroup, version, body);
  if (r.errorCode === E.MEMBER_ID_REQUIRED) r = await c.request(JoinGroup, version, { ...body, memberId: r.memberId });
  assert.is(r.errorCode, 0, `JoinGroup v${version}`);
  const s = await c.request(SyncGroup, 3, { groupId, generationId: r.generationId, memberId: r.memberId, groupInstanceId: null, assignments: [{ memberId: r.memberId, assignment: Buffer.from('mine') }] });
  assert.is(s.errorCode, 0);
  return { memberId: r.memberId, generationId: r.generationId };
}

test('FindCoordinator v0-6 names this node for groups and transactional ids; other key types are INVALID_REQUEST', async () => {
  for (let v = 0; v <= 6; v++) {
    const r = await c.request(FindCoordinator, v, { key: 'g', keyType: 0, coordinatorKeys: ['g', 'h'] });
    const found = v < 4 ? [r] : r.coordinators;
    assert.is(found.length, v < 4 ? 1 : 2);
    for (const f of found) assert.equal([f.errorCode, f.nodeId, f.host, f.port], [0, b.broker.nodeId, '127.0.0.1', b.port], `v${v}`);
  }
  assert.is((await c.request(FindCoordinator, 2, { key: 'tx', keyType: 1 })).errorCode, 0);
  assert.is((await c.request(FindCoordinator, 2, { key: 'x', keyType: 2 })).errorCode, E.INVALID_REQUEST);
  assert.is((await c.request(FindCoordinator, 6, { keyType: 2, coordinatorKeys: ['x'] })).coordinators[0].errorCode, E.INVALID_REQUEST);
});

test('JoinGroup v0-9: a member id is required first from v4 (without an instance id); the protocol name is nullable from v7', async () => {
  for (let v = 0; v <= 9; v++) {
    const groupId = `join-v${v}`;
    const body = { groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols, reason: 'test' };
    const first = await c.request(JoinGroup, v, body);
    if (v >= 4) {
      assert.is(first.errorCode, E.MEMBER_ID_REQUIRED, `v${v}`);
      assert.is(first.protocolName, v >= 7 ? null : '');
      const second = await c.request(JoinGroup, v, { ...body, memberId: first.memberId });
      assert.is(second.errorCode, 0, `v${v} second`);
      assert.is(second.memberId, first.memberId);
    } else {
      assert.is(first.errorCode, 0, `v${v} joins at once`);
      assert.is(first.protocolName, 'range');
      assert.is(first.members.length, 1);
      assert.is(first.members[0].metadata.toString('hex'), protocols[0]!.metadata.toString('hex'));
    }
  }
  // v5+: a static member joins at once, no member id round.
  const stat = await c.request(JoinGroup, 5, { groupId: 'join-static', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: 'box', protocolType: 'consumer', protocols });
  assert.is(stat.errorCode, 0);
  assert.match(stat.memberId, /^box-/);
  assert.is(stat.members[0].groupInstanceId, 'box');
  assert.is((await c.request(JoinGroup, 4, { groupId: 'x', sessionTimeoutMs: 100, rebalanceTimeoutMs: 100, memberId: '', protocolType: 'consumer', protocols })).errorCode, E.INVALID_SESSION_TIMEOUT);
});

test('SyncGroup v0-5 hands the assignment back; v5 requires the protocol type and name', async () => {
  for (let v = 0; v <= 5; v++) {
    const groupId = `sync-v${v}`;
    const j1 = await c.request(JoinGroup, 4, { groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', protocolType: 'consumer', protocols });
    const j = await c.request(JoinGroup, 4, { groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: j1.memberId, protocolType: 'consumer', protocols });
    const body = { groupId, generationId: j.generationId, memberId: j.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: j.memberId, assignment: Buffer.from([1, 2, 3]) }] };
    if (v === 5) assert.is((await c.request(SyncGroup, 5, { ...body, protocolName: null })).errorCode, E.INCONSISTENT_GROUP_PROTOCOL);
    const s = await c.request(SyncGroup, v, body);
    assert.is(s.errorCode, 0, `v${v}`);
    assert.equal([...s.assignment], [1, 2, 3]);
    if (v === 5) assert.equal([s.protocolType, s.protocolName], ['consumer', 'range']);
  }
});

test('Heartbeat v0-4 and LeaveGroup v0-5: one error before v3, a batch of members with their errors from v3', async () => {
  for (let v = 0; v <= 4; v++) {
    const m = await oneMemberGroup(`hb-v${v}`);
    assert.is((await c.request(Heartbeat, v, { groupId: `hb-v${v}`, generationId: m.generationId, memberId: m.memberId, groupInstanceId: null })).errorCode, 0);
    assert.is((await c.request(Heartbeat, v, { groupId: `hb-v${v}`, generationId: m.generationId + 1, memberId: m.memberId, groupInstanceId: null })).errorCode, E.ILLEGAL_GENERATION);
    assert.is((await c.request(Heartbeat, v, { groupId: 'nope', generationId: 1, memberId: 'x', groupInstanceId: null })).errorCode, E.UNKNOWN_MEMBER_ID);
  }
  for (let v = 0; v <= 5; v++) {
    const groupId = `leave-v${v}`;
    const m = await oneMemberGroup(groupId);
    if (v < 3) {
      assert.is((await c.request(LeaveGroup, v, { groupId, memberId: 'stranger' })).errorCode, E.UNKNOWN_MEMBER_ID);
      assert.is((await c.request(LeaveGroup, v, { groupId, memberId: m.memberId })).errorCode, 0);
    } else {
      const r = await c.request(LeaveGroup, v, { groupId, members: [{ memberId: m.memberId, groupInstanceId: null, reason: 'bye' }, { memberId: 'stranger', groupInstanceId: null, reason: null }] });
      assert.is(r.errorCode, 0);
      assert.equal(r.members.map((x: any) => x.errorCode), [0, E.UNKNOWN_MEMBER_ID]);
    }
    assert.is(coordinatorOf(b.broker)!.group(groupId)!.state, 'Empty', `v${v}`);
  }
});

test('DescribeGroups v0-5 and ListGroups v0-5 (state filter from v4, type filter from v5)', async () => {
  const m = await oneMemberGroup('described');
  for (let v = 0; v <= 5; v++) {
    const r = await c.request(DescribeGroups, v, { groups: ['described', 'nobody'], includeAuthorizedOperations: true });
    const [d, none] = r.groups;
    assert.equal([d.errorCode, d.groupState, d.protocolType, d.protocolData], [0, 'Stable', 'consumer', 'range'], `v${v}`);
    assert.is(d.members[0].memberId, m.memberId);
    assert.is(d.members[0].clientId, CLIENT_ID);
    assert.is(d.members[0].clientHost, '/127.0.0.1');
    assert.is(d.members[0].memberAssignment.toString(), 'mine');
    assert.is(none.groupState, 'Dead');
    if (v >= 3) assert.is(d.authorizedOperations, (1 << 3) | (1 << 6) | (1 << 8));
  }
  for (let v = 0; v <= 5; v++) {
    const r = await c.request(ListGroups, v, { statesFilter: ['Stable'], typesFilter: ['classic'] });
    assert.is(r.errorCode, 0);
    const listed = r.groups.find((g: any) => g.groupId === 'described');
    assert.ok(listed, `v${v}`);
    assert.is(listed.protocolType, 'consumer');
    if (v >= 4) {
      assert.ok(r.groups.every((g: any) => g.groupState === 'Stable'), `v${v} filtered by state`);
      assert.is(listed.groupState, 'Stable');
    } else assert.ok(r.groups.some((g: any) => g.groupId === 'leave-v0'), `v${v} unfiltered`);
    if (v >= 5) assert.is(listed.groupType, 'classic');
  }
  assert.is((await c.request(ListGroups, 5, { statesFilter: [], typesFilter: ['consumer'] })).groups.length, 0);
});

test('OffsetCommit v0-9 and OffsetFetch v0-9: offsets, leader epochs and metadata, one group or (v8+) several at once', async () => {
  for (let v = 0; v <= 9; v++) {
    const groupId = `commit-v${v}`;
    const r = await c.request(OffsetCommit, v, {
      groupId,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      retentionTimeMs: -1,
      topics: [{ name: 't', partitions: [{ partitionIndex: 1, committedOffset: 100 + v, committedLeaderEpoch: 7, commitTimestamp: -1, committedMetadata: `meta${v}` }] }, { name: 'no-such', partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null }] }],
    });
    assert.equal(r.topics.map((t: any) => t.partitions[0].errorCode), [0, E.UNKNOWN_TOPIC_OR_PARTITION], `commit v${v}`);
  }
  for (let v = 0; v <= 7; v++) {
    const groupId = `commit-v${v}`;
    const r = await c.request(OffsetFetch, v, { groupId, topics: [{ name: 't', partitionIndexes: [0, 1] }], requireStable: true });
    const [p0, p1] = r.topics[0].partitions;
    assert.equal([p0.committedOffset, p0.metadata], [-1, ''], `fetch v${v}`);
    assert.equal([p1.committedOffset, p1.committedLeaderEpoch, p1.metadata, p1.errorCode], [100 + v, v >= 6 ? 7 : -1, `meta${v}`, 0], `fetch v${v}`);
    if (v >= 2) {
      const all = await c.request(OffsetFetch, v, { groupId, topics: null, requireStable: false });
      assert.equal(all.topics.map((t: any) => [t.name, t.partitions.map((p: any) => p.partitionIndex)]), [['t', [1]]]);
    }
  }
  for (const v of [8, 9]) {
    const r = await c.request(OffsetFetch, v, {
      groups: [
        { groupId: 'commit-v8', memberId: null, memberEpoch: -1, topics: null },
        { groupId: 'commit-v9', memberId: null, memberEpoch: -1, topics: [{ name: 't', partitionIndexes: [1, 2] }] },
        { groupId: 'never', memberId: null, memberEpoch: -1, topics: null },
      ],
      requireStable: false,
    });
    assert.equal(
      r.groups.map((g: any) => [g.groupId, g.errorCode, g.topics.flatMap((t: any) => t.partitions.map((p: any) => [p.partitionIndex, p.committedOffset, p.committedLeaderEpoch]))]),
      [
        ['commit-v8', 0, [[1, 108, 7]]],
        ['commit-v9', 0, [[1, 109, 7], [2, -1, -1]]],
        ['never', 0, []],
      ],
    );
  }
  // A member's commit: checked against the group.
  const m = await oneMemberGroup('member-commits');
  const commit = (generationId: number, memberId: string) =>
    c.request(OffsetCommit, 8, { groupId: 'member-commits', generationIdOrMemberEpoch: generationId, memberId, groupInstanceId: null, topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1, committedMetadata: '' }] }] });
  assert.is((await commit(m.generationId, m.memberId)).topics[0].partitions[0].errorCode, 0);
  assert.is((await commit(m.generationId + 1, m.memberId)).topics[0].partitions[0].errorCode, E.ILLEGAL_GENERATION);
  assert.is((await commit(-1, '')).topics[0].partitions[0].errorCode, E.UNKNOWN_MEMBER_ID);
});

test('OffsetDelete v0 and DeleteGroups v0-2', async () => {
  const r = await c.request(OffsetDelete, 0, { groupId: 'commit-v3', topics: [{ name: 't', partitions: [{ partitionIndex: 1 }] }] });
  assert.equal([r.errorCode, r.topics[0].partitions[0].errorCode], [0, 0]);
  assert.not.ok(coordinatorOf(b.broker)!.group('commit-v3'), 'its last offset gone, the Empty group goes too');
  const busy = await c.request(OffsetDelete, 0, { groupId: 'member-commits', topics: [{ name: 't', partitions: [{ partitionIndex: 0 }, { partitionIndex: 9 }] }] });
  assert.equal(busy.topics[0].partitions.map((p: any) => p.errorCode), [E.GROUP_SUBSCRIBED_TO_TOPIC, E.UNKNOWN_TOPIC_OR_PARTITION]);
  assert.is((await c.request(OffsetDelete, 0, { groupId: 'nope', topics: [] })).errorCode, E.GROUP_ID_NOT_FOUND);
  for (let v = 0; v <= 2; v++) {
    const d = await c.request(DeleteGroups, v, { groupsNames: [`commit-v${v}`, 'member-commits', 'nope'] });
    assert.equal(d.results.map((x: any) => x.errorCode), [0, E.NON_EMPTY_GROUP, E.GROUP_ID_NOT_FOUND], `v${v}`);
  }
});

test('__consumer_offsets is a compacted topic of offsets.topic.num.partitions partitions holding Kafka records in each group’s partition', async () => {
  const topic = b.broker.topics.get(OFFSETS_TOPIC)!;
  assert.is(topic.partitions.length, PARTITIONS);
  assert.equal(topic.config.values['cleanup.policy'], ['compact']);
  const p = partitionForGroup('member-commits', PARTITIONS);
  const r = await c.request(Fetch, 12, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic: OFFSETS_TOPIC, partitions: [{ partition: p, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
  const records = r.responses[0].partitions[0].records as Buffer;
  const seen: string[] = [];
  for (const { at } of batchPositions(records)) {
    for (const rec of decodeBatchDecompressing(records, at).records) {
      const k = decodeKey(rec.key!);
      if (k.type === 'offset' && k.key.group === 'member-commits') seen.push(`offset ${k.key.topic}-${k.key.partition}=${decodeOffsetCommitValue(rec.value!).offset}`);
      if (k.type === 'group' && k.group === 'member-commits') seen.push(`group gen ${decodeGroupMetadataValue(rec.value!).generation}`);
    }
  }
  assert.equal(seen, ['group gen 1', 'offset t-0=5']);
});

test('after a restart (logs inline, many small reads per partition) groups and offsets are loaded again; deleted ones stay deleted', async () => {
  const before = coordinatorOf(b.broker)!;
  const expected = ['commit-v5', 'commit-v9', 'member-commits', 'described'].map((g) => [g, before.fetchOffsets(g, null), before.group(g)!.generationId, before.group(g)!.state]);
  c.close();
  await b.close();
  b = await broker(data.dir, 0, CONFIG);
  c = await RawClient.connect(b.bootstrap);
  const after = coordinatorOf(b.broker)!;
  for (const [g, offsets, generation, state] of expected) {
    assert.equal(after.fetchOffsets(g as string, null), offsets, `${g} offsets`);
    assert.is(after.group(g as string)!.generationId, generation, `${g} generation`);
    assert.is(after.group(g as string)!.state, state, `${g} state`);
  }
  for (const gone of ['commit-v0', 'commit-v1', 'commit-v2', 'commit-v3']) assert.not.ok(after.group(gone), `${gone} stays deleted`);
  // The restored member of a Stable group goes on heartbeating in its generation.
  const described = after.group('described')!;
  const [memberId] = [...described.members.keys()];
  assert.is((await c.request(Heartbeat, 4, { groupId: 'described', generationId: described.generationId, memberId, groupInstanceId: null })).errorCode, 0);
});

test('everything closes', async () => {
  c.close();
  await b.close();
  data.remove();
});

test.run();
