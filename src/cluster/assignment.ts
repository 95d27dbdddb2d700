/**
 * Replica assignment for new topics and new partitions: which brokers hold each partition's
 * replicas, the first of them being the preferred leader. The algorithm is Kafka's
 * (AdminUtils.assignReplicasToBrokers), so that a topic created through any broker of a mixed
 * Spindle/Kafka cluster, or by Kafka's tools against it, lands on the same brokers.
 *
 * Without racks (no broker has one):
 *   - the first replica of partition p goes to broker (p + startIndex) mod n, round robin from
 *     a start position;
 *   - the others follow it at a distance of 1 + (shift + j) mod (n - 1) for the j-th further
 *     replica, and `shift` grows by one each time the partition id wraps around the broker list,
 *     so that the partitions led by one broker do not all have the same followers.
 *
 * With racks (every broker has one): the same walk over a "rack-alternated" broker list (the
 * racks in name order, taking one broker from each in turn, each rack's brokers by id), with
 * followers skipping brokers on racks that already hold a replica of the partition while some
 * rack holds none, and brokers that already hold one while some broker holds none.
 *
 * The start index and the initial shift are random unless `fixedStartIndex` is given (then both
 * are it), as in Kafka; `startPartitionId` is where partition ids begin, for partitions added
 * to an existing topic (the shift then starts as though the earlier partitions had been placed).
 *
 * Kafka's checks and messages: partitions and replication factor must be positive, the
 * replication factor at most the number of brokers (INVALID_REPLICATION_FACTOR, "Replication
 * factor: 4 larger than available brokers: 3."), and racks either on every broker or on none.
 *
 * Pure functions; the random source can be passed in.
 */
import { ErrorCode } from '../protocol/errors.js';

/** A broker as assignment sees it: its id and rack (absent, null or undefined: no rack). */
export interface AssignableBroker {
  readonly id: number;
  readonly rack?: string | null;
}

/**
 * An assignment that cannot be made. `errorCode` is what a CreateTopics or CreatePartitions
 * answer carries: INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR, INVALID_REPLICA_ASSIGNMENT,
 * or UNKNOWN_SERVER_ERROR for Kafka's AdminOperationException (racks on only some brokers),
 * which Kafka's broker answers so.
 */
