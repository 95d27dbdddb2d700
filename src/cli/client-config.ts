/**
 * Client configuration for the command line, as Kafka's tools take it: a properties file
 * (`--command-config`, and the older `--producer.config` / `--consumer.config`) and `key=value`
 * pairs (`--command-property`, `--producer-property`, `--consumer-property`), the pairs winning
 * over the file, and a command's own flags winning over both (`--acks` over `acks=`), as
 * Kafka's CommandLineUtils.maybeMergeOptions does.
 *
 * The keys are Kafka's client configs. Those Spindle's client has a meaning for are turned into
 * its options (ClientOptions, ProducerOptions, ConsumerOptions); the rest are named on stderr
 * and ignored, as Kafka's clients log "supplied but isn't a known config". The exceptions are
 * the keys that would make the connection unlike what was asked for: a security protocol other
 * than PLAINTEXT, or a transactional id, stop the command, since going on would talk to the
 * broker in the clear or without transactions while the user believes otherwise.
 *
 * Main thread.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../broker/config/errors.js';
import { parseProperties } from '../broker/config/properties.js';
import type { ClientOptions } from '../client/client.js';
import { ClientError } from '../client/errors.js';
import type { ConsumerOptions } from '../client/consumer.js';
import type { CompressionName, ProducerOptions } from '../client/producer.js';
import { type Args, UsageError, parseKeyValues } from './args.js';

export type ClientRole = 'admin' | 'producer' | 'consumer';

/** Values by key, each with where it came from, for messages. */
export type ClientProperties = Map<string, { value: string; origin: string }>;

