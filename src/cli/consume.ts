/**
 * `spindle consume`: prints records of a topic, one per line, like Kafka's
 * kafka-console-consumer.sh, with its formatter's properties (--property, --formatter-property,
 * --formatter-config):
 *
 *   print.timestamp  CreateTime:1700000000000 (or LogAppendTime:…)
 *   print.partition  Partition:0
 *   print.offset     Offset:42
 *   print.headers    h1:v1,h2:v2 (headers.separator, headers.key.separator), NO_HEADERS if none
 *   print.key        the key
 *   print.value      the value (default true)
 *   null.literal     what an absent key, value or header value prints as (default "null")
 *   key.deserializer, value.deserializer, headers.deserializer   how bytes become text (below)
 *
 * in that order, separated by key.separator (tab), each record ended by line.separator (\n).
 * Keys and values are written as their bytes, so what `spindle produce` sent comes back
 * byte for byte, unless a deserializer says otherwise: Kafka's class names (or their last part)
 * for strings and bytes (as they are), Integer, Long, Short (big-endian two's complement),
 * Float, Double, Boolean, UUID and Void. A record one cannot read (a Long of 3 bytes) ends the
 * command, or with --skip-message-on-error is named on stderr and skipped.
 *
 * Which records: --topic, or --include REGEX for every topic whose whole name matches (internal
 * topics left out unless exclude.internal.topics=false), looked for again every few seconds
 * outside a group, so topics created later are read too (from their start: everything in them
 * is new); a group member subscribes to the topics that match when it starts, since the group
 * protocol's subscription is fixed at joining here. A --topic that does not exist yet is created when the broker auto-creates topics, as
 * Kafka's consumer does (allow.auto.create.topics, default true); with that set to false the
 * command waits for the topic to appear.
 *
 * Without --group the consumer assigns itself every partition (or --partition) and commits
 * nothing; Kafka's tool joins a made-up group instead. With --group (or group.id in the
 * consumer configs) it joins that consumer group (range assignor, Kafka's consumer protocol, so
 * Java or librdkafka consumers can share it), starts from the committed offsets, commits every
 * 5 s and on exit. Consumer configs come from --command-config and --command-property
 * (client-config.ts); the flags win over them.
 *
 * Once it has reached the broker, a lost connection (the broker restarting) is retried until
 * the broker is back, each kind of failure noted once on stderr; positions are kept, a group
 * member rejoins. A broker unreachable from the start is an error, as for every command.
 * SIGINT or SIGTERM ends it cleanly: the positions of the records printed are committed and
 * the group left, "Processed a total of N messages" goes to stderr as Kafka's tool prints it,
 * and the exit code is 130 or 143, as for a program stopped by that signal (a second signal
 * exits at once).
 *
 * Main thread.
 */
import { Admin } from '../client/admin.js';
import { Client, sleep } from '../client/client.js';
import { type ConsumedRecord, Consumer, type ConsumerOptions, type StartOffset } from '../client/consumer.js';
import { ClientError, ConnectionError, KafkaError, TimeoutError } from '../client/errors.js';
import { Args, type Flags, Output, UsageError, parseArgs, parseKeyValues, runTool } from './args.js';
import { clientProperties, readPropertiesFile, resolveClientProperties } from './client-config.js';

