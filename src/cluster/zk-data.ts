/**
 * The ZooKeeper data of a cluster: znode paths, and codecs between typed values and the bytes
 * stored in each znode, in the layout and JSON of Kafka 3.9's ZooKeeper mode (kafka.zk.ZkData),
 * so that Kafka's own brokers and tools (KafkaZkClient, zookeeper-shell, CMAK) read a Spindle
 * cluster as a Kafka cluster, and Spindle reads theirs.
 *
 *   /                                               (E: ephemeral, gone with its writer's session)
 *   ├── cluster/id                                  {"version":"1","id":"<22-char base64 uuid>"}
 *   ├── controller                            E     {"version":2,"brokerid":1,"timestamp":"<ms>","kraftControllerEpoch":-1}
 *   ├── controller_epoch                            7  (decimal text, not JSON)
 *   ├── brokers/
 *   │   ├── ids/<id>                          E     registration v5: endpoints, listener map, host, port, rack, features…
 *   │   ├── seqid                                   no data; its znode version makes generated broker ids
 *   │   └── topics/<topic>                          assignment v3: partitions, topic_id, adding/removing_replicas
 *   │       └── partitions/<p>/state                {"controller_epoch":7,"leader":1,"version":1,"leader_epoch":5,"isr":[1,2]}
 *   ├── config/
 *   │   ├── topics/<topic>                          {"version":1,"config":{"retention.ms":"86400000"}}
 *   │   ├── brokers/<id>, brokers/<default>         same
 *   │   ├── users/<user>[/clients/<client>]         same; SCRAM credentials too ("SCRAM-SHA-256":"salt=…")
 *   │   ├── clients/<client>, ips/<ip>              same
 *   │   └── changes/config_change_<seq>             {"version":2,"entity_path":"topics/orders"}
 *   ├── admin/
 *   │   ├── delete_topics/<topic>                   no data
 *   │   ├── reassign_partitions                     {"version":1,"partitions":[{"topic":…,"partition":0,"replicas":[…]}]}
 *   │   └── preferred_replica_election              {"version":1,"partitions":[{"topic":…,"partition":0}]}
 *   ├── isr_change_notification/isr_change_<seq>    {"version":1,"partitions":[{"topic":…,"partition":0}]}
 *   ├── log_dir_event_notification/log_dir_event_<seq>   {"version":1,"broker":2,"event":1}
 *   ├── latest_producer_id_block                    {"version":1,"broker":2,"block_start":"1000","block_end":"1999"}
 *   ├── feature                                     {"features":{},"version":2,"status":1}
 *   ├── kafka-acl/<ResourceType>/<name>             {"acls":[{"principal":…,"permissionType":"Allow",…}],"version":1}
 *   ├── kafka-acl-changes/acl_changes_<seq>         TOPIC:orders  (text, not JSON)
 *   ├── kafka-acl-extended/prefixed/<ResourceType>/<name>   as under /kafka-acl
 *   ├── kafka-acl-extended-changes/acl_changes_<seq>        {"version":1,"resourceType":"GROUP","name":…,"patternType":"PREFIXED"}
 *   └── consumers                                   created at start, unused (the pre-0.9 consumer's)
 *
 * Who writes what:
 *   - every broker at start: the persistent paths (PERSISTENT_ZK_PATHS), /cluster/id if absent
 *     (the first one's id wins), and its own /brokers/ids/<id> for as long as its session lives;
 *   - the controller, elected by creating /controller and bumping /controller_epoch in one
 *     multi-op: partition states, /feature, topic ids and reassignments in /brokers/topics, and
 *     it deletes the admin and notification znodes it has acted on. Partition leaders send
 *     AlterPartition to it; before IBP 2.7 they wrote their state themselves and announced it
 *     under /isr_change_notification;
 *   - admin requests (CreateTopics and DeleteTopics on the controller, AlterConfigs and
 *     CreateAcls on any broker) and ZooKeeper-era tools: /brokers/topics/<topic>,
 *     /admin/delete_topics/<topic>, a config then its config_change_ notification, ACLs then
 *     their acl_changes_ notification; every broker watches both change roots and reloads;
 *   - a broker whose log dir fails: a log_dir_event_ notification; a broker out of producer ids:
 *     the next /latest_producer_id_block, by a conditional set.
 *
 * `<seq>` is the ten-digit counter ZooKeeper appends to a sequential znode. In pure ZooKeeper
 * mode /controller is ephemeral, so a controller's death is an election; a KRaft controller
 * migrating the cluster writes it persistent, with a kraftControllerEpoch above 0.
 *
 * Encoders write what Kafka 3.9 writes, key for key and type for type: timestamps and producer
 * ids as strings, the cluster id's version as the string "1", a partition state still version 1
 * with leader_recovery_state only when recovering. Keys come in Kafka's order where its maps keep
 * one. Decoders take what Kafka 3.9 takes, from 3.9 and from the 2.x/3.x writers before it
 * (broker registrations from version 1, topics from version 1), ignore keys they do not know, and
 * throw ZkDataError, naming the znode, for bytes that are not JSON or lack what Kafka needs. Where
 * Kafka silently reads unparseable JSON as "empty" (a topic, a config, ACLs) it is a ZkDataError
 * here, so a corrupted znode is never taken for an empty one; a znode with no data at all (created
 * by a recursive create as a parent) reads as empty where Kafka reads it so: configs, ACLs, the
 * producer id block.
 *
 * Pure functions; no I/O.
 */
import {
  AclOperation,
  AclPermissionType,
  PatternType,
  ResourceType,
  operationPascalName,
  parseOperation,
  parsePatternType,
  parsePermissionType,
  parseResourceType,
  patternTypeName,
  permissionTypePascalName,
  resourceTypeName,
  resourceTypePascalName,
} from '../broker/security/acl.js';
import type { SecurityProtocol } from '../broker/security/listener-security.js';

export type { SecurityProtocol };

// ---------------------------------------------------------------------------------------------
// Errors and JSON reading

/** Bytes that are not what a znode holds: not JSON, a missing or mistyped field, an unsupported version. */
export class ZkDataError extends Error {
  override readonly name = 'ZkDataError';
  /** The znode (or kind of znode) being read or written. */
  readonly znode: string;

  constructor(znode: string, reason: string, data?: string) {
    super(`${znode}: ${reason}${data === undefined ? '' : ` in ${preview(data)}`}`);
    this.znode = znode;
  }
}

/** What decoders take: a Buffer, any byte array, or null for a znode created without data. */
export type ZnodeData = Uint8Array | null | undefined;

