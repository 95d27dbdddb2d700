/**
 * `spindle topics`: create, list, describe, alter and delete topics, as kafka-topics.sh does.
 *
 * `--describe` prints Kafka's lines (tab-separated fields, a topic line then one line per
 * partition), with each partition's LogStartOffset and LogEndOffset added at the end of its
 * line. TopicId is printed the way Kafka prints it (URL-safe base64 of the 16 bytes). Configs
 * lists the topic's entries whose source is not the default, as Kafka's does. Partition sizes
 * are not shown: they need DescribeLogDirs, which Spindle does not serve. The report flags
 * (--under-replicated-partitions, --unavailable-partitions, --under-min-isr-partitions,
 * --at-min-isr-partitions) print only the partition lines that match, --topics-with-overrides
 * only the topic lines of topics with overrides, as Kafka's DescribeOptions does.
 *
 * `--topic` is a regular expression for --list, --describe, --alter and --delete, as in Kafka:
 * the whole name must match, commas stand for '|' and blanks and surrounding quotes are dropped
 * (Kafka's TopicFilter.IncludeList); `--create` takes it as a name. Naming topics that do not
 * exist is an error unless --if-exists. `--topic-id` describes the topic of that id.
 *
 * Main thread.
 */
import { Admin } from '../client/admin.js';
import { Client } from '../client/client.js';
import { ClientError, UnsupportedApiError } from '../client/errors.js';
import { Args, type Flags, Output, UsageError, parseArgs, parseKeyValues, runTool } from './args.js';
import { clientProperties, resolveClientProperties } from './client-config.js';

export const TOPICS_USAGE = `Usage: spindle topics [--bootstrap-server HOST:PORT] ACTION [options]

Creates, lists, describes, alters and deletes topics, like Kafka's kafka-topics.sh.

Actions (one of):
  --create                 create --topic, with --partitions, --replication-factor, --config
  --list                   print every topic name (or those --topic matches), one per line
  --describe               describe --topic (or every topic): partitions with leader, replicas,
                           ISR, log start and end offsets, and the topic's non-default configs
  --alter                  raise --topic's partition count to --partitions, and/or set --config
  --delete                 delete --topic

Options:
  --bootstrap-server HOST:PORT  broker to connect to (default: bootstrap.servers of
                                --command-config, else $SPINDLE_BOOTSTRAP_SERVER, else
                                localhost:9092)
  --topic NAME|REGEX            the topic; a regular expression (whole name) except with
                                --create, e.g. 'orders-.*' or 'a,b'
  --topic-id ID                 with --describe: the topic of this id (as --describe prints it)
  --partitions N                partition count (default: the broker's num.partitions)
  --replication-factor N        replicas per partition (default: the broker's setting; 1 on
                                a single node)
  --config KEY=VALUE            a topic config, e.g. retention.ms=86400000 (repeatable)
  --if-not-exists               with --create: succeed quietly when the topic exists
  --if-exists                   with --alter, --delete, --describe: succeed quietly when the
                                topic does not exist
  --exclude-internal            with --list and --describe: leave out internal topics
  --topics-with-overrides       with --describe: only topics with configs of their own
  --under-replicated-partitions with --describe: only partitions whose ISR lacks a replica
  --unavailable-partitions      with --describe: only partitions without a live leader
  --under-min-isr-partitions    with --describe: only partitions whose ISR is below
                                min.insync.replicas
  --at-min-isr-partitions       with --describe: only partitions whose ISR is exactly
                                min.insync.replicas
  --command-config FILE         admin client configs (client.id, request.timeout.ms, …)
  --version                     print Spindle's version
  -h, --help                    this help

Examples:
  spindle topics --create --topic quickstart-events --bootstrap-server localhost:9092
  spindle topics --create --topic orders --partitions 6 --config retention.ms=604800000
  spindle topics --describe --topic quickstart-events
  spindle topics --describe --topic 'orders.*' --under-min-isr-partitions
  spindle topics --list
  spindle topics --alter --topic orders --partitions 12
  spindle topics --delete --topic orders`;

export const TOPICS_FLAGS: Flags = {
  create: { kind: 'boolean' },
  list: { kind: 'boolean' },
  describe: { kind: 'boolean' },
  alter: { kind: 'boolean' },
  delete: { kind: 'boolean' },
  topic: { kind: 'string' },
  'topic-id': { kind: 'string' },
  partitions: { kind: 'integer' },
  'replication-factor': { kind: 'integer' },
  config: { kind: 'list' },
  'if-not-exists': { kind: 'boolean' },
  'if-exists': { kind: 'boolean' },
  'exclude-internal': { kind: 'boolean' },
  'topics-with-overrides': { kind: 'boolean' },
  'under-replicated-partitions': { kind: 'boolean' },
  'unavailable-partitions': { kind: 'boolean' },
  'under-min-isr-partitions': { kind: 'boolean' },
  'at-min-isr-partitions': { kind: 'boolean' },
};