export const CONSUME_USAGE = `Usage: spindle consume (--topic TOPIC | --include REGEX) [--bootstrap-server HOST:PORT] [options]

Prints the records of TOPIC on standard output, one per line, like Kafka's
kafka-console-consumer.sh. Runs until --max-messages, --timeout-ms or Ctrl-C (exit code 130).

Options:
  --bootstrap-server HOST:PORT  broker to connect to (default: bootstrap.servers of
                                --command-config, else $SPINDLE_BOOTSTRAP_SERVER, else
                                localhost:9092)
  --topic NAME                  the topic (created if missing and the broker auto-creates topics)
  --include REGEX               every topic whose whole name matches REGEX, e.g. 'orders-.*'
                                (with --group: those matching when it starts)
  --from-beginning              start at the earliest record (in a group: where nothing is
                                committed yet); default: only new records
  --group ID                    consume as a member of consumer group ID, committing offsets
  --partition N                 read only partition N of --topic (not with --group)
  --offset O                    with --partition: start at offset O, 'earliest' or 'latest'
  --max-messages N              exit after N records
  --timeout-ms MS               exit when no record arrived for MS milliseconds
  --isolation-level LEVEL       read_uncommitted (default) or read_committed
  --property KEY=VALUE          output format, repeatable: print.key=true, print.partition=true,
                                print.offset=true, print.timestamp=true, print.headers=true,
                                print.value=false, key.separator, line.separator,
                                headers.separator, headers.key.separator, null.literal,
                                key.deserializer, value.deserializer, headers.deserializer
                                (--formatter-property is the same; --formatter-config FILE
                                reads them from a properties file)
  --key-deserializer CLASS      how keys print: StringDeserializer (as they are, the default),
                                LongDeserializer, IntegerDeserializer, … (Kafka's class names)
  --value-deserializer CLASS    how values print, likewise
  --skip-message-on-error       skip a record the deserializers cannot read, instead of stopping
  --command-config FILE         consumer configs from a properties file (group.id,
                                auto.offset.reset, client.id, fetch.max.wait.ms,
                                max.poll.records, session.timeout.ms, …); --consumer.config is
                                the older spelling
  --command-property KEY=VALUE  one consumer config, repeatable, over --command-config;
                                --consumer-property is the older spelling
  --version                     print Spindle's version
  -h, --help                    this help

Examples:
  spindle consume --topic quickstart-events --from-beginning
  spindle consume --topic orders --group billing --property print.key=true
  spindle consume --topic orders --partition 2 --offset 100 --max-messages 10
  spindle consume --include 'orders-.*' --from-beginning --property print.partition=true
  spindle consume --topic counts --key-deserializer org.apache.kafka.common.serialization.LongDeserializer
  spindle consume --topic logs --from-beginning --timeout-ms 5000 > logs.txt`;

export const CONSUME_FLAGS: Flags = {
  'command-config': { kind: 'string', aliases: ['--consumer.config'] },
  'command-property': { kind: 'list', aliases: ['--consumer-property'] },
  topic: { kind: 'string' },
  include: { kind: 'string' },
  'from-beginning': { kind: 'boolean' },
  group: { kind: 'string' },
  partition: { kind: 'integer' },
  offset: { kind: 'string' },
  'max-messages': { kind: 'integer' },
  'timeout-ms': { kind: 'integer' },
  'isolation-level': { kind: 'string' },
  property: { kind: 'list', aliases: ['--formatter-property'] },
  'formatter-config': { kind: 'string' },
  'key-deserializer': { kind: 'string' },
  'value-deserializer': { kind: 'string' },
  'skip-message-on-error': { kind: 'boolean' },
};

/** How often --include looks for new matching topics (outside a group), and a --topic for itself. */
const TOPIC_POLL_MS = 5_000;
const WAIT_FOR_TOPIC_MS = 500;
/** The longest pause between tries while the broker is away. */
const MAX_RETRY_BACKOFF_MS = 1_000;

const PROPERTIES = new Set([
  'print.key',
  'print.partition',
  'print.offset',
  'print.timestamp',
  'print.headers',
  'print.value',
  'key.separator',
  'line.separator',
  'headers.separator',
  'headers.key.separator',
  'null.literal',
  'key.deserializer',
  'value.deserializer',
  'headers.deserializer',
]);

/** Bytes to the text printed; throws RecordError for bytes it cannot read. */
export type Deserializer = (bytes: Buffer) => Buffer;

export class RecordError extends Error {
  override readonly name = 'RecordError';
}

const fixed = (name: string, size: number, read: (b: Buffer) => string): Deserializer => (b) => {
  if (b.length !== size) throw new RecordError(`${name}: expected ${size} bytes, got ${b.length}`);
  return Buffer.from(read(b));
};

