/**
 * __consumer_offsets belongs to the broker: clients may not append to it, and nothing found in
 * it (a batch whose records do not decode, a partition that cannot be read) stops the broker
 * from starting or makes a group forget its offsets.
 */
import { appendFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OFFSETS_TOPIC } from '../../src/broker/groups/offsets-topic.js';
import { partitionForGroup } from '../../src/broker/groups/records.js';
import { startBroker } from '../../src/broker/server.js';
import { clearFaults, injectFaults } from '../../src/core/fs.js';
import { CLEAN_SHUTDOWN_MARKER } from '../../src/core/partition-log.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { CreateTopics, OffsetCommit, OffsetFetch, Produce } from '../../src/protocol/messages/index.js';
import { computeBatchCrc, encodeBatch, setBaseOffset } from '../../src/protocol/records/batch.js';
import { dataDir } from '../interop/helpers.js';
import { RawClient } from '../helpers/raw-client.js';

const PARTITIONS = 4;

async function createT(c: RawClient): Promise<void> {
  const r = await c.request(CreateTopics, 7, { topics: [{ name: 't', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
  assert.ok(r.topics[0]!.errorCode === 0 || r.topics[0]!.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS);
}

async function commit(c: RawClient, groupId: string, offset: number): Promise<number> {
  const r = await c.request(OffsetCommit, 8, {
    groupId,
    generationIdOrMemberEpoch: -1,
    memberId: '',
    groupInstanceId: null,
    retentionTimeMs: -1,
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null }] }],
  });
  return r.topics[0]!.partitions[0]!.errorCode;
}

async function fetched(c: RawClient, groupId: string): Promise<{ errorCode: number; offset: number }> {
  const r = await c.request(OffsetFetch, 7, { groupId, topics: [{ name: 't', partitionIndexes: [0] }], requireStable: false });
  const p = r.topics[0]!.partitions[0]!;
  return { errorCode: r.errorCode || p.errorCode, offset: p.committedOffset };
}

/** Two group ids in different partitions of __consumer_offsets. */
function twoGroups(): [string, string] {
  const a = 'group-a';
  for (let i = 0; ; i++) if (partitionForGroup(`group-b${i}`, PARTITIONS) !== partitionForGroup(a, PARTITIONS)) return [a, `group-b${i}`];
}

const config = (dir: string) => ({ 'log.dirs': dir, 'num.io.threads': 0, 'offsets.topic.num.partitions': PARTITIONS, 'auto.create.topics.enable': true });

test('a client cannot append to __consumer_offsets', async () => {
  const data = dataDir();
  const b = await startBroker({ port: 0, config: config(data.dir) });
  const c = await RawClient.connect(b.bootstrap);
  try {
    await createT(c);
    assert.is(await commit(c, 'g', 5), 0, 'the broker creates and writes the topic itself');
    const before = b.broker.partition(OFFSETS_TOPIC, 0)!.logEndOffset;
    const r = await c.request(Produce, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 1000,
      topicData: [{ name: OFFSETS_TOPIC, partitionData: [{ index: 0, records: encodeBatch([{ key: 'k', value: 'not group data' }]) }] }],
    });
    const p = r.responses[0]!.partitionResponses[0]!;
    assert.is(p.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
    assert.is(p.errorMessage, `Cannot append to internal topic ${OFFSETS_TOPIC}`);
    assert.is(b.broker.partition(OFFSETS_TOPIC, 0)!.logEndOffset, before, 'nothing was appended');
  } finally {
    c.close();
    await b.close();
    data.remove();
  }
});

/**
 * A stopped broker's data in which two groups on different offsets partitions committed 7 and 9;
 * `end`: the log end offset of the first group's partition.
 */
async function twoGroupsCommitted(): Promise<{ data: ReturnType<typeof dataDir>; a: string; other: string; end: number }> {
  const data = dataDir();
  const [a, other] = twoGroups();
  const b = await startBroker({ port: 0, config: config(data.dir) });
  const c = await RawClient.connect(b.bootstrap);
  try {
    await createT(c);
    assert.is(await commit(c, a, 7), 0);
    assert.is(await commit(c, other, 9), 0);
    return { data, a, other, end: b.broker.partition(OFFSETS_TOPIC, partitionForGroup(a, PARTITIONS))!.logEndOffset };
  } finally {
    c.close();
    await b.close();
  }
}

test('a batch of undecodable records in __consumer_offsets is skipped at start-up; the other groups keep their offsets', async () => {
  const { data, a, other, end } = await twoGroupsCommitted();
  // A CRC-valid batch whose records are garbage, at the end of the group's partition.
  const dir = join(data.dir, `${OFFSETS_TOPIC}-${partitionForGroup(a, PARTITIONS)}`);
  const batch = encodeBatch([{ key: 'x'.repeat(20), value: 'y'.repeat(40) }]);
  batch.fill(0xfe, 61);
  setBaseOffset(batch, 0, end);
  batch.writeUInt32BE(computeBatchCrc(batch, 0), 17);
  const segment = readdirSync(dir).filter((n) => n.endsWith('.log')).sort().at(-1)!;
  appendFileSync(join(dir, segment), batch);
  rmSync(join(dir, CLEAN_SHUTDOWN_MARKER), { force: true });
  const lines: string[] = [];
  const b = await startBroker({ port: 0, config: config(data.dir), logger: { error: (m) => lines.push(m), warn: (m) => lines.push(m), info: () => {} } });
  const c = await RawClient.connect(b.bootstrap);
  try {
    assert.equal(await fetched(c, a), { errorCode: 0, offset: 7 }, 'the commit before the garbage stays');
    assert.equal(await fetched(c, other), { errorCode: 0, offset: 9 });
    assert.ok(lines.some((l) => /1 batches .* could not be decoded/.test(l)), lines.join('\n'));
  } finally {
    c.close();
    await b.close();
    data.remove();
  }
});

test('a __consumer_offsets partition that cannot be read at start-up makes its groups wait (COORDINATOR_LOAD_IN_PROGRESS), not forget', async () => {
  const { data, a, other } = await twoGroupsCommitted();
  // The logs run on this thread (num.io.threads=0): the seam's faults apply to them.
  injectFaults([{ op: 'read', code: 'EIO', path: `${OFFSETS_TOPIC}-${partitionForGroup(a, PARTITIONS)}/` }]);
  const b = await startBroker({ port: 0, config: config(data.dir), logger: { error: () => {}, warn: () => {}, info: () => {} } });
  const c = await RawClient.connect(b.bootstrap);
  try {
    assert.is((await fetched(c, a)).errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, 'not an empty answer');
    assert.is(await commit(c, a, 8), ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    clearFaults();
  } finally {
    clearFaults();
    c.close();
    await b.close();
    data.remove();
  }
});

test.run();
