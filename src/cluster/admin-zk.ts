/**
 * What any broker writes into ZooKeeper to create, delete or grow a topic (Kafka's
 * AdminZkClient): the broker that takes a CreateTopics, DeleteTopics or CreatePartitions request
 * does not change partition state itself, it writes the request down and the controller, which
 * watches these znodes, does the rest (partition states, LeaderAndIsr, UpdateMetadata).
 *
 *   createTopic      /config/topics/<t>  then  /brokers/topics/<t>   (the controller sees the new child)
 *   deleteTopic      /admin/delete_topics/<t>                        (the controller deletes everything, then this)
 *   addPartitions    /brokers/topics/<t> rewritten, conditionally    (the controller sees its data change)
 *
 * Non-obvious choices:
 *   - The config is written before the assignment, as Kafka does: the controller (and every
 *     broker) reacts to the topic znode, and by then the topic's overrides (say
 *     unclean.leader.election.enable, min.insync.replicas) must be readable. A creation that dies
 *     between the two writes leaves a config with no topic, which the next creation overwrites.
 *   - Existence is checked before the config is written: the topic znode's NODE_EXISTS alone
 *     would come after the existing topic's config had been overwritten by the losing request.
 *     Two creations racing still both write a config; the one whose topic znode lands wins and
 *     the other answers TOPIC_ALREADY_EXISTS, as in Kafka.
 *   - A write whose answer was lost (CONNECTION_LOSS) may have been applied: the create is sent
 *     again and a NODE_EXISTS then is taken as our own when the znode holds exactly our bytes.
 *   - addPartitions takes the topic znode's version it read and writes conditionally on it, so
 *     that two CreatePartitions (or a reassignment starting) cannot overwrite each other's
 *     partitions; Kafka writes unconditionally.
 *   - Topic ids: the znode holds Kafka's base64 form (22 characters), the protocol the dashed
 *     UUID; createTopic takes either.
 *
 * Errors a request answers are AdminZkError with Kafka's code and message; ZooKeeper failures
 * are ZkError and propagate (the caller answers them as Kafka answers an unexpected failure).
 *
 * Main thread.
 */
import { ErrorCode } from '../protocol/errors.js';
import { uuidToBase64 } from '../core/topic-store.js';
import { type ZkSession, ZkError } from './zk.js';
import {
  ConfigType,
  DELETE_TOPICS_PATH,
  TOPICS_PATH,
  type PartitionAssignmentInput,
  type TopicAssignment,
  configEntityPath,
  configEntityTypePath,
  decodeTopicAssignment,
  deleteTopicPath,
  encodeEntityConfig,
  encodeTopicAssignment,
  topicPath,
} from './zk-data.js';

/** A request refused with a Kafka error code (TOPIC_ALREADY_EXISTS, UNKNOWN_TOPIC_OR_PARTITION, …) and Kafka's message. */
export class AdminZkError extends Error {
  override readonly name = 'AdminZkError';
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** How often a write whose answer was lost is sent again. */
const MAX_WRITE_ATTEMPTS = 3;

const DASHED_UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** The znode's form of a topic id (Kafka's base64 Uuid), from either form. */
export function znodeTopicId(topicId: string): string {
  return DASHED_UUID.test(topicId) ? uuidToBase64(topicId.toLowerCase()) : topicId;
}

/** Kafka's Topic.hasCollisionChars / hasCollision: '.' and '_' collide in metric names. */
function collides(a: string, b: string): boolean {
  return a !== b && a.replace(/\./g, '_') === b.replace(/\./g, '_');
}

function codeOf(e: unknown): string | undefined {
  return e instanceof ZkError ? e.code : undefined;
}

/**
 * Creates `path` with `data`; a missing parent is created first (Kafka's createRecursive). A
 * NODE_EXISTS after a lost answer counts as ours when the znode holds `data` exactly.
 */