/** Kafka's deserializers by class name; each prints what Java's toString() of the value prints. */
const DESERIALIZERS: Record<string, Deserializer> = {
  StringDeserializer: (b) => b,
  ByteArrayDeserializer: (b) => b,
  BytesDeserializer: (b) => b,
  ByteBufferDeserializer: (b) => b,
  IntegerDeserializer: fixed('IntegerDeserializer', 4, (b) => String(b.readInt32BE(0))),
  LongDeserializer: fixed('LongDeserializer', 8, (b) => String(b.readBigInt64BE(0))),
  ShortDeserializer: fixed('ShortDeserializer', 2, (b) => String(b.readInt16BE(0))),
  FloatDeserializer: fixed('FloatDeserializer', 4, (b) => javaDouble(b.readFloatBE(0), true)),
  DoubleDeserializer: fixed('DoubleDeserializer', 8, (b) => javaDouble(b.readDoubleBE(0), false)),
  BooleanDeserializer: fixed('BooleanDeserializer', 1, (b) => String(b[0] !== 0)),
  UUIDDeserializer: (b) => {
    const s = b.toString('utf8');
    if (!/^[0-9a-f]{1,8}-[0-9a-f]{1,4}-[0-9a-f]{1,4}-[0-9a-f]{1,4}-[0-9a-f]{1,12}$/i.test(s)) throw new RecordError(`UUIDDeserializer: '${s}' is not a UUID`);
    return Buffer.from(s.toLowerCase());
  },
  VoidDeserializer: (b) => {
    throw new RecordError(`VoidDeserializer: expected no data, got ${b.length} bytes`);
  },
};

/** Java's Double.toString / Float.toString for the common cases: "1.0", "0.5", "1.0E10". */
function javaDouble(n: number, float: boolean): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  const v = float ? Number(n.toPrecision(7)) : n;
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e7)) {
    const [m, e] = v.toExponential().split('e') as [string, string];
    return `${m.includes('.') ? m : `${m}.0`}E${Number(e)}`;
  }
  const s = String(v);
  return s.includes('.') ? s : `${s}.0`;
}

export function deserializerNamed(name: string, where: string): Deserializer {
  const short = name.slice(name.lastIndexOf('.') + 1);
  const found = DESERIALIZERS[short];
  if (!found || (name.includes('.') && name !== `org.apache.kafka.common.serialization.${short}`)) {
    throw new UsageError(`${where}: unknown deserializer '${name}' (known: ${Object.keys(DESERIALIZERS).join(', ')}, as org.apache.kafka.common.serialization.<name>)`);
  }
  return found;
}

export interface RecordFormat {
  printKey: boolean;
  printPartition: boolean;
  printOffset: boolean;
  printTimestamp: boolean;
  printHeaders: boolean;
  printValue: boolean;
  keySeparator: Buffer;
  lineSeparator: Buffer;
  headersSeparator: string;
  headersKeySeparator: string;
  nullLiteral: Buffer;
  key: Deserializer | undefined;
  value: Deserializer | undefined;
  header: Deserializer | undefined;
}

/** Unescapes \t, \n, \r and \\ in separators given on the command line. */
function unescape(s: string): string {
  return s.replace(/\\([tnr\\])/g, (_, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : '\\'));
}

export function recordFormat(properties: Map<string, string>): RecordFormat {
  for (const k of properties.keys()) if (!PROPERTIES.has(k)) throw new UsageError(`unknown property '${k}' (known: ${[...PROPERTIES].join(', ')})`);
  const bool = (k: string, dflt: boolean): boolean => {
    const v = properties.get(k);
    if (v === undefined) return dflt;
    if (v !== 'true' && v !== 'false') throw new UsageError(`property ${k} must be true or false, not '${v}'`);
    return v === 'true';
  };
  const deserializer = (k: string): Deserializer | undefined => {
    const name = properties.get(k);
    return name === undefined ? undefined : deserializerNamed(name, `property ${k}`);
  };
  return {
    printKey: bool('print.key', false),
    printPartition: bool('print.partition', false),
    printOffset: bool('print.offset', false),
    printTimestamp: bool('print.timestamp', false),
    printHeaders: bool('print.headers', false),
    printValue: bool('print.value', true),
    keySeparator: Buffer.from(unescape(properties.get('key.separator') ?? '\t')),
    lineSeparator: Buffer.from(unescape(properties.get('line.separator') ?? '\n')),
    headersSeparator: unescape(properties.get('headers.separator') ?? ','),
    headersKeySeparator: unescape(properties.get('headers.key.separator') ?? ':'),
    nullLiteral: Buffer.from(unescape(properties.get('null.literal') ?? 'null')),
    key: deserializer('key.deserializer'),
    value: deserializer('value.deserializer'),
    header: deserializer('headers.deserializer'),
  };
}

