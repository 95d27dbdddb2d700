/**
 * Dynamic broker configs: the broker keys that AlterConfigs and IncrementalAlterConfigs may
 * change on a running node, layered over the static configuration, kept on disk, and described
 * the way DescribeConfigs and CreateTopics report configs.
 *
 *   <first log dir>/__spindle_metadata/broker-configs.json      rewritten whole, atomically
 *   { "version": 1,
 *     "clusterDefault": { "log.retention.ms": "3600000" },         resource name ''
 *     "nodes": { "1": { "log.segment.bytes": "104857600" } } }     resource name '<node id>'
 *
 * Values are kept as the text the client sent, as Kafka keeps them, and parsed with the rules of
 * server.properties (load.ts parseConfigText). A key's effective value is this node's dynamic
 * value, else the cluster-wide dynamic default, else the static one (file, environment, flags,
 * Spindle's default): Kafka's order. The layered BrokerConfig is what Broker.config holds, so
 * every topic without an override of its own resolves against it. Its `sources` and `origins`
 * stay the static ones; where a value comes from is what describeTopicConfigs and
 * describeBrokerConfigs below report, with Kafka's ConfigSource codes.
 *
 * Which keys (DYNAMIC_BROKER_KEYS): Kafka 3.9 lets every broker key that is the first synonym of
 * a topic config change at run time (DynamicLogConfig: log.retention.ms, log.segment.bytes,
 * log.roll.ms, log.cleanup.policy, message.max.bytes, log.cleaner.delete.retention.ms, …; not
 * log.retention.hours or log.roll.hours), plus thread pools, connection quotas, listeners and
 * TLS stores. Spindle takes the first group where it honours the key: the new value reaches every
 * topic through re-resolution. It also takes the SASL keys Kafka changes per broker (Kerberos and
 * login-refresh timings, sasl.jaas.config, …), which configure SASL listeners: Spindle opens none,
 * so, like a Kafka broker without one, it keeps them and they change nothing (librdkafka's admin
 * test sets sasl.kerberos.min.time.before.relogin and expects success). The rest of Kafka's
 * dynamic keys are refused: those Spindle reads
 * once at start-up (log.cleaner.threads, log.cleaner.backoff.ms, num.io.threads,
 * max.connections, …) and those without effect here (min.insync.replicas, compression levels,
 * …). So are the keys Kafka never changes at run time (with Kafka's "Cannot update these configs
 * dynamically" message) and names Spindle does not know, which Kafka would keep as custom
 * configs. The handlers answer all of these INVALID_REQUEST, as Kafka does.
 *
 * A persisted entry that no longer parses (a key that stopped being dynamic, a value a newer
 * rule refuses) is skipped at start-up with a warning on stderr, as Kafka logs and ignores it.
 *
 * Main thread. Files are written synchronously: admin operations are rare.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurablySync } from '../../core/fs.js';
import { METADATA_DIR } from '../../core/topic-store.js';
import { ConfigError } from './errors.js';
import { CONFIG_KEYS, configKey, TOPIC_CONFIGS, topicConfig, type ConfigKeyDef, type ConfigKeyName, type ConfigType, type ConfigValues, type TopicConfigDef } from './keys.js';
import { type BrokerConfig, formatConfigValue, parseConfigText, resolveTopicConfig } from './load.js';
import { recordingConfig, untracked } from './reads.js';

export const BROKER_CONFIGS_FILE = 'broker-configs.json';

/** Kafka's DescribeConfigsResponse.ConfigSource codes. */
export const ConfigSourceCode = Object.freeze({
  UNKNOWN: 0,
  TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
  CLIENT_METRICS_CONFIG: 7,
  GROUP_CONFIG: 8,
});

/** Kafka's DescribeConfigsResponse.ConfigType codes, by Spindle's config type. */
const CONFIG_TYPE_CODES: Readonly<Record<ConfigType, number>> = Object.freeze({
  boolean: 1,
  string: 2,
  int: 3,
  long: 5,
  double: 6,
  list: 7,
  class: 8,
  password: 9,
});

export function configTypeCode(type: ConfigType): number {
  return CONFIG_TYPE_CODES[type];
}

/** Kafka's DynamicLogConfig: the highest-precedence broker key behind each topic config. */
const KAFKA_DYNAMIC_LOG_KEYS: readonly string[] = (TOPIC_CONFIGS as readonly TopicConfigDef[])
  .map((t) => t.brokerKey)
  .filter((k): k is ConfigKeyName => k !== null);

