/**
 * Admin operations over a Client: topics (create, delete, add partitions, list, describe with
 * log start and end offsets), configs (describe, alter, incremental alter) for topics and
 * brokers, consumer groups (list, describe, delete, committed offsets: fetch, commit, reset),
 * ListOffsets, transactions (list, describe, the producers of partitions, writing markers:
 * what an operator needs to find and end a hanging transaction), and ACLs (create, describe,
 * delete).
 *
 * Where the requests go: topic and config changes to the controller (a broker's own configs to
 * that broker), group requests to the group's coordinator, ListOffsets to each partition's
 * leader, ListGroups and ListTransactions to every broker (each lists the groups and
 * transactional ids it coordinates), DescribeTransactions to the transactional id's coordinator
 * (FindCoordinator, key type 1), DescribeProducers and WriteTxnMarkers to each partition's
 * leader (or to a broker named for DescribeProducers), and the ACL requests to the controller
 * (any broker serves them; one node for all three reads back what was just written).
 *
 * Every operation throws on the first failed resource, after sending the whole request: a
 * KafkaError naming the resource ("topic 'orders': TOPIC_ALREADY_EXISTS (…)"), a ClientError
 * for an unknown topic, an UnsupportedApiError when the broker does not serve the API.
 *
 * Topic size is not reported: it needs DescribeLogDirs, which Spindle neither declares nor
 * serves, and counting it by fetching the whole log would read every byte.
 *
 * Main thread (any single thread).
 */
import { pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { ErrorCode } from '../protocol/errors.js';
import {
  AlterClientQuotas,
  AlterConfigs,
  AlterUserScramCredentials,
  CreateAcls,
  CreatePartitions,
  CreateTopics,
  DeleteAcls,
  DeleteGroups,
  DeleteTopics,
  DescribeAcls,
  DescribeClientQuotas,
  DescribeConfigs,
  DescribeGroups,
  DescribeProducers,
  DescribeTransactions,
  DescribeUserScramCredentials,
  FindCoordinator,
  IncrementalAlterConfigs,
  ListGroups,
  ListOffsets,
  ListTransactions,
  OffsetCommit,
  OffsetFetch,
  WriteTxnMarkers,
} from '../protocol/messages/index.js';
import { Client, MAX_RETRIES, RETRY_BACKOFF_MS, ZERO_UUID, sleep, type TopicInfo } from './client.js';
import { type TopicPartitions, decodeAssignment, CONSUMER_PROTOCOL_TYPE } from './consumer-protocol.js';
import type { Connection } from './connection.js';
import { ClientError, KafkaError, UnsupportedApiError, check } from './errors.js';

/** How long the broker may take for a topic change before answering REQUEST_TIMED_OUT. */
export const ADMIN_TIMEOUT_MS = 30_000;

/** ListOffsets' special timestamps. */
export const OffsetSpec = Object.freeze({ latest: -1, earliest: -2, maxTimestamp: -3 } as const);
export type OffsetQuery = 'earliest' | 'latest' | { timestamp: number };

/** One entity's quotas: its parts by entity type ('user', 'client-id', 'ip'; null names the default), and each quota by key. */
export interface ClientQuotaEntry {
  entity: Record<string, string | null>;
  values: Record<string, number>;
}

const pbkdf2Async = promisify(pbkdf2);
/** The SCRAM mechanisms by their code in the SCRAM APIs, and back. */
const SCRAM_NAMES: Readonly<Record<number, 'SCRAM-SHA-256' | 'SCRAM-SHA-512'>> = Object.freeze({ 1: 'SCRAM-SHA-256', 2: 'SCRAM-SHA-512' });
const SCRAM_CODES = Object.freeze({ 'SCRAM-SHA-256': 1, 'SCRAM-SHA-512': 2 } as const);
/** Iterations when none are asked for: Kafka's ConfigCommand default. */
export const DEFAULT_SCRAM_ITERATIONS = 4096;

/** Kafka's ConfigResource.Type codes. */
export const ResourceType = Object.freeze({ topic: 2, broker: 4 } as const);
export type ResourceKind = keyof typeof ResourceType;

/** Kafka's ConfigEntry.ConfigSource codes, by name. */
export const CONFIG_SOURCES = [
  'UNKNOWN',
  'DYNAMIC_TOPIC_CONFIG',
  'DYNAMIC_BROKER_CONFIG',
  'DYNAMIC_DEFAULT_BROKER_CONFIG',
  'STATIC_BROKER_CONFIG',
  'DEFAULT_CONFIG',
  'DYNAMIC_BROKER_LOGGER_CONFIG',
  'CLIENT_METRICS_CONFIG',
  'GROUP_CONFIG',
] as const;
export const ConfigSource = Object.freeze({ DYNAMIC_TOPIC_CONFIG: 1, DYNAMIC_BROKER_CONFIG: 2, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const);

/** IncrementalAlterConfigs operations. */
export const AlterOp = Object.freeze({ set: 0, delete: 1, append: 2, subtract: 3 } as const);
export type AlterOpName = keyof typeof AlterOp;

export interface NewTopic {
  name: string;
  /** -1: the broker's num.partitions. */
  numPartitions?: number;
  /** -1: the broker's default.replication.factor. */
  replicationFactor?: number;
  configs?: Record<string, string>;
}

export interface PartitionDescription {
  partition: number;
  leaderId: number;
  replicas: number[];
  isr: number[];
  logStartOffset: number;
  logEndOffset: number;
}

export interface TopicDescription {
  name: string;
  topicId: string;
  isInternal: boolean;
  partitions: PartitionDescription[];
}

export interface ConfigEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  isSensitive: boolean;
  /** CONFIG_SOURCES index. */
  source: number;
  isDefault: boolean;
  synonyms: { name: string; value: string | null; source: number }[];
}

export interface GroupListing {
  groupId: string;
  protocolType: string;
  state: string;
}

export interface MemberDescription {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** The member's partitions when the group speaks the consumer protocol, else null. */
  assignment: TopicPartitions[] | null;
}

export interface GroupDescription {
  groupId: string;
  state: string;
  protocolType: string;
  protocol: string;
  members: MemberDescription[];
}

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  offset: number;
  metadata?: string | null;
}