/** Reads a properties file given to `flag`; an unreadable file is one line, exit code 1. */
export function readPropertiesFile(file: string, flag: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ClientError(`${flag}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    return new Map(parseProperties(text, file).entries.map((e) => [e.key, e.value.trim()]));
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(`${flag}: ${e.message}`);
    throw e;
  }
}

/** The file of --command-config, then the pairs of `propertyFlag` (--command-property), later winning. */
export function clientProperties(args: Args, propertyFlag?: string): ClientProperties {
  const out: ClientProperties = new Map();
  const file = args.string('command-config');
  if (file !== undefined) for (const [k, v] of readPropertiesFile(file, '--command-config')) out.set(k, { value: v, origin: file });
  if (propertyFlag !== undefined) {
    for (const pair of args.list(propertyFlag)) for (const [k, v] of parseKeyValues(pair, `--${propertyFlag}`)) out.set(k, { value: v.trim(), origin: `--${propertyFlag}` });
  }
  return out;
}

const SECURITY_PREFIXES = ['ssl.', 'sasl.'];

/** Keys every Kafka client accepts that mean nothing for Spindle's client: quietly accepted. */
const QUIET: ReadonlySet<string> = new Set([
  'key.serializer',
  'value.serializer',
  'key.deserializer',
  'value.deserializer',
  'client.dns.lookup',
  'metric.reporters',
  'metrics.num.samples',
  'metrics.recording.level',
  'metrics.sample.window.ms',
  'auto.include.jmx.reporter',
  'enable.metrics.push',
]);

interface Known {
  /** Applies the value; throws UsageError for a bad one. */
  apply: (value: string, key: string, origin: string) => void;
}

function integer(value: string, key: string, origin: string, min = 0): number {
  if (!/^-?\d+$/.test(value) || Number(value) < min) throw new UsageError(`${key}=${value} (${origin}) must be an integer of at least ${min}`);
  return Number(value);
}

function bool(value: string, key: string, origin: string): boolean {
  const v = value.toLowerCase();
  if (v !== 'true' && v !== 'false') throw new UsageError(`${key}=${value} (${origin}) must be true or false`);
  return v === 'true';
}

export interface ResolvedClient {
  client: ClientOptions;
  /** bootstrap.servers from the properties, for Args.bootstrap. */
  bootstrap: string | undefined;
}

/**
 * Turns the properties into the client's options for `role`, filling `producer` or `consumer`
 * (which the caller then overrides with its flags). `warn` gets one line per ignored key.
 */
export function resolveClientProperties(
  props: ClientProperties,
  role: ClientRole,
  defaultClientId: string,
  sink: { producer?: ProducerOptions; consumer?: ConsumerOptions & { allowAutoCreateTopics?: boolean; excludeInternalTopics?: boolean } },
  warn: (line: string) => void,
): ResolvedClient {
  const client: ClientOptions = { bootstrapServers: '', clientId: defaultClientId };
  let bootstrap: string | undefined;
  const common: Record<string, Known> = {
    'bootstrap.servers': { apply: (v) => (bootstrap = v) },
    'client.id': { apply: (v) => (client.clientId = v) },
    'request.timeout.ms': { apply: (v, k, o) => (client.requestTimeoutMs = integer(v, k, o, 1)) },
    'socket.connection.setup.timeout.ms': { apply: (v, k, o) => (client.connectTimeoutMs = integer(v, k, o, 1)) },
    'security.protocol': {
      apply: (v, k, o) => {
        if (v.toUpperCase() !== 'PLAINTEXT') throw new ClientError(`${k}=${v} (${o}) is not supported: Spindle's client speaks PLAINTEXT only`);
      },
    },
  };
  const p = sink.producer;
  const producer: Record<string, Known> = p
    ? {
        acks: { apply: (v) => (p.acks = parseAcks(v, 'acks')) },
        'linger.ms': { apply: (v, k, o) => (p.lingerMs = integer(v, k, o)) },
        'batch.size': { apply: (v, k, o) => (p.batchSize = integer(v, k, o, 1)) },
        'buffer.memory': { apply: (v, k, o) => (p.bufferMemory = integer(v, k, o, 1)) },
        'compression.type': { apply: (v) => (p.compression = parseCompression(v, 'compression.type')) },
        retries: { apply: (v, k, o) => (p.retries = integer(v, k, o)) },
        'max.in.flight.requests.per.connection': { apply: (v, k, o) => (p.maxInFlightRequests = integer(v, k, o, 1)) },
        'transactional.id': {
          apply: (_v, k, o) => {
            throw new ClientError(`${k} (${o}) is not supported: spindle produce sends no transactions`);
          },
        },
      }
    : {};
  const c = sink.consumer;
  const consumer: Record<string, Known> = c
    ? {
        'group.id': { apply: (v) => (c.groupId = v) },
        'group.instance.id': { apply: (v) => (c.groupInstanceId = v) },
        'auto.offset.reset': {
          apply: (v, k, o) => {
            if (v !== 'earliest' && v !== 'latest') throw new UsageError(`${k}=${v} (${o}) must be earliest or latest`);
            c.autoOffsetReset = v;
          },
        },
        'enable.auto.commit': { apply: (v, k, o) => (c.autoCommit = bool(v, k, o)) },
        'auto.commit.interval.ms': { apply: (v, k, o) => (c.autoCommitIntervalMs = integer(v, k, o)) },
        'fetch.min.bytes': { apply: (v, k, o) => (c.minBytes = integer(v, k, o)) },
        'fetch.max.bytes': { apply: (v, k, o) => (c.maxBytes = integer(v, k, o)) },
        'fetch.max.wait.ms': { apply: (v, k, o) => (c.maxWaitMs = integer(v, k, o)) },
        'max.partition.fetch.bytes': { apply: (v, k, o) => (c.maxPartitionBytes = integer(v, k, o, 1)) },
        'max.poll.records': { apply: (v, k, o) => (c.maxPollRecords = integer(v, k, o, 1)) },
        'isolation.level': {
          apply: (v, k, o) => {
            if (v !== 'read_uncommitted' && v !== 'read_committed') throw new UsageError(`${k}=${v} (${o}) must be read_uncommitted or read_committed`);
            c.isolationLevel = v === 'read_committed' ? 1 : 0;
          },
        },
        'session.timeout.ms': { apply: (v, k, o) => (c.sessionTimeoutMs = integer(v, k, o, 1)) },
        'heartbeat.interval.ms': { apply: (v, k, o) => (c.heartbeatIntervalMs = integer(v, k, o, 1)) },
        'max.poll.interval.ms': { apply: (v, k, o) => (c.rebalanceTimeoutMs = integer(v, k, o, 1)) },
        'allow.auto.create.topics': { apply: (v, k, o) => (c.allowAutoCreateTopics = bool(v, k, o)) },
        'exclude.internal.topics': { apply: (v, k, o) => (c.excludeInternalTopics = bool(v, k, o)) },
      }
    : {};
  const known: Record<string, Known> = { ...common, ...producer, ...consumer };
  let secure = false;
  for (const [key, { value, origin }] of props) {
    const k = known[key];
    if (k) k.apply(value, key, origin);
    else if (SECURITY_PREFIXES.some((pre) => key.startsWith(pre))) secure = true;
    else if (!QUIET.has(key)) warn(`ignoring ${key} (${origin}): not a ${role} config Spindle's client has a use for`);
  }
  if (secure) warn('ignoring the ssl.* and sasl.* settings: Spindle\'s client speaks PLAINTEXT only');
  return { client, bootstrap };
}

/** Kafka's acks values: all, -1, 0, 1. */
export function parseAcks(text: string, flag: string): -1 | 0 | 1 {
  if (text === 'all' || text === '-1') return -1;
  if (text === '0') return 0;
  if (text === '1') return 1;
  throw new UsageError(`${flag} must be all, -1, 0 or 1, not '${text}'`);
}

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

export function parseCompression(text: string, flag: string): CompressionName {
  if (!CODECS.includes(text)) throw new UsageError(`${flag} must be one of ${CODECS.join(', ')}, not '${text}'`);
  return text as CompressionName;
}