/** Kafka's other run-time keys that Spindle knows: read at start-up only here, or without effect. */
const KAFKA_DYNAMIC_NOT_HERE: ReadonlySet<string> = new Set([
  'log.cleaner.threads',
  'log.cleaner.dedupe.buffer.size',
  'log.cleaner.io.buffer.load.factor',
  'log.cleaner.io.buffer.size',
  'log.cleaner.io.max.bytes.per.second',
  'log.cleaner.backoff.ms',
  'num.io.threads',
  'num.network.threads',
  'num.replica.fetchers',
  'num.recovery.threads.per.data.dir',
  'background.threads',
  'max.connections',
  'max.connections.per.ip',
  'max.connections.per.ip.overrides',
  'max.connection.creation.rate',
  'metric.reporters',
  'advertised.listeners',
  'listeners',
  'listener.security.protocol.map',
  'producer.id.expiration.ms',
  'transaction.partition.verification.enable',
  ...KAFKA_DYNAMIC_LOG_KEYS.filter((k) => configKey(k)!.effect !== 'honoured'),
]);

/**
 * Kafka's dynamic SASL keys (DynamicListenerConfig) that may be set without a listener prefix,
 * per broker only. They configure SASL listeners; Spindle opens none, so, as on a Kafka broker
 * without one, a new value is kept and described and changes nothing.
 */
const KAFKA_DYNAMIC_SASL_KEYS: ReadonlySet<string> = new Set([
  'sasl.mechanism.inter.broker.protocol',
  'sasl.jaas.config',
  'sasl.enabled.mechanisms',
  'sasl.kerberos.service.name',
  'sasl.kerberos.kinit.cmd',
  'sasl.kerberos.ticket.renew.window.factor',
  'sasl.kerberos.ticket.renew.jitter',
  'sasl.kerberos.min.time.before.relogin',
  'sasl.kerberos.principal.to.local.rules',
  'sasl.login.refresh.window.factor',
  'sasl.login.refresh.window.jitter',
  'sasl.login.refresh.min.period.seconds',
  'sasl.login.refresh.buffer.seconds',
]);

/**
 * The keys a running Spindle node accepts: Kafka's dynamic log keys that Spindle honours, and
 * the SASL keys above.
 */
export const DYNAMIC_BROKER_KEYS: ReadonlySet<string> = new Set([
  ...KAFKA_DYNAMIC_LOG_KEYS.filter((k) => configKey(k)!.effect === 'honoured'),
  ...KAFKA_DYNAMIC_SASL_KEYS,
]);

/** '' names the cluster-wide defaults, a node id the node's own values. */
export type DynamicScope = 'cluster-default' | 'node';