function preview(text: string): string {
  return text.length > 300 ? `${JSON.stringify(text.slice(0, 300))}…` : JSON.stringify(text);
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function isEmpty(data: ZnodeData): data is null | undefined {
  return data == null || data.length === 0;
}

function text(znode: string, data: ZnodeData): string {
  if (isEmpty(data)) throw new ZkDataError(znode, 'no data');
  try {
    return UTF8.decode(data);
  } catch {
    throw new ZkDataError(znode, 'not UTF-8 text');
  }
}

/** One document being read: errors name the znode and show the text. */
class Doc {
  readonly znode: string;
  readonly text: string;
  readonly root: Json;

  constructor(znode: string, data: ZnodeData) {
    this.znode = znode;
    this.text = text(znode, data);
    try {
      this.root = JSON.parse(this.text) as Json;
    } catch (e) {
      throw new ZkDataError(znode, `not JSON (${(e as Error).message})`, this.text);
    }
  }

  fail(reason: string): never {
    throw new ZkDataError(this.znode, reason, this.text);
  }

  object(v: Json | undefined, what: string): JsonObject {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(`${what} is not a JSON object`);
    return v;
  }

  rootObject(): JsonObject {
    return this.object(this.root, 'the document');
  }

  has(o: JsonObject, key: string): boolean {
    return Object.hasOwn(o, key);
  }

  /** A 32-bit integer, as Kafka's `to[Int]` takes (a JSON integer within Int's range). */
  int(o: JsonObject, key: string, what = `"${key}"`): number {
    if (!this.has(o, key)) this.fail(`${what} is missing`);
    return this.intValue(o[key], what);
  }

  intValue(v: Json | undefined, what: string): number {
    if (typeof v !== 'number' || !isInt32(v)) this.fail(`${what} is not a 32-bit integer`);
    return v;
  }

  /** An integer field that may be absent or null. */
  optInt(o: JsonObject, key: string): number | null {
    const v = o[key];
    return v === undefined || v === null ? null : this.intValue(v, `"${key}"`);
  }

  string(o: JsonObject, key: string, what = `"${key}"`): string {
    const v = o[key];
    if (typeof v !== 'string') this.fail(this.has(o, key) ? `${what} is not a string` : `${what} is missing`);
    return v;
  }

  /** A string field that may be absent or null (Kafka's `to[Option[String]]`). */
  optString(o: JsonObject, key: string): string | null {
    const v = o[key];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string') this.fail(`"${key}" is not a string`);
    return v;
  }

  ints(v: Json | undefined, what: string): number[] {
    if (!Array.isArray(v)) this.fail(v === undefined ? `${what} is missing` : `${what} is not a JSON array`);
    return v.map((x, i) => this.intValue(x, `${what}[${i}]`));
  }

  array(o: JsonObject, key: string): Json[] {
    const v = o[key];
    if (!Array.isArray(v)) this.fail(this.has(o, key) ? `"${key}" is not a JSON array` : `"${key}" is missing`);
    return v;
  }

  /** The "version" field: an integer within [min, max]. */
  version(o: JsonObject, min: number, max = 0x7fffffff): number {
    const v = this.int(o, 'version');
    if (v < min || v > max) this.fail(`unsupported version ${v} (${max === 0x7fffffff ? `${min} or later` : min === max ? `only ${min}` : `${min} to ${max}`})`);
    return v;
  }
}

function isInt32(v: number): boolean {
  return Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff;
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

function check(znode: string, ok: boolean, reason: string): void {
  if (!ok) throw new ZkDataError(znode, reason);
}

function checkInt32(znode: string, v: number, what: string): void {
  check(znode, typeof v === 'number' && isInt32(v), `${what} is not a 32-bit integer: ${String(v)}`);
}

function checkInts(znode: string, vs: readonly number[], what: string): void {
  check(znode, Array.isArray(vs), `${what} is not an array`);
  vs.forEach((v, i) => checkInt32(znode, v, `${what}[${i}]`));
}

/** A name that becomes one znode in a path: ZooKeeper takes no empty, ".", ".." or "/"-holding segment. */
function segment(what: string, name: string): string {
  if (typeof name !== 'string' || name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new ZkDataError(what, `${JSON.stringify(name)} cannot be a znode name`);
  }
  return name;
}

/** Millisecond timestamps, which Kafka writes as decimal strings. */
function timestampText(znode: string, ms: number): string {
  check(znode, Number.isSafeInteger(ms), `timestamp is not an integer number of milliseconds: ${String(ms)}`);
  return String(ms);
}

/** A timestamp Kafka writes but never reads: a decimal string (or number) if there, else null. */
function readTimestamp(v: Json | undefined): number | null {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d{1,16}$/.test(v)) return Number(v);
  return null;
}

// ---------------------------------------------------------------------------------------------
// Common types

/** A topic partition, as the notification and admin znodes list them. */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

// ---------------------------------------------------------------------------------------------
// Paths

export const ADMIN_PATH = '/admin';
export const BROKERS_PATH = '/brokers';
export const CLUSTER_PATH = '/cluster';
export const CONFIG_PATH = '/config';
export const CONSUMERS_PATH = '/consumers';
export const DELEGATION_TOKEN_PATH = '/delegation_token';
export const MIGRATION_PATH = '/migration';

/** ClusterIdZNode. */
export const CLUSTER_ID_PATH = '/cluster/id';
/** ControllerZNode: ephemeral in ZooKeeper mode. */
export const CONTROLLER_PATH = '/controller';
/** ControllerEpochZNode. */
export const CONTROLLER_EPOCH_PATH = '/controller_epoch';
/** BrokerIdsZNode: persistent, no data; its children are the live brokers. */
export const BROKER_IDS_PATH = '/brokers/ids';
/** BrokerSequenceIdZNode: persistent, no data; see generatedBrokerId. */
export const BROKER_SEQUENCE_ID_PATH = '/brokers/seqid';
/** TopicsZNode. */
export const TOPICS_PATH = '/brokers/topics';
/** ConfigEntityChangeNotificationZNode. */
export const CONFIG_CHANGES_PATH = '/config/changes';
export const CONFIG_CHANGE_PREFIX = 'config_change_';
/** DeleteTopicsZNode. */
export const DELETE_TOPICS_PATH = '/admin/delete_topics';
/** ReassignPartitionsZNode (deprecated since 2.4 for the AlterPartitionReassignments API, still watched). */
export const REASSIGN_PARTITIONS_PATH = '/admin/reassign_partitions';
/** PreferredReplicaElectionZNode. */
export const PREFERRED_REPLICA_ELECTION_PATH = '/admin/preferred_replica_election';
/** IsrChangeNotificationZNode. */
export const ISR_CHANGE_NOTIFICATION_PATH = '/isr_change_notification';
export const ISR_CHANGE_PREFIX = 'isr_change_';
/** LogDirEventNotificationZNode. */
export const LOG_DIR_EVENT_NOTIFICATION_PATH = '/log_dir_event_notification';
export const LOG_DIR_EVENT_PREFIX = 'log_dir_event_';
/** ProducerIdBlockZNode. */
export const PRODUCER_ID_BLOCK_PATH = '/latest_producer_id_block';
/** FeatureZNode. */
export const FEATURE_PATH = '/feature';
/** Where LITERAL ACLs live (LiteralAclStore), and their change notifications. */
export const LITERAL_ACL_PATH = '/kafka-acl';
export const LITERAL_ACL_CHANGES_PATH = '/kafka-acl-changes';
/** Where the other pattern types' ACLs live, one child per type (ExtendedAclZNode), and their change notifications. */
export const EXTENDED_ACL_PATH = '/kafka-acl-extended';
export const EXTENDED_ACL_CHANGES_PATH = '/kafka-acl-extended-changes';
export const ACL_CHANGE_PREFIX = 'acl_changes_';

/** `/brokers/ids/<id>` (BrokerIdZNode): ephemeral. */
export function brokerIdPath(brokerId: number): string {
  checkInt32(BROKER_IDS_PATH, brokerId, 'broker id');
  return `${BROKER_IDS_PATH}/${brokerId}`;
}

/** `/brokers/topics/<topic>` (TopicZNode). */
export function topicPath(topic: string): string {
  return `${TOPICS_PATH}/${segment(TOPICS_PATH, topic)}`;
}

/** `/brokers/topics/<topic>/partitions` (TopicPartitionsZNode): no data. */
export function topicPartitionsPath(topic: string): string {
  return `${topicPath(topic)}/partitions`;
}

/** `/brokers/topics/<topic>/partitions/<p>` (TopicPartitionZNode): no data. */
export function topicPartitionPath(topic: string, partition: number): string {
  checkInt32(TOPICS_PATH, partition, 'partition');
  return `${topicPartitionsPath(topic)}/${partition}`;
}

/** `/brokers/topics/<topic>/partitions/<p>/state` (TopicPartitionStateZNode). */
export function topicPartitionStatePath(topic: string, partition: number): string {
  return `${topicPartitionPath(topic, partition)}/state`;
}

/** `/admin/delete_topics/<topic>` (DeleteTopicsTopicZNode): created with no data to ask the controller to delete the topic. */
export function deleteTopicPath(topic: string): string {
  return `${DELETE_TOPICS_PATH}/${segment(DELETE_TOPICS_PATH, topic)}`;
}

/** The children of a sequential notification znode: ZooKeeper appends the sequence to `prefix`. */
function sequencePath(root: string, prefix: string, sequence: string): string {
  return `${root}/${prefix}${sequence}`;
}

/** `/config/changes/config_change_<seq>`; with no sequence, the path to create sequentially. */
export function configChangePath(sequence = ''): string {
  return sequencePath(CONFIG_CHANGES_PATH, CONFIG_CHANGE_PREFIX, sequence);
}

/** `/isr_change_notification/isr_change_<seq>`; with no sequence, the path to create sequentially. */
export function isrChangeNotificationPath(sequence = ''): string {
  return sequencePath(ISR_CHANGE_NOTIFICATION_PATH, ISR_CHANGE_PREFIX, sequence);
}

/** `/log_dir_event_notification/log_dir_event_<seq>`; with no sequence, the path to create sequentially. */
export function logDirEventNotificationPath(sequence = ''): string {
  return sequencePath(LOG_DIR_EVENT_NOTIFICATION_PATH, LOG_DIR_EVENT_PREFIX, sequence);
}

/**
 * The sequence number of a sequential znode, from its name or path ("config_change_0000000042"
 * gives 42). ZooKeeper's counter is a signed 32-bit integer written with ten digits.
 */
export function sequenceNumber(prefix: string, nameOrPath: string): number {
  const at = nameOrPath.lastIndexOf(prefix);
  const digits = at < 0 ? '' : nameOrPath.slice(at + prefix.length);
  const n = /^-?\d{1,10}$/.test(digits) ? Number(digits) : NaN;
  if (!isInt32(n)) throw new ZkDataError(prefix, `${JSON.stringify(nameOrPath)} is not a sequential znode named ${prefix}<number>`);
  return n;
}

/**
 * The persistent znodes a Kafka broker creates at start (KafkaZkClient.createTopLevelPaths,
 * ZkData.PersistentZkPaths), in Kafka's order; each is created with its parents, with no data,
 * and an existing one is left as it is.
 */
export const PERSISTENT_ZK_PATHS: readonly string[] = Object.freeze([
  CONSUMERS_PATH,
  BROKER_IDS_PATH,
  TOPICS_PATH,
  CONFIG_CHANGES_PATH,
  DELETE_TOPICS_PATH,
  BROKER_SEQUENCE_ID_PATH,
  ISR_CHANGE_NOTIFICATION_PATH,
  PRODUCER_ID_BLOCK_PATH,
  LOG_DIR_EVENT_NOTIFICATION_PATH,
  '/config/topics',
  '/config/clients',
  '/config/users',
  '/config/brokers',
  '/config/ips',
]);

/**
 * Every top-level znode Kafka owns (ZkData.SecureRootPaths): what zookeeper-security-migration
 * walks to set ZooKeeper ACLs when zookeeper.set.acl is turned on.
 */
export const SECURE_ROOT_PATHS: readonly string[] = Object.freeze([
  ADMIN_PATH,
  BROKERS_PATH,
  CLUSTER_PATH,
  CONFIG_PATH,
  CONTROLLER_PATH,
  CONTROLLER_EPOCH_PATH,
  ISR_CHANGE_NOTIFICATION_PATH,
  PRODUCER_ID_BLOCK_PATH,
  LOG_DIR_EVENT_NOTIFICATION_PATH,
  DELEGATION_TOKEN_PATH,
  EXTENDED_ACL_PATH,
  MIGRATION_PATH,
  FEATURE_PATH,
  LITERAL_ACL_PATH,
  LITERAL_ACL_CHANGES_PATH,
  `${EXTENDED_ACL_PATH}/prefixed`,
  EXTENDED_ACL_CHANGES_PATH,
]);

/**
 * Znodes under which, with zookeeper.set.acl, Kafka leaves no world-read ACL (ZkData.SensitiveRootPaths):
 * SCRAM credentials, broker passwords, delegation tokens.
 */
export const SENSITIVE_ROOT_PATHS: readonly string[] = Object.freeze(['/config/users', '/config/brokers', '/delegation_token/tokens']);

// ---------------------------------------------------------------------------------------------
// /cluster/id

/** `{"version":"1","id":"<id>"}`: the version is a string here, unlike every other znode. */
export function encodeClusterId(clusterId: string): Buffer {
  check(CLUSTER_ID_PATH, typeof clusterId === 'string' && clusterId !== '', 'the cluster id is empty');
  return json({ version: '1', id: clusterId });
}

/** The cluster id. Kafka reads only "id" (its version, a string, is not checked). */
export function decodeClusterId(data: ZnodeData): string {
  const d: Doc = new Doc(CLUSTER_ID_PATH, data);
  return d.string(d.rootObject(), 'id');
}

// ---------------------------------------------------------------------------------------------
// /controller, /controller_epoch

/** What /controller holds. */
export interface ControllerRegistration {
  /** 1 (before 3.4) or 2 (with kraftControllerEpoch). */
  readonly version: number;
  readonly brokerId: number;
  /** When the controller was elected (ms), null if unreadable: Kafka never reads it. */
  readonly timestamp: number | null;
  /**
   * -1 from a ZooKeeper-mode controller (3.4 and later); the KRaft controller's epoch, above 0,
   * when a KRaft controller migrating the cluster holds the znode; null from a version 1 writer.
   * Kafka refuses config writes through ZooKeeper while it is above 0.
   */
  readonly kraftControllerEpoch: number | null;
}

/** What a ZooKeeper-mode controller writes: kraftControllerEpoch -1. */
export const NO_KRAFT_CONTROLLER_EPOCH = -1;

/** Version 2, as Kafka 3.9 writes in ZooKeeper mode too: `{"version":2,"brokerid":1,"timestamp":"<ms>","kraftControllerEpoch":-1}`. */
export function encodeController(c: { brokerId: number; timestamp?: number; kraftControllerEpoch?: number }): Buffer {
  checkInt32(CONTROLLER_PATH, c.brokerId, 'brokerid');
  const kraftControllerEpoch = c.kraftControllerEpoch ?? NO_KRAFT_CONTROLLER_EPOCH;
  checkInt32(CONTROLLER_PATH, kraftControllerEpoch, 'kraftControllerEpoch');
  return json({
    version: 2,
    brokerid: c.brokerId,
    timestamp: timestampText(CONTROLLER_PATH, c.timestamp ?? Date.now()),
    kraftControllerEpoch,
  });
}

/** Versions 1 and 2 (and later ones, as Kafka: it reads brokerid and, if there, kraftControllerEpoch). */
export function decodeController(data: ZnodeData): ControllerRegistration {
  const d: Doc = new Doc(CONTROLLER_PATH, data);
  const o = d.rootObject();
  return {
    version: d.version(o, 1),
    brokerId: d.int(o, 'brokerid'),
    timestamp: readTimestamp(o['timestamp']),
    kraftControllerEpoch: d.optInt(o, 'kraftControllerEpoch'),
  };
}

/** The epoch as decimal text, no JSON: `7`. The first controller finds it absent and creates it with 0, then increments. */
export function encodeControllerEpoch(epoch: number): Buffer {
  checkInt32(CONTROLLER_EPOCH_PATH, epoch, 'controller epoch');
  return Buffer.from(String(epoch), 'utf8');
}

/** Decimal text, as Java's Integer.parseInt reads it. */
export function decodeControllerEpoch(data: ZnodeData): number {
  const t = text(CONTROLLER_EPOCH_PATH, data);
  const n = /^[+-]?\d{1,10}$/.test(t) ? Number(t) : NaN;
  if (!isInt32(n)) throw new ZkDataError(CONTROLLER_EPOCH_PATH, 'not a decimal 32-bit integer', t);
  return n;
}

// ---------------------------------------------------------------------------------------------
// /brokers/ids/<id>, /brokers/seqid

/** SecurityProtocol names, as listener_security_protocol_map carries them. */
export const SECURITY_PROTOCOLS: readonly SecurityProtocol[] = Object.freeze(['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']);

/** One advertised listener of a broker. */
export interface BrokerEndpoint {
  /** Upper case, as Kafka normalizes listener names: "PLAINTEXT", "INTERNAL". */
  readonly listenerName: string;
  readonly securityProtocol: SecurityProtocol;
  /** Null for an empty host (Kafka's wildcard). */
  readonly host: string | null;
  readonly port: number;
}

/** A feature's supported range in a registration: {"min_version":1,"max_version":21}. */
export interface SupportedFeatureRange {
  readonly minVersion: number;
  readonly maxVersion: number;
}

/** What /brokers/ids/<id> holds. */
export interface BrokerRegistration {
  readonly brokerId: number;
  /** The writer's JSON version: 5 from Kafka 2.7 on (IBP 2.7+), 4 from 0.10.0, 1-3 from older ones. */
  readonly version: number;
  /** In the writer's order; the first is what `endpoints` lists first. */
  readonly endpoints: readonly BrokerEndpoint[];
  readonly rack: string | null;
  /** -1 when JMX is off. */
  readonly jmxPort: number;
  /** Features the broker supports; a Kafka 3.9 ZooKeeper-mode broker registers none. */
  readonly features: ReadonlyMap<string, SupportedFeatureRange>;
  /** Registration time (ms); null if unreadable (Kafka never reads it). */
  readonly timestamp: number | null;
}

/** What encodeBrokerRegistration takes: the registration without its version, jmxPort, features and timestamp defaulted. */
export interface BrokerRegistrationInput {
  readonly brokerId: number;
  readonly endpoints: readonly BrokerEndpoint[];
  readonly rack?: string | null;
  /** -1 (no JMX) unless given. */
  readonly jmxPort?: number;
  /** None unless given: what a Kafka 3.9 ZooKeeper-mode broker registers. */
  readonly features?: ReadonlyMap<string, SupportedFeatureRange>;
  /** Now unless given. */
  readonly timestamp?: number;
}

/** How Kafka writes an endpoint: "LISTENER://host:port", an IPv6 host in brackets, an empty host as nothing. */
export function endpointConnectionString(e: BrokerEndpoint): string {
  const host = e.host === null ? '' : e.host.includes(':') ? `[${e.host}]` : e.host;
  return `${e.listenerName}://${host}:${e.port}`;
}

/** Kafka's endpoint pattern (SocketServerConfigs.URI_PARSE_REGEXP), matched against the whole string. */
const ENDPOINT_PATTERN = /^(.*):\/\/\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)$/;