const ACTIONS = ['create', 'list', 'describe', 'alter', 'delete'] as const;
const REPORTS = ['under-replicated-partitions', 'unavailable-partitions', 'under-min-isr-partitions', 'at-min-isr-partitions'] as const;

/** Kafka's TopicFilter.IncludeList: commas for '|', no blanks, no surrounding quotes; the whole name matches. */
export function topicFilter(text: string): RegExp {
  const regex = text.trim().replace(/,/g, '|').replace(/ /g, '').replace(/^["']+/, '').replace(/["']+$/, '');
  try {
    return new RegExp(`^(?:${regex})$`);
  } catch {
    throw new UsageError(`--topic: '${regex}' is not a valid regular expression`);
  }
}

export function runTopics(argv: string[]): Promise<number> {
  return runTool('topics', TOPICS_USAGE, argv, async () => {
    const args = new Args(parseArgs(argv, TOPICS_FLAGS));
    args.noPositionals();
    const action = args.action(ACTIONS);
    const configs = Object.fromEntries(args.list('config').flatMap((c) => parseKeyValues(c, '--config')));
    const partitions = args.integer('partitions');
    if (partitions !== undefined && partitions < 1) throw new UsageError('--partitions must be at least 1');
    const replicationFactor = args.integer('replication-factor');
    if (replicationFactor !== undefined && replicationFactor < 1) throw new UsageError('--replication-factor must be at least 1');
    const reports = REPORTS.filter((r) => args.flag(r));
    const overridesOnly = args.flag('topics-with-overrides');
    if ((reports.length > 0 || overridesOnly) && action !== 'describe') throw new UsageError(`--${reports[0] ?? 'topics-with-overrides'} goes with --describe`);
    if (reports.length > 0 && overridesOnly) throw new UsageError(`--${reports[0]} and --topics-with-overrides cannot be combined`);
    if (args.has('topic-id') && action !== 'describe') throw new UsageError('--topic-id goes with --describe');
    if (action === 'describe' && args.flag('if-exists') && !args.has('topic') && !args.has('topic-id')) throw new UsageError('--if-exists with --describe needs --topic or --topic-id');
    const resolved = resolveClientProperties(clientProperties(args), 'admin', 'spindle-topics', {}, (l) => process.stderr.write(`spindle topics: ${l}\n`));
    const client = new Client({ ...resolved.client, bootstrapServers: args.bootstrap(resolved.bootstrap) });
    const admin = new Admin(client);
    const out = new Output();
    const excludeInternal = args.flag('exclude-internal');
    /** The topics --topic matches (every topic without it); none matching is an error unless --if-exists. */
    const selected = async (): Promise<string[]> => {
      const given = args.string('topic');
      const all = await admin.listTopics({ includeInternal: !excludeInternal });
      if (given === undefined) return all;
      const filter = topicFilter(given);
      const names = all.filter((t) => filter.test(t));
      if (names.length === 0 && !args.flag('if-exists')) throw new ClientError(`topic '${given}' does not exist`);
      return names;
    };
    try {
      switch (action) {
        case 'create': {
          const topic = args.required('topic', 'with --create');
          try {
            await admin.createTopics([{ name: topic, numPartitions: partitions ?? -1, replicationFactor: replicationFactor ?? -1, configs }]);
            out.line(`Created topic ${topic}.`);
          } catch (e) {
            if (!(args.flag('if-not-exists') && (e as { errorName?: string }).errorName === 'TOPIC_ALREADY_EXISTS')) throw e;
          }
          break;
        }
        case 'list':
          for (const name of await selected()) out.line(name);
          break;
        case 'describe': {
          let names: string[];
          const id = args.string('topic-id');
          if (id !== undefined) {
            const { topics } = await client.refreshMetadata(null);
            names = topics.filter((t) => t.errorCode === 0 && kafkaTopicId(t.topicId) === id && !(excludeInternal && t.isInternal)).map((t) => t.name);
            if (names.length === 0 && !args.flag('if-exists')) throw new ClientError(`topic id '${id}' does not exist`);
          } else {
            names = await selected();
          }
          if (names.length === 0) break;
          const described = await admin.describeTopics(names);
          const live = new Set(client.brokers.keys());
          for (const t of described) {
            const { nonDefault, minIsr } = await topicConfigs(admin, t.name);
            const lines = describeLines(t, nonDefault, { reports, overridesOnly, minIsr, live });
            for (const line of lines) out.line(line);
          }
          break;
        }
        case 'alter': {
          args.required('topic', 'with --alter');
          if (partitions === undefined && Object.keys(configs).length === 0) throw new UsageError('--alter needs --partitions or --config');
          const names = await selected();
          if (partitions !== undefined && names.length > 0) await admin.createPartitions(names.map((name) => ({ name, count: partitions })));
          if (Object.keys(configs).length > 0) {
            for (const name of names) await admin.incrementalAlterConfigs('topic', name, Object.entries(configs).map(([k, value]) => ({ name: k, op: 'set' as const, value })));
          }
          break;
        }
        case 'delete': {
          args.required('topic', 'with --delete');
          const names = await selected();
          if (names.length > 0) await admin.deleteTopics(names);
          break;
        }
      }
      await out.flush();
      return 0;
    } finally {
      await client.close();
    }
  });
}

/**
 * The topic's configs whose source is not the default, as `name=value` sorted by name, and its
 * min.insync.replicas (for the ISR reports; 1, Kafka's default, when the broker does not say).
 */
async function topicConfigs(admin: Admin, topic: string): Promise<{ nonDefault: string[]; minIsr: number }> {
  try {
    const entries = await admin.describeConfigs('topic', topic, { synonyms: false });
    const nonDefault = entries
      .filter((e) => !e.isDefault)
      .map((e) => `${e.name}=${e.isSensitive ? 'null' : (e.value ?? 'null')}`)
      .sort();
    const minIsr = Number(entries.find((e) => e.name === 'min.insync.replicas')?.value ?? 1);
    return { nonDefault, minIsr: Number.isInteger(minIsr) ? minIsr : 1 };
  } catch (e) {
    // A broker without DescribeConfigs still gets its partitions described.
    if (e instanceof UnsupportedApiError) return { nonDefault: [], minIsr: 1 };
    throw e;
  }
}

export interface DescribedTopic {
  name: string;
  topicId: string;
  partitions: { partition: number; leaderId: number; replicas: number[]; isr: number[]; logStartOffset: number; logEndOffset: number }[];
}

export interface DescribeFilters {
  reports: readonly (typeof REPORTS)[number][];
  overridesOnly: boolean;
  minIsr: number;
  /** Node ids of the live brokers, for --unavailable-partitions. */
  live: ReadonlySet<number>;
}

/** Kafka's describe lines, plus log start and end offsets per partition, filtered as Kafka's DescribeOptions filters them. */
export function describeLines(t: DescribedTopic, configs: string[], filters: DescribeFilters = { reports: [], overridesOnly: false, minIsr: 1, live: new Set() }): string[] {
  const replicationFactor = t.partitions[0]?.replicas.length ?? 0;
  const lines: string[] = [];
  const id = kafkaTopicId(t.topicId);
  const describeTopic = filters.reports.length === 0;
  if (describeTopic && (!filters.overridesOnly || configs.length > 0)) {
    lines.push(`Topic: ${t.name}${id ? `\tTopicId: ${id}` : ''}\tPartitionCount: ${t.partitions.length}\tReplicationFactor: ${replicationFactor}\tConfigs: ${configs.join(',')}`);
  }
  if (filters.overridesOnly) return lines;
  for (const p of t.partitions) {
    const hasLeader = p.leaderId >= 0;
    const matches: Record<(typeof REPORTS)[number], boolean> = {
      'under-replicated-partitions': p.replicas.length - p.isr.length > 0,
      'unavailable-partitions': !hasLeader || !filters.live.has(p.leaderId),
      'under-min-isr-partitions': !hasLeader || p.isr.length < filters.minIsr,
      'at-min-isr-partitions': p.isr.length === filters.minIsr,
    };
    if (!describeTopic && !filters.reports.some((r) => matches[r])) continue;
    lines.push(
      `\tTopic: ${t.name}\tPartition: ${p.partition}\tLeader: ${hasLeader ? p.leaderId : 'none'}\tReplicas: ${p.replicas.join(',')}\tIsr: ${p.isr.join(',')}` +
        `\tElr: N/A\tLastKnownElr: N/A\tLogStartOffset: ${p.logStartOffset}\tLogEndOffset: ${p.logEndOffset}`,
    );
  }
  return lines;
}

/** Kafka prints a Uuid as URL-safe base64 without padding; empty for the zero uuid (no topic IDs). */
export function kafkaTopicId(dashed: string): string {
  const hex = dashed.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex) || /^0+$/.test(hex)) return '';
  return Buffer.from(hex, 'hex').toString('base64url');
}