export interface DynamicLayer {
  /** The configuration from the file, environment, flags and defaults. */
  readonly staticConfig: BrokerConfig;
  /** Cluster-wide dynamic defaults (resource name ''), as given. */
  readonly clusterDefault: Readonly<Record<string, string>>;
  /** This node's dynamic values (resource name = node id), as given. */
  readonly node: Readonly<Record<string, string>>;
  /** Other node ids' values found in the file: kept when it is rewritten, never applied. */
  readonly otherNodes: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

interface SavedFile {
  version: number;
  clusterDefault?: Record<string, string>;
  nodes?: Record<string, Record<string, string>>;
}

const layers = new WeakMap<BrokerConfig, DynamicLayer>();

/** The static configuration and dynamic values behind a (layered) BrokerConfig. */
export function dynamicLayerOf(config: BrokerConfig): DynamicLayer {
  return layers.get(config) ?? { staticConfig: config, clusterDefault: {}, node: {}, otherNodes: {} };
}

export function dynamicConfigsOf(config: BrokerConfig, scope: DynamicScope): Readonly<Record<string, string>> {
  const layer = dynamicLayerOf(config);
  return scope === 'node' ? layer.node : layer.clusterDefault;
}

function fileOf(config: BrokerConfig): string {
  return join(config.derived.logDirs[0]!, METADATA_DIR, BROKER_CONFIGS_FILE);
}

function originOf(scope: DynamicScope, nodeId: number): string {
  return scope === 'node' ? `dynamic config of broker ${nodeId}` : 'dynamic cluster-wide default';
}

/** Kafka's Scala Set rendering, which its messages use: "Set(a, b)". */
const asSet = (names: readonly string[]): string => `Set(${names.join(', ')})`;

/** Throws ConfigError when a key may not be changed at run time, or not in this scope. */
function checkDynamicKeys(names: readonly string[], scope: DynamicScope): void {
  const unknown = names.filter((n) => !configKey(n));
  if (unknown.length > 0) {
    throw new ConfigError(`Unknown broker configs: ${asSet(unknown)}.`, { key: unknown[0]!, allowed: 'a broker config name' });
  }
  const notHere = names.filter((n) => KAFKA_DYNAMIC_NOT_HERE.has(n));
  if (notHere.length > 0) {
    throw new ConfigError(`These configs can be updated dynamically in Kafka, but not in Spindle: ${asSet(notHere)}`, { key: notHere[0]! });
  }
  const fixed = names.filter((n) => !DYNAMIC_BROKER_KEYS.has(n));
  if (fixed.length > 0) throw new ConfigError(`Cannot update these configs dynamically: ${asSet(fixed)}`, { key: fixed[0]! });
  const perBroker = scope === 'cluster-default' ? names.filter((n) => KAFKA_DYNAMIC_SASL_KEYS.has(n)) : [];
  if (perBroker.length > 0) {
    throw new ConfigError(`Cannot update these configs at default cluster level, broker id must be specified: ${asSet(perBroker)}`, { key: perBroker[0]! });
  }
}

/** The layered configuration; throws ConfigError for a value that does not parse or contradicts another. */
function build(layer: DynamicLayer): BrokerConfig {
  const s = layer.staticConfig;
  const nodeId = s.derived.nodeId;
  // A copy of every key: untracked, as reads.ts explains.
  const values: Record<string, unknown> = { ...untracked(s.values) };
  for (const [scope, map] of [
    ['cluster-default', layer.clusterDefault],
    ['node', layer.node],
  ] as const) {
    for (const [key, text] of Object.entries(map)) values[key] = parseConfigText(configKey(key)!, text, originOf(scope, nodeId));
  }
  const v = values as unknown as ConfigValues;
  const minLag = v['log.cleaner.min.compaction.lag.ms'];
  const maxLag = v['log.cleaner.max.compaction.lag.ms'];
  if (minLag > maxLag) {
    throw new ConfigError(
      `Invalid value '${minLag}' for 'log.cleaner.min.compaction.lag.ms': it exceeds log.cleaner.max.compaction.lag.ms (${formatConfigValue('long', maxLag)}).`,
      { key: 'log.cleaner.min.compaction.lag.ms', value: String(minLag), allowed: 'at most log.cleaner.max.compaction.lag.ms' },
    );
  }
  // The values load.ts derives from keys that may now be dynamic, by the same rules.
  const retentionMinutes = v['log.retention.minutes'];
  const retentionMsRaw = v['log.retention.ms'] ?? (retentionMinutes !== null ? retentionMinutes * 60_000 : v['log.retention.hours'] * 3_600_000);
  const derived = Object.freeze({
    ...untracked(s.derived),
    logRetentionMs: retentionMsRaw < 0 ? -1 : retentionMsRaw,
    logRollMs: v['log.roll.ms'] ?? v['log.roll.hours'] * 3_600_000,
    logRollJitterMs: v['log.roll.jitter.ms'] ?? v['log.roll.jitter.hours'] * 3_600_000,
    logFlushIntervalMs: v['log.flush.interval.ms'] ?? v['log.flush.scheduler.interval.ms'],
  });
  const plain: BrokerConfig = Object.freeze({ ...s, values: Object.freeze(v), derived });
  const config = plain.reads ? recordingConfig(plain, plain.reads) : plain;
  layers.set(config, layer);
  return config;
}

/**
 * The static configuration with the persisted dynamic configs layered over it (Broker's
 * constructor). Entries that no longer apply are skipped with a warning.
 */
export function withDynamicBrokerConfigs(staticConfig: BrokerConfig): BrokerConfig {
  const file = fileOf(staticConfig);
  if (!existsSync(file)) return build({ staticConfig, clusterDefault: {}, node: {}, otherNodes: {} });
  let saved: SavedFile;
  try {
    saved = JSON.parse(readFileSync(file, 'utf8')) as SavedFile;
  } catch (e) {
    throw new Error(`${file} cannot be read: ${(e as Error).message}`, { cause: e });
  }
  if (saved.version !== 1) throw new Error(`${file}: unknown version ${saved.version}`);
  const nodeKey = String(staticConfig.derived.nodeId);
  const otherNodes: Record<string, Record<string, string>> = { ...(saved.nodes ?? {}) };
  delete otherNodes[nodeKey];
  const usable = (map: Record<string, string> | undefined, scope: DynamicScope): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const [key, text] of Object.entries(map ?? {})) {
      try {
        checkDynamicKeys([key], scope);
        parseConfigText(configKey(key)!, text, originOf(scope, staticConfig.derived.nodeId));
        out[key] = text;
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        process.stderr.write(`${file}: ignoring ${key}: ${e.message}\n`);
      }
    }
    return out;
  };
  const layer: DynamicLayer = {
    staticConfig,
    clusterDefault: Object.freeze(usable(saved.clusterDefault, 'cluster-default')),
    node: Object.freeze(usable(saved.nodes?.[nodeKey], 'node')),
    otherNodes: Object.freeze(otherNodes),
  };
  try {
    return build(layer);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`${file}: ignoring every dynamic broker config: ${e.message}\n`);
    return build({ staticConfig, clusterDefault: {}, node: {}, otherNodes: layer.otherNodes });
  }
}

