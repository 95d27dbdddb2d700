/**
 * `spindle topics`: create, list, describe, alter and delete topics, as kafka-topics.sh does.
 *
 * `--describe` prints Kafka's lines (tab-separated fields, a topic line then one line per
 * partition), with each partition's LogStartOffset and LogEndOffset added at the end of its
 * line. TopicId is printed the way Kafka prints it (URL-safe base64 of the 16 bytes). Configs
 * lists the topic's entries whose source is not the default, as Kafka's does. Partition sizes
 * are not shown: they need DescribeLogDirs, which Spindle does not serve.
 *
 * Main thread.
 */
import { Admin } from '../client/admin.js';
import { Client } from '../client/client.js';
import { ClientError, UnsupportedApiError } from '../client/errors.js';
import { Args, type Flags, Output, UsageError, parseArgs, parseKeyValues, runTool } from './args.js';

export const TOPICS_USAGE = `Usage: spindle topics [--bootstrap-server HOST:PORT] ACTION [options]

Creates, lists, describes, alters and deletes topics, like Kafka's kafka-topics.sh.

Actions (one of):
  --create                 create --topic, with --partitions, --replication-factor, --config
  --list                   print every topic name, one per line
  --describe               describe --topic (or every topic): partitions with leader, replicas,
                           ISR, log start and end offsets, and the topic's non-default configs
  --alter                  raise --topic's partition count to --partitions, and/or set --config
  --delete                 delete --topic

Options:
  --bootstrap-server HOST:PORT  broker to connect to (default: $SPINDLE_BOOTSTRAP_SERVER,
                                else localhost:9092)
  --topic NAME                  the topic
  --partitions N                partition count (default: the broker's num.partitions)
  --replication-factor N        replicas per partition (default: the broker's setting; 1 on
                                a single node)
  --config KEY=VALUE            a topic config, e.g. retention.ms=86400000 (repeatable)
  --if-not-exists               with --create: succeed quietly when the topic exists
  --if-exists                   with --alter, --delete, --describe: succeed quietly when the
                                topic does not exist
  --exclude-internal            with --list and --describe: leave out internal topics
  -h, --help                    this help

Examples:
  spindle topics --create --topic quickstart-events --bootstrap-server localhost:9092
  spindle topics --create --topic orders --partitions 6 --config retention.ms=604800000
  spindle topics --describe --topic quickstart-events
  spindle topics --list
  spindle topics --alter --topic orders --partitions 12
  spindle topics --delete --topic orders`;

const FLAGS: Flags = {
  create: { kind: 'boolean' },
  list: { kind: 'boolean' },
  describe: { kind: 'boolean' },
  alter: { kind: 'boolean' },
  delete: { kind: 'boolean' },
  topic: { kind: 'string' },
  partitions: { kind: 'integer' },
  'replication-factor': { kind: 'integer' },
  config: { kind: 'list' },
  'if-not-exists': { kind: 'boolean' },
  'if-exists': { kind: 'boolean' },
  'exclude-internal': { kind: 'boolean' },
};

const ACTIONS = ['create', 'list', 'describe', 'alter', 'delete'] as const;

export function runTopics(argv: string[]): Promise<number> {
  return runTool('topics', TOPICS_USAGE, argv, async () => {
    const args = new Args(parseArgs(argv, FLAGS));
    args.noPositionals();
    const action = args.action(ACTIONS);
    const configs = Object.fromEntries(args.list('config').flatMap((c) => parseKeyValues(c, '--config')));
    const partitions = args.integer('partitions');
    if (partitions !== undefined && partitions < 1) throw new UsageError('--partitions must be at least 1');
    const replicationFactor = args.integer('replication-factor');
    if (replicationFactor !== undefined && replicationFactor < 1) throw new UsageError('--replication-factor must be at least 1');
    const client = new Client({ bootstrapServers: args.bootstrap(), clientId: 'spindle-topics' });
    const admin = new Admin(client);
    const out = new Output();
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
          for (const name of await admin.listTopics({ includeInternal: !args.flag('exclude-internal') })) out.line(name);
          break;
        case 'describe': {
          const topic = args.string('topic');
          let names: string[] | undefined;
          if (topic !== undefined) names = [topic];
          let described;
          try {
            described = await admin.describeTopics(names);
          } catch (e) {
            if (args.flag('if-exists') && e instanceof ClientError && /does not exist/.test(e.message)) break;
            throw e;
          }
          for (const t of described) {
            if (args.flag('exclude-internal') && t.isInternal) continue;
            const configs = await nonDefaultConfigs(admin, t.name);
            for (const line of describeLines(t, configs)) out.line(line);
          }
          break;
        }
        case 'alter': {
          const topic = args.required('topic', 'with --alter');
          if (partitions === undefined && Object.keys(configs).length === 0) throw new UsageError('--alter needs --partitions or --config');
          try {
            await client.topic(topic, { refresh: true });
          } catch (e) {
            if (args.flag('if-exists') && e instanceof ClientError) break;
            throw e;
          }
          if (partitions !== undefined) await admin.createPartitions([{ name: topic, count: partitions }]);
          if (Object.keys(configs).length > 0) {
            await admin.incrementalAlterConfigs('topic', topic, Object.entries(configs).map(([name, value]) => ({ name, op: 'set' as const, value })));
          }
          break;
        }
        case 'delete': {
          const topic = args.required('topic', 'with --delete');
          try {
            await admin.deleteTopics([topic]);
          } catch (e) {
            if (args.flag('if-exists') && e instanceof ClientError && /does not exist/.test(e.message)) break;
            throw e;
          }
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

/** The topic's configs whose source is not the default, as `name=value` sorted by name. */
async function nonDefaultConfigs(admin: Admin, topic: string): Promise<string[]> {
  try {
    const entries = await admin.describeConfigs('topic', topic, { synonyms: false });
    return entries
      .filter((e) => !e.isDefault)
      .map((e) => `${e.name}=${e.isSensitive ? 'null' : (e.value ?? 'null')}`)
      .sort();
  } catch (e) {
    // A broker without DescribeConfigs still gets its partitions described.
    if (e instanceof UnsupportedApiError) return [];
    throw e;
  }
}

export interface DescribedTopic {
  name: string;
  topicId: string;
  partitions: { partition: number; leaderId: number; replicas: number[]; isr: number[]; logStartOffset: number; logEndOffset: number }[];
}

/** Kafka's describe lines, plus log start and end offsets per partition. */
export function describeLines(t: DescribedTopic, configs: string[]): string[] {
  const replicationFactor = t.partitions[0]?.replicas.length ?? 0;
  const lines: string[] = [];
  const id = kafkaTopicId(t.topicId);
  lines.push(`Topic: ${t.name}${id ? `\tTopicId: ${id}` : ''}\tPartitionCount: ${t.partitions.length}\tReplicationFactor: ${replicationFactor}\tConfigs: ${configs.join(',')}`);
  for (const p of t.partitions) {
    lines.push(
      `\tTopic: ${t.name}\tPartition: ${p.partition}\tLeader: ${p.leaderId >= 0 ? p.leaderId : 'none'}\tReplicas: ${p.replicas.join(',')}\tIsr: ${p.isr.join(',')}` +
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