export interface GroupMemberRef {
  generationId: number;
  memberId: string;
  groupInstanceId?: string | null;
}

/** Kafka's transaction states, as ListTransactions and DescribeTransactions name them. */
export const TRANSACTION_STATES = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence'] as const;

export interface TransactionListing {
  transactionalId: string;
  producerId: number;
  state: string;
  /** The broker that answered: the id's coordinator. */
  coordinatorId: number;
}

export interface TransactionFilters {
  /** Only these states (TRANSACTION_STATES names). */
  states?: string[];
  producerIds?: number[];
  /** Only transactions running longer than this (ListTransactions v1+, KIP-994). */
  durationMs?: number;
}

export interface TransactionDescription {
  coordinatorId: number;
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  state: string;
  transactionTimeoutMs: number;
  /** -1 when no transaction is under way. */
  transactionStartTimeMs: number;
  /** The ongoing transaction's partitions (while it ends, those still waiting for their marker). */
  topicPartitions: { topic: string; partition: number }[];
}

export interface ProducerState {
  producerId: number;
  producerEpoch: number;
  lastSequence: number;
  lastTimestamp: number;
  /** -1 before the partition saw a marker of this producer. */
  coordinatorEpoch: number;
  /** The first offset of the producer's open transaction, -1 when none is open. */
  currentTxnStartOffset: number;
}

export interface PartitionProducers {
  topic: string;
  partition: number;
  producers: ProducerState[];
}

/** Kafka's ACL enums by code, as AclBinding.toString and kafka-acls print them (ResourceType, PatternType, AclOperation, AclPermissionType). */
export const ACL_RESOURCE_TYPES = ['UNKNOWN', 'ANY', 'TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID', 'DELEGATION_TOKEN', 'USER'] as const;
export const ACL_PATTERN_TYPES = ['UNKNOWN', 'ANY', 'MATCH', 'LITERAL', 'PREFIXED'] as const;
export const ACL_OPERATIONS = [
  'UNKNOWN',
  'ANY',
  'ALL',
  'READ',
  'WRITE',
  'CREATE',
  'DELETE',
  'ALTER',
  'DESCRIBE',
  'CLUSTER_ACTION',
  'DESCRIBE_CONFIGS',
  'ALTER_CONFIGS',
  'IDEMPOTENT_WRITE',
  'CREATE_TOKENS',
  'DESCRIBE_TOKENS',
  'TWO_PHASE_COMMIT',
] as const;
export const ACL_PERMISSIONS = ['UNKNOWN', 'ANY', 'DENY', 'ALLOW'] as const;

/** Kafka's constant name for an ACL code; "UNKNOWN" for a code Kafka does not define. */
export function aclName(names: readonly string[], code: number): string {
  return names[code] ?? 'UNKNOWN';
}

/**
 * One ACL as the ACL APIs carry it, with Kafka's codes (the tables above): resource type 2
 * TOPIC … 7 USER; pattern type 3 LITERAL, 4 PREFIXED; operation 2 ALL … 15 TWO_PHASE_COMMIT;
 * permission 2 DENY, 3 ALLOW.
 */
export interface AclEntryBinding {
  resourceType: number;
  resourceName: string;
  patternType: number;
  /** "User:alice"; "User:*" for every principal. */
  principal: string;
  /** "*" or an address. */
  host: string;
  operation: number;
  permission: number;
}

/**
 * Which ACLs DescribeAcls reports and DeleteAcls removes: a field left out or null matches
 * every value, as does ANY (1) for the codes; pattern type MATCH (2) selects the ACLs that apply
 * to a resource of that name (the literal one, the literal "*", the prefixed prefixes of it).
 */
export interface AclEntryFilter {
  resourceType?: number | null;
  resourceName?: string | null;
  patternType?: number | null;
  principal?: string | null;
  host?: string | null;
  operation?: number | null;
  permission?: number | null;
}

/** Kafka's AclBinding.toString: "(pattern=ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL), entry=(principal=User:alice, host=*, operation=READ, permissionType=ALLOW))". */
export function aclBindingText(b: AclEntryBinding): string {
  return (
    `(pattern=ResourcePattern(resourceType=${aclName(ACL_RESOURCE_TYPES, b.resourceType)}, name=${b.resourceName}, patternType=${aclName(ACL_PATTERN_TYPES, b.patternType)}), ` +
    `entry=(principal=${b.principal}, host=${b.host}, operation=${aclName(ACL_OPERATIONS, b.operation)}, permissionType=${aclName(ACL_PERMISSIONS, b.permission)}))`
  );
}

/** The ANY code of the ACL enums: a filter field that matches every value. */
const ACL_ANY = 1;

export interface TxnMarkerSpec {
  topic: string;
  partition: number;
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  /** true: a commit marker; false: an abort marker. */
  commit: boolean;
}

export class Admin {
  readonly client: Client;
  /** Transaction coordinators by transactional id, found by FindCoordinator key type 1. */
  private readonly txnCoordinators = new Map<string, number>();

  constructor(client: Client) {
    this.client = client;
  }

  // ───────────────────────────── topics ─────────────────────────────

  /** Creates topics; `validateOnly` checks without creating. */
  async createTopics(topics: NewTopic[], options: { validateOnly?: boolean; timeoutMs?: number } = {}): Promise<{ name: string; topicId: string }[]> {
    const c = await this.client.controller();
    const r = await c.request(
      CreateTopics,
      {
        topics: topics.map((t) => ({
          name: t.name,
          numPartitions: t.numPartitions ?? -1,
          replicationFactor: t.replicationFactor ?? -1,
          assignments: [],
          configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
        })),
        timeoutMs: options.timeoutMs ?? ADMIN_TIMEOUT_MS,
        validateOnly: options.validateOnly ?? false,
      },
      { timeoutMs: (options.timeoutMs ?? ADMIN_TIMEOUT_MS) + 5_000 },
    );
    for (const t of r.topics) check(t.errorCode, `topic '${t.name}'`, t.errorMessage);
    return r.topics.map((t) => ({ name: t.name, topicId: t.topicId }));
  }