/**
 * The configuration with one scope's dynamic configs replaced by `entries` (the whole new set
 * for that scope). Throws ConfigError for a key that may not change at run time or a bad value.
 * Nothing is written: saveDynamicBrokerConfigs does that once the caller commits.
 */
export function alterDynamicBrokerConfigs(current: BrokerConfig, scope: DynamicScope, entries: Readonly<Record<string, string>>): BrokerConfig {
  checkDynamicKeys(Object.keys(entries), scope);
  const layer = dynamicLayerOf(current);
  const map = Object.freeze({ ...entries });
  return build(scope === 'node' ? { ...layer, node: map } : { ...layer, clusterDefault: map });
}

/** Writes the dynamic configs behind `config`: a temporary file, fsync, rename, fsync of the directory. */
export function saveDynamicBrokerConfigs(config: BrokerConfig): void {
  const layer = dynamicLayerOf(config);
  const file = fileOf(config);
  const dir = join(file, '..');
  mkdirSync(dir, { recursive: true });
  const saved: SavedFile = {
    version: 1,
    clusterDefault: { ...layer.clusterDefault },
    nodes: { ...layer.otherNodes, [String(config.derived.nodeId)]: { ...layer.node } },
  };
  writeFileDurablySync(file, Buffer.from(`${JSON.stringify(saved, null, 1)}\n`));
}

// ---------------------------------------------------------------------------------------------
// Describing

export interface ConfigSynonymDescription {
  readonly name: string;
  readonly value: string | null;
  /** ConfigSourceCode */
  readonly source: number;
}

/** One config as DescribeConfigs reports it (CreateTopics v5+ reports a subset of the fields). */
export interface ConfigDescription {
  readonly name: string;
  readonly value: string | null;
  readonly readOnly: boolean;
  /** ConfigSourceCode */
  readonly source: number;
  readonly isSensitive: boolean;
  /** Every place the value could come from, the one in force first. */
  readonly synonyms: readonly ConfigSynonymDescription[];
  /** Kafka's ConfigType code. */
  readonly configType: number;
  readonly documentation: string;
}

/** Kafka's broker-key synonyms (DynamicBrokerConfig.brokerConfigSynonyms), most precise first. */
const BROKER_SYNONYM_GROUPS: readonly (readonly string[])[] = [
  ['log.roll.ms', 'log.roll.hours'],
  ['log.roll.jitter.ms', 'log.roll.jitter.hours'],
  ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'],
];

function brokerSynonymNames(name: string): readonly string[] {
  if (name === 'log.flush.interval.ms') return ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'];
  return BROKER_SYNONYM_GROUPS.find((g) => g.includes(name)) ?? [name];
}