function parseSecurityProtocol(name: string): SecurityProtocol | undefined {
  const upper = name.toUpperCase();
  return (SECURITY_PROTOCOLS as readonly string[]).includes(upper) ? (upper as SecurityProtocol) : undefined;
}

/**
 * Version 5, as Kafka 3.9 writes with IBP 2.7 or later. The top-level host and port, for clients
 * older than 0.10, are the first PLAINTEXT endpoint's, or null and -1 when there is none.
 */
export function encodeBrokerRegistration(b: BrokerRegistrationInput): Buffer {
  const znode = BROKER_IDS_PATH;
  checkInt32(znode, b.brokerId, 'broker id');
  const jmxPort = b.jmxPort ?? -1;
  checkInt32(znode, jmxPort, 'jmx_port');
  check(znode, b.endpoints.length > 0, 'a broker registers at least one endpoint');
  const names = new Set<string>();
  for (const e of b.endpoints) {
    check(znode, typeof e.listenerName === 'string' && /^[^\s,:/]+$/.test(e.listenerName), `listener name ${JSON.stringify(e.listenerName)} is not one Kafka parses`);
    check(znode, e.listenerName === e.listenerName.toUpperCase(), `listener name ${e.listenerName} is not upper case, as Kafka normalizes it`);
    check(znode, !names.has(e.listenerName), `listener ${e.listenerName} is registered twice`);
    names.add(e.listenerName);
    check(znode, SECURITY_PROTOCOLS.includes(e.securityProtocol), `${String(e.securityProtocol)} is not a security protocol`);
    check(znode, e.host === null || /^[0-9a-zA-Z\-%._:]*$/.test(e.host), `host ${JSON.stringify(e.host)} is not one Kafka parses`);
    checkInt32(znode, e.port, 'port');
  }
  const features = b.features ?? new Map<string, SupportedFeatureRange>();
  for (const [name, r] of features) {
    check(znode, isShort(r.minVersion) && isShort(r.maxVersion) && r.minVersion >= 0 && r.maxVersion >= r.minVersion, `feature ${name}: not a version range [${r.minVersion}, ${r.maxVersion}]`);
  }
  const plaintext = b.endpoints.find((e) => e.securityProtocol === 'PLAINTEXT');
  const rack = b.rack ?? null;
  return json({
    features: Object.fromEntries([...features].map(([name, r]) => [name, { min_version: r.minVersion, max_version: r.maxVersion }])),
    listener_security_protocol_map: Object.fromEntries(b.endpoints.map((e) => [e.listenerName, e.securityProtocol])),
    endpoints: b.endpoints.map(endpointConnectionString),
    ...(rack === null ? {} : { rack }),
    jmx_port: jmxPort,
    port: plaintext ? plaintext.port : -1,
    host: plaintext ? plaintext.host : null,
    version: 5,
    timestamp: timestampText(znode, b.timestamp ?? Date.now()),
  });
}

