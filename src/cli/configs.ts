/**
 * `spindle configs`: describe and alter topic and broker configs, like Kafka's
 * kafka-configs.sh.
 *
 *   --describe  "Dynamic configs for topic T are:" then one line per entry set on the resource
 *               (all entries with --all: "All configs for topic T are:"), each as Kafka prints it:
 *                 name=value sensitive=false synonyms={SOURCE:name=value, …}
 *   --alter     --add-config k=v,k2=[a,b] and --delete-config k,k2 through
 *               IncrementalAlterConfigs (other keys keep their values), then
 *               "Completed updating config for topic T."
 *
 * Brokers are named by node id; `--entity-type brokers --describe` without a name describes
 * every broker.
 *
 * Main thread.
 */
import { Admin, CONFIG_SOURCES, ConfigSource, type ConfigEntry, type ResourceKind } from '../client/admin.js';
import { Client } from '../client/client.js';
import { Args, type Flags, Output, UsageError, parseArgs, parseKeyValues, runTool } from './args.js';

export const CONFIGS_USAGE = `Usage: spindle configs [--bootstrap-server HOST:PORT] (--describe | --alter) --entity-type topics|brokers --entity-name NAME [options]

Describes and changes topic and broker configs, like Kafka's kafka-configs.sh.

Actions (one of):
  --describe                    the configs set on the entity (every config with --all)
  --alter                       change configs with --add-config and --delete-config

Options:
  --bootstrap-server HOST:PORT  broker to connect to (default: $SPINDLE_BOOTSTRAP_SERVER,
                                else localhost:9092)
  --entity-type topics|brokers  what to describe or alter
  --entity-name NAME            the topic name or broker id (brokers: optional with --describe)
  --topic NAME                  short for --entity-type topics --entity-name NAME
  --broker ID                   short for --entity-type brokers --entity-name ID
  --add-config K=V,K2=V2        configs to set; a list value in brackets: K=[a,b]
  --delete-config K,K2          configs to remove (back to their defaults)
  --all                         with --describe: every config, with its source
  -h, --help                    this help

Examples:
  spindle configs --describe --entity-type topics --entity-name orders
  spindle configs --alter --entity-type topics --entity-name orders --add-config retention.ms=86400000,cleanup.policy=compact
  spindle configs --alter --topic orders --delete-config retention.ms
  spindle configs --describe --entity-type brokers --entity-name 1 --all`;

const FLAGS: Flags = {
  describe: { kind: 'boolean' },
  alter: { kind: 'boolean' },
  'entity-type': { kind: 'string' },
  'entity-name': { kind: 'string' },
  topic: { kind: 'string' },
  broker: { kind: 'string' },
  'add-config': { kind: 'list' },
  'delete-config': { kind: 'list' },
  all: { kind: 'boolean' },
};

const ENTITY_TYPES: Record<string, ResourceKind> = { topics: 'topic', topic: 'topic', brokers: 'broker', broker: 'broker' };

export function runConfigs(argv: string[]): Promise<number> {
  return runTool('configs', CONFIGS_USAGE, argv, async () => {
    const args = new Args(parseArgs(argv, FLAGS));
    args.noPositionals();
    const action = args.action(['describe', 'alter'] as const);
    let kind: ResourceKind;
    let name: string | undefined;
    const shortcuts = ['topic', 'broker'].filter((s) => args.has(s));
    if (shortcuts.length > 1 || (shortcuts.length === 1 && (args.has('entity-type') || args.has('entity-name')))) {
      throw new UsageError('give either --entity-type with --entity-name, or one of --topic and --broker');
    }
    if (shortcuts.length === 1) {
      kind = shortcuts[0] as ResourceKind;
      name = args.string(shortcuts[0]!);
    } else {
      const type = args.required('entity-type');
      const k = ENTITY_TYPES[type];
      if (!k) throw new UsageError(`--entity-type must be topics or brokers, not '${type}'`);
      kind = k;
      name = args.string('entity-name');
    }
    if (name === undefined && (kind === 'topic' || action === 'alter')) throw new UsageError(`--entity-name is required${action === 'alter' ? ' with --alter' : ' for topics'}`);

    const client = new Client({ bootstrapServers: args.bootstrap(), clientId: 'spindle-configs' });
    const admin = new Admin(client);
    const out = new Output();
    try {
      if (action === 'describe') {
        let names: string[];
        if (name !== undefined) names = [name];
        else {
          await client.refreshMetadata([]);
          names = [...client.brokers.keys()].sort((a, b) => a - b).map(String);
        }
        for (const n of names) {
          if (kind === 'topic') await client.topic(n, { refresh: true });
          const entries = await admin.describeConfigs(kind, n);
          for (const line of describeLines(kind, n, entries, args.flag('all'))) out.line(line);
        }
      } else {
        const adds = args.list('add-config').flatMap((a) => parseKeyValues(a, '--add-config'));
        const deletes = args
          .list('delete-config')
          .flatMap((d) => d.split(','))
          .map((d) => d.trim())
          .filter((d) => d.length > 0);
        if (adds.length === 0 && deletes.length === 0) throw new UsageError('--alter needs --add-config or --delete-config');
        const both = adds.map(([k]) => k).filter((k) => deletes.includes(k));
        if (both.length > 0) throw new UsageError(`${both.join(', ')} both added and deleted`);
        if (kind === 'topic') await client.topic(name!, { refresh: true });
        await admin.incrementalAlterConfigs(kind, name!, [
          ...adds.map(([k, value]) => ({ name: k, op: 'set' as const, value })),
          ...deletes.map((k) => ({ name: k, op: 'delete' as const })),
        ]);
        out.line(`Completed updating config for ${kind} ${name}.`);
      }
      await out.flush();
      return 0;
    } finally {
      await client.close();
    }
  });
}

/** Kafka's describe output for one entity. */
export function describeLines(kind: ResourceKind, name: string, entries: ConfigEntry[], all: boolean): string[] {
  const dynamic = kind === 'topic' ? [ConfigSource.DYNAMIC_TOPIC_CONFIG] : [ConfigSource.DYNAMIC_BROKER_CONFIG, 3 /* DYNAMIC_DEFAULT_BROKER_CONFIG */];
  const shown = entries.filter((e) => all || (dynamic as number[]).includes(e.source)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const lines = [`${all ? 'All' : 'Dynamic'} configs for ${kind} ${name} are:`];
  for (const e of shown) {
    const value = e.isSensitive ? 'null' : e.value;
    const synonyms = e.synonyms.map((s) => `${CONFIG_SOURCES[s.source] ?? 'UNKNOWN'}:${s.name}=${e.isSensitive ? 'null' : s.value}`).join(', ');
    lines.push(`  ${e.name}=${value} sensitive=${e.isSensitive} synonyms={${synonyms}}`);
  }
  return lines;
}