/** The bytes Kafka's DefaultMessageFormatter writes for a record; throws RecordError. */
export function formatRecord(r: ConsumedRecord, f: RecordFormat): Buffer[] {
  const show = (b: Buffer | null, d: Deserializer | undefined): Buffer => (b === null ? f.nullLiteral : d ? d(b) : b);
  const fields: Buffer[] = [];
  if (f.printTimestamp) fields.push(Buffer.from(`${r.timestampType}:${r.timestamp}`));
  if (f.printPartition) fields.push(Buffer.from(`Partition:${r.partition}`));
  if (f.printOffset) fields.push(Buffer.from(`Offset:${r.offset}`));
  if (f.printHeaders) {
    if (r.headers.length === 0) fields.push(Buffer.from('NO_HEADERS'));
    else {
      const parts: Buffer[] = [];
      r.headers.forEach((h, i) => {
        if (i > 0) parts.push(Buffer.from(f.headersSeparator));
        parts.push(Buffer.from(`${h.key}${f.headersKeySeparator}`), show(h.value, f.header));
      });
      fields.push(Buffer.concat(parts));
    }
  }
  if (f.printKey) fields.push(show(r.key, f.key));
  if (f.printValue) fields.push(show(r.value, f.value));
  const out: Buffer[] = [];
  fields.forEach((b, i) => {
    if (i > 0) out.push(f.keySeparator);
    out.push(b);
  });
  out.push(f.lineSeparator);
  return out;
}

function parseStart(text: string | undefined): StartOffset | undefined {
  if (text === undefined) return undefined;
  const lower = text.toLowerCase();
  if (lower === 'earliest' || lower === 'latest') return lower;
  if (!/^\d+$/.test(text)) throw new UsageError(`--offset must be a non-negative offset, 'earliest' or 'latest', not '${text}'`);
  return Number(text);
}

/** Kafka's --include: the whole topic name must match (Java's String.matches). */
export function includePattern(text: string): RegExp {
  try {
    return new RegExp(`^(?:${text})$`);
  } catch {
    throw new UsageError(`--include: '${text}' is not a valid regular expression`);
  }
}

/** A failure that a broker coming back cures: the command waits and tries again. */
function transient(e: unknown): boolean {
  return e instanceof ConnectionError || e instanceof TimeoutError || (e instanceof KafkaError && e.retriable);
}