/** The broker-level synonyms of `names`, level by level: node, cluster default, static. */
function brokerLevels(layer: DynamicLayer, names: readonly string[]): ConfigSynonymDescription[] {
  const out: ConfigSynonymDescription[] = [];
  const sensitive = (n: string) => configKey(n)!.type === 'password';
  for (const [map, source] of [
    [layer.node, ConfigSourceCode.DYNAMIC_BROKER_CONFIG],
    [layer.clusterDefault, ConfigSourceCode.DYNAMIC_DEFAULT_BROKER_CONFIG],
  ] as const) {
    for (const n of names) if (map[n] !== undefined) out.push({ name: n, value: sensitive(n) ? null : map[n]!, source });
  }
  const s = layer.staticConfig;
  for (const n of names) {
    const key = n as ConfigKeyName;
    if (s.sources[key] === 'default') continue;
    out.push({ name: n, value: sensitive(n) ? null : formatConfigValue(configKey(n)!.type, untracked(s.values)[key]), source: ConfigSourceCode.STATIC_BROKER_CONFIG });
  }
  return out;
}

/**
 * A topic's configs over `config` (layered): the override, the broker keys behind it at each
 * level, and the default, as resolveTopicConfig lists them with the dynamic levels added.
 * `resolved` saves resolving again when the caller has it.
 */
export function describeTopicConfigs(config: BrokerConfig, overrides: Readonly<Record<string, string>>, resolved = resolveTopicConfig(config, overrides)): ConfigDescription[] {
  const layer = dynamicLayerOf(config);
  return resolved.entries.map((entry) => {
    const def = topicConfig(entry.name)!;
    const synonyms: ConfigSynonymDescription[] = [];
    if (overrides[def.name] !== undefined) synonyms.push({ name: def.name, value: entry.text, source: ConfigSourceCode.TOPIC_CONFIG });
    synonyms.push(...brokerLevels(layer, def.synonyms.map((s) => s.key)));
    const defaultSynonym = def.synonyms.map((s) => configKey(s.key)!).find((k) => k.default !== null);
    synonyms.push(
      defaultSynonym
        ? { name: defaultSynonym.name, value: formatConfigValue(defaultSynonym.type, defaultSynonym.default), source: ConfigSourceCode.DEFAULT_CONFIG }
        : { name: def.name, value: formatConfigValue(def.type, def.default), source: ConfigSourceCode.DEFAULT_CONFIG },
    );
    return {
      name: def.name,
      value: entry.text,
      readOnly: false,
      source: synonyms[0]!.source,
      isSensitive: false,
      synonyms,
      configType: configTypeCode(def.type),
      documentation: def.documentation,
    };
  });
}

/**
 * A broker resource's configs as Kafka's ConfigHelper describes them: for the node, every key
 * with its effective value; for the cluster default (''), only the keys set there. Synonyms run
 * from the level in force down to the default, starting at the key itself (Kafka drops the
 * leading ones with other names, so an unset log.retention.ms lists no synonyms).
 */
export function describeBrokerConfigs(config: BrokerConfig, scope: DynamicScope): ConfigDescription[] {
  const layer = dynamicLayerOf(config);
  const defs = scope === 'node' ? (CONFIG_KEYS as readonly ConfigKeyDef[]) : Object.keys(layer.clusterDefault).map((k) => configKey(k)!);
  return defs.map((def) => {
    const names = brokerSynonymNames(def.name);
    let synonyms = brokerLevels(layer, names);
    for (const n of names) {
      const d = configKey(n)!;
      if (d.default !== null) synonyms.push({ name: n, value: d.type === 'password' ? null : formatConfigValue(d.type, d.default), source: ConfigSourceCode.DEFAULT_CONFIG });
    }
    const first = synonyms.findIndex((s) => s.name === def.name);
    synonyms = first < 0 ? [] : synonyms.slice(first);
    if (scope === 'cluster-default') synonyms = synonyms.filter((s) => s.source === ConfigSourceCode.DYNAMIC_DEFAULT_BROKER_CONFIG);
    const sensitive = def.type === 'password';
    const value = sensitive
      ? null
      : scope === 'node'
        ? formatConfigValue(def.type, untracked(config.values)[def.name as ConfigKeyName])
        : (layer.clusterDefault[def.name] ?? null);
    return {
      name: def.name,
      value,
      readOnly: !DYNAMIC_BROKER_KEYS.has(def.name),
      source: synonyms[0]?.source ?? ConfigSourceCode.DEFAULT_CONFIG,
      isSensitive: sensitive,
      synonyms,
      configType: configTypeCode(def.type),
      documentation: def.documentation,
    };
  });
}
