/**
 * `spindle configs`: describe and alter topic and broker configs, like Kafka's
 * kafka-configs.sh.
 *
 *   --describe  "Dynamic configs for topic T are:" then one line per entry set on the resource
 *               (all entries with --all: "All configs for topic T are:"), each as Kafka prints it:
 *                 name=value sensitive=false synonyms={SOURCE:name=value, …}
 *               Without --entity-name: every topic, or every broker and then the cluster-wide
 *               defaults ("Default configs for brokers in the cluster are:").
 *   --alter     --add-config k=v,k2=[a,b] (and --add-config-file, a properties file) and
 *               --delete-config k,k2 through IncrementalAlterConfigs (other keys keep their
 *               values), then "Completed updating config for topic T."
 *
 * Brokers are named by node id; --entity-default (or --broker-defaults) names the cluster-wide
 * defaults. Users, clients and ips (client quotas, SCRAM credentials, connection quotas) are
 * configs-quotas.ts. Kafka's other entity types (client-metrics, groups, broker-loggers), which
 * need APIs Spindle does not serve, are refused in one line.
 *
 * Main thread.
 */
import { Admin, CONFIG_SOURCES, ConfigSource, type ConfigEntry, type ResourceKind } from '../client/admin.js';
import { Client } from '../client/client.js';
import { Args, type Flags, Output, UsageError, parseArgs, parseKeyValues, runTool } from './args.js';
import { clientProperties, readPropertiesFile, resolveClientProperties } from './client-config.js';
import { QUOTA_TYPES, alterQuotaEntity, describeQuotaEntity, entityNamesInOrder, quotaEntity, quotaShortcuts } from './configs-quotas.js';

export const CONFIGS_USAGE = `Usage: spindle configs [--bootstrap-server HOST:PORT] (--describe | --alter) --entity-type TYPE (--entity-name NAME | --entity-default) [options]

Describes and changes topic and broker configs, client quotas and SCRAM credentials, like
Kafka's kafka-configs.sh.

Actions (one of):
  --describe                    the configs set on the entity (every config with --all)
  --alter                       change configs with --add-config, --add-config-file and
                                --delete-config

Options:
  --bootstrap-server HOST:PORT  broker to connect to (default: bootstrap.servers of
                                --command-config, else $SPINDLE_BOOTSTRAP_SERVER, else
                                localhost:9092)
  --entity-type TYPE            topics, brokers, users (quotas, SCRAM credentials), clients
                                (quotas) or ips (connection quotas); users and clients may
                                be given together: a user's quotas for one client id
  --entity-name NAME            the topic, broker id, user, client id or address, one per
                                --entity-type (optional with --describe: all of them)
  --entity-default              instead of a name: the cluster-wide defaults (brokers) or the
                                default user, client id or address
  --topic NAME                  short for --entity-type topics --entity-name NAME
  --broker ID                   short for --entity-type brokers --entity-name ID
  --broker-defaults             short for --entity-type brokers --entity-default
  --user NAME, --user-defaults  short for --entity-type users with --entity-name NAME or
                                --entity-default; likewise --client, --client-defaults, --ip
                                and --ip-defaults (--user with --client: that pair)
  --add-config K=V,K2=V2        configs to set; a list value in brackets: K=[a,b]; a SCRAM
                                credential as SCRAM-SHA-512=[iterations=8192,password=SECRET]
  --add-config-file FILE        configs to set, from a properties file
  --delete-config K,K2          configs to remove (back to their defaults), or SCRAM mechanisms
  --all                         with --describe: every config, with its source
  --command-config FILE         admin client configs (client.id, request.timeout.ms, …)
  --version                     print Spindle's version
  -h, --help                    this help

Examples:
  spindle configs --describe --entity-type topics --entity-name orders
  spindle configs --alter --entity-type topics --entity-name orders --add-config retention.ms=86400000,cleanup.policy=compact
  spindle configs --alter --topic orders --delete-config retention.ms
  spindle configs --describe --entity-type brokers --entity-name 1 --all
  spindle configs --alter --entity-type brokers --entity-default --add-config log.retention.ms=86400000
  spindle configs --alter --entity-type users --entity-name alice --add-config 'SCRAM-SHA-512=[password=alice-secret]'
  spindle configs --alter --entity-type users --entity-name alice --add-config producer_byte_rate=1048576
  spindle configs --describe --entity-type users`;