/**
 * Every version Kafka 3.9 reads: 1 (host and port only, PLAINTEXT), 2 and 3 (endpoints named by
 * their security protocol; 3 adds rack), 4 (listener_security_protocol_map), 5 (features), and
 * later ones read as 5, as Kafka does.
 */
export function decodeBrokerRegistration(brokerId: number, data: ZnodeData): BrokerRegistration {
  const d: Doc = new Doc(brokerIdPath(brokerId), data);
  const o = d.rootObject();
  const version = d.version(o, 1);
  const jmxPort = d.int(o, 'jmx_port');
  let endpoints: BrokerEndpoint[];
  if (version === 1) {
    const host = d.string(o, 'host');
    endpoints = [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: host === '' ? null : host, port: d.int(o, 'port') }];
  } else {
    const protocols = new Map<string, SecurityProtocol>();
    const mapJson = o['listener_security_protocol_map'];
    if (mapJson === undefined) {
      for (const p of SECURITY_PROTOCOLS) protocols.set(p, p);
    } else {
      for (const [name, v] of Object.entries(d.object(mapJson, '"listener_security_protocol_map"'))) {
        const p = typeof v === 'string' ? parseSecurityProtocol(v) : undefined;
        if (p === undefined) d.fail(`listener ${name}: ${JSON.stringify(v)} is not a security protocol`);
        protocols.set(name.toUpperCase(), p);
      }
    }
    const list = d.array(o, 'endpoints');
    endpoints = list.map((v, i) => {
      if (typeof v !== 'string') d.fail(`"endpoints"[${i}] is not a string`);
      const m = ENDPOINT_PATTERN.exec(v.trim());
      if (!m) d.fail(`${JSON.stringify(v)} is not an endpoint (LISTENER://host:port)`);
      const listenerName = m[1]!.toUpperCase();
      const port = Number(m[3]);
      if (!isInt32(port)) d.fail(`${JSON.stringify(v)}: port out of range`);
      const securityProtocol = protocols.get(listenerName);
      if (securityProtocol === undefined) d.fail(`no security protocol for listener ${listenerName}`);
      return { listenerName, securityProtocol, host: m[2] === '' ? null : m[2]!, port };
    });
    const names = new Set(endpoints.map((e) => e.listenerName));
    if (names.size !== endpoints.length) d.fail('a listener is registered twice');
  }
  const features = new Map<string, SupportedFeatureRange>();
  const featuresJson = o['features'];
  if (featuresJson !== undefined && featuresJson !== null) {
    for (const [name, v] of Object.entries(d.object(featuresJson, '"features"'))) {
      const r = d.object(v, `feature ${name}`);
      const range = { minVersion: d.int(r, 'min_version', `feature ${name}: min_version`), maxVersion: d.int(r, 'max_version', `feature ${name}: max_version`) };
      if (!isShort(range.minVersion) || !isShort(range.maxVersion) || range.minVersion < 0 || range.maxVersion < range.minVersion) {
        d.fail(`feature ${name}: [${range.minVersion}, ${range.maxVersion}] is not a version range`);
      }
      features.set(name, range);
    }
  }
  return {
    brokerId,
    version,
    endpoints,
    rack: d.optString(o, 'rack'),
    jmxPort,
    features,
    timestamp: readTimestamp(o['timestamp']),
  };
}

function isShort(v: number): boolean {
  return Number.isInteger(v) && v >= -0x8000 && v <= 0x7fff;
}

/** Kafka's reserved.broker.max.id default: generated broker ids start above it. */
export const DEFAULT_MAX_RESERVED_BROKER_ID = 1000;

/**
 * The broker id a broker without broker.id takes: /brokers/seqid is set (to no data, any
 * version) and the znode version that set produced, 1 the first time, is added to
 * reserved.broker.max.id (KafkaZkClient.generateBrokerSequenceId).
 */
export function generatedBrokerId(seqidZnodeVersion: number, maxReservedBrokerId = DEFAULT_MAX_RESERVED_BROKER_ID): number {
  const id = seqidZnodeVersion + maxReservedBrokerId;
  checkInt32(BROKER_SEQUENCE_ID_PATH, id, 'generated broker id');
  return id;
}

// ---------------------------------------------------------------------------------------------
// /brokers/topics/<topic>, /brokers/topics/<topic>/partitions/<p>/state

/** One partition's replicas. `replicas` includes the replicas being added and those being removed. */
export interface PartitionAssignment {
  readonly replicas: readonly number[];
  /** Being added by an ongoing reassignment. */
  readonly addingReplicas: readonly number[];
  /** Being removed by an ongoing reassignment. */
  readonly removingReplicas: readonly number[];
}

/** What /brokers/topics/<topic> holds. */
export interface TopicAssignment {
  /** 1 (before 2.4), 2 (2.4: adding/removing replicas), 3 (2.8 on: topic_id). */
  readonly version: number;
  /** Kafka's Uuid as it prints it: 22 characters of URL-safe base64; null from writers before 2.8. */
  readonly topicId: string | null;
  /** By partition number, in ascending order. */
  readonly partitions: ReadonlyMap<number, PartitionAssignment>;
}

/** A partition's replicas for encodeTopicAssignment: a plain replica list, or one being reassigned. */
export type PartitionAssignmentInput = readonly number[] | { readonly replicas: readonly number[]; readonly addingReplicas?: readonly number[]; readonly removingReplicas?: readonly number[] };

const TOPIC_ID_PATTERN = /^[A-Za-z0-9_-]{22}(==)?$/;

function checkTopicId(znode: string, id: string): void {
  check(znode, typeof id === 'string' && TOPIC_ID_PATTERN.test(id), `topic id ${JSON.stringify(id)} is not a base64 Uuid (22 URL-safe base64 characters)`);
}

/**
 * Version 3: `{"partitions":{"0":[1,2,3]},"topic_id":"…","adding_replicas":{"1":[4]},"removing_replicas":{"1":[1]},"version":3}`.
 * adding_replicas and removing_replicas are always there, with only the partitions being
 * reassigned; topic_id only when given.
 */
