/**
 * Loading, validating and describing the broker configuration, and resolving topic configs.
 *
 * This module owns the path from the places a setting can come from to one frozen, typed
 * BrokerConfig, built once at start-up:
 *
 *   Kafka/Spindle defaults (keys.ts)
 *     < server.properties (`file`)  or  embedded `overrides` (a library caller's object, same keys;
 *                                       given both, the object wins over the file)
 *     < environment, the apache/kafka image's names: KAFKA_ + key upper-cased, '.' as '_', '_' as
 *       '__', '-' as '___' (only when `env` is passed)
 *     < environment, Spindle's names: SPINDLE_ + key upper-cased, dots as underscores
 *     < command-line `flags`
 *
 * The image's names sit below Spindle's own so that a compose file for the image can be run
 * with one setting changed by a SPINDLE_ variable, and both below the flags as the image's
 * environment sits below nothing but the command line. KAFKA_ variables the image itself does
 * not turn into keys (KAFKA_HEAP_OPTS, KAFKA_OPTS, KAFKA_JMX_*, KAFKA_LOG4J_*, …) are noted in
 * the report and otherwise ignored. node.id and broker.id are one setting under two names, as
 * Kafka's populateSynonyms makes them: set one, and the other takes its value and origin.
 *
 * Each winning value is parsed as Kafka's ConfigDef parses it (trimmed; lists split on commas),
 * then checked against its declaration; a bad one throws ConfigError naming the key, the value,
 * where it came from and what is allowed. Nothing is thrown for names Spindle does not know:
 * they become warnings, with a "did you mean" where a known key is close, as are SPINDLE_
 * variables that name no key and no-effect keys that were set. Values that depend on several
 * keys are derived here, once: retention and roll times from their ms/minutes/hours synonyms
 * (ms first, as Kafka), the node id, the listeners Spindle opens and advertises, the data
 * directories, the number of partition workers.
 *
 * describeConfig renders the start-up report; resolveTopicConfig merges a topic's overrides
 * over the broker's values, with the sources DescribeConfigs reports.
 *
 * Main thread. loadConfig reads the file synchronously: it runs once, before anything listens.
 */
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from './errors.js';
import {
  CONFIG_KEYS,
  configKey,
  envNameFor,
  ENV_PREFIX,
  INT_MAX,
  INT_MIN,
  isKafkaNonKeyEnvName,
  KAFKA_ENV_PREFIX,
  kafkaEnvNameFor,
  keyForEnvName,
  propertyForKafkaEnvName,
  LONG_MAX,
  LONG_MAX_TEXT,
  LONG_MIN,
  NON_CONFIG_ENV_VARS,
  SECURITY_PROTOCOLS,
  TOPIC_CONFIGS,
  topicConfig,
  type ConfigKeyDef,
  type ConfigKeyName,
  type ConfigType,
  type ConfigValidation,
  type ConfigValues,
  type TopicConfigDef,
  type TopicConfigName,
  type TopicConfigValues,
} from './keys.js';
import { parseProperties } from './properties.js';
import { type ConfigReads, recording, recordingConfig, untracked } from './reads.js';

export type ConfigSource = 'default' | 'file' | 'env' | 'flag' | 'embedded';

export interface LoadConfigOptions {
  /** Path of a server.properties file; relative paths resolve against `cwd`. */
  readonly file?: string;
  /** The environment to read SPINDLE_ and KAFKA_ variables from; pass process.env. Not read when absent. */
  readonly env?: NodeJS.ProcessEnv;
  /** Command-line settings, by Kafka key name, as the user typed the values. */
  readonly flags?: Record<string, string>;
  /** An embedding program's settings, by Kafka key name: strings as in a file, or typed values. */
  readonly overrides?: Record<string, unknown>;
  /** Directory that relative paths (the file, log.dir, log.dirs) resolve against; process.cwd() by default. */
  readonly cwd?: string;
  /** Cores to size num.io.threads by (the default, and the cap on a set value); os.availableParallelism() by default. */
  readonly cpuCount?: number;
  /** Records every key read from the result into this (reads.ts): for the honoured-keys test, never in production. */
  readonly recordReads?: ConfigReads;
}

/** 'not-a-key': a KAFKA_ variable of the image's JVM or logging, ignored; reported as a note, not a warning. */
export type ConfigWarningKind = 'unknown-key' | 'unknown-env' | 'no-effect' | 'duplicate-key' | 'capped' | 'not-a-key';

export interface ConfigWarning {
  readonly kind: ConfigWarningKind;
  /** The key (or environment variable) concerned. */
  readonly key: string;
  /** Where it was set, as in ConfigError: "file /x/server.properties:7", "env SPINDLE_X". */
  readonly origin: string;
  /** The known key (or variable) the name is close to, if any. */
  readonly suggestion: string | null;
  readonly message: string;
}

export interface Listener {
  /** Listener name, upper-cased as Kafka normalises it: PLAINTEXT, CLIENT, CONTROLLER. */
  readonly name: string;
  readonly securityProtocol: string;
  /** '' binds every interface (Kafka's empty host); otherwise a name or an address, IPv6 without brackets. */
  readonly host: string;
  /** 0 asks the OS for a free port; an advertised port 0 stands for the port actually bound. */
  readonly port: number;
}

export interface ConsoleListener {
  /** https takes its TLS settings from the listener.name.console.ssl.* keys. */
  readonly scheme: 'http' | 'https';
  readonly host: string;
  readonly port: number;
}

/** The listener name the console's TLS keys are scoped to: listener.name.console.ssl.keystore.location, … */
export const CONSOLE_LISTENER_NAME = 'CONSOLE';

export interface DerivedConfig {
  /** node.id (broker.id its synonym); 1 when set to -1, Kafka's "unset". */
  readonly nodeId: number;
  /** The listeners Spindle opens: `listeners` without the controller's. */
  readonly listeners: readonly Listener[];
  /** What Metadata tells clients: advertised.listeners, else the listeners, with empty hosts made the host name. */
  readonly advertisedListeners: readonly Listener[];
  /** Listeners named in controller.listener.names: declared for a KRaft controller, left closed. */
  readonly controllerListeners: readonly Listener[];
  /** Absolute data directories: log.dirs, else log.dir. */
  readonly logDirs: readonly string[];
  /** log.retention.ms, else .minutes, else .hours, in ms; -1 for no time limit (any negative). */
  readonly logRetentionMs: number;
  /** log.roll.ms, else log.roll.hours, in ms. */
  readonly logRollMs: number;
  /** log.roll.jitter.ms, else log.roll.jitter.hours, in ms. */
  readonly logRollJitterMs: number;
  /** log.flush.interval.ms, else log.flush.scheduler.interval.ms. */
  readonly logFlushIntervalMs: number;
  /** Partition workers; 0 runs the logs on the main thread. */
  readonly numIoThreads: number;
  readonly offsetsRetentionMs: number;
  /** null when console.listener is 'none'. */
  readonly consoleListener: ConsoleListener | null;
}