export const CONFIGS_FLAGS: Flags = {
  describe: { kind: 'boolean' },
  alter: { kind: 'boolean' },
  'entity-type': { kind: 'list' },
  'entity-name': { kind: 'list' },
  'entity-default': { kind: 'boolean' },
  topic: { kind: 'string' },
  broker: { kind: 'string' },
  'broker-defaults': { kind: 'boolean' },
  user: { kind: 'string' },
  'user-defaults': { kind: 'boolean' },
  client: { kind: 'string' },
  'client-defaults': { kind: 'boolean' },
  ip: { kind: 'string' },
  'ip-defaults': { kind: 'boolean' },
  'add-config': { kind: 'list' },
  'add-config-file': { kind: 'string' },
  'delete-config': { kind: 'list' },
  all: { kind: 'boolean' },
};

const ENTITY_TYPES: Record<string, ResourceKind> = { topics: 'topic', topic: 'topic', brokers: 'broker', broker: 'broker' };
/** Kafka's other entity types, with what Spindle would need to serve them. */
const UNSERVED: Record<string, string> = {
  'client-metrics': 'client metrics resources (KIP-714)',
  groups: 'group config resources (KIP-848)',
  'broker-loggers': 'broker logger resources',
};

/** The one resource --entity-* (or a shortcut) names; name undefined means all of that kind, '' the broker defaults. */
function entity(args: Args): { kind: ResourceKind; name: string | undefined } {
  const shortcuts = ['topic', 'broker', 'broker-defaults'].filter((s) => args.has(s));
  if (shortcuts.length > 1 || (shortcuts.length === 1 && (args.has('entity-type') || args.has('entity-name') || args.has('entity-default')))) {
    throw new UsageError('give either --entity-type with --entity-name or --entity-default, or one of --topic, --broker and --broker-defaults');
  }
  if (shortcuts[0] === 'broker-defaults') return { kind: 'broker', name: '' };
  if (shortcuts.length === 1) return { kind: shortcuts[0] as ResourceKind, name: args.string(shortcuts[0]!) };
  const types = args.list('entity-type');
  if (types.length === 0) throw new UsageError('--entity-type is required');
  if (types.length > 1) throw new UsageError('give one --entity-type (users with clients is the only pair)');
  const type = types[0]!;
  const unserved = UNSERVED[type];
  if (unserved !== undefined) throw new UsageError(`--entity-type ${type} is not supported: it needs ${unserved}, which Spindle does not serve (topics, brokers, users, clients and ips are)`);
  const kind = ENTITY_TYPES[type];
  if (!kind) throw new UsageError(`--entity-type must be topics, brokers, users, clients or ips, not '${type}'`);
  const names = args.list('entity-name');
  if (names.length > 1) throw new UsageError('give one --entity-name');
  if (args.flag('entity-default')) {
    if (kind !== 'broker') throw new UsageError('--entity-default goes with --entity-type brokers, users, clients or ips (topics have no defaults entity)');
    if (names.length > 0) throw new UsageError('--entity-name and --entity-default cannot be combined');
    return { kind, name: '' };
  }
  return { kind, name: names[0] };
}

export function runConfigs(argv: string[]): Promise<number> {
  return runTool('configs', CONFIGS_USAGE, argv, async () => {
    const args = new Args(parseArgs(argv, CONFIGS_FLAGS));
    args.noPositionals();
    const action = args.action(['describe', 'alter'] as const);
    const shortcuts = quotaShortcuts(args);
    if (shortcuts) return quotaCommand(args, action, shortcuts.types, shortcuts.names);
    const types = args.list('entity-type');
    if (types.some((t) => QUOTA_TYPES[t] !== undefined)) return quotaCommand(args, action, types, entityNamesInOrder(argv));
    const { kind, name } = entity(args);
    if (name === undefined && action === 'alter') throw new UsageError('--entity-name is required with --alter (or --entity-default for the broker defaults)');
    if (args.flag('all') && action !== 'describe') throw new UsageError('--all goes with --describe');

    const { client, admin } = connect(args);
    const out = new Output();
    try {
      if (action === 'describe') {
        let names: string[];
        if (name !== undefined) names = [name];
        else if (kind === 'topic') names = await admin.listTopics({ includeInternal: true });
        else {
          // Every broker, then the cluster-wide defaults, as Kafka's tool lists them.
          await client.refreshMetadata([]);
          names = [...[...client.brokers.keys()].sort((a, b) => a - b).map(String), ''];
        }
        for (const n of names) {
          if (kind === 'topic') await client.topic(n, { refresh: true });
          const entries = await admin.describeConfigs(kind, n);
          for (const line of describeLines(kind, n, entries, args.flag('all'))) out.line(line);
          await out.maybeFlush();
        }
      } else {
        const { adds, deletes } = alterations(args);
        if (kind === 'topic') await client.topic(name!, { refresh: true });
        await admin.incrementalAlterConfigs(kind, name!, [
          ...adds.map(([k, value]) => ({ name: k, op: 'set' as const, value })),
          ...deletes.map((k) => ({ name: k, op: 'delete' as const })),
        ]);
        out.line(name === '' ? 'Completed updating default config for brokers in the cluster.' : `Completed updating config for ${kind} ${name}.`);
      }
      await out.flush();
      return 0;
    } finally {
      await client.close();
    }
  });
}