  async deleteTopics(names: string[], options: { timeoutMs?: number } = {}): Promise<void> {
    const c = await this.client.controller();
    const timeoutMs = options.timeoutMs ?? ADMIN_TIMEOUT_MS;
    const r = await c.request(
      DeleteTopics,
      { topics: names.map((name) => ({ name, topicId: ZERO_UUID })), topicNames: names, timeoutMs },
      { timeoutMs: timeoutMs + 5_000 },
    );
    for (const t of r.responses) {
      if (t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw new ClientError(`topic '${t.name}' does not exist`);
      check(t.errorCode, `topic '${t.name}'`, t.errorMessage);
    }
    for (const n of names) this.client.topics.delete(n);
  }

  /** Raises each topic's partition count to `count`. */
  async createPartitions(topics: { name: string; count: number }[], options: { validateOnly?: boolean; timeoutMs?: number } = {}): Promise<void> {
    const c = await this.client.controller();
    const timeoutMs = options.timeoutMs ?? ADMIN_TIMEOUT_MS;
    const r = await c.request(
      CreatePartitions,
      { topics: topics.map((t) => ({ name: t.name, count: t.count, assignments: null })), timeoutMs, validateOnly: options.validateOnly ?? false },
      { timeoutMs: timeoutMs + 5_000 },
    );
    for (const t of r.results) {
      if (t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw new ClientError(`topic '${t.name}' does not exist`);
      check(t.errorCode, `topic '${t.name}'`, t.errorMessage);
    }
    for (const t of topics) this.client.topics.delete(t.name);
  }

  /** Topic names, sorted; internal topics (__consumer_offsets) only when asked. */
  async listTopics(options: { includeInternal?: boolean } = {}): Promise<string[]> {
    const { topics } = await this.client.refreshMetadata(null);
    return topics
      .filter((t) => t.errorCode === 0 && (options.includeInternal || !t.isInternal))
      .map((t) => t.name)
      .sort();
  }

  /** Partitions with leaders, replicas and log start and end offsets; every topic when `names` is absent. */
  async describeTopics(names?: string[]): Promise<TopicDescription[]> {
    let infos: TopicInfo[];
    if (names === undefined) {
      const { topics } = await this.client.refreshMetadata(null);
      infos = topics.filter((t) => t.errorCode === 0).sort((a, b) => a.name.localeCompare(b.name));
    } else {
      infos = [];
      for (const n of names) infos.push(await this.client.topic(n, { refresh: true }));
    }
    const wanted = infos.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partition })));
    const [starts, ends] = await Promise.all([this.listOffsets(wanted, 'earliest'), this.listOffsets(wanted, 'latest')]);
    const key = (t: string, p: number): string => `${t}\u0000${p}`;
    const startBy = new Map(starts.map((o) => [key(o.topic, o.partition), o.offset]));
    const endBy = new Map(ends.map((o) => [key(o.topic, o.partition), o.offset]));
    return infos.map((t) => ({
      name: t.name,
      topicId: t.topicId,
      isInternal: t.isInternal,
      partitions: t.partitions.map((p) => ({
        partition: p.partition,
        leaderId: p.leaderId,
        replicas: p.replicas,
        isr: p.isr,
        logStartOffset: startBy.get(key(t.name, p.partition)) ?? -1,
        logEndOffset: endBy.get(key(t.name, p.partition)) ?? -1,
      })),
    }));
  }

  // ───────────────────────────── offsets ─────────────────────────────

  /**
   * The earliest or latest offset of each partition, or the first offset whose timestamp is at
   * or after a time (-1 when no record is that recent). One request per leader.
   */
  async listOffsets(partitions: { topic: string; partition: number }[], query: OffsetQuery): Promise<{ topic: string; partition: number; offset: number; timestamp: number }[]> {
    const timestamp = query === 'earliest' ? OffsetSpec.earliest : query === 'latest' ? OffsetSpec.latest : query.timestamp;
    const byLeader = new Map<number, Map<string, number[]>>();
    for (const { topic, partition } of partitions) {
      const t = await this.client.topic(topic);
      const p = t.partitions[partition];
      if (!p) throw new ClientError(`topic '${topic}' has no partition ${partition}`);
      let topics = byLeader.get(p.leaderId);
      if (!topics) byLeader.set(p.leaderId, (topics = new Map()));
      let list = topics.get(topic);
      if (!list) topics.set(topic, (list = []));
      list.push(partition);
    }
    const answers = await Promise.all(
      [...byLeader].map(async ([leaderId, topics]) => {
        const c = await this.client.broker(leaderId);
        const r = await c.request(ListOffsets, {
          replicaId: -1,
          isolationLevel: 0,
          topics: [...topics].map(([name, ps]) => ({
            name,
            partitions: ps.map((partitionIndex) => ({ partitionIndex, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 })),
          })),
        });
        return r.topics.flatMap((t) =>
          t.partitions.map((p) => {
            check(p.errorCode, `${t.name}-${p.partitionIndex}`);
            return { topic: t.name, partition: p.partitionIndex, offset: p.offset, timestamp: p.timestamp };
          }),
        );
      }),
    );
    return answers.flat();
  }

  // ───────────────────────────── configs ─────────────────────────────

  /** A resource's configuration entries; only `keys` when given. */
  async describeConfigs(kind: ResourceKind, name: string, options: { keys?: string[]; synonyms?: boolean } = {}): Promise<ConfigEntry[]> {
    const c = kind === 'broker' ? await this.brokerConnection(name) : await this.client.controller();
    const r = await c.request(DescribeConfigs, {
      resources: [{ resourceType: ResourceType[kind], resourceName: name, configurationKeys: options.keys ?? null }],
      includeSynonyms: options.synonyms ?? true,
      includeDocumentation: false,
    });
    const res = r.results[0];
    if (!res) throw new ClientError(`no configs answered for ${kind} '${name}'`);
    if (res.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw new ClientError(`topic '${name}' does not exist`);
    check(res.errorCode, `${kind} '${name}'`, res.errorMessage);
    return res.configs.map((e) => {
      // v0 has isDefault and no source: a non-default value then counts as set on the resource.
      const source = e.configSource >= 0 ? e.configSource : e.isDefault ? ConfigSource.DEFAULT_CONFIG : kind === 'topic' ? ConfigSource.DYNAMIC_TOPIC_CONFIG : ConfigSource.STATIC_BROKER_CONFIG;
      return {
        name: e.name,
        value: e.value,
        readOnly: e.readOnly,
        isSensitive: e.isSensitive,
        source,
        isDefault: source === ConfigSource.DEFAULT_CONFIG,
        synonyms: e.synonyms.map((s) => ({ name: s.name, value: s.value, source: s.source })),
      };
    });
  }

  /**
   * Changes some keys and leaves the others: IncrementalAlterConfigs where the broker serves
   * it; otherwise AlterConfigs with the resource's current dynamic values merged in, since
   * that older API replaces the whole set.
   */
  async incrementalAlterConfigs(kind: ResourceKind, name: string, ops: { name: string; op: AlterOpName; value?: string | null }[], options: { validateOnly?: boolean } = {}): Promise<void> {
    const c = kind === 'broker' ? await this.brokerConnection(name) : await this.client.controller();
    if (c.supports(IncrementalAlterConfigs)) {
      const r = await c.request(IncrementalAlterConfigs, {
        resources: [
          {
            resourceType: ResourceType[kind],
            resourceName: name,
            configs: ops.map((o) => ({ name: o.name, configOperation: AlterOp[o.op], value: o.op === 'delete' ? null : (o.value ?? null) })),
          },
        ],
        validateOnly: options.validateOnly ?? false,
      });
      for (const res of r.responses) this.checkConfigAnswer(kind, name, res.errorCode, res.errorMessage);
      return;
    }
    const dynamicSource = kind === 'topic' ? ConfigSource.DYNAMIC_TOPIC_CONFIG : ConfigSource.DYNAMIC_BROKER_CONFIG;
    const current = (await this.describeConfigs(kind, name, { synonyms: false })).filter((e) => e.source === dynamicSource);
    const merged = new Map<string, string | null>(current.map((e) => [e.name, e.value]));
    for (const o of ops) {
      if (o.op === 'set') merged.set(o.name, o.value ?? null);
      else if (o.op === 'delete') merged.delete(o.name);
      else {
        const items = (merged.get(o.name) ?? '').split(',').filter((x) => x.length > 0);
        const given = (o.value ?? '').split(',').filter((x) => x.length > 0);
        const next = o.op === 'append' ? [...items, ...given.filter((g) => !items.includes(g))] : items.filter((x) => !given.includes(x));
        merged.set(o.name, next.join(','));
      }
    }
    await this.alterConfigs(kind, name, Object.fromEntries(merged), options);
  }

  /** Replaces the resource's whole set of dynamic configs (the older AlterConfigs API). */
  async alterConfigs(kind: ResourceKind, name: string, configs: Record<string, string | null>, options: { validateOnly?: boolean } = {}): Promise<void> {
    const c = kind === 'broker' ? await this.brokerConnection(name) : await this.client.controller();
    const r = await c.request(AlterConfigs, {
      resources: [{ resourceType: ResourceType[kind], resourceName: name, configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }],
      validateOnly: options.validateOnly ?? false,
    });
    for (const res of r.responses) this.checkConfigAnswer(kind, name, res.errorCode, res.errorMessage);
  }

  private checkConfigAnswer(kind: ResourceKind, name: string, code: number, message: string | null): void {
    if (code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw new ClientError(`topic '${name}' does not exist`);
    check(code, `${kind} '${name}'`, message);
  }

  /** A broker's own configs are served by that broker; an empty name means the cluster default. */
  private async brokerConnection(name: string) {
    if (name === '') return this.client.controller();
    const id = Number(name);
    if (!Number.isInteger(id) || id < 0) throw new ClientError(`broker '${name}' is not a node id`);
    if (!this.client.brokers.has(id)) await this.client.refreshMetadata([]);
    if (!this.client.brokers.has(id)) throw new ClientError(`broker ${id} is not in the cluster`);
    return this.client.broker(id);
  }

  // ───────────────────────────── groups ─────────────────────────────

  /** Every group on every broker, sorted by id. */
  async listGroups(): Promise<GroupListing[]> {
    await this.client.refreshMetadata([]);
    const out: GroupListing[] = [];
    for (const nodeId of this.client.brokers.keys()) {
      const c = await this.client.broker(nodeId);
      const r = await c.request(ListGroups, { statesFilter: [], typesFilter: [] });
      check(r.errorCode, `groups of broker ${nodeId}`);
      for (const g of r.groups) out.push({ groupId: g.groupId, protocolType: g.protocolType, state: g.groupState });
    }
    return out.sort((a, b) => a.groupId.localeCompare(b.groupId));
  }

  /**
   * Groups' states and members. A group the coordinator does not know comes back in state
   * "Dead" with no members, as Kafka answers it.
   */
  async describeGroups(groupIds: string[]): Promise<GroupDescription[]> {
    const out: GroupDescription[] = [];
    for (const groupId of groupIds) {
      const r = await this.withCoordinator(groupId, (c) => c.request(DescribeGroups, { groups: [groupId], includeAuthorizedOperations: false }), (r) => r.groups[0]?.errorCode ?? 0);
      const g = r.groups[0];
      if (!g) throw new ClientError(`group '${groupId}' was not described`);
      check(g.errorCode, `group '${groupId}'`);
      out.push({
        groupId: g.groupId,
        state: g.groupState,
        protocolType: g.protocolType,
        protocol: g.protocolData,
        members: g.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          assignment: g.protocolType === CONSUMER_PROTOCOL_TYPE && m.memberAssignment.length > 0 ? safeAssignment(m.memberAssignment) : null,
        })),
      });
    }
    return out;
  }

  async deleteGroups(groupIds: string[]): Promise<void> {
    for (const groupId of groupIds) {
      const r = await this.withCoordinator(groupId, (c) => c.request(DeleteGroups, { groupsNames: [groupId] }), (r) => r.results[0]?.errorCode ?? 0);
      for (const g of r.results) {
        if (g.errorCode === ErrorCode.GROUP_ID_NOT_FOUND) throw new ClientError(`group '${g.groupId}' does not exist`);
        check(g.errorCode, `group '${g.groupId}'`);
      }
    }
  }

  /** A group's committed offsets; every partition it committed when `partitions` is absent. */
  async fetchGroupOffsets(groupId: string, partitions?: { topic: string; partition: number }[]): Promise<TopicPartitionOffset[]> {
    const topics = partitions === undefined ? null : groupByTopic(partitions).map(([name, ps]) => ({ name, partitionIndexes: ps }));
    const r = await this.withCoordinator(
      groupId,
      (c) => c.request(OffsetFetch, { groupId, topics, groups: [{ groupId, memberId: null, memberEpoch: -1, topics }], requireStable: false }),
      (r) => (r.groups.length > 0 ? r.groups[0]!.errorCode : r.errorCode),
    );
    // v8+ answers per group; earlier versions at the top level.
    const g = r.groups[0] ?? { errorCode: r.errorCode, topics: r.topics };
    check(g.errorCode, `group '${groupId}'`);
    const out: TopicPartitionOffset[] = [];
    for (const t of g.topics) {
      for (const p of t.partitions) {
        if (p.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) continue;
        check(p.errorCode, `group '${groupId}' ${t.name}-${p.partitionIndex}`);
        if (p.committedOffset < 0) continue;
        out.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.metadata });
      }
    }
    return out.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  }

  /**
   * Commits offsets for a group. Without `member` this is an admin commit (generation -1),
   * which the coordinator accepts only while the group has no active members.
   */
  async commitGroupOffsets(groupId: string, offsets: TopicPartitionOffset[], member?: GroupMemberRef): Promise<void> {
    const byTopic = new Map<string, TopicPartitionOffset[]>();
    for (const o of offsets) {
      let l = byTopic.get(o.topic);
      if (!l) byTopic.set(o.topic, (l = []));
      l.push(o);
    }
    const r = await this.withCoordinator(
      groupId,
      (c) =>
        c.request(OffsetCommit, {
          groupId,
          generationIdOrMemberEpoch: member?.generationId ?? -1,
          memberId: member?.memberId ?? '',
          groupInstanceId: member?.groupInstanceId ?? null,
          retentionTimeMs: -1,
          topics: [...byTopic].map(([name, list]) => ({
            name,
            partitions: list.map((o) => ({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: o.metadata ?? '' })),
          })),
        }),
      (r) => r.topics.flatMap((t) => t.partitions).find((p) => p.errorCode !== 0)?.errorCode ?? 0,
    );
    for (const t of r.topics) for (const p of t.partitions) check(p.errorCode, `group '${groupId}' ${t.name}-${p.partitionIndex}`);
  }

  /**
   * Computes the offsets a reset would commit, per partition of `topics` (all their
   * partitions), clamped into [logStartOffset, logEndOffset] as Kafka's tool does:
   * earliest, latest, an absolute offset, the first offset at or after a time, or the
   * committed offset shifted by n.
   */
  async planOffsetReset(
    groupId: string,
    topics: { topic: string; partitions?: number[] }[],
    to: { kind: 'earliest' } | { kind: 'latest' } | { kind: 'offset'; offset: number } | { kind: 'datetime'; timestamp: number } | { kind: 'shift'; by: number },
  ): Promise<TopicPartitionOffset[]> {
    const partitions: { topic: string; partition: number }[] = [];
    for (const t of topics) {
      const info = await this.client.topic(t.topic, { refresh: true });
      for (const p of t.partitions ?? info.partitions.map((x) => x.partition)) {
        if (!info.partitions[p]) throw new ClientError(`topic '${t.topic}' has no partition ${p}`);
        partitions.push({ topic: t.topic, partition: p });
      }
    }
    const [starts, ends] = await Promise.all([this.listOffsets(partitions, 'earliest'), this.listOffsets(partitions, 'latest')]);
    const key = (t: string, p: number): string => `${t}\u0000${p}`;
    const startBy = new Map(starts.map((o) => [key(o.topic, o.partition), o.offset]));
    const endBy = new Map(ends.map((o) => [key(o.topic, o.partition), o.offset]));
    let target: Map<string, number> | undefined;
    if (to.kind === 'datetime') {
      const found = await this.listOffsets(partitions, { timestamp: to.timestamp });
      target = new Map(found.map((o) => [key(o.topic, o.partition), o.offset < 0 ? endBy.get(key(o.topic, o.partition))! : o.offset]));
    } else if (to.kind === 'shift') {
      const committed = await this.fetchGroupOffsets(groupId, partitions);
      const committedBy = new Map(committed.map((o) => [key(o.topic, o.partition), o.offset]));
      // A partition with no committed offset shifts from its log end, as Kafka's tool does
      // (it falls back to the consumer's reset policy, latest by default).
      target = new Map(partitions.map(({ topic, partition }) => [key(topic, partition), (committedBy.get(key(topic, partition)) ?? endBy.get(key(topic, partition))!) + to.by]));
    }
    return partitions.map(({ topic, partition }) => {
      const k = key(topic, partition);
      const start = startBy.get(k)!;
      const end = endBy.get(k)!;
      const wanted = to.kind === 'earliest' ? start : to.kind === 'latest' ? end : to.kind === 'offset' ? to.offset : target!.get(k)!;
      return { topic, partition, offset: Math.min(Math.max(wanted, start), end) };
    });
  }

  // ───────────────────────────── transactions ─────────────────────────────

  /**
   * The transactional ids every broker coordinates, filtered as ListTransactions filters them,
   * in each broker's order, brokers by id. A filter on duration needs ListTransactions v1.
   */
  async listTransactions(filters: TransactionFilters = {}): Promise<TransactionListing[]> {
    await this.client.refreshMetadata([]);
    const out: TransactionListing[] = [];
    for (const nodeId of [...this.client.brokers.keys()].sort((a, b) => a - b)) {
      const c = await this.client.broker(nodeId);
      const durationFilter = filters.durationMs ?? -1;
      if (durationFilter >= 0 && (c.versionFor(ListTransactions) ?? 0) < 1) {
        throw new UnsupportedApiError(`the broker at ${c.address} does not filter ListTransactions by duration (version 1, KIP-994)`);
      }
      for (let attempt = 0; ; attempt++) {
        const r = await c.request(ListTransactions, { stateFilters: filters.states ?? [], producerIdFilters: filters.producerIds ?? [], durationFilter });
        if (r.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS && attempt < MAX_RETRIES) {
          await sleep(RETRY_BACKOFF_MS);
          continue;
        }
        check(r.errorCode, `transactions of broker ${nodeId}`);
        for (const t of r.transactionStates) out.push({ transactionalId: t.transactionalId, producerId: t.producerId, state: t.transactionState, coordinatorId: nodeId });
        break;
      }
    }
    return out;
  }

  /**
   * The coordinator's view of transactional ids, in the order asked. An id the coordinator does
   * not know is a KafkaError TRANSACTIONAL_ID_NOT_FOUND, or left out with `allowMissing`.
   */
  async describeTransactions(transactionalIds: string[], options: { allowMissing?: boolean } = {}): Promise<TransactionDescription[]> {
    const out: TransactionDescription[] = [];
    for (const transactionalId of new Set(transactionalIds)) {
      for (let attempt = 0; ; attempt++) {
        const { nodeId, connection } = await this.transactionCoordinator(transactionalId);
        const r = await connection.request(DescribeTransactions, { transactionalIds: [transactionalId] });
        const t = r.transactionStates.find((x) => x.transactionalId === transactionalId);
        if (!t) throw new ClientError(`transactional id '${transactionalId}' was not described`);
        const moved = t.errorCode === ErrorCode.NOT_COORDINATOR || t.errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE;
        if ((moved || t.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) && attempt < MAX_RETRIES) {
          if (moved) this.txnCoordinators.delete(transactionalId);
          await sleep(RETRY_BACKOFF_MS);
          continue;
        }
        if (t.errorCode === ErrorCode.TRANSACTIONAL_ID_NOT_FOUND && options.allowMissing) break;
        check(t.errorCode, `transactional id '${transactionalId}'`);
        out.push({
          coordinatorId: nodeId,
          transactionalId,
          producerId: t.producerId,
          producerEpoch: t.producerEpoch,
          state: t.transactionState,
          transactionTimeoutMs: t.transactionTimeoutMs,
          transactionStartTimeMs: t.transactionStartTimeMs,
          topicPartitions: t.topics.flatMap((x) => x.partitions.map((partition) => ({ topic: x.topic, partition }))),
        });
        break;
      }
    }
    return out;
  }

  /**
   * The producers each partition's log knows, with their open transactions: asked of each
   * partition's leader, or of broker `brokerId` for all of them. One request per broker.
   */
  async describeProducers(partitions: { topic: string; partition: number }[], options: { brokerId?: number } = {}): Promise<PartitionProducers[]> {
    const byBroker = new Map<number, { topic: string; partition: number }[]>();
    for (const tp of partitions) {
      let nodeId = options.brokerId;
      if (nodeId === undefined) {
        const t = await this.client.topic(tp.topic);
        const p = t.partitions[tp.partition];
        if (!p) throw new ClientError(`topic '${tp.topic}' has no partition ${tp.partition} (it has ${t.partitions.length})`);
        nodeId = p.leaderId;
      }
      let list = byBroker.get(nodeId);
      if (!list) byBroker.set(nodeId, (list = []));
      list.push(tp);
    }
    const answers = new Map<string, PartitionProducers>();
    for (const [nodeId, list] of byBroker) {
      const c = await this.client.broker(nodeId);
      const r = await c.request(DescribeProducers, { topics: groupByTopic(list).map(([name, partitionIndexes]) => ({ name, partitionIndexes })) });
      for (const t of r.topics) {
        for (const p of t.partitions) {
          if (p.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && options.brokerId !== undefined) {
            throw new ClientError(`broker ${nodeId} does not host ${t.name}-${p.partitionIndex}`);
          }
          check(p.errorCode, `${t.name}-${p.partitionIndex}`, p.errorMessage);
          answers.set(`${t.name}\u0000${p.partitionIndex}`, {
            topic: t.name,
            partition: p.partitionIndex,
            producers: p.activeProducers.map((a) => ({
              producerId: a.producerId,
              producerEpoch: a.producerEpoch,
              lastSequence: a.lastSequence,
              lastTimestamp: a.lastTimestamp,
              coordinatorEpoch: a.coordinatorEpoch,
              currentTxnStartOffset: a.currentTxnStartOffset,
            })),
          });
        }
      }
    }
    return partitions.map((tp) => {
      const a = answers.get(`${tp.topic}\u0000${tp.partition}`);
      if (!a) throw new ClientError(`no producers answered for ${tp.topic}-${tp.partition}`);
      return a;
    });
  }

  /**
   * Writes commit or abort markers (WriteTxnMarkers) through each partition's leader, as a
   * transaction coordinator would: what ends a hanging transaction by hand. Throws on the first
   * partition that refused its marker (INVALID_PRODUCER_EPOCH for an older producer epoch,
   * TRANSACTION_COORDINATOR_FENCED for an older coordinator epoch).
   */
  async writeTxnMarkers(markers: TxnMarkerSpec[]): Promise<void> {
    const byLeader = new Map<number, TxnMarkerSpec[]>();
    for (const m of markers) {
      const t = await this.client.topic(m.topic);
      const p = t.partitions[m.partition];
      if (!p) throw new ClientError(`topic '${m.topic}' has no partition ${m.partition} (it has ${t.partitions.length})`);
      let list = byLeader.get(p.leaderId);
      if (!list) byLeader.set(p.leaderId, (list = []));
      list.push(m);
    }
    for (const [leaderId, list] of byLeader) {
      const c = await this.client.broker(leaderId);
      const r = await c.request(WriteTxnMarkers, {
        markers: list.map((m) => ({
          producerId: m.producerId,
          producerEpoch: m.producerEpoch,
          transactionResult: m.commit,
          topics: [{ name: m.topic, partitionIndexes: [m.partition] }],
          coordinatorEpoch: m.coordinatorEpoch,
        })),
      });
      for (const m of r.markers) for (const t of m.topics) for (const p of t.partitions) check(p.errorCode, `${t.name}-${p.partitionIndex} (producer ${m.producerId})`);
    }
  }

  /** Aborts one partition's open transaction of a producer: an abort marker through its leader. */
  abortTransaction(spec: { topic: string; partition: number; producerId: number; producerEpoch: number; coordinatorEpoch: number }): Promise<void> {
    return this.writeTxnMarkers([{ ...spec, commit: false }]);
  }

  // ───────────────────────────── ACLs ─────────────────────────────

  /**
   * Adds ACL bindings (CreateAcls). Throws on the first refused one, after the whole request:
   * a KafkaError naming the binding (INVALID_REQUEST with the broker's reason,
   * CLUSTER_AUTHORIZATION_FAILED without ALTER on the cluster), or a ClientError when the broker
   * has no authorizer (SECURITY_DISABLED).
   */
  async createAcls(bindings: AclEntryBinding[]): Promise<void> {
    if (bindings.length === 0) return;
    const c = await this.client.controller();
    const r = await c.request(CreateAcls, {
      creations: bindings.map((b) => ({
        resourceType: b.resourceType,
        resourceName: b.resourceName,
        resourcePatternType: b.patternType,
        principal: b.principal,
        host: b.host,
        operation: b.operation,
        permissionType: b.permission,
      })),
    });
    r.results.forEach((res, i) => this.checkAclAnswer(res.errorCode, res.errorMessage, `creating ACL ${aclBindingText(bindings[i]!)}`));
  }

  /** The ACLs the filter matches (DescribeAcls), flattened, in the broker's order. */
  async describeAcls(filter: AclEntryFilter = {}): Promise<AclEntryBinding[]> {
    const c = await this.client.controller();
    const r = await c.request(DescribeAcls, {
      resourceTypeFilter: filter.resourceType ?? ACL_ANY,
      resourceNameFilter: filter.resourceName ?? null,
      patternTypeFilter: filter.patternType ?? ACL_ANY,
      principalFilter: filter.principal ?? null,
      hostFilter: filter.host ?? null,
      operation: filter.operation ?? ACL_ANY,
      permissionType: filter.permission ?? ACL_ANY,
    });
    this.checkAclAnswer(r.errorCode, r.errorMessage, 'describing ACLs');
    return r.resources.flatMap((res) =>
      res.acls.map((a) => ({
        resourceType: res.resourceType,
        resourceName: res.resourceName,
        patternType: res.patternType,
        principal: a.principal,
        host: a.host,
        operation: a.operation,
        permission: a.permissionType,
      })),
    );
  }

  /**
   * Removes the ACLs each filter matches (DeleteAcls) and returns, per filter in order, those it
   * removed (an ACL two filters match is listed under both). Throws on the first failed filter
   * or binding, as createAcls does.
   */
  async deleteAcls(filters: AclEntryFilter[]): Promise<AclEntryBinding[][]> {
    if (filters.length === 0) return [];
    const c = await this.client.controller();
    const r = await c.request(DeleteAcls, {
      filters: filters.map((f) => ({
        resourceTypeFilter: f.resourceType ?? ACL_ANY,
        resourceNameFilter: f.resourceName ?? null,
        patternTypeFilter: f.patternType ?? ACL_ANY,
        principalFilter: f.principal ?? null,
        hostFilter: f.host ?? null,
        operation: f.operation ?? ACL_ANY,
        permissionType: f.permission ?? ACL_ANY,
      })),
    });
    return r.filterResults.map((res) => {
      this.checkAclAnswer(res.errorCode, res.errorMessage, 'deleting ACLs');
      return res.matchingAcls.map((m) => {
        const b: AclEntryBinding = {
          resourceType: m.resourceType,
          resourceName: m.resourceName,
          patternType: m.patternType,
          principal: m.principal,
          host: m.host,
          operation: m.operation,
          permission: m.permissionType,
        };
        this.checkAclAnswer(m.errorCode, m.errorMessage, `deleting ACL ${aclBindingText(b)}`);
        return b;
      });
    });
  }

  // ─────────────────────── client quotas and SCRAM credentials ───────────────────────

  /**
   * The quotas of the entities a filter matches (DescribeClientQuotas): each component an
   * entity type ('user', 'client-id', 'ip') with a name, null for the default entity, or
   * undefined for any entity of that type. `strict` leaves out entities of other types too.
   */
  async describeClientQuotas(components: { entityType: string; name?: string | null }[], strict = false): Promise<ClientQuotaEntry[]> {
    const c = await this.client.controller();
    const r = await c.request(DescribeClientQuotas, {
      components: components.map((x) => ({ entityType: x.entityType, matchType: x.name === undefined ? 2 : x.name === null ? 1 : 0, match: x.name ?? null })),
      strict,
    });
    check(r.errorCode, 'describing client quotas', r.errorMessage);
    return (r.entries ?? []).map((e) => ({
      entity: Object.fromEntries(e.entity.map((x) => [x.entityType, x.entityName])),
      values: Object.fromEntries(e.values.map((v) => [v.key, v.value])),
    }));
  }

  /** Sets (a number) and removes (null) quotas of one entity (AlterClientQuotas). */
  async alterClientQuotas(entity: Record<string, string | null>, ops: Record<string, number | null>, options: { validateOnly?: boolean } = {}): Promise<void> {
    const c = await this.client.controller();
    const r = await c.request(AlterClientQuotas, {
      entries: [
        {
          entity: Object.entries(entity).map(([entityType, entityName]) => ({ entityType, entityName })),
          ops: Object.entries(ops).map(([key, value]) => ({ key, value: value ?? 0, remove: value === null })),
        },
      ],
      validateOnly: options.validateOnly ?? false,
    });
    for (const e of r.entries) check(e.errorCode, 'altering client quotas', e.errorMessage);
  }

  /** The SCRAM mechanisms and iterations of `users` (all users when omitted); users without credentials are left out. */
  async describeUserScramCredentials(users?: string[]): Promise<{ user: string; credentials: { mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; iterations: number }[] }[]> {
    const c = await this.client.controller();
    const r = await c.request(DescribeUserScramCredentials, { users: users ? users.map((name) => ({ name })) : null });
    check(r.errorCode, 'describing SCRAM credentials', r.errorMessage);
    const out = [];
    for (const u of r.results) {
      if (u.errorCode === ErrorCode.RESOURCE_NOT_FOUND) continue;
      check(u.errorCode, `describing the SCRAM credentials of user '${u.user}'`, u.errorMessage);
      out.push({ user: u.user, credentials: u.credentialInfos.map((i) => ({ mechanism: SCRAM_NAMES[i.mechanism]!, iterations: i.iterations })) });
    }
    return out;
  }

  /**
   * Adds or replaces SCRAM credentials and deletes others (AlterUserScramCredentials). The
   * password is salted and hashed here, as Kafka's Admin client does: the broker receives the
   * salt and the salted password only.
   */
  async alterUserScramCredentials(
    upsertions: { user: string; mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; password: string; iterations?: number }[],
    deletions: { user: string; mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512' }[] = [],
  ): Promise<void> {
    const c = await this.client.controller();
    const r = await c.request(AlterUserScramCredentials, {
      deletions: deletions.map((d) => ({ name: d.user, mechanism: SCRAM_CODES[d.mechanism] })),
      upsertions: await Promise.all(
        upsertions.map(async (u) => {
          const iterations = u.iterations ?? DEFAULT_SCRAM_ITERATIONS;
          const salt = randomBytes(32);
          const digest = u.mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
          const saltedPassword = await pbkdf2Async(Buffer.from(u.password, 'utf8'), salt, iterations, digest === 'sha256' ? 32 : 64, digest);
          return { name: u.user, mechanism: SCRAM_CODES[u.mechanism], iterations, salt, saltedPassword };
        }),
      ),
    });
    for (const res of r.results) check(res.errorCode, `altering the SCRAM credentials of user '${res.user}'`, res.errorMessage);
  }

  /** SECURITY_DISABLED says what to configure; other codes are KafkaErrors naming what failed. */
  private checkAclAnswer(code: number, message: string | null, what: string): void {
    if (code === ErrorCode.SECURITY_DISABLED) {
      throw new ClientError(
        `${what}: the broker has no authorizer (SECURITY_DISABLED${message ? `: ${message}` : ''}); ACLs need authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer in the broker's configuration`,
      );
    }
    check(code, what, message);
  }

  /** The coordinator of a transactional id (FindCoordinator, key type 1), cached. */
  private async transactionCoordinator(transactionalId: string): Promise<{ nodeId: number; connection: Connection }> {
    const cached = this.txnCoordinators.get(transactionalId);
    if (cached !== undefined) return { nodeId: cached, connection: await this.client.broker(cached) };
    for (let attempt = 0; ; attempt++) {
      const c = await this.client.any();
      const r = await c.request(FindCoordinator, { key: transactionalId, keyType: 1, coordinatorKeys: [transactionalId] });
      // v4+ answers per key; earlier versions at the top level.
      const a = r.coordinators[0] ?? { nodeId: r.nodeId, host: r.host, port: r.port, errorCode: r.errorCode, errorMessage: r.errorMessage };
      if (a.errorCode === 0) {
        const known = this.client.brokers.get(a.nodeId);
        if (!known || known.host !== a.host || known.port !== a.port) this.client.brokers.set(a.nodeId, { nodeId: a.nodeId, host: a.host, port: a.port, rack: null });
        this.txnCoordinators.set(transactionalId, a.nodeId);
        return { nodeId: a.nodeId, connection: await this.client.broker(a.nodeId) };
      }
      const retriable = a.errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE || a.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS || a.errorCode === ErrorCode.NOT_COORDINATOR;
      if (!retriable || attempt >= MAX_RETRIES) throw new KafkaError(a.errorCode, `coordinator of transactional id '${transactionalId}'`, a.errorMessage);
      await sleep(RETRY_BACKOFF_MS * 2);
    }
  }

  /** Runs a group request, finding the coordinator again once when it moved or was loading. */
  private async withCoordinator<T>(groupId: string, send: (c: Awaited<ReturnType<Client['coordinator']>>) => Promise<T>, errorOf: (r: T) => number): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const c = await this.client.coordinator(groupId);
      const r = await send(c);
      const code = errorOf(r);
      const moved = code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.COORDINATOR_NOT_AVAILABLE;
      const loading = code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
      if ((!moved && !loading) || attempt >= MAX_RETRIES) return r;
      if (moved) this.client.forgetCoordinator(groupId);
      await sleep(RETRY_BACKOFF_MS);
    }
  }
}

function safeAssignment(bytes: Buffer): TopicPartitions[] | null {
  try {
    return decodeAssignment(bytes).assignedPartitions;
  } catch {
    return null;
  }
}

function groupByTopic(partitions: { topic: string; partition: number }[]): [string, number[]][] {
  const m = new Map<string, number[]>();
  for (const { topic, partition } of partitions) {
    let l = m.get(topic);
    if (!l) m.set(topic, (l = []));
    l.push(partition);
  }
  return [...m];
}