export interface BrokerConfig {
  readonly values: ConfigValues;
  readonly sources: { readonly [K in ConfigKeyName]: ConfigSource };
  /** For each key not at its default, exactly where its value came from. */
  readonly origins: { readonly [K in ConfigKeyName]?: string };
  readonly derived: DerivedConfig;
  readonly warnings: readonly ConfigWarning[];
  /** Absolute path of the properties file read, or null. */
  readonly file: string | null;
  /** Where reads are being recorded (reads.ts), or null: always null outside the honoured-keys test. */
  readonly reads: ConfigReads | null;
  /**
   * Kafka's listener-scoped security keys, listener.name.<listener>.[<mechanism>.]<key>, parsed
   * and checked by their key's rules; read them through listenerValue().
   */
  readonly listenerScoped: ReadonlyMap<string, ListenerScopedValue>;
}

export interface ListenerScopedValue {
  /** Upper-cased, as listener names are. */
  readonly listener: string;
  /** Upper-cased SASL mechanism (SCRAM-SHA-256), or null for a key of the whole listener. */
  readonly mechanism: string | null;
  readonly key: ConfigKeyName;
  readonly value: number | boolean | string | readonly string[];
  readonly origin: string;
}

/** The SASL mechanisms a listener-scoped key may name (Kafka lower-cases them in the key). */
const SCOPED_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer', 'gssapi'];

/** Whether a broker key may be set per listener: the TLS and SASL keys, and the connection limits Kafka scopes. */
function listenerScopable(key: string): boolean {
  return key.startsWith('ssl.') || key.startsWith('sasl.') || key === 'connections.max.reauth.ms' || key === 'principal.builder.class' || key === 'max.connections' || key === 'max.connection.creation.rate';
}

/** listener.name.<l>.[<mechanism>.]<key> taken apart, or null when the name is not of that form or names no scopable key. */
export function parseListenerScopedKey(name: string): { listener: string; mechanism: string | null; key: ConfigKeyName } | null {
  const m = /^listener\.name\.([A-Za-z0-9_]+)\.(.+)$/.exec(name);
  if (!m) return null;
  let rest = m[2]!;
  let mechanism: string | null = null;
  const lower = rest.toLowerCase();
  for (const mech of SCOPED_MECHANISMS) {
    if (lower.startsWith(`${mech}.`)) {
      mechanism = mech.toUpperCase();
      rest = rest.slice(mech.length + 1);
      break;
    }
  }
  const def = configKey(rest);
  if (!def || !listenerScopable(def.name) || (mechanism !== null && !def.name.startsWith('sasl.') && def.name !== 'connections.max.reauth.ms')) return null;
  return { listener: m[1]!.toUpperCase(), mechanism, key: def.name as ConfigKeyName };
}

/**
 * SPINDLE_LISTENER_NAME_<LISTENER>_[<MECHANISM>_]<KEY>: the environment's spelling of a
 * listener-scoped key, taken apart from the end (the key, then a mechanism), since listener
 * names may hold underscores too.
 */
function listenerScopedKeyForEnvName(name: string): { listener: string; mechanism: string | null; key: ConfigKeyName } | null {
  const prefix = `${ENV_PREFIX}LISTENER_NAME_`;
  if (!name.startsWith(prefix)) return null;
  const rest = name.slice(prefix.length);
  let best: ConfigKeyDef | null = null;
  for (const def of CONFIG_KEYS as readonly ConfigKeyDef[]) {
    if (!listenerScopable(def.name)) continue;
    const suffix = envNameFor(def.name).slice(ENV_PREFIX.length);
    if (rest.endsWith(`_${suffix}`) && (best === null || suffix.length > envNameFor(best.name).length - ENV_PREFIX.length)) best = def;
  }
  if (!best) return null;
  let head = rest.slice(0, rest.length - (envNameFor(best.name).length - ENV_PREFIX.length) - 1);
  let mechanism: string | null = null;
  for (const mech of SCOPED_MECHANISMS) {
    const m = `_${mech.toUpperCase().replace(/-/g, '_')}`;
    if (head.endsWith(m) && best.name.startsWith('sasl.')) {
      mechanism = mech.toUpperCase();
      head = head.slice(0, -m.length);
      break;
    }
  }
  if (!/^[A-Z0-9_]+$/.test(head)) return null;
  return { listener: head, mechanism, key: best.name as ConfigKeyName };
}

function scopedId(listener: string, mechanism: string | null, key: string): string {
  return `${listener}|${mechanism ?? ''}|${key}`;
}

/**
 * A security key's value for one listener (and SASL mechanism), as Kafka resolves it: the
 * listener-and-mechanism key, else the listener's, else the broker-wide value.
 */
export function listenerValue<K extends ConfigKeyName>(config: BrokerConfig, listener: string, key: K, mechanism: string | null = null): ConfigValues[K] {
  // A listener's own value is a read of the key too (the honoured-keys test, reads.ts).
  config.reads?.brokerKeys.add(key);
  if (mechanism !== null) {
    const own = config.listenerScoped.get(scopedId(listener, mechanism, key));
    if (own) return own.value as ConfigValues[K];
  }
  const scoped = config.listenerScoped.get(scopedId(listener, null, key));
  if (scoped) return scoped.value as ConfigValues[K];
  return config.values[key];
}

type Value = number | boolean | string | readonly string[];

interface Candidate {
  readonly raw: unknown;
  readonly source: Exclude<ConfigSource, 'default'>;
  readonly origin: string;
}

// ---------------------------------------------------------------------------------------------
// Parsing and validating one value

