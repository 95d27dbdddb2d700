/**
 * Replica assignment against the expectations of Kafka's own unit tests (AdminRackAwareTest and
 * its RackAwareTest distribution checks): the exact lists Kafka asserts for fixed start indexes,
 * and the evenness and rack spread it asserts for random ones (here for every start index, and
 * for a run of seeded random ones).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type AssignableBroker,
  AssignmentError,
  assignNewPartitions,
  assignReplicas,
  rackAlternatedBrokerList,
  sortBrokers,
} from '../../src/cluster/assignment.js';
import { ErrorCode } from '../../src/protocol/errors.js';

type RackMap = Record<number, string | null>;

function toBrokers(racks: RackMap, withoutRack: number[] = []): AssignableBroker[] {
  return [...Object.entries(racks).map(([id, rack]) => ({ id: Number(id), rack })), ...withoutRack.map((id) => ({ id }))];
}

function byPartition(assignment: number[][], start = 0): Record<number, number[]> {
  return Object.fromEntries(assignment.map((r, i) => [start + i, r]));
}

/** A small deterministic generator, so that the "random start" cases are reproducible. */
function seeded(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

interface Distribution {
  partitionRacks: Map<number, string[]>;
  leaderCount: Map<number, number>;
  replicaCount: Map<number, number>;
}

function distribution(assignment: number[][], racks: RackMap, start = 0): Distribution {
  const d: Distribution = { partitionRacks: new Map(), leaderCount: new Map(), replicaCount: new Map() };
  assignment.forEach((replicas, i) => {
    d.leaderCount.set(replicas[0]!, (d.leaderCount.get(replicas[0]!) ?? 0) + 1);
    for (const b of replicas) {
      d.replicaCount.set(b, (d.replicaCount.get(b) ?? 0) + 1);
      const rack = racks[b];
      assert.ok(rack !== undefined, `no rack for broker ${b}`);
      d.partitionRacks.set(start + i, [...(d.partitionRacks.get(start + i) ?? []), rack as string]);
    }
  });
  return d;
}

/** RackAwareTest.checkReplicaDistribution. */
function checkDistribution(
  assignment: number[][],
  racks: RackMap,
  numBrokers: number,
  numPartitions: number,
  replicationFactor: number,
  { rackAware = true, leaders = true, replicas = true }: { rackAware?: boolean; leaders?: boolean; replicas?: boolean } = {},
): void {
  assert.is(assignment.length, numPartitions);
  for (const r of assignment) assert.is(new Set(r).size, r.length, `a broker holds two replicas of one partition: ${r}`);
  const d = distribution(assignment, racks);
  if (rackAware) {
    for (const [p, rs] of d.partitionRacks) assert.is(new Set(rs).size, replicationFactor, `partition ${p} has two replicas on one rack: ${rs}`);
  }
  if (leaders) {
    assert.is(d.leaderCount.size, numBrokers, 'every broker leads some partitions');
    for (const [b, n] of d.leaderCount) assert.is(n, numPartitions / numBrokers, `broker ${b} leads ${n}`);
  }
  if (replicas) {
    assert.is(d.replicaCount.size, numBrokers);
    for (const [b, n] of d.replicaCount) assert.is(n, (numPartitions * replicationFactor) / numBrokers, `broker ${b} holds ${n} replicas`);
  }
}

/** The fixed start indexes 0..n-1 and a run of seeded random ones, each checked. */
function forEveryStart(n: number, check: (assign: (brokers: AssignableBroker[], p: number, rf: number, startPartitionId?: number) => number[][]) => void): void {
  for (let start = 0; start < n; start++) check((b, p, rf, sp = -1) => assignReplicas(b, p, rf, start, sp));
  for (let seed = 1; seed <= 20; seed++) check((b, p, rf, sp = -1) => assignReplicas(b, p, rf, -1, sp, seeded(seed)));
}

test('the rack-alternated broker list of AdminRackAwareTest', () => {
  const rackMap: RackMap = { 0: 'rack1', 1: 'rack3', 2: 'rack3', 3: 'rack2', 4: 'rack2', 5: 'rack1' };
  const asMap = (m: RackMap) => new Map(Object.entries(m).map(([id, r]) => [Number(id), r as string]));
  assert.equal(rackAlternatedBrokerList(asMap(rackMap)), [0, 3, 1, 5, 4, 2]);
  const { 5: _, ...without5 } = rackMap;
  assert.equal(rackAlternatedBrokerList(asMap(without5)), [0, 3, 1, 4, 2]);
});

test('rack-aware assignment with start index 0: the lists Kafka expects, partition 6 shifted', () => {
  const rackMap: RackMap = { 0: 'rack1', 1: 'rack3', 2: 'rack3', 3: 'rack2', 4: 'rack2', 5: 'rack1' };
  assert.equal(byPartition(assignReplicas(toBrokers(rackMap), 7, 3, 0, 0)), {
    0: [0, 3, 1],
    1: [3, 1, 5],
    2: [1, 5, 4],
    3: [5, 4, 2],
    4: [4, 2, 0],
    5: [2, 0, 3],
    6: [0, 4, 2],
  });
  // The order the brokers are given in does not matter with racks.
  assert.equal(assignReplicas(toBrokers(rackMap).reverse(), 7, 3, 0, 0), assignReplicas(toBrokers(rackMap), 7, 3, 0, 0));
});

test('rack-unaware assignment of 10 partitions over 5 brokers from start 0: the lists Kafka expects', () => {
  const brokers = [0, 1, 2, 3, 4].map((id) => ({ id }));
  assert.equal(byPartition(assignReplicas(brokers, 10, 3, 0, -1)), {
    0: [0, 1, 2],
    1: [1, 2, 3],
    2: [2, 3, 4],
    3: [3, 4, 0],
    4: [4, 0, 1],
    5: [0, 2, 3],
    6: [1, 3, 4],
    7: [2, 4, 0],
    8: [3, 0, 1],
    9: [4, 1, 2],
  });
  // A rack of null or undefined is no rack.
  assert.equal(assignReplicas(brokers.map((b) => ({ ...b, rack: null })), 10, 3, 0, -1), assignReplicas(brokers, 10, 3, 0, -1));
});

test('rack-aware distributions of AdminRackAwareTest: even leaders and replicas, one replica per rack', () => {
  const sixOnThree: RackMap = { 0: 'rack1', 1: 'rack2', 2: 'rack2', 3: 'rack3', 4: 'rack3', 5: 'rack1' };
  // testAssignmentWithRackAware (start 2) and ...WithRandomStartIndex.
  checkDistribution(assignReplicas(toBrokers(sixOnThree), 6, 3, 2, 0), sixOnThree, 6, 6, 3);
  forEveryStart(6, (assign) => {
    checkDistribution(assign(toBrokers(sixOnThree), 6, 3), sixOnThree, 6, 6, 3);
    // testAssignmentWith2ReplicasRackAware, ...With6Partitions.
    checkDistribution(assign(toBrokers(sixOnThree), 12, 2), sixOnThree, 6, 12, 2);
    checkDistribution(assign(toBrokers(sixOnThree), 6, 2), sixOnThree, 6, 6, 2);
  });
  // testAssignmentWithRackAwareWithUnevenReplicas: 13 partitions, only the rack spread holds.
  checkDistribution(assignReplicas(toBrokers(sixOnThree), 13, 3, 0, 0), sixOnThree, 6, 13, 3, { leaders: false, replicas: false });
  // testAssignmentWithRackAwareWithUnevenRacks.
  const uneven: RackMap = { 0: 'rack1', 1: 'rack1', 2: 'rack2', 3: 'rack3', 4: 'rack3', 5: 'rack1' };
  forEveryStart(6, (assign) => checkDistribution(assign(toBrokers(uneven), 12, 3), uneven, 6, 12, 3, { replicas: false }));
  // testAssignmentWith2ReplicasRackAwareWith6PartitionsAnd3Brokers.
  const three: RackMap = { 0: 'rack1', 1: 'rack2', 4: 'rack3' };
  forEveryStart(3, (assign) => checkDistribution(assign(toBrokers(three), 3, 2), three, 3, 3, 2));
  // testRackAwareExpansion: brokers 6-11, partition ids from 12.
  const expansion: RackMap = { 6: 'rack1', 7: 'rack2', 8: 'rack2', 9: 'rack3', 10: 'rack3', 11: 'rack1' };
  forEveryStart(6, (assign) => checkDistribution(assign(toBrokers(expansion), 12, 2, 12), expansion, 6, 12, 2));
  // testLargeNumberPartitionsAssignment: 96 partitions over 12 brokers.
  const twelve: RackMap = { 0: 'rack1', 1: 'rack2', 2: 'rack2', 3: 'rack3', 4: 'rack3', 5: 'rack1', 6: 'rack1', 7: 'rack2', 8: 'rack2', 9: 'rack3', 10: 'rack1', 11: 'rack3' };
  forEveryStart(12, (assign) => checkDistribution(assign(toBrokers(twelve), 96, 3), twelve, 12, 96, 3));
});

test('more replicas than racks: every rack gets one; fewer: at most one per rack; a single rack still spreads leaders', () => {
  const racks: RackMap = { 0: 'rack1', 1: 'rack2', 2: 'rack2', 3: 'rack3', 4: 'rack3', 5: 'rack2' };
  forEveryStart(6, (assign) => {
    const five = assign(toBrokers(racks), 6, 5);
    assert.ok(five.every((r) => r.length === 5));
    for (const rs of distribution(five, racks).partitionRacks.values()) assert.is(new Set(rs).size, 3);
    const two = assign(toBrokers(racks), 6, 2);
    for (const rs of distribution(two, racks).partitionRacks.values()) assert.is(new Set(rs).size, 2);
  });
  const single: RackMap = { 0: 'rack1', 1: 'rack1', 2: 'rack1', 3: 'rack1', 4: 'rack1', 5: 'rack1' };
  forEveryStart(6, (assign) => {
    const a = assign(toBrokers(single), 6, 3);
    const d = distribution(a, single);
    for (const rs of d.partitionRacks.values()) assert.is(new Set(rs).size, 1);
    for (const id of [0, 1, 2, 3, 4, 5]) assert.is(d.leaderCount.get(id), 1);
  });
});

test('testSkipBrokerWithReplicaAlreadyAssigned: no broker twice in a partition when racks run out', () => {
  const racks: RackMap = { 0: 'a', 1: 'b', 2: 'c', 3: 'a', 4: 'a' };
  assert.equal(sortBrokers(toBrokers(racks)).map((b) => b.id), [0, 1, 2, 3, 4]);
  checkDistribution(assignReplicas(toBrokers(racks), 6, 4, 2, -1), racks, 5, 6, 4, { rackAware: false, leaders: false, replicas: false });
});

function refused(fn: () => unknown, code: number, message: string): void {
  try {
    fn();
  } catch (e) {
    assert.instance(e, AssignmentError);
    assert.is((e as AssignmentError).errorCode, code);
    assert.is((e as AssignmentError).message, message);
    return;
  }
  assert.unreachable('no error');
}

test("invalid parameters are refused with Kafka's errors and messages", () => {
  const noRacks = [0, 1, 2, 3, 4].map((id) => ({ id }));
  refused(() => assignReplicas(noRacks, 10, 0), ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.');
  refused(() => assignReplicas(noRacks, 10, 6), ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor: 6 larger than available brokers: 5.');
  const partial = toBrokers({ 0: 'rack1', 1: 'rack3', 2: 'rack3', 3: 'rack2', 4: null });
  refused(() => assignReplicas(partial, 0, 0, -1, -1), ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.');
  refused(() => assignReplicas(partial, 10, 0, -1, -1), ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.');
  refused(() => assignReplicas(partial, 10, 6, -1, -1), ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor: 6 larger than available brokers: 5.');
  refused(() => assignReplicas(partial, 10, 5, -1, -1), ErrorCode.UNKNOWN_SERVER_ERROR, 'Not all brokers have rack information for replica rack aware assignment.');
  refused(() => assignReplicas([], 1, 1), ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor: 1 larger than available brokers: 0.');
});

test('new partitions continue the round robin from partition 0 first replica, with its replication factor', () => {
  const brokers = [4, 0, 3, 1, 2].map((id) => ({ id }));
  // Partition 0 on [2, 3, 4]: the start index is that of broker 2 among the brokers by id, the
  // partition ids continue from 1, and the start index is also the shift (Kafka passes it as fixedStartIndex).
  const added = assignNewPartitions(brokers, [[2, 3, 4]], 3);
  assert.equal(added, assignReplicas(sortBrokers(brokers), 2, 3, 2, 1));
  assert.equal(added, [
    [3, 1, 2],
    [4, 2, 3],
  ]);
  // Partition 0's first replica gone from the cluster: the next broker id above it.
  assert.equal(assignNewPartitions([{ id: 1 }, { id: 5 }, { id: 7 }], [[3, 1]], 2), assignReplicas([{ id: 1 }, { id: 5 }, { id: 7 }], 1, 2, 1, 1));
  refused(() => assignNewPartitions(brokers, [[0, 1, 2]], 1), ErrorCode.INVALID_PARTITIONS, 'Topic already has 1 partitions.');
  refused(() => assignNewPartitions(brokers, [[0], [1]], 1), ErrorCode.INVALID_PARTITIONS, 'Topic currently has 2 partitions, which is higher than the requested 1.');
});

test.run();