async function createWithParents(zk: ZkSession, path: string, data: Buffer | null): Promise<'created' | 'exists'> {
  let lost = false;
  for (let attempt = 1; ; attempt++) {
    try {
      await zk.create(path, data, 'persistent');
      return 'created';
    } catch (e) {
      const code = codeOf(e);
      if (code === 'NO_NODE' && attempt < MAX_WRITE_ATTEMPTS) {
        await zk.mkdirs(path.slice(0, path.lastIndexOf('/')));
        continue;
      }
      if (code === 'NODE_EXISTS') {
        if (lost) {
          const got = await zk.get(path);
          if (got && got.data.equals(data ?? Buffer.alloc(0))) return 'created';
        }
        return 'exists';
      }
      if (code === 'CONNECTION_LOSS' && attempt < MAX_WRITE_ATTEMPTS) {
        lost = true;
        continue;
      }
      throw e;
    }
  }
}

/** Kafka's setOrCreateEntityConfigs: set the config znode, create it (and /config/topics) when absent. */
async function setOrCreateConfig(zk: ZkSession, path: string, data: Buffer): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await zk.set(path, data);
      return;
    } catch (e) {
      const code = codeOf(e);
      if (code === 'NO_NODE' && attempt < MAX_WRITE_ATTEMPTS) {
        // Created meanwhile by another writer: set it then.
        if ((await createWithParents(zk, path, data)) === 'created') return;
        continue;
      }
      // set at any version is idempotent.
      if (code === 'CONNECTION_LOSS' && attempt < MAX_WRITE_ATTEMPTS) continue;
      throw e;
    }
  }
}

function checkAssignment(assignment: readonly (readonly number[])[]): void {
  if (assignment.length === 0) throw new AdminZkError(ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.');
  const sizes = new Set(assignment.map((r) => r.length));
  if (sizes.size !== 1) throw new AdminZkError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'All partitions should have the same number of replicas');
  if (assignment[0]!.length === 0) throw new AdminZkError(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.');
  for (const replicas of assignment) {
    if (new Set(replicas).size !== replicas.length) {
      throw new AdminZkError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Duplicate replica assignment found: ${assignmentText(assignment)}`);
    }
  }
}

function assignmentText(assignment: readonly (readonly number[])[]): string {
  return `Map(${assignment.map((r, p) => `${p} -> List(${r.join(', ')})`).join(', ')})`;
}

/**
 * Creates a topic: its config overrides at /config/topics/<name> (written even when empty, as
 * Kafka writes it), then its assignment at /brokers/topics/<name> (partition p's replicas are
 * assignment[p]) with its topic id. Refuses with TOPIC_ALREADY_EXISTS when the topic exists or
 * is marked for deletion, INVALID_TOPIC_EXCEPTION when its name collides with another's ('.'
 * against '_'), INVALID_REPLICA_ASSIGNMENT for uneven or duplicated replicas.
 */
export async function createTopic(
  zk: ZkSession,
  name: string,
  assignment: readonly (readonly number[])[],
  configs: ReadonlyMap<string, string> | Readonly<Record<string, string>>,
  topicId: string | null,
): Promise<void> {
  checkAssignment(assignment);
  const path = topicPath(name);
  if (await zk.exists(deleteTopicPath(name))) throw new AdminZkError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' is marked for deletion.`);
  if (await zk.exists(path)) throw new AdminZkError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists.`);
  if (/[._]/.test(name)) {
    const all = (await zk.getChildren(TOPICS_PATH)) ?? [];
    if (all.includes(name)) throw new AdminZkError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists.`);
    const colliding = all.filter((t) => collides(name, t));
    if (colliding.length > 0) throw new AdminZkError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${name}' collides with existing topics: ${colliding.join(', ')}`);
  }
  await setOrCreateConfig(zk, configEntityPath(ConfigType.TOPIC, name), encodeEntityConfig(configs));
  const data = encodeTopicAssignment(topicId === null ? null : znodeTopicId(topicId), new Map(assignment.map((r, p) => [p, r])));
  if ((await createWithParents(zk, path, data)) === 'exists') throw new AdminZkError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists.`);
}

/**
 * Asks the controller to delete a topic: creates /admin/delete_topics/<name>. 'already-marked'
 * when it was asked before (Kafka's broker answers that as success too). Refuses with
 * UNKNOWN_TOPIC_OR_PARTITION when the topic does not exist.
 */
export async function deleteTopic(zk: ZkSession, name: string): Promise<'marked' | 'already-marked'> {
  if (!(await zk.exists(topicPath(name)))) throw new AdminZkError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic \`${name}\` to delete does not exist`);
  return (await createWithParents(zk, deleteTopicPath(name), null)) === 'created' ? 'marked' : 'already-marked';
}