/** The accepted values in words, for error messages: "an int of at least 14". */
export function describeAllowed(type: ConfigType, v: ConfigValidation): string {
  if (v.format === 'listeners') return 'a comma-separated list of NAME://host:port (port 0-65535; host may be empty or [IPv6])';
  if (v.format === 'protocol-map') return `a comma-separated list of NAME:PROTOCOL with PROTOCOL one of ${SECURITY_PROTOCOLS.join(', ')}`;
  if (v.format === 'console-listener') return "'none' or http://host:port";
  switch (type) {
    case 'boolean':
      return 'true or false';
    case 'int':
    case 'long':
    case 'double': {
      const kind = type === 'int' ? 'an int' : type === 'long' ? 'a long' : 'a number';
      let range = '';
      if (v.min !== undefined && v.max !== undefined) range = ` from ${v.min} to ${v.max}`;
      else if (v.min !== undefined) range = ` of at least ${v.min}`;
      else if (v.max !== undefined) range = ` of at most ${v.max}`;
      const also = v.alsoAllowed && v.alsoAllowed.length > 0 ? `, or ${v.alsoAllowed.join(' or ')}` : '';
      return kind + range + also;
    }
    case 'list':
      return v.oneOf ? `a comma-separated list of: ${v.oneOf.join(', ')}` : `a comma-separated list${v.nonEmpty ? ' of at least one item' : ''}`;
    default:
      return v.oneOf ? `one of: ${v.oneOf.join(', ')}` : 'a string';
  }
}

interface Checked {
  readonly key: string;
  readonly type: ConfigType;
  readonly validation: ConfigValidation;
}

function fail(def: Checked, shown: string | null, origin: string, reason: string): never {
  const value = def.type === 'password' ? null : shown;
  const allowed = describeAllowed(def.type, def.validation);
  const what = value === null ? `Invalid value for '${def.key}'` : `Invalid value '${value}' for '${def.key}'`;
  throw new ConfigError(`${what} (${origin}): ${reason}; expected ${allowed}.`, { key: def.key, value, origin, allowed });
}

const INTEGER_TEXT = /^[+-]?\d+$/;
const DOUBLE_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[dDfF]?$/;

function parseText(def: Checked, text: string, origin: string): Value {
  const t = text.trim();
  switch (def.type) {
    case 'int':
    case 'long': {
      if (!INTEGER_TEXT.test(t)) fail(def, text, origin, `not ${def.type === 'int' ? 'an int' : 'a long'}`);
      const big = BigInt(t);
      const [lo, hi] = def.type === 'int' ? [BigInt(INT_MIN), BigInt(INT_MAX)] : [-(2n ** 63n), 2n ** 63n - 1n];
      if (big < lo || big > hi) fail(def, text, origin, `outside the ${def.type === 'int' ? '32' : '64'}-bit range`);
      return Number(big);
    }
    case 'double': {
      const n = Number(t.replace(/[dDfF]$/, ''));
      if (!DOUBLE_TEXT.test(t) || !Number.isFinite(n)) fail(def, text, origin, 'not a number');
      return n;
    }
    case 'boolean': {
      const lower = t.toLowerCase();
      if (lower !== 'true' && lower !== 'false') fail(def, text, origin, 'not a boolean');
      return lower === 'true';
    }
    case 'list':
      return t === '' ? [] : t.split(/\s*,\s*/);
    default:
      return t;
  }
}

function parseEmbedded(def: Checked, raw: unknown, origin: string): Value {
  if (typeof raw === 'string') return parseText(def, raw, origin);
  const shown = Array.isArray(raw) ? raw.join(',') : String(raw);
  switch (def.type) {
    case 'int':
    case 'long':
    case 'double': {
      if (typeof raw !== 'number' || !Number.isFinite(raw)) fail(def, shown, origin, 'not a number');
      if (def.type !== 'double' && !Number.isInteger(raw)) fail(def, shown, origin, `not ${def.type === 'int' ? 'an int' : 'a long'}`);
      const [lo, hi] = def.type === 'int' ? [INT_MIN, INT_MAX] : def.type === 'long' ? [LONG_MIN, LONG_MAX] : [-Infinity, Infinity];
      if (raw < lo || raw > hi) fail(def, shown, origin, `outside the ${def.type === 'int' ? '32' : '64'}-bit range`);
      return raw;
    }
    case 'boolean':
      if (typeof raw !== 'boolean') fail(def, shown, origin, 'not a boolean');
      return raw;
    case 'list':
      if (!Array.isArray(raw) || raw.some((item) => typeof item !== 'string')) fail(def, shown, origin, 'not a list of strings');
      return (raw as string[]).map((item) => item.trim());
    default:
      fail(def, shown, origin, 'not a string');
  }
}

const LISTENER_TEXT = /^([A-Za-z0-9_]+):\/\/(?:\[([0-9a-fA-F:.%a-zA-Z0-9_-]*)\]|([0-9a-zA-Z\-%._]*)):(\d+)$/;

/** Parses NAME://host:port as Kafka does; the security protocol is filled in later. */
function parseListenerText(text: string): { name: string; host: string; port: number } | null {
  const m = LISTENER_TEXT.exec(text);
  if (!m) return null;
  const port = Number(m[4]);
  if (port > 65535) return null;
  return { name: m[1]!.toUpperCase(), host: m[2] ?? m[3] ?? '', port };
}

function parseProtocolMap(text: string): Map<string, string> | string {
  const map = new Map<string, string>();
  for (const item of text.split(',').map((s) => s.trim())) {
    if (item === '') continue;
    const m = /^([A-Za-z0-9_]+)\s*:\s*([A-Za-z_]+)$/.exec(item);
    if (!m) return `'${item}' is not NAME:PROTOCOL`;
    const protocol = m[2]!.toUpperCase();
    if (!(SECURITY_PROTOCOLS as readonly string[]).includes(protocol)) return `'${m[2]}' is not a security protocol`;
    const name = m[1]!.toUpperCase();
    if (map.has(name)) return `listener name ${name} is mapped twice`;
    map.set(name, protocol);
  }
  return map;
}

function parseConsoleListener(text: string): ConsoleListener | null | string {
  if (text === 'none') return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'only http:// and https:// are served';
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '') return 'a path, query or user is not allowed';
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const scheme = url.protocol === 'https:' ? 'https' : 'http';
  return { scheme, host, port: url.port === '' ? (scheme === 'https' ? 443 : 80) : Number(url.port) };
}