export function encodeTopicAssignment(topicId: string | null, partitions: ReadonlyMap<number, PartitionAssignmentInput>): Buffer {
  const znode = TOPICS_PATH;
  if (topicId !== null) checkTopicId(znode, topicId);
  const replicas: [string, readonly number[]][] = [];
  const adding: [string, readonly number[]][] = [];
  const removing: [string, readonly number[]][] = [];
  for (const [partition, a] of [...partitions].sort((x, y) => x[0] - y[0])) {
    check(znode, isInt32(partition) && partition >= 0, `partition ${partition} is not a partition number`);
    const p = Array.isArray(a) ? { replicas: a as readonly number[] } : (a as Exclude<PartitionAssignmentInput, readonly number[]>);
    checkInts(znode, p.replicas, `partition ${partition} replicas`);
    replicas.push([String(partition), p.replicas]);
    if (p.addingReplicas?.length) {
      checkInts(znode, p.addingReplicas, `partition ${partition} adding replicas`);
      adding.push([String(partition), p.addingReplicas]);
    }
    if (p.removingReplicas?.length) {
      checkInts(znode, p.removingReplicas, `partition ${partition} removing replicas`);
      removing.push([String(partition), p.removingReplicas]);
    }
  }
  return json({
    partitions: Object.fromEntries(replicas),
    ...(topicId === null ? {} : { topic_id: topicId }),
    adding_replicas: Object.fromEntries(adding),
    removing_replicas: Object.fromEntries(removing),
    version: 3,
  });
}

/**
 * Versions 1 to 3 and later (Kafka reads the fields and not the version). A missing "partitions"
 * is a topic with none; adding/removing entries for partitions not in "partitions" are ignored, as
 * Kafka ignores them.
 */
export function decodeTopicAssignment(topic: string, data: ZnodeData): TopicAssignment {
  const d: Doc = new Doc(topicPath(topic), data);
  const o = d.rootObject();
  const version = d.version(o, 1);
  const topicId = d.optString(o, 'topic_id');
  if (topicId !== null && !TOPIC_ID_PATTERN.test(topicId)) d.fail(`topic_id ${JSON.stringify(topicId)} is not a base64 Uuid`);
  const byPartition = (key: string): JsonObject => (o[key] === undefined || o[key] === null ? {} : d.object(o[key], `"${key}"`));
  const adding = byPartition('adding_replicas');
  const removing = byPartition('removing_replicas');
  const list: [number, PartitionAssignment][] = [];
  for (const [key, v] of Object.entries(byPartition('partitions'))) {
    const partition = /^[+-]?\d{1,10}$/.test(key) ? Number(key) : NaN;
    if (!isInt32(partition)) d.fail(`partition ${JSON.stringify(key)} is not a number`);
    const replicasOf = (m: JsonObject, what: string): number[] => (Object.hasOwn(m, key) ? d.ints(m[key], `${what} of partition ${key}`) : []);
    list.push([
      partition,
      { replicas: d.ints(v, `replicas of partition ${key}`), addingReplicas: replicasOf(adding, 'adding_replicas'), removingReplicas: replicasOf(removing, 'removing_replicas') },
    ]);
  }
  list.sort((x, y) => x[0] - y[0]);
  return { version, topicId, partitions: new Map(list) };
}

/** Kafka's LeaderRecoveryState values. */
export const LeaderRecoveryState = Object.freeze({ RECOVERED: 0, RECOVERING: 1 } as const);
export type LeaderRecoveryState = (typeof LeaderRecoveryState)[keyof typeof LeaderRecoveryState];

/** Kafka's LeaderAndIsr.NoLeader: a partition state's leader when no replica leads. */
export const NO_LEADER = -1;
/** Kafka's LeaderAndIsr.LeaderDuringDelete: the leader of a partition whose topic is being deleted. */
export const LEADER_DURING_DELETE = -2;

/** What /brokers/topics/<topic>/partitions/<p>/state holds. */
export interface PartitionState {
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  /** The epoch of the controller that wrote it (or that the leader which wrote it knew). */
  readonly controllerEpoch: number;
  /** RECOVERED unless an unclean election left the leader recovering (KIP-704, 3.2 on). */
  readonly leaderRecoveryState: LeaderRecoveryState;
}

/**
 * `{"controller_epoch":7,"leader":1,"version":1,"leader_epoch":5,"isr":[1,2,3]}`. Still version
 * 1 in 3.9: leader_recovery_state is added, as 1, only while recovering, and old readers ignore it.
 * The partition epoch is the znode's version, not data.
 */
export function encodePartitionState(s: PartitionState): Buffer {
  const znode = TOPICS_PATH;
  checkInt32(znode, s.leader, 'leader');
  checkInt32(znode, s.leaderEpoch, 'leader_epoch');
  checkInt32(znode, s.controllerEpoch, 'controller_epoch');
  checkInts(znode, s.isr, 'isr');
  check(znode, s.leaderRecoveryState === 0 || s.leaderRecoveryState === 1, `${String(s.leaderRecoveryState)} is not a leader recovery state`);
  return json({
    controller_epoch: s.controllerEpoch,
    leader: s.leader,
    version: 1,
    ...(s.leaderRecoveryState === LeaderRecoveryState.RECOVERED ? {} : { leader_recovery_state: s.leaderRecoveryState }),
    leader_epoch: s.leaderEpoch,
    isr: s.isr,
  });
}

/** Any version (Kafka reads the fields, not the version); leader_recovery_state absent is RECOVERED. */
export function decodePartitionState(topic: string, partition: number, data: ZnodeData): PartitionState & { readonly version: number } {
  const d: Doc = new Doc(topicPartitionStatePath(topic, partition), data);
  const o = d.rootObject();
  const version = d.version(o, 1);
  const recovery = d.optInt(o, 'leader_recovery_state') ?? LeaderRecoveryState.RECOVERED;
  if (recovery !== 0 && recovery !== 1) d.fail(`${recovery} is not a leader recovery state`);
  return {
    version,
    leader: d.int(o, 'leader'),
    leaderEpoch: d.int(o, 'leader_epoch'),
    isr: d.ints(o['isr'], '"isr"'),
    controllerEpoch: d.int(o, 'controller_epoch'),
    leaderRecoveryState: recovery,
  };
}

// ---------------------------------------------------------------------------------------------
// /config/<type>/<name>, /config/changes

/** Kafka's ConfigType: the children of /config (and the user/client nesting). */
export const ConfigType = Object.freeze({ TOPIC: 'topics', CLIENT: 'clients', USER: 'users', BROKER: 'brokers', IP: 'ips' } as const);
export type ConfigType = (typeof ConfigType)[keyof typeof ConfigType];

/** The entity name of cluster-wide defaults: /config/brokers/<default>, /config/users/<default>, … (never sanitized). */
export const DEFAULT_ENTITY_NAME = '<default>';

/** `/config/<type>` (ConfigEntityTypeZNode). */
export function configEntityTypePath(entityType: string): string {
  return `${CONFIG_PATH}/${segment(CONFIG_PATH, entityType)}`;
}

/**
 * `/config/<type>/<sanitized name>` (ConfigEntityZNode). The name may be hierarchical,
 * `<user>/clients/<client>` for a user and client-id quota; user and client names are sanitized
 * first (sanitizeEntityName), topics and broker ids are not.
 */
export function configEntityPath(entityType: string, sanitizedEntityName: string): string {
  for (const part of sanitizedEntityName.split('/')) segment(configEntityTypePath(entityType), part);
  return `${configEntityTypePath(entityType)}/${sanitizedEntityName}`;
}

/**
 * Kafka's Sanitizer.sanitize, for user principals and client ids as znode names: Java's
 * URLEncoder (UTF-8; letters, digits and `.-_` kept, everything else %XX) with `*` as %2A and
 * space as %20. `<default>` is kept as it is, as kafka-configs keeps it.
 */