/** The admin client the flags and --command-config describe. */
function connect(args: Args): { client: Client; admin: Admin } {
  const resolved = resolveClientProperties(clientProperties(args), 'admin', 'spindle-configs', {}, (l) => process.stderr.write(`spindle configs: ${l}\n`));
  const client = new Client({ ...resolved.client, bootstrapServers: args.bootstrap(resolved.bootstrap) });
  return { client, admin: new Admin(client) };
}

/** --entity-type users, clients or ips (configs-quotas.ts). */
async function quotaCommand(args: Args, action: 'describe' | 'alter', types: string[], names: (string | null)[]): Promise<number> {
  if (args.flag('all')) throw new UsageError('--all goes with topics and brokers');
  if (['topic', 'broker', 'broker-defaults'].some((f) => args.has(f))) throw new UsageError('--topic, --broker and --broker-defaults cannot be combined with users, clients or ips');
  const parts = quotaEntity(types, names, action === 'alter');
  const { client, admin } = connect(args);
  const out = new Output();
  try {
    if (action === 'describe') {
      for (const line of await describeQuotaEntity(admin, parts)) out.line(line);
    } else {
      const { adds, deletes } = alterations(args);
      out.line(await alterQuotaEntity(admin, parts, adds, deletes));
    }
    await out.flush();
    return 0;
  } finally {
    await client.close();
  }
}

/** --add-config, --add-config-file and --delete-config, checked: something to do, no key both added and deleted. */
function alterations(args: Args): { adds: [string, string][]; deletes: string[] } {
  const adds = args.list('add-config').flatMap((a) => parseKeyValues(a, '--add-config'));
  const file = args.string('add-config-file');
  if (file !== undefined) adds.push(...readPropertiesFile(file, '--add-config-file'));
  const deletes = args
    .list('delete-config')
    .flatMap((d) => d.split(','))
    .map((d) => d.trim())
    .filter((d) => d.length > 0);
  if (adds.length === 0 && deletes.length === 0) throw new UsageError('--alter needs --add-config, --add-config-file or --delete-config');
  const both = adds.map(([k]) => k).filter((k) => deletes.includes(k));
  if (both.length > 0) throw new UsageError(`${both.join(', ')} both added and deleted`);
  return { adds, deletes };
}

/** Kafka's describe output for one entity. */
export function describeLines(kind: ResourceKind, name: string, entries: ConfigEntry[], all: boolean): string[] {
  // As Kafka's ConfigCommand: a broker shows what was set on it, the defaults entity what was set there.
  const dynamic: number = kind === 'topic' ? ConfigSource.DYNAMIC_TOPIC_CONFIG : name === '' ? 3 /* DYNAMIC_DEFAULT_BROKER_CONFIG */ : ConfigSource.DYNAMIC_BROKER_CONFIG;
  const shown = entries.filter((e) => all || e.source === dynamic).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const lines = [name === '' ? `${all ? 'All' : 'Default'} configs for brokers in the cluster are:` : `${all ? 'All' : 'Dynamic'} configs for ${kind} ${name} are:`];
  for (const e of shown) {
    const value = e.isSensitive ? 'null' : e.value;
    const synonyms = e.synonyms.map((s) => `${CONFIG_SOURCES[s.source] ?? 'UNKNOWN'}:${s.name}=${e.isSensitive ? 'null' : s.value}`).join(', ');
    lines.push(`  ${e.name}=${value} sensitive=${e.isSensitive} synonyms={${synonyms}}`);
  }
  return lines;
}