function validate(def: Checked, value: Value, shown: string, origin: string): void {
  const v = def.validation;
  if (typeof value === 'number') {
    const allowedExtra = v.alsoAllowed?.includes(value) ?? false;
    if (!allowedExtra && v.min !== undefined && value < v.min) fail(def, shown, origin, `below the minimum ${v.min}`);
    if (!allowedExtra && v.max !== undefined && value > v.max) fail(def, shown, origin, `above the maximum ${v.max}`);
    return;
  }
  if (typeof value === 'string') {
    if (v.oneOf && !v.oneOf.includes(value)) fail(def, shown, origin, 'not an allowed value');
    if (v.format === 'protocol-map') {
      const map = parseProtocolMap(value);
      if (typeof map === 'string') fail(def, shown, origin, map);
    }
    if (v.format === 'console-listener') {
      const parsed = parseConsoleListener(value);
      if (typeof parsed === 'string') fail(def, shown, origin, parsed);
    }
    return;
  }
  if (Array.isArray(value)) {
    if (v.nonEmpty && value.length === 0) fail(def, shown, origin, 'the list is empty');
    if (value.some((item: string) => item === '')) fail(def, shown, origin, 'the list has an empty item');
    if (v.oneOf) {
      const bad = value.find((item: string) => !v.oneOf!.includes(item));
      if (bad !== undefined) fail(def, shown, origin, `'${bad}' is not an allowed item`);
    }
    if (v.format === 'listeners') {
      const names = new Set<string>();
      for (const item of value as readonly string[]) {
        const l = parseListenerText(item);
        if (!l) fail(def, shown, origin, `'${item}' is not NAME://host:port`);
        if (names.has(l.name)) fail(def, shown, origin, `listener name ${l.name} appears twice`);
        names.add(l.name);
      }
    }
  }
}

function parseAndValidate(def: Checked, raw: unknown, origin: string, embedded: boolean): Value {
  const value = embedded ? parseEmbedded(def, raw, origin) : parseText(def, String(raw), origin);
  const shown = typeof raw === 'string' ? raw : Array.isArray(raw) ? raw.join(',') : String(raw);
  validate(def, value, shown, origin);
  return Array.isArray(value) ? Object.freeze([...value]) : value;
}

/** One broker key's value from text, parsed and checked as a file's would be (dynamic broker configs); throws ConfigError. */
export function parseConfigText(def: ConfigKeyDef, text: string, origin: string): Value {
  return parseAndValidate({ key: def.name, type: def.type, validation: def.validation }, text, origin, false);
}

// ---------------------------------------------------------------------------------------------
// Formatting values as Kafka prints them

/** A value as Kafka writes it in DescribeConfigs and logs; null stays null. */
export function formatConfigValue(type: ConfigType, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.join(',');
  if (typeof value === 'number') {
    if (type === 'long' && value >= LONG_MAX) return LONG_MAX_TEXT;
    if (type === 'double') {
      if (value === Number.MAX_VALUE) return '1.7976931348623157E308';
      return Number.isInteger(value) && Math.abs(value) < 1e7 ? `${value}.0` : String(value);
    }
  }
  return String(value);
}