/** A topic's assignment and the version of its znode (for addPartitions), undefined when it does not exist. */
export async function readTopic(zk: ZkSession, name: string): Promise<{ assignment: TopicAssignment; version: number } | undefined> {
  const got = await zk.get(topicPath(name));
  if (!got) return undefined;
  return { assignment: decodeTopicAssignment(name, got.data), version: got.stat.version };
}

/**
 * Adds partitions to a topic: `newPartitions[i]` holds the replicas of partition n + i, n being
 * the topic's partition count, and the topic znode is rewritten, keeping its topic id and its
 * reassignment fields, when its version is still `expectedVersion` (what readTopic returned).
 * Resolves with the znode's new version. Rejects with ZkError BAD_VERSION when the topic
 * changed meanwhile (read it again and retry), AdminZkError UNKNOWN_TOPIC_OR_PARTITION when it
 * does not exist, REASSIGNMENT_IN_PROGRESS while one of its partitions is being reassigned,
 * INVALID_REPLICA_ASSIGNMENT for a replica count other than partition 0's or duplicated brokers.
 * That the brokers exist is the caller's to check (Kafka's handler checks it against the live
 * brokers).
 */
export async function addPartitions(zk: ZkSession, name: string, newPartitions: readonly (readonly number[])[], expectedVersion: number): Promise<number> {
  const path = topicPath(name);
  const got = await zk.get(path);
  if (!got) throw new AdminZkError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`);
  if (got.stat.version !== expectedVersion) throw new ZkError('BAD_VERSION', path, `BAD_VERSION ${path}: version ${got.stat.version}, expected ${expectedVersion}`);
  const current = decodeTopicAssignment(name, got.data);
  if (current.partitions.size === 0) throw new AdminZkError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`);
  for (const a of current.partitions.values()) {
    if (a.addingReplicas.length > 0 || a.removingReplicas.length > 0) {
      throw new AdminZkError(ErrorCode.REASSIGNMENT_IN_PROGRESS, `A partition reassignment is in progress for the topic '${name}'.`);
    }
  }
  const partition0 = current.partitions.get(0);
  if (!partition0) {
    throw new AdminZkError(ErrorCode.UNKNOWN_SERVER_ERROR, `Unexpected existing replica assignment for topic '${name}', partition id 0 is missing.`);
  }
  if (newPartitions.length === 0) throw new AdminZkError(ErrorCode.INVALID_PARTITIONS, `Topic already has ${current.partitions.size} partitions.`);
  const first = current.partitions.size;
  const bad: [number, number][] = [];
  newPartitions.forEach((replicas, i) => {
    const id = first + i;
    if (replicas.length === 0) throw new AdminZkError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Cannot have replication factor of 0 for partition id ${id}.`);
    if (new Set(replicas).size !== replicas.length) {
      throw new AdminZkError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Duplicate brokers not allowed in replica assignment: ${replicas.join(', ')} for partition id ${id}.`);
    }
    if (replicas.length !== partition0.replicas.length) bad.push([id, replicas.length]);
  });
  if (bad.length > 0) {
    throw new AdminZkError(
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      `Inconsistent replication factor between partitions, partition 0 has ${partition0.replicas.length} while partitions [${bad.map((b) => b[0]).join(', ')}] have replication factors [${bad.map((b) => b[1]).join(', ')}], respectively.`,
    );
  }
  const merged = new Map<number, PartitionAssignmentInput>(current.partitions);
  newPartitions.forEach((replicas, i) => merged.set(first + i, replicas));
  const stat = await zk.set(path, encodeTopicAssignment(current.topicId, merged), expectedVersion);
  return stat.version;
}

/** The paths createTopic and deleteTopic write under, for callers that prepare them at start. */
export const ADMIN_ZK_PATHS: readonly string[] = Object.freeze([TOPICS_PATH, configEntityTypePath(ConfigType.TOPIC), DELETE_TOPICS_PATH]);