export function runConsume(argv: string[]): Promise<number> {
  return runTool('consume', CONSUME_USAGE, argv, async () => {
    const args = new Args(parseArgs(argv, CONSUME_FLAGS));
    args.noPositionals();
    const topic = args.string('topic');
    const include = args.string('include');
    if (topic === undefined && include === undefined) throw new UsageError('--topic or --include is required');
    if (topic !== undefined && include !== undefined) throw new UsageError('--topic and --include cannot be combined');
    if (topic === '') throw new UsageError('--topic must not be empty');
    const pattern = include === undefined ? undefined : includePattern(include);
    const partition = args.integer('partition');
    const offset = parseStart(args.string('offset'));
    const fromBeginning = args.flag('from-beginning');
    if (partition !== undefined && topic === undefined) throw new UsageError('--partition needs --topic');
    if (offset !== undefined && partition === undefined) throw new UsageError('--offset needs --partition');
    if (offset !== undefined && fromBeginning) throw new UsageError('--offset and --from-beginning cannot be combined');
    const maxMessages = args.integer('max-messages');
    if (maxMessages !== undefined && maxMessages < 1) throw new UsageError('--max-messages must be at least 1');
    const timeoutMs = args.integer('timeout-ms');
    if (timeoutMs !== undefined && timeoutMs < 0) throw new UsageError('--timeout-ms must not be negative');
    const skipOnError = args.flag('skip-message-on-error');

    // The formatter: its file, then the deserializer flags, then --property, as Kafka merges them.
    const formatterFile = args.string('formatter-config');
    const formatterProps = new Map(formatterFile === undefined ? [] : readPropertiesFile(formatterFile, '--formatter-config'));
    const keyDeserializer = args.string('key-deserializer');
    if (keyDeserializer !== undefined) formatterProps.set('key.deserializer', keyDeserializer);
    const valueDeserializer = args.string('value-deserializer');
    if (valueDeserializer !== undefined) formatterProps.set('value.deserializer', valueDeserializer);
    for (const [k, v] of args.list('property').flatMap((p) => parseKeyValues(p, '--property'))) formatterProps.set(k, v);
    const format = recordFormat(formatterProps);

    // The consumer: its configs, then the flags over them.
    const options: ConsumerOptions & { allowAutoCreateTopics?: boolean; excludeInternalTopics?: boolean } = {};
    const warn = (l: string): void => void process.stderr.write(`spindle consume: ${l}\n`);
    const resolved = resolveClientProperties(clientProperties(args, 'command-property'), 'consumer', 'spindle-consumer', { consumer: options }, warn);
    const flagGroup = args.string('group');
    if (flagGroup !== undefined && options.groupId !== undefined && flagGroup !== options.groupId) {
      throw new UsageError(`--group '${flagGroup}' and group.id '${options.groupId}' of the consumer configs do not match`);
    }
    const group = flagGroup ?? options.groupId;
    if (group !== undefined && partition !== undefined) throw new UsageError('--group and --partition cannot be combined');
    if (fromBeginning && options.autoOffsetReset === 'latest') throw new UsageError("--from-beginning and auto.offset.reset=latest cannot be combined");
    if (fromBeginning) options.autoOffsetReset = 'earliest';
    options.autoOffsetReset ??= 'latest';
    const isolation = args.string('isolation-level');
    if (isolation !== undefined) {
      if (isolation !== 'read_uncommitted' && isolation !== 'read_committed') throw new UsageError(`--isolation-level must be read_uncommitted or read_committed, not '${isolation}'`);
      options.isolationLevel = isolation === 'read_committed' ? 1 : 0;
    }
    if (group !== undefined) options.groupId = group;
    else delete options.groupId;
    const allowAutoCreate = options.allowAutoCreateTopics ?? true;
    const excludeInternal = options.excludeInternalTopics ?? true;
    delete options.allowAutoCreateTopics;
    delete options.excludeInternalTopics;
    // What is said again and again while the broker is away is said once, until records flow.
    const noted = new Set<string>();
    const note = (m: string): void => {
      if (noted.has(m)) return;
      noted.add(m);
      warn(m);
    };
    options.log = note;
    const start: StartOffset = options.autoOffsetReset;

    const clientId = resolved.client.clientId !== 'spindle-consumer' ? resolved.client.clientId : group !== undefined ? `spindle-consumer-${group}` : 'spindle-consumer';
    const client = new Client({ ...resolved.client, clientId, bootstrapServers: args.bootstrap(resolved.bootstrap) });
    const admin = new Admin(client);
    const consumer = new Consumer(client, options);
    const out = new Output();
    let stopping: 'SIGINT' | 'SIGTERM' | undefined;
    let count = 0;
    const onSignal = (signal: 'SIGINT' | 'SIGTERM') => (): void => {
      if (stopping) process.exit(signal === 'SIGINT' ? 130 : 143);
      stopping = signal;
    };
    const onSigint = onSignal('SIGINT');
    const onSigterm = onSignal('SIGTERM');
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigterm);
    try {
      /** Waits for --topic to exist: created through Metadata where the broker allows it. */
      const awaitTopic = async (name: string) => {
        for (;;) {
          try {
            return await client.topic(name, { allowAutoTopicCreation: allowAutoCreate });
          } catch (e) {
            if (!(e instanceof ClientError && !allowAutoCreate && /does not exist/.test(e.message)) || stopping) throw e;
            note(`waiting for topic '${name}' to be created`);
            await sleep(WAIT_FOR_TOPIC_MS);
          }
        }
      };
      /** The topics --include matches now, sorted. */
      const matching = async (): Promise<string[]> => (await admin.listTopics({ includeInternal: !excludeInternal })).filter((t) => pattern!.test(t)).sort();
      const assigned = new Set<string>();
      const assignTopics = async (names: string[], from: StartOffset): Promise<void> => {
        const fresh = names.filter((n) => !assigned.has(n));
        const parts: { topic: string; partition: number; offset: StartOffset }[] = [];
        for (const n of fresh) for (const p of (await client.topic(n)).partitions) parts.push({ topic: n, partition: p.partition, offset: from });
        await consumer.assign(parts);
        for (const n of fresh) assigned.add(n);
      };

      if (topic !== undefined) {
        const info = await awaitTopic(topic);
        if (group !== undefined) await consumer.subscribe([topic]);
        else if (partition !== undefined) {
          if (!info.partitions[partition]) throw new ClientError(`topic '${topic}' has no partition ${partition} (it has ${info.partitions.length})`);
          await consumer.assign([{ topic, partition, offset: offset ?? start }]);
        } else await assignTopics([topic], start);
      } else {
        let names = await matching();
        while (names.length === 0 && !stopping) {
          note(`waiting for a topic matching '${include}'`);
          await sleep(WAIT_FOR_TOPIC_MS);
          names = await matching();
        }
        if (group !== undefined) {
          if (names.length > 0) await consumer.subscribe(names);
        } else await assignTopics(names, start);
      }

      let lastRecordMs = Date.now();
      let lastTopicLookMs = Date.now();
      let backoff = 100;
      while (!stopping && !out.closed) {
        let take: ConsumedRecord[];
        try {
          // Topics --include matches that were created since: read from their start.
          if (pattern && group === undefined && Date.now() - lastTopicLookMs >= TOPIC_POLL_MS) {
            lastTopicLookMs = Date.now();
            await assignTopics(await matching(), 'earliest');
          }
          // Never hand out more than asked for, so that a group commits exactly what was printed.
          take = await consumer.poll(maxMessages === undefined ? undefined : maxMessages - count);
          backoff = 100;
          noted.clear();
        } catch (e) {
          if (!transient(e) || stopping) throw e;
          note(`${(e as Error).message}; retrying until the broker answers`);
          await sleep(backoff);
          backoff = Math.min(backoff * 2, MAX_RETRY_BACKOFF_MS);
          continue;
        }
        for (const r of take) {
          let bytes: Buffer[];
          try {
            bytes = formatRecord(r, format);
          } catch (e) {
            if (!(e instanceof RecordError)) throw e;
            if (!skipOnError) {
              // What came before the unreadable record is printed, as Kafka's tool prints it.
              await out.flush();
              throw new ClientError(`${r.topic}-${r.partition} offset ${r.offset}: ${e.message} (--skip-message-on-error skips such records)`);
            }
            warn(`skipped ${r.topic}-${r.partition} offset ${r.offset}: ${e.message}`);
            continue;
          }
          for (const b of bytes) out.write(b);
          await out.maybeFlush();
        }
        count += take.length;
        // Each poll's records are printed when the poll is done: the next poll may wait as long as
        // fetch.max.wait.ms, and records arriving more often than that would otherwise wait too.
        await out.flush();
        if (take.length > 0) lastRecordMs = Date.now();
        if (maxMessages !== undefined && count >= maxMessages) break;
        if (timeoutMs !== undefined && take.length === 0 && Date.now() - lastRecordMs >= timeoutMs) break;
      }
      await out.flush();
      await consumer.close();
      process.stderr.write(`Processed a total of ${count} messages\n`);
      return stopping === 'SIGINT' ? 130 : stopping === 'SIGTERM' ? 143 : 0;
    } finally {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
      await consumer.close().catch(() => undefined);
      await client.close();
    }
  });
}