// ---------------------------------------------------------------------------------------------
// "Did you mean"

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = prev[j]!;
      prev[j] = Math.min(above + 1, prev[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate within a third of the name's length (and at most 4 edits), or null. */
function closest(name: string, candidates: Iterable<string>): string | null {
  const limit = Math.min(4, Math.floor(name.length / 3));
  let best: string | null = null;
  let bestDistance = limit + 1;
  for (const c of candidates) {
    if (Math.abs(c.length - name.length) >= bestDistance) continue;
    const d = editDistance(name, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

const ALL_KEY_NAMES: readonly string[] = CONFIG_KEYS.map((k) => k.name);
/** Environment names without the SPINDLE_ prefix, which every name shares and which would make any two look close. */
const ALL_ENV_SUFFIXES: readonly string[] = CONFIG_KEYS.map((k) => envNameFor(k.name).slice(ENV_PREFIX.length));
const ALL_KAFKA_ENV_SUFFIXES: readonly string[] = CONFIG_KEYS.map((k) => kafkaEnvNameFor(k.name).slice(KAFKA_ENV_PREFIX.length));

/** The suggestion and message for a key name Spindle does not know. */
function unknownKeyWarning(key: string, origin: string): ConfigWarning {
  const asTopic = topicConfig(key);
  if (asTopic?.brokerKey) {
    return {
      kind: 'unknown-key',
      key,
      origin,
      suggestion: asTopic.brokerKey,
      message: `'${key}' (${origin}) is a topic-level name and is ignored here; the broker-wide key is '${asTopic.brokerKey}'.`,
    };
  }
  const normalised = key.trim().toLowerCase().replace(/[_-]/g, '.');
  const suggestion = configKey(normalised) ? normalised : closest(key, ALL_KEY_NAMES);
  const hint = suggestion ? `; did you mean '${suggestion}'?` : '.';
  return { kind: 'unknown-key', key, origin, suggestion, message: `Unknown configuration key '${key}' (${origin}) is ignored${hint}` };
}

// ---------------------------------------------------------------------------------------------
// loadConfig

function originOfFile(file: string, line: number): string {
  return `file ${file}:${line}`;
}

export function loadConfig(options: LoadConfigOptions = {}): BrokerConfig {
  const cwd = options.cwd ?? process.cwd();
  const warnings: ConfigWarning[] = [];
  const winners = new Map<ConfigKeyName, Candidate>();
  const scopedWinners = new Map<string, Candidate & { listener: string; mechanism: string | null; key: ConfigKeyName }>();
  const offer = (key: string, raw: unknown, source: Candidate['source'], origin: string): void => {
    const def = configKey(key);
    const scoped = def ? null : parseListenerScopedKey(key);
    if (scoped) {
      scopedWinners.set(scopedId(scoped.listener, scoped.mechanism, scoped.key), { raw, source, origin, ...scoped });
      return;
    }
    if (!def) {
      warnings.push(unknownKeyWarning(key, origin));
      return;
    }
    winners.set(def.name as ConfigKeyName, { raw, source, origin });
  };

  // 1. The file, then embedded overrides: the two ways of giving a whole configuration.
  let file: string | null = null;
  if (options.file !== undefined) {
    file = path.resolve(cwd, options.file);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new ConfigError(`Cannot read the configuration file ${file}: ${reason}`, { origin: `file ${file}` });
    }
    const parsed = parseProperties(text, file);
    for (const dup of parsed.duplicates) {
      warnings.push({
        kind: 'duplicate-key',
        key: dup.key,
        origin: originOfFile(file, dup.line),
        suggestion: null,
        message: `'${dup.key}' (${originOfFile(file, dup.line)}) is set again further down; the later value wins.`,
      });
    }
    for (const e of parsed.entries) offer(e.key, e.value, 'file', originOfFile(file, e.line));
  }
  for (const [key, raw] of Object.entries(options.overrides ?? {})) {
    if (raw === undefined || raw === null) continue;
    offer(key, raw, 'embedded', `embedded overrides, key ${key}`);
  }

  // 2. The environment, only when given: the image's KAFKA_ names, then Spindle's SPINDLE_ names over them.
  const env = Object.entries(options.env ?? {});
  const notKeys: string[] = [];
  for (const [name, raw] of env) {
    if (!name.startsWith(KAFKA_ENV_PREFIX) || raw === undefined) continue;
    if (isKafkaNonKeyEnvName(name)) {
      notKeys.push(name);
      continue;
    }
    const def = configKey(propertyForKafkaEnvName(name));
    if (def) {
      winners.set(def.name as ConfigKeyName, { raw, source: 'env', origin: `env ${name}` });
    } else {
      const near = closest(name.slice(KAFKA_ENV_PREFIX.length), ALL_KAFKA_ENV_SUFFIXES);
      const suggestion = near === null ? null : KAFKA_ENV_PREFIX + near;
      warnings.push({
        kind: 'unknown-env',
        key: name,
        origin: `env ${name}`,
        suggestion,
        message: `Environment variable ${name} (the image's name for '${propertyForKafkaEnvName(name)}') names no configuration key and is ignored${suggestion ? `; did you mean ${suggestion}?` : '.'}`,
      });
    }
  }
  if (notKeys.length > 0) {
    warnings.push({
      kind: 'not-a-key',
      key: notKeys.join(','),
      origin: `env ${notKeys.join(', ')}`,
      suggestion: null,
      message: `Environment for Kafka's JVM and logging, not broker keys, ignored: ${notKeys.join(', ')}`,
    });
  }
  for (const [name, raw] of env) {
    if (!name.startsWith(ENV_PREFIX) || raw === undefined) continue;
    const key = keyForEnvName(name);
    const scoped = key ? null : listenerScopedKeyForEnvName(name);
    if (key) {
      winners.set(key, { raw, source: 'env', origin: `env ${name}` });
    } else if (scoped) {
      scopedWinners.set(scopedId(scoped.listener, scoped.mechanism, scoped.key), { raw, source: 'env', origin: `env ${name}`, ...scoped });
    } else if (!NON_CONFIG_ENV_VARS.includes(name)) {
      const near = closest(name.slice(ENV_PREFIX.length), ALL_ENV_SUFFIXES);
      const suggestion = near === null ? null : ENV_PREFIX + near;
      warnings.push({
        kind: 'unknown-env',
        key: name,
        origin: `env ${name}`,
        suggestion,
        message: `Environment variable ${name} names no configuration key and is ignored${suggestion ? `; did you mean ${suggestion}?` : '.'}`,
      });
    }
  }

  // 3. Flags last: they win.
  for (const [key, raw] of Object.entries(options.flags ?? {})) offer(key, raw, 'flag', `flag ${key}`);

  // node.id and broker.id name one setting: the one set gives the other its value, as Kafka's
  // KafkaConfig.populateSynonyms does, so that the start-up report, DescribeConfigs and the id
  // in Metadata all say the same.
  const nodeWinner = winners.get('node.id');
  const brokerWinner = winners.get('broker.id');
  if (nodeWinner && !brokerWinner) winners.set('broker.id', nodeWinner);
  if (brokerWinner && !nodeWinner) winners.set('node.id', brokerWinner);

  // Parse the winners; everything else takes its default.
  const values: Record<string, unknown> = {};
  const sources: Record<string, ConfigSource> = {};
  const origins: Record<string, string> = {};
  for (const def of CONFIG_KEYS as readonly ConfigKeyDef[]) {
    const chosen = winners.get(def.name as ConfigKeyName);
    if (!chosen) {
      values[def.name] = def.default;
      sources[def.name] = 'default';
      continue;
    }
    const checked: Checked = { key: def.name, type: def.type, validation: def.validation };
    values[def.name] = parseAndValidate(checked, chosen.raw, chosen.origin, chosen.source === 'embedded');
    sources[def.name] = chosen.source;
    origins[def.name] = chosen.origin;
    if (def.effect === 'no-effect') {
      warnings.push({
        kind: 'no-effect',
        key: def.name,
        origin: chosen.origin,
        suggestion: null,
        message: `'${def.name}' (${chosen.origin}) is accepted but has no effect in Spindle: ${def.documentation}`,
      });
    }
  }

  const listenerScoped = new Map<string, ListenerScopedValue>();
  for (const [id, c] of scopedWinners) {
    const def = configKey(c.key)!;
    const value = parseAndValidate({ key: `listener.name.${c.listener.toLowerCase()}.${c.mechanism ? `${c.mechanism.toLowerCase()}.` : ''}${def.name}`, type: def.type, validation: def.validation }, c.raw, c.origin, c.source === 'embedded');
    listenerScoped.set(id, Object.freeze({ listener: c.listener, mechanism: c.mechanism, key: c.key, value, origin: c.origin }));
  }

  const typed = values as unknown as ConfigValues;
  const describe = (key: ConfigKeyName): string => origins[key] ?? 'default';
  const derived = derive(typed, describe, cwd, options.cpuCount, warnings);

  const config: BrokerConfig = Object.freeze({
    values: Object.freeze(typed),
    sources: Object.freeze(sources) as BrokerConfig['sources'],
    origins: Object.freeze(origins) as BrokerConfig['origins'],
    derived,
    warnings: Object.freeze(warnings.map((w) => Object.freeze(w))),
    file,
    reads: null,
    listenerScoped,
  });
  return options.recordReads ? recordingConfig(config, options.recordReads) : config;
}

// ---------------------------------------------------------------------------------------------
// Derived values and the checks that span several keys

function keyError(key: ConfigKeyName, value: unknown, origin: string, reason: string): never {
  const def = configKey(key)!;
  const shown = formatConfigValue(def.type, value);
  const allowed = describeAllowed(def.type, def.validation);
  throw new ConfigError(`Invalid value '${shown}' for '${key}' (${origin}): ${reason}.`, { key, value: shown, origin, allowed });
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::']);

/** Whether a listener host is a loopback address or name (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function hostsOverlap(a: string, b: string): boolean {
  return a === b || a === '' || b === '' || WILDCARD_HOSTS.has(a) || WILDCARD_HOSTS.has(b);
}

function derive(
  values: ConfigValues,
  originOf: (key: ConfigKeyName) => string,
  cwd: string,
  cpuCount: number | undefined,
  warnings: ConfigWarning[],
): DerivedConfig {
  // Node id: KRaft's node.id, or the older broker.id (each given the other's value when set
  // alone, in loadConfig); they must agree when both are set. -1, Kafka's "unset" (an older
  // file's broker.id=-1 asked ZooKeeper to generate one), is 1: a single node needs no other.
  const nodeIdValue = values['node.id'];
  const brokerIdValue = values['broker.id'];
  if (nodeIdValue !== brokerIdValue) {
    keyError('node.id', nodeIdValue, originOf('node.id'), `broker.id is ${brokerIdValue} (${originOf('broker.id')}); when both are set they must be equal`);
  }
  const nodeId = nodeIdValue >= 0 ? nodeIdValue : 1;

  // Listeners: protocols from the map, the controller's set apart, PLAINTEXT only.
  const protocolMap = parseProtocolMap(values['listener.security.protocol.map']) as Map<string, string>;
  const controllerNames = new Set(
    (values['controller.listener.names'] ?? '')
      .split(',')
      .map((s) => s.trim().toUpperCase())
      .filter((s) => s !== ''),
  );
  const all: Listener[] = values['listeners'].map((text) => {
    const l = parseListenerText(text)!;
    const securityProtocol = protocolMap.get(l.name) ?? (controllerNames.has(l.name) ? 'PLAINTEXT' : undefined);
    if (securityProtocol === undefined) {
      keyError('listeners', values['listeners'], originOf('listeners'), `listener ${l.name} has no security protocol; add ${l.name}:PLAINTEXT to listener.security.protocol.map`);
    }
    return Object.freeze({ ...l, securityProtocol });
  });
  const controllerListeners = all.filter((l) => controllerNames.has(l.name));
  const listeners = all.filter((l) => !controllerNames.has(l.name));
  if (listeners.length === 0) {
    keyError('listeners', values['listeners'], originOf('listeners'), 'every listener is named in controller.listener.names, which leaves no listener for clients');
  }
  for (let i = 0; i < listeners.length; i++) {
    for (let j = i + 1; j < listeners.length; j++) {
      const a = listeners[i]!;
      const b = listeners[j]!;
      const ipv6Pair = a.host.includes(':') !== b.host.includes(':') && a.host !== '' && b.host !== '';
      if (a.port !== 0 && a.port === b.port && !ipv6Pair) {
        keyError('listeners', values['listeners'], originOf('listeners'), `listeners ${a.name} and ${b.name} both use port ${a.port}`);
      }
    }
  }

  // Advertised listeners: what clients are told to connect to.
  const hostName = os.hostname();
  const byName = new Map(listeners.map((l) => [l.name, l]));
  const advertisedSetting = values['advertised.listeners'];
  let advertisedListeners: Listener[];
  if (advertisedSetting !== null && advertisedSetting.length > 0) {
    advertisedListeners = [];
    for (const text of advertisedSetting) {
      const a = parseListenerText(text)!;
      if (controllerNames.has(a.name)) continue;
      const bound = byName.get(a.name);
      if (!bound) {
        keyError('advertised.listeners', advertisedSetting, originOf('advertised.listeners'), `listener ${a.name} is not among the listeners (${[...byName.keys()].join(', ')})`);
      }
      if (WILDCARD_HOSTS.has(a.host)) {
        keyError('advertised.listeners', advertisedSetting, originOf('advertised.listeners'), `${a.host} is not an address clients can connect to`);
      }
      advertisedListeners.push(Object.freeze({ ...a, host: a.host === '' ? hostName : a.host, securityProtocol: bound.securityProtocol }));
    }
  } else {
    advertisedListeners = listeners.map((l) => {
      if (WILDCARD_HOSTS.has(l.host)) {
        keyError('listeners', values['listeners'], originOf('listeners'), `listener ${l.name} binds ${l.host}, which clients cannot connect to; set advertised.listeners to the address clients should use`);
      }
      return Object.freeze({ ...l, host: l.host === '' ? hostName : l.host });
    });
  }

  // Data directories.
  const dirSetting = values['log.dirs'] ?? [values['log.dir']];
  const dirKey: ConfigKeyName = values['log.dirs'] !== null ? 'log.dirs' : 'log.dir';
  const logDirs = dirSetting.map((d) => path.resolve(cwd, d));
  if (new Set(logDirs).size !== logDirs.length) {
    keyError(dirKey, dirSetting, originOf(dirKey), 'a directory is listed twice');
  }

  // Times with synonyms: the most precise unit that is set wins, as in Kafka.
  const retentionMinutes = values['log.retention.minutes'];
  const retentionMsRaw = values['log.retention.ms'] ?? (retentionMinutes !== null ? retentionMinutes * 60_000 : values['log.retention.hours'] * 3_600_000);
  const logRetentionMs = retentionMsRaw < 0 ? -1 : retentionMsRaw;
  const logRollMs = values['log.roll.ms'] ?? values['log.roll.hours'] * 3_600_000;
  const logRollJitterMs = values['log.roll.jitter.ms'] ?? values['log.roll.jitter.hours'] * 3_600_000;
  const logFlushIntervalMs = values['log.flush.interval.ms'] ?? values['log.flush.scheduler.interval.ms'];

  if (values['log.cleaner.min.compaction.lag.ms'] > values['log.cleaner.max.compaction.lag.ms']) {
    keyError(
      'log.cleaner.min.compaction.lag.ms',
      values['log.cleaner.min.compaction.lag.ms'],
      originOf('log.cleaner.min.compaction.lag.ms'),
      `it exceeds log.cleaner.max.compaction.lag.ms (${formatConfigValue('long', values['log.cleaner.max.compaction.lag.ms'])})`,
    );
  }
  if (values['group.min.session.timeout.ms'] > values['group.max.session.timeout.ms']) {
    keyError(
      'group.min.session.timeout.ms',
      values['group.min.session.timeout.ms'],
      originOf('group.min.session.timeout.ms'),
      `it exceeds group.max.session.timeout.ms (${values['group.max.session.timeout.ms']}), which would refuse every member`,
    );
  }

  // Partition workers: unset, one per core but one, leaving a core to the main thread. Set, at
  // most one per core: Kafka's num.io.threads counts request handler threads, and a Kafka file
  // carries 8 of them (its sample server.properties does), which as partition workers on fewer
  // cores would only contend for them.
  const cores = cpuCount ?? (typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
  const askedIoThreads = values['num.io.threads'];
  const numIoThreads = askedIoThreads === null ? Math.max(1, cores - 1) : Math.min(askedIoThreads, cores);
  if (askedIoThreads !== null && askedIoThreads > numIoThreads) {
    const origin = originOf('num.io.threads');
    warnings.push({
      kind: 'capped',
      key: 'num.io.threads',
      origin,
      suggestion: null,
      message:
        `num.io.threads=${askedIoThreads} (${origin}) asks for ${askedIoThreads} partition workers, but ${cores} core${cores === 1 ? ' is' : 's are'} available: ` +
        `running ${numIoThreads} partition worker${numIoThreads === 1 ? '' : 's'}. In Kafka the key counts request handler threads; in Spindle, partition workers.`,
    });
  }

  // The console.
  const consoleListener = parseConsoleListener(values['console.listener']) as ConsoleListener | null;
  if (consoleListener) {
    for (const l of listeners) {
      if (l.port !== 0 && l.port === consoleListener.port && hostsOverlap(l.host, consoleListener.host)) {
        keyError('console.listener', values['console.listener'], originOf('console.listener'), `port ${l.port} is already taken by listener ${l.name}`);
      }
    }
    if (values['console.authentication'] === 'mtls' && consoleListener.scheme !== 'https') {
      keyError('console.authentication', 'mtls', originOf('console.authentication'), 'client certificates need console.listener=https://host:port');
    }
  }

  return Object.freeze({
    nodeId,
    listeners: Object.freeze(listeners),
    advertisedListeners: Object.freeze(advertisedListeners),
    controllerListeners: Object.freeze(controllerListeners),
    logDirs: Object.freeze(logDirs),
    logRetentionMs,
    logRollMs,
    logRollJitterMs,
    logFlushIntervalMs,
    numIoThreads,
    offsetsRetentionMs: values['offsets.retention.minutes'] * 60_000,
    consoleListener: consoleListener ? Object.freeze(consoleListener) : null,
  });
}

// ---------------------------------------------------------------------------------------------
// The start-up report

function showValue(def: ConfigKeyDef, value: unknown): string {
  if (def.type === 'password') return value === null ? 'null' : '[hidden]';
  return formatConfigValue(def.type, value) ?? 'null';
}

function showAddress(host: string, port: number): string {
  const h = host === '' ? '*' : host.includes(':') ? `[${host}]` : host;
  return `${h}:${port === 0 ? '(any free port)' : port}`;
}

/** The start-up report, one line per entry: where things are, what differs from the defaults, what is ignored. */
export function describeConfig(config: BrokerConfig): string[] {
  const { sources, origins } = config;
  // The report shows every key: none of its reads decides anything (reads.ts).
  const derived = untracked(config.derived);
  const values = untracked(config.values);
  const lines: string[] = [];
  lines.push(config.file ? `Configuration file: ${config.file}` : 'Configuration file: none (defaults, environment and flags only)');
  lines.push(`Node id: ${derived.nodeId}${values['node.id'] !== derived.nodeId ? ` (node.id ${values['node.id']} means unset; a single node takes 1)` : ''}`);
  for (const l of derived.listeners) {
    const adv = derived.advertisedListeners.find((a) => a.name === l.name);
    const advertised = adv ? `advertised as ${showAddress(adv.host, adv.port)}` : 'not advertised';
    lines.push(`Listener ${l.name} (${l.securityProtocol}) on ${showAddress(l.host, l.port)}, ${advertised}`);
  }
  for (const l of derived.controllerListeners) {
    lines.push(`Listener ${l.name} on ${showAddress(l.host, l.port)} not opened: it belongs to a KRaft controller, and a Spindle node is its own`);
  }
  lines.push(`Data directories: ${derived.logDirs.join(', ')}`);
  const workerNote = sources['num.io.threads'] === 'default' ? ' (num.io.threads unset: one per core but one)' : '';
  lines.push(`Partition workers: ${derived.numIoThreads === 0 ? '0 (logs run on the main thread)' : derived.numIoThreads}${workerNote}`);
  for (const w of config.warnings) if (w.kind === 'capped') lines.push(`[WARN] ${w.message}`);
  lines.push(`Console: ${derived.consoleListener ? `${derived.consoleListener.scheme}://${showAddress(derived.consoleListener.host, derived.consoleListener.port)}` : 'off'}`);
  lines.push(`Retention: ${derived.logRetentionMs === -1 ? 'no time limit' : `${derived.logRetentionMs} ms`}; segments roll at ${values['log.segment.bytes']} bytes or ${derived.logRollMs} ms`);

  lines.push('Effective configuration (source shown where not the default):');
  for (const def of CONFIG_KEYS as readonly ConfigKeyDef[]) {
    if (def.effect !== 'honoured') continue;
    const key = def.name as ConfigKeyName;
    const shown = showValue(def, values[key]);
    lines.push(sources[key] === 'default' ? `  ${def.name} = ${shown}` : `  ${def.name} = ${shown}  [${origins[key]}]`);
  }

  const ignored = (CONFIG_KEYS as readonly ConfigKeyDef[]).filter((d) => d.effect === 'no-effect' && sources[d.name as ConfigKeyName] !== 'default');
  if (ignored.length > 0) {
    lines.push('Set, but without effect in Spindle:');
    for (const def of ignored) {
      const key = def.name as ConfigKeyName;
      lines.push(`  ${def.name} = ${showValue(def, values[key])}  [${origins[key]}]: ${def.documentation}`);
    }
  }
  for (const w of config.warnings) if (w.kind === 'not-a-key') lines.push(w.message);
  const other = config.warnings.filter((w) => w.kind !== 'no-effect' && w.kind !== 'capped' && w.kind !== 'not-a-key');
  if (other.length > 0) {
    lines.push('Warnings:');
    for (const w of other) lines.push(`  ${w.message}`);
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Topic configs

export type TopicConfigSource = 'DYNAMIC_TOPIC_CONFIG' | 'STATIC_BROKER_CONFIG' | 'DEFAULT_CONFIG';

export interface TopicConfigSynonymEntry {
  readonly name: string;
  readonly value: string | null;
  readonly source: TopicConfigSource;
}

export interface TopicConfigEntry {
  readonly name: TopicConfigName;
  readonly type: ConfigType;
  readonly value: Value;
  /** The value as DescribeConfigs reports it. */
  readonly text: string;
  readonly source: TopicConfigSource;
  /** What DescribeConfigs lists with includeSynonyms: the override, the set broker keys, the default. */
  readonly synonyms: readonly TopicConfigSynonymEntry[];
  readonly effect: TopicConfigDef['effect'];
  readonly documentation: string;
}

export interface ResolvedTopicConfig {
  readonly values: TopicConfigValues;
  readonly sources: { readonly [K in TopicConfigName]: TopicConfigSource };
  /** One entry per topic config, in TOPIC_CONFIGS order. */
  readonly entries: readonly TopicConfigEntry[];
}

/** Broker-side value of a topic config: the first synonym with a value, converted to the topic's unit. */
function fromBroker(broker: BrokerConfig, def: TopicConfigDef): { value: Value; source: TopicConfigSource } {
  // Untracked: what decides something is the topic config read later, which counts for its synonyms (reads.ts).
  const brokerValues = untracked(broker.values);
  for (const syn of def.synonyms) {
    const raw = brokerValues[syn.key] as Value | null;
    if (raw === null) continue;
    let value = typeof raw === 'number' ? raw * syn.factor : raw;
    if (def.name === 'retention.ms' && typeof value === 'number' && value < 0) value = -1;
    return { value, source: broker.sources[syn.key] === 'default' ? 'DEFAULT_CONFIG' : 'STATIC_BROKER_CONFIG' };
  }
  return { value: def.default, source: 'DEFAULT_CONFIG' };
}

/**
 * The effective config of a topic: each per-topic override (checked with the same rules as the
 * broker keys) over the broker's value of its synonym, over Kafka's default. An unknown name or a
 * bad value throws ConfigError, which AlterConfigs and CreateTopics answer as INVALID_CONFIG.
 */
export function resolveTopicConfig(broker: BrokerConfig, overrides: Record<string, string>): ResolvedTopicConfig {
  for (const name of Object.keys(overrides)) {
    if (!topicConfig(name)) {
      const asBroker = configKey(name);
      const synonymOf = asBroker?.topicName;
      const suggestion = synonymOf ?? closest(name, TOPIC_CONFIGS.map((t) => t.name));
      const hint = suggestion ? `; did you mean '${suggestion}'?` : '.';
      throw new ConfigError(`Unknown topic config '${name}' (topic override)${hint}`, {
        key: name,
        value: overrides[name] ?? null,
        origin: 'topic override',
        allowed: 'a topic-level config name',
      });
    }
  }
  const values: Record<string, Value> = {};
  const sources: Record<string, TopicConfigSource> = {};
  const entries: TopicConfigEntry[] = [];
  for (const def of TOPIC_CONFIGS as readonly TopicConfigDef[]) {
    const override = overrides[def.name];
    const inherited = fromBroker(broker, def);
    let value: Value;
    let source: TopicConfigSource;
    if (override !== undefined) {
      const origin = `topic override ${def.name}`;
      value = parseAndValidate({ key: def.name, type: def.type, validation: def.validation }, override, origin, false);
      source = 'DYNAMIC_TOPIC_CONFIG';
    } else {
      value = inherited.value;
      source = inherited.source;
    }
    values[def.name] = value;
    sources[def.name] = source;

    const synonyms: TopicConfigSynonymEntry[] = [];
    if (override !== undefined) synonyms.push({ name: def.name, value: formatConfigValue(def.type, value), source: 'DYNAMIC_TOPIC_CONFIG' });
    for (const syn of def.synonyms) {
      if (broker.sources[syn.key] === 'default') continue;
      const keyDef = configKey(syn.key)!;
      synonyms.push({ name: syn.key, value: formatConfigValue(keyDef.type, untracked(broker.values)[syn.key]), source: 'STATIC_BROKER_CONFIG' });
    }
    const defaultSynonym = def.synonyms.find((s) => configKey(s.key)!.default !== null);
    if (defaultSynonym) {
      const keyDef = configKey(defaultSynonym.key)!;
      synonyms.push({ name: keyDef.name, value: formatConfigValue(keyDef.type, keyDef.default), source: 'DEFAULT_CONFIG' });
    } else {
      synonyms.push({ name: def.name, value: formatConfigValue(def.type, def.default), source: 'DEFAULT_CONFIG' });
    }

    entries.push(
      Object.freeze({
        name: def.name as TopicConfigName,
        type: def.type,
        value,
        text: formatConfigValue(def.type, value) ?? '',
        source,
        synonyms: Object.freeze(synonyms.map((s) => Object.freeze(s))),
        effect: def.effect,
        documentation: def.documentation,
      }),
    );
  }
  const minLag = values['min.compaction.lag.ms'] as number;
  const maxLag = values['max.compaction.lag.ms'] as number;
  if (minLag > maxLag) {
    throw new ConfigError(
      `Invalid value '${minLag}' for 'min.compaction.lag.ms' (${sources['min.compaction.lag.ms']}): it exceeds max.compaction.lag.ms (${formatConfigValue('long', maxLag)}).`,
      { key: 'min.compaction.lag.ms', value: String(minLag), origin: sources['min.compaction.lag.ms'] ?? null, allowed: 'at most max.compaction.lag.ms' },
    );
  }
  const reads = broker.reads;
  const frozen = Object.freeze(values) as unknown as TopicConfigValues;
  return Object.freeze({
    values: reads ? recording(frozen, (k) => reads.topicConfigs.add(k as TopicConfigName)) : frozen,
    sources: Object.freeze(sources) as ResolvedTopicConfig['sources'],
    entries: Object.freeze(entries),
  });
}