export class AssignmentError extends Error {
  override readonly name = 'AssignmentError';
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** A uniform integer in [0, n): Math.random unless a test gives its own. */
export type RandomInt = (n: number) => number;

const defaultRandom: RandomInt = (n) => Math.floor(Math.random() * n);

function hasRack(b: AssignableBroker): boolean {
  return b.rack !== undefined && b.rack !== null;
}

/**
 * Replicas for `partitions` partitions with `replicationFactor` replicas each: element i is the
 * replica list of partition max(0, startPartitionId) + i, its first broker the preferred leader.
 * The brokers are taken in the order given (Kafka's callers sort them by id first; see
 * sortBrokers). `fixedStartIndex` < 0 means a random start and shift.
 */
export function assignReplicas(
  brokers: readonly AssignableBroker[],
  partitions: number,
  replicationFactor: number,
  fixedStartIndex = -1,
  startPartitionId = -1,
  random: RandomInt = defaultRandom,
): number[][] {
  if (!Number.isInteger(partitions) || partitions <= 0) throw new AssignmentError(ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.');
  if (!Number.isInteger(replicationFactor) || replicationFactor <= 0) {
    throw new AssignmentError(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.');
  }
  if (replicationFactor > brokers.length) {
    throw new AssignmentError(ErrorCode.INVALID_REPLICATION_FACTOR, `Replication factor: ${replicationFactor} larger than available brokers: ${brokers.length}.`);
  }
  const ids = new Set(brokers.map((b) => b.id));
  if (ids.size !== brokers.length) throw new AssignmentError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Duplicate broker ids in ${brokers.map((b) => b.id).join(', ')}.`);
  if (!brokers.some(hasRack)) {
    return assignRackUnaware(
      brokers.map((b) => b.id),
      partitions,
      replicationFactor,
      fixedStartIndex,
      startPartitionId,
      random,
    );
  }
  if (!brokers.every(hasRack)) {
    // Kafka's AdminOperationException from the rack-aware path.
    throw new AssignmentError(ErrorCode.UNKNOWN_SERVER_ERROR, 'Not all brokers have rack information for replica rack aware assignment.');
  }
  return assignRackAware(brokers, partitions, replicationFactor, fixedStartIndex, startPartitionId, random);
}

/** The brokers by id, as Kafka's callers (AdminZkClient.getBrokerMetadatas) hand them to the assignment. */
export function sortBrokers<B extends AssignableBroker>(brokers: readonly B[]): B[] {
  return [...brokers].sort((a, b) => a.id - b.id);
}

/**
 * Replicas for the partitions added to a topic that has `existing` (partition 0 first), as
 * Kafka's AdminZkClient.createNewPartitionsAssignment places them: with partition 0's
 * replication factor, partition ids continuing after the existing ones, and the start index at
 * the first broker (by id) whose id is at least partition 0's first replica, so that new
 * partitions continue the round robin where the topic's own started. Element i is partition
 * existing.length + i.
 */
export function assignNewPartitions(brokers: readonly AssignableBroker[], existing: readonly (readonly number[])[], totalPartitions: number): number[][] {
  const first = existing[0];
  if (first === undefined || first.length === 0) {
    throw new AssignmentError(ErrorCode.UNKNOWN_SERVER_ERROR, `Unexpected existing replica assignment: partition id 0 is missing.`);
  }
  const add = totalPartitions - existing.length;
  // The messages of Kafka's CreatePartitions handler (ZkAdminManager), which checks this first.
  if (add < 0) throw new AssignmentError(ErrorCode.INVALID_PARTITIONS, `Topic currently has ${existing.length} partitions, which is higher than the requested ${totalPartitions}.`);
  if (add === 0) throw new AssignmentError(ErrorCode.INVALID_PARTITIONS, `Topic already has ${existing.length} partitions.`);
  const sorted = sortBrokers(brokers);
  const startIndex = Math.max(0, sorted.findIndex((b) => b.id >= first[0]!));
  return assignReplicas(sorted, add, first.length, startIndex, existing.length);
}

function replicaIndex(firstReplicaIndex: number, secondReplicaShift: number, replicaIndexInPartition: number, nBrokers: number): number {
  const shift = 1 + ((secondReplicaShift + replicaIndexInPartition) % (nBrokers - 1));
  return (firstReplicaIndex + shift) % nBrokers;
}

function assignRackUnaware(brokerList: readonly number[], partitions: number, replicationFactor: number, fixedStartIndex: number, startPartitionId: number, random: RandomInt): number[][] {
  const n = brokerList.length;
  const out: number[][] = [];
  const startIndex = fixedStartIndex >= 0 ? fixedStartIndex : random(n);
  let nextReplicaShift = fixedStartIndex >= 0 ? fixedStartIndex : random(n);
  let currentPartitionId = Math.max(0, startPartitionId);
  for (let i = 0; i < partitions; i++) {
    if (currentPartitionId > 0 && currentPartitionId % n === 0) nextReplicaShift += 1;
    const firstReplicaIndex = (currentPartitionId + startIndex) % n;
    const replicas = [brokerList[firstReplicaIndex]!];
    for (let j = 0; j < replicationFactor - 1; j++) replicas.push(brokerList[replicaIndex(firstReplicaIndex, nextReplicaShift, j, n)]!);
    out.push(replicas);
    currentPartitionId += 1;
  }
  return out;
}

/**
 * The brokers alternated by rack: racks in name order (Kafka sorts the rack names as Java
 * strings, by UTF-16 code units, which is also what `<` on JavaScript strings compares), one
 * broker from each in turn, each rack's brokers in id order.
 */
export function rackAlternatedBrokerList(brokerRacks: ReadonlyMap<number, string>): number[] {
  const byRack = new Map<string, number[]>();
  for (const [id, rack] of brokerRacks) {
    let list = byRack.get(rack);
    if (!list) byRack.set(rack, (list = []));
    list.push(id);
  }
  for (const list of byRack.values()) list.sort((a, b) => a - b);
  const racks = [...byRack.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const cursors = racks.map(() => 0);
  const out: number[] = [];
  let rackIndex = 0;
  while (out.length < brokerRacks.size) {
    const list = byRack.get(racks[rackIndex]!)!;
    if (cursors[rackIndex]! < list.length) out.push(list[cursors[rackIndex]!++]!);
    rackIndex = (rackIndex + 1) % racks.length;
  }
  return out;
}

function assignRackAware(brokers: readonly AssignableBroker[], partitions: number, replicationFactor: number, fixedStartIndex: number, startPartitionId: number, random: RandomInt): number[][] {
  const rackOf = new Map<number, string>(brokers.map((b) => [b.id, b.rack as string]));
  const numRacks = new Set(rackOf.values()).size;
  const arranged = rackAlternatedBrokerList(rackOf);
  const n = arranged.length;
  const out: number[][] = [];
  const startIndex = fixedStartIndex >= 0 ? fixedStartIndex : random(n);
  let nextReplicaShift = fixedStartIndex >= 0 ? fixedStartIndex : random(n);
  let currentPartitionId = Math.max(0, startPartitionId);
  for (let i = 0; i < partitions; i++) {
    if (currentPartitionId > 0 && currentPartitionId % n === 0) nextReplicaShift += 1;
    const firstReplicaIndex = (currentPartitionId + startIndex) % n;
    const leader = arranged[firstReplicaIndex]!;
    const replicas = [leader];
    const racksWithReplicas = new Set([rackOf.get(leader)!]);
    const brokersWithReplicas = new Set([leader]);
    let k = 0;
    for (let j = 0; j < replicationFactor - 1; j++) {
      for (;;) {
        const broker = arranged[replicaIndex(firstReplicaIndex, nextReplicaShift * numRacks, k, n)]!;
        const rack = rackOf.get(broker)!;
        k += 1;
        // Skip a broker on a rack that already has a replica while some rack has none, and a
        // broker that already has one while some broker has none.
        if ((!racksWithReplicas.has(rack) || racksWithReplicas.size === numRacks) && (!brokersWithReplicas.has(broker) || brokersWithReplicas.size === n)) {
          replicas.push(broker);
          racksWithReplicas.add(rack);
          brokersWithReplicas.add(broker);
          break;
        }
      }
    }
    out.push(replicas);
    currentPartitionId += 1;
  }
  return out;
}