export function sanitizeEntityName(name: string): string {
  if (name === DEFAULT_ENTITY_NAME) return name;
  let out = '';
  for (const byte of Buffer.from(name, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9._-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Kafka's Sanitizer.desanitize (Java's URLDecoder: %XX as UTF-8 bytes, `+` as a space). */
export function desanitizeEntityName(sanitized: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < sanitized.length; ) {
    const c = sanitized[i]!;
    if (c === '%') {
      const hex = sanitized.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new ZkDataError(CONFIG_PATH, `${JSON.stringify(sanitized)} is not a sanitized name (bad escape at ${i})`);
      bytes.push(parseInt(hex, 16));
      i += 3;
    } else {
      bytes.push(...Buffer.from(c === '+' ? ' ' : c, 'utf8'));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** `{"version":1,"config":{"k":"v"}}`: every value a string, as Kafka's Properties. */
export function encodeEntityConfig(config: ReadonlyMap<string, string> | Readonly<Record<string, string>>): Buffer {
  const entries = config instanceof Map ? [...(config as ReadonlyMap<string, string>)] : Object.entries(config as Readonly<Record<string, string>>);
  for (const [k, v] of entries) check(CONFIG_PATH, typeof v === 'string', `config ${k}: the value is not a string`);
  return json({ version: 1, config: Object.fromEntries(entries) });
}

/**
 * The config, by key. No data (a parent znode, /config/users/<user> created only to hold
 * clients/…) and no "config" are an empty config, as Kafka reads them; a value that is not a
 * string is an error, as in Kafka.
 */
export function decodeEntityConfig(data: ZnodeData, znode = CONFIG_PATH): Map<string, string> {
  const out = new Map<string, string>();
  if (isEmpty(data)) return out;
  const d: Doc = new Doc(znode, data);
  const o = d.rootObject();
  const config = o['config'];
  if (config === undefined || config === null) return out;
  for (const [k, v] of Object.entries(d.object(config, '"config"'))) {
    if (typeof v !== 'string') d.fail(`config ${k}: the value is not a string`);
    out.set(k, v);
  }
  return out;
}

/** A config change notification: which entity's config to reload. */
export interface ConfigChangeNotification {
  /** 2 (entity_path, 0.10.1 on) or 1 (entity_type and entity_name; topics and clients only). */
  readonly version: number;
  /** "topics", "users", …: the first segment of the entity path. */
  readonly entityType: string;
  /** The sanitized name, perhaps hierarchical ("alice/clients/app"). */
  readonly entityName: string;
}

/** Version 2, `{"version":2,"entity_path":"users/alice/clients/app"}`, for `/config/<entity path>` just written. */
export function encodeConfigChangeNotification(entityType: string, sanitizedEntityName: string): Buffer {
  configEntityPath(entityType, sanitizedEntityName);
  return json({ version: 2, entity_path: `${entityType}/${sanitizedEntityName}` });
}

/**
 * Versions 1 and 2, as Kafka's ZkConfigManager reads them. Kafka skips a notification that is not
 * JSON (from the long-gone TopicConfigManager); here it is a ZkDataError, for the caller to skip.
 */
export function decodeConfigChangeNotification(data: ZnodeData): ConfigChangeNotification {
  const d: Doc = new Doc(CONFIG_CHANGES_PATH, data);
  const o = d.rootObject();
  const version = d.version(o, 1, 2);
  if (version === 1) {
    const entityType = d.optString(o, 'entity_type');
    if (entityType !== ConfigType.TOPIC && entityType !== ConfigType.CLIENT) d.fail(`a version 1 notification must have entity_type "topics" or "clients"`);
    const entityName = d.optString(o, 'entity_name');
    if (entityName === null) d.fail('a version 1 notification must have entity_name');
    return { version, entityType, entityName };
  }
  const path = d.optString(o, 'entity_path');
  if (path === null) d.fail('a version 2 notification must have entity_path');
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1) d.fail(`entity_path ${JSON.stringify(path)} is not <type>/<name>`);
  return { version, entityType: path.slice(0, slash), entityName: path.slice(slash + 1) };
}

// ---------------------------------------------------------------------------------------------
// SCRAM credentials in /config/users/<user>

/** The config keys of a user's SCRAM credentials, one per mechanism. */
export const SCRAM_CONFIG_KEYS = Object.freeze(['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const);
export type ScramConfigKey = (typeof SCRAM_CONFIG_KEYS)[number];

/** A SCRAM credential as /config/users/<user> keeps it (Kafka's ScramCredential). */
export interface ZkScramCredential {
  readonly salt: Buffer;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
  readonly iterations: number;
}

/** Kafka's ScramCredentialUtils.credentialToString: `salt=<b64>,stored_key=<b64>,server_key=<b64>,iterations=<n>`. */
export function formatScramCredential(c: ZkScramCredential): string {
  check(CONFIG_PATH, isInt32(c.iterations) && c.iterations > 0, `SCRAM iterations ${c.iterations} is not a positive integer`);
  return `salt=${c.salt.toString('base64')},stored_key=${c.storedKey.toString('base64')},server_key=${c.serverKey.toString('base64')},iterations=${c.iterations}`;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}|[A-Za-z0-9+/]{3})?$/;

/** Kafka's ScramCredentialUtils.credentialFromString: exactly those four keys, in any order, standard base64. */
export function parseScramCredential(value: string): ZkScramCredential {
  const fail = (reason: string): never => {
    throw new ZkDataError(CONFIG_PATH, `not a SCRAM credential (${reason})`, value);
  };
  const props = new Map<string, string>();
  for (const token of value.split(',')) {
    const eq = token.indexOf('=');
    if (eq <= 0) fail(`${JSON.stringify(token)} is not key=value`);
    props.set(token.slice(0, eq), token.slice(eq + 1));
  }
  const keys = ['salt', 'stored_key', 'server_key', 'iterations'];
  if (props.size !== 4 || !keys.every((k) => props.has(k))) fail('it must have exactly salt, stored_key, server_key and iterations');
  const bytes = (k: string): Buffer => {
    const v = props.get(k)!;
    if (!BASE64.test(v)) fail(`${k} is not base64`);
    return Buffer.from(v, 'base64');
  };
  const it = props.get('iterations')!;
  const iterations = /^[+-]?\d{1,10}$/.test(it) ? Number(it) : NaN;
  if (!isInt32(iterations)) fail('iterations is not an integer');
  return { salt: bytes('salt'), storedKey: bytes('stored_key'), serverKey: bytes('server_key'), iterations };
}

/** The SCRAM credentials in a user's config, by mechanism (what decodeEntityConfig gave for /config/users/<user>). */
export function scramCredentialsOf(config: ReadonlyMap<string, string>): Map<ScramConfigKey, ZkScramCredential> {
  const out = new Map<ScramConfigKey, ZkScramCredential>();
  for (const key of SCRAM_CONFIG_KEYS) {
    const v = config.get(key);
    if (v !== undefined) out.set(key, parseScramCredential(v));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// /admin/reassign_partitions, /admin/preferred_replica_election

function encodePartitionList(znode: string, partitions: readonly TopicPartition[]): { topic: string; partition: number }[] {
  return partitions.map((p) => {
    check(znode, typeof p.topic === 'string' && p.topic !== '', 'a topic name is empty');
    checkInt32(znode, p.partition, `${p.topic} partition`);
    return { topic: p.topic, partition: p.partition };
  });
}

function decodePartitionList(d: Doc, o: JsonObject): TopicPartition[] {
  const seen = new Set<string>();
  const out: TopicPartition[] = [];
  d.array(o, 'partitions').forEach((v, i) => {
    const p = d.object(v, `"partitions"[${i}]`);
    const tp = { topic: d.string(p, 'topic', `"partitions"[${i}].topic`), partition: d.int(p, 'partition', `"partitions"[${i}].partition`) };
    const key = `${tp.partition}:${tp.topic}`;
    if (!seen.has(key)) out.push(tp);
    seen.add(key);
  });
  return out;
}

/** One partition's target replicas in a legacy reassignment. */
export interface PartitionReassignment extends TopicPartition {
  readonly replicas: readonly number[];
}

/** `{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2,3]}]}`. */
export function encodeReassignPartitions(reassignments: readonly PartitionReassignment[]): Buffer {
  const znode = REASSIGN_PARTITIONS_PATH;
  const partitions = encodePartitionList(znode, reassignments).map((p, i) => {
    checkInts(znode, reassignments[i]!.replicas, `${p.topic}-${p.partition} replicas`);
    return { ...p, replicas: reassignments[i]!.replicas };
  });
  return json({ version: 1, partitions });
}

/**
 * The reassignments, a partition listed twice taking its last entry (as Kafka). Unknown keys (a
 * "log_dirs" from a kafka-reassign-partitions file) are ignored, where Kafka's reader refuses them.
 */
export function decodeReassignPartitions(data: ZnodeData): PartitionReassignment[] {
  const d: Doc = new Doc(REASSIGN_PARTITIONS_PATH, data);
  const o = d.rootObject();
  d.version(o, 1);
  const byPartition = new Map<string, PartitionReassignment>();
  d.array(o, 'partitions').forEach((v, i) => {
    const p = d.object(v, `"partitions"[${i}]`);
    const r = { topic: d.string(p, 'topic', `"partitions"[${i}].topic`), partition: d.int(p, 'partition', `"partitions"[${i}].partition`), replicas: d.ints(p['replicas'], `"partitions"[${i}].replicas`) };
    const key = `${r.partition}:${r.topic}`;
    byPartition.delete(key);
    byPartition.set(key, r);
  });
  return [...byPartition.values()];
}

/** `{"version":1,"partitions":[{"topic":"t","partition":0}]}`. */
export function encodePreferredReplicaElection(partitions: readonly TopicPartition[]): Buffer {
  return json({ version: 1, partitions: encodePartitionList(PREFERRED_REPLICA_ELECTION_PATH, partitions) });
}

/** The partitions, each once. */
export function decodePreferredReplicaElection(data: ZnodeData): TopicPartition[] {
  const d: Doc = new Doc(PREFERRED_REPLICA_ELECTION_PATH, data);
  const o = d.rootObject();
  d.version(o, 1);
  return decodePartitionList(d, o);
}

// ---------------------------------------------------------------------------------------------
// /isr_change_notification, /log_dir_event_notification

/** `{"version":1,"partitions":[{"topic":"t","partition":0}]}`: partitions whose ISR a leader changed. */
export function encodeIsrChangeNotification(partitions: readonly TopicPartition[]): Buffer {
  return json({ version: 1, partitions: encodePartitionList(ISR_CHANGE_NOTIFICATION_PATH, partitions) });
}

/** The partitions, each once. */
export function decodeIsrChangeNotification(data: ZnodeData): TopicPartition[] {
  const d: Doc = new Doc(ISR_CHANGE_NOTIFICATION_PATH, data);
  const o = d.rootObject();
  d.version(o, 1);
  return decodePartitionList(d, o);
}

/** The only log dir event Kafka has: a log dir failed. */
export const LOG_DIR_FAILURE_EVENT = 1;

/** `{"version":1,"broker":2,"event":1}`: a log dir of the broker failed. */
export function encodeLogDirEventNotification(brokerId: number): Buffer {
  checkInt32(LOG_DIR_EVENT_NOTIFICATION_PATH, brokerId, 'broker');
  return json({ version: 1, broker: brokerId, event: LOG_DIR_FAILURE_EVENT });
}

/** The broker whose log dir failed (Kafka reads "broker" alone). */
export function decodeLogDirEventNotification(data: ZnodeData): { readonly brokerId: number; readonly event: number } {
  const d: Doc = new Doc(LOG_DIR_EVENT_NOTIFICATION_PATH, data);
  const o = d.rootObject();
  d.version(o, 1);
  return { brokerId: d.int(o, 'broker'), event: d.optInt(o, 'event') ?? LOG_DIR_FAILURE_EVENT };
}

// ---------------------------------------------------------------------------------------------
// /latest_producer_id_block

/** The last block of producer ids a broker took: [blockStart, blockEnd], both included. */
export interface ProducerIdBlock {
  readonly brokerId: number;
  readonly blockStart: number;
  readonly blockEnd: number;
}

/** Kafka's ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE. */
export const PRODUCER_ID_BLOCK_SIZE = 1000;

function checkProducerIdBlock(znode: string, b: ProducerIdBlock): void {
  checkInt32(znode, b.brokerId, 'broker');
  check(znode, Number.isSafeInteger(b.blockStart) && b.blockStart >= 0, `block start ${b.blockStart} is not a producer id`);
  check(znode, Number.isSafeInteger(b.blockEnd) && b.blockEnd >= b.blockStart && isInt32(b.blockEnd - b.blockStart + 1), `block end ${b.blockEnd} does not end a block starting at ${b.blockStart}`);
}

/** `{"version":1,"broker":2,"block_start":"1000","block_end":"1999"}`: the ids as strings, for 64 bits. */
export function encodeProducerIdBlock(b: ProducerIdBlock): Buffer {
  checkProducerIdBlock(PRODUCER_ID_BLOCK_PATH, b);
  return json({ version: 1, broker: b.brokerId, block_start: String(b.blockStart), block_end: String(b.blockEnd) });
}

/**
 * The latest block; null for the znode as created at start, with no data: no block taken yet.
 * Ids beyond 2^53 are refused, as Spindle keeps producer ids as numbers.
 */
export function decodeProducerIdBlock(data: ZnodeData): ProducerIdBlock | null {
  if (isEmpty(data)) return null;
  const d: Doc = new Doc(PRODUCER_ID_BLOCK_PATH, data);
  const o = d.rootObject();
  d.version(o, 1);
  const id = (key: string): number => {
    const v = d.string(o, key);
    if (!/^\d{1,16}$/.test(v) || !Number.isSafeInteger(Number(v))) d.fail(`"${key}" is not a producer id (a decimal string below 2^53)`);
    return Number(v);
  };
  const b = { brokerId: d.int(o, 'broker'), blockStart: id('block_start'), blockEnd: id('block_end') };
  if (b.blockEnd < b.blockStart || !isInt32(b.blockEnd - b.blockStart + 1)) d.fail('block_end does not end a block starting at block_start');
  return b;
}

/** The block a broker takes after `latest` (ZkProducerIdManager): the next ids, or from 0 when none was taken. */
export function nextProducerIdBlock(latest: ProducerIdBlock | null, brokerId: number, blockSize = PRODUCER_ID_BLOCK_SIZE): ProducerIdBlock {
  const blockStart = latest === null ? 0 : latest.blockEnd + 1;
  const b = { brokerId, blockStart, blockEnd: blockStart + blockSize - 1 };
  check(PRODUCER_ID_BLOCK_PATH, blockSize > 0 && Number.isSafeInteger(b.blockEnd), 'producer ids are exhausted');
  checkProducerIdBlock(PRODUCER_ID_BLOCK_PATH, b);
  return b;
}

// ---------------------------------------------------------------------------------------------
// /feature

/** Kafka's FeatureZNodeStatus ids. */
export const FeatureZNodeStatus = Object.freeze({ DISABLED: 0, ENABLED: 1 } as const);
export type FeatureZNodeStatus = (typeof FeatureZNodeStatus)[keyof typeof FeatureZNodeStatus];

/** What /feature holds: the cluster's finalized feature levels (KIP-584). */
export interface FeatureZNode {
  /** 2 with IBP 3.3 or later (no min_version_level), 1 before. */
  readonly version: 1 | 2;
  /** DISABLED before IBP 2.7. */
  readonly status: FeatureZNodeStatus;
  /** Feature name → finalized level (1 or more). */
  readonly features: ReadonlyMap<string, number>;
}

/**
 * What a Kafka 3.9 ZooKeeper-mode controller writes and its brokers accept: version 2, enabled,
 * no features. Such a broker supports no feature, so any finalized feature here fails its
 * compatibility check and stops it.
 */
export function zkModeFeatureZNode(): FeatureZNode {
  return { version: 2, status: FeatureZNodeStatus.ENABLED, features: new Map() };
}

/** `{"features":{"f":{"max_version_level":3}},"version":2,"status":1}`; version 1 adds min_version_level, equal to the max. */
export function encodeFeatureZNode(f: FeatureZNode): Buffer {
  check(FEATURE_PATH, f.version === 1 || f.version === 2, `unsupported version ${String(f.version)}`);
  check(FEATURE_PATH, f.status === 0 || f.status === 1, `${String(f.status)} is not a feature znode status`);
  const features: [string, Record<string, number>][] = [];
  for (const [name, level] of f.features) {
    check(FEATURE_PATH, isShort(level) && level >= 1, `feature ${name}: level ${level} is not 1 to 32767`);
    features.push([name, f.version === 1 ? { max_version_level: level, min_version_level: level } : { max_version_level: level }]);
  }
  return json({ features: Object.fromEntries(features), version: f.version, status: f.status });
}

/** Versions 1 and 2, with Kafka's checks: a status, a features map, levels of 1 or more (v1: min ≤ max). */
export function decodeFeatureZNode(data: ZnodeData): FeatureZNode {
  const d: Doc = new Doc(FEATURE_PATH, data);
  const o = d.rootObject();
  const version = d.version(o, 1, 2) as 1 | 2;
  const status = d.optInt(o, 'status');
  if (status === null) d.fail('"status" is missing');
  if (status !== 0 && status !== 1) d.fail(`${status} is not a feature znode status`);
  if (o['features'] === undefined || o['features'] === null) d.fail('"features" is missing');
  const features = new Map<string, number>();
  for (const [name, v] of Object.entries(d.object(o['features'], '"features"'))) {
    const r = d.object(v, `feature ${name}`);
    const max = d.int(r, 'max_version_level', `feature ${name}: max_version_level`);
    if (version === 1) {
      const min = d.int(r, 'min_version_level', `feature ${name}: min_version_level`);
      if (min < 1 || max < min) d.fail(`feature ${name}: [${min}, ${max}] is not a range of levels from 1`);
    }
    if (max < 1 || !isShort(max)) d.fail(`feature ${name}: level ${max} is not 1 to 32767`);
    features.set(name, max);
  }
  return { version, status, features };
}

// ---------------------------------------------------------------------------------------------
// ACLs: /kafka-acl, /kafka-acl-extended, and their change notifications

/** A resource pattern that has ACLs: a concrete type, LITERAL or PREFIXED. */
export interface ZkResourcePattern {
  readonly resourceType: ResourceType;
  readonly name: string;
  readonly patternType: PatternType;
}

/** One ACL of a resource, as AclAuthorizer keeps it (an AccessControlEntry). */
export interface ZkAclEntry {
  /** "Type:name": "User:alice", "User:*". */
  readonly principal: string;
  /** "*" or a host address. */
  readonly host: string;
  readonly operation: AclOperation;
  readonly permissionType: AclPermissionType;
}

/** The resource types ACLs are kept for (AclEntry.RESOURCE_TYPES): a znode each under every store. */
const CONCRETE_RESOURCE_TYPES: readonly ResourceType[] = Object.freeze([
  ResourceType.TOPIC,
  ResourceType.GROUP,
  ResourceType.CLUSTER,
  ResourceType.TRANSACTIONAL_ID,
  ResourceType.DELEGATION_TOKEN,
  ResourceType.USER,
]);

function checkResourceType(znode: string, t: ResourceType): void {
  check(znode, CONCRETE_RESOURCE_TYPES.includes(t), `resource type ${String(t)} has no ACL znodes`);
}

function checkPatternType(znode: string, p: PatternType): void {
  check(znode, p === PatternType.LITERAL || p === PatternType.PREFIXED, `pattern type ${String(p)} has no ACL znodes`);
}

/** The store of a pattern type: /kafka-acl for LITERAL, /kafka-acl-extended/prefixed for PREFIXED. */
export function aclStorePath(patternType: PatternType): string {
  checkPatternType(LITERAL_ACL_PATH, patternType);
  return patternType === PatternType.LITERAL ? LITERAL_ACL_PATH : `${EXTENDED_ACL_PATH}/${patternTypeName(patternType).toLowerCase()}`;
}

/** `/kafka-acl/Topic`, `/kafka-acl-extended/prefixed/TransactionalId`: a store's znode for a resource type. */
export function aclResourceTypePath(patternType: PatternType, resourceType: ResourceType): string {
  checkResourceType(LITERAL_ACL_PATH, resourceType);
  return `${aclStorePath(patternType)}/${resourceTypePascalName(resourceType)}`;
}

/**
 * `/kafka-acl/Topic/orders` (ResourceZNode): where a resource pattern's ACLs are kept. The name
 * is used as it is, as Kafka uses it; one that cannot be a znode name is refused.
 */
export function aclResourcePath(resource: ZkResourcePattern): string {
  const typePath = aclResourceTypePath(resource.patternType, resource.resourceType);
  return `${typePath}/${segment(typePath, resource.name)}`;
}

/** The change notification root of a pattern type's store. */
export function aclChangesPath(patternType: PatternType): string {
  checkPatternType(LITERAL_ACL_CHANGES_PATH, patternType);
  return patternType === PatternType.LITERAL ? LITERAL_ACL_CHANGES_PATH : EXTENDED_ACL_CHANGES_PATH;
}

/** `/kafka-acl-changes/acl_changes_<seq>` or the extended one; with no sequence, the path to create sequentially. */
export function aclChangePath(patternType: PatternType, sequence = ''): string {
  return sequencePath(aclChangesPath(patternType), ACL_CHANGE_PREFIX, sequence);
}

/**
 * What AclAuthorizer creates at start (KafkaZkClient.createAclPaths): each store with a child
 * per resource type, and both change roots.
 */
export const ACL_ZK_PATHS: readonly string[] = Object.freeze([
  ...[PatternType.LITERAL, PatternType.PREFIXED].flatMap((p) => [aclStorePath(p), ...CONCRETE_RESOURCE_TYPES.map((t) => aclResourceTypePath(p, t))]),
  LITERAL_ACL_CHANGES_PATH,
  EXTENDED_ACL_CHANGES_PATH,
]);

function checkAclEntry(znode: string, e: ZkAclEntry): void {
  check(znode, typeof e.principal === 'string' && e.principal.includes(':'), `principal ${JSON.stringify(e.principal)} is not Type:name`);
  check(znode, typeof e.host === 'string' && e.host !== '', 'an ACL host is empty');
  check(znode, e.operation >= AclOperation.ALL && operationPascalName(e.operation) !== 'Unknown', `operation ${String(e.operation)} cannot be kept in an ACL`);
  check(znode, e.permissionType === AclPermissionType.ALLOW || e.permissionType === AclPermissionType.DENY, `permission type ${String(e.permissionType)} cannot be kept in an ACL`);
}

/**
 * A resource's ACLs: `{"acls":[{"principal":"User:alice","permissionType":"Allow","host":"*","operation":"Read"}],"version":1}`,
 * names in Pascal case as SecurityUtils writes them. Kafka keeps a set: duplicates are dropped.
 */
export function encodeAcls(acls: Iterable<ZkAclEntry>): Buffer {
  const seen = new Set<string>();
  const list: { principal: string; permissionType: string; host: string; operation: string }[] = [];
  for (const e of acls) {
    checkAclEntry(LITERAL_ACL_PATH, e);
    const key = JSON.stringify([e.principal, e.host, e.operation, e.permissionType]);
    if (seen.has(key)) continue;
    seen.add(key);
    list.push({ principal: e.principal, permissionType: permissionTypePascalName(e.permissionType), host: e.host, operation: operationPascalName(e.operation) });
  }
  return json({ acls: list, version: 1 });
}

/**
 * Version 1 only, as Kafka. Names are read in Pascal or upper case with or without underscores
 * (Kafka takes "Read", "READ", "IdempotentWrite", "IDEMPOTENTWRITE"); one naming no operation or
 * permission is an error rather than Kafka's UNKNOWN. No data is no ACLs, as in Kafka.
 */
export function decodeAcls(data: ZnodeData, znode = LITERAL_ACL_PATH): ZkAclEntry[] {
  if (isEmpty(data)) return [];
  const d: Doc = new Doc(znode, data);
  const o = d.rootObject();
  d.version(o, 1, 1);
  const seen = new Set<string>();
  const out: ZkAclEntry[] = [];
  d.array(o, 'acls').forEach((v, i) => {
    const a = d.object(v, `"acls"[${i}]`);
    const principal = d.string(a, 'principal', `"acls"[${i}].principal`);
    if (!principal.includes(':')) d.fail(`principal ${JSON.stringify(principal)} is not Type:name`);
    const opName = d.string(a, 'operation', `"acls"[${i}].operation`);
    const operation = parseOperation(opName);
    if (operation === AclOperation.UNKNOWN || operation === AclOperation.ANY) d.fail(`${JSON.stringify(opName)} is not an ACL operation`);
    const permName = d.string(a, 'permissionType', `"acls"[${i}].permissionType`);
    const permissionType = parsePermissionType(permName);
    if (permissionType !== AclPermissionType.ALLOW && permissionType !== AclPermissionType.DENY) d.fail(`${JSON.stringify(permName)} is not Allow or Deny`);
    const e = { principal, host: d.string(a, 'host', `"acls"[${i}].host`), operation, permissionType };
    const key = JSON.stringify([e.principal, e.host, e.operation, e.permissionType]);
    if (!seen.has(key)) out.push(e);
    seen.add(key);
  });
  return out;
}

/**
 * The change notification for a resource whose ACLs changed, for aclChangePath(patternType):
 * LITERAL as text, `TOPIC:orders` (the type's constant name, then the name, which may hold
 * colons); PREFIXED as `{"version":1,"resourceType":"GROUP","name":"app-","patternType":"PREFIXED"}`.
 */
export function encodeAclChange(resource: ZkResourcePattern): Buffer {
  const znode = aclChangesPath(resource.patternType);
  checkResourceType(znode, resource.resourceType);
  check(znode, typeof resource.name === 'string' && resource.name !== '', 'the resource name is empty');
  if (resource.patternType === PatternType.LITERAL) return Buffer.from(`${resourceTypeName(resource.resourceType)}:${resource.name}`, 'utf8');
  return json({ version: 1, resourceType: resourceTypeName(resource.resourceType), name: resource.name, patternType: patternTypeName(resource.patternType) });
}

function resourceTypeOf(znode: string, name: string, raw: string): ResourceType {
  const t = parseResourceType(name);
  if (!CONCRETE_RESOURCE_TYPES.includes(t)) throw new ZkDataError(znode, `${JSON.stringify(name)} is not a resource type`, raw);
  return t;
}

/**
 * A change notification from either change root. The literal form's type is read in any case,
 * with or without underscores: Kafka's writer gives "TRANSACTIONAL_ID:…", writers before 2.0
 * gave "TransactionalId:…", which Kafka 3.9 itself misreads as UNKNOWN.
 */
export function decodeAclChange(patternType: PatternType, data: ZnodeData): ZkResourcePattern {
  const znode = aclChangesPath(patternType);
  if (patternType === PatternType.LITERAL) {
    const t = text(znode, data);
    const colon = t.indexOf(':');
    if (colon < 0) throw new ZkDataError(znode, 'not ResourceType:name', t);
    return { resourceType: resourceTypeOf(znode, t.slice(0, colon), t), name: t.slice(colon + 1), patternType: PatternType.LITERAL };
  }
  const d: Doc = new Doc(znode, data);
  const o = d.rootObject();
  d.version(o, 0, 1);
  const patternName = d.string(o, 'patternType');
  const p = parsePatternType(patternName);
  if (p !== PatternType.LITERAL && p !== PatternType.PREFIXED) d.fail(`${JSON.stringify(patternName)} is not a pattern type ACLs are kept for`);
  return { resourceType: resourceTypeOf(znode, d.string(o, 'resourceType'), d.text), name: d.string(o, 'name'), patternType: p };
}
