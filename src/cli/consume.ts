/**
 * `spindle consume`: prints records of a topic, one per line, like Kafka's
 * kafka-console-consumer.sh, with its formatter's properties:
 *
 *   print.timestamp  CreateTime:1700000000000 (or LogAppendTime:…)
 *   print.partition  Partition:0
 *   print.offset     Offset:42
 *   print.headers    h1:v1,h2:v2 (headers.separator, headers.key.separator), NO_HEADERS if none
 *   print.key        the key, "null" when absent
 *   print.value      the value (default true), "null" when absent
 *
 * in that order, separated by key.separator (tab), each record ended by line.separator (\n).
 * Keys and values are written as their bytes, so what `spindle produce` sent comes back
 * byte for byte.
 *
 * Without --group the consumer assigns itself every partition (or --partition) and commits
 * nothing; Kafka's tool joins a made-up group instead. With --group it joins that consumer
 * group (range assignor, Kafka's consumer protocol, so Java or librdkafka consumers can share
 * it), starts from the committed offsets, commits every 5 s and on exit. SIGINT or SIGTERM
 * ends it cleanly: the positions of the records printed are committed and the group left.
 * "Processed a total of N messages" goes to stderr at the end, as Kafka's tool prints it.
 *
 * Main thread.
 */
import { Client } from '../client/client.js';
import { type ConsumedRecord, Consumer, type ConsumerOptions, type StartOffset } from '../client/consumer.js';
import { ClientError } from '../client/errors.js';
import { Args, type Flags, Output, UsageError, parseArgs, parseKeyValues, runTool } from './args.js';

export const CONSUME_USAGE = `Usage: spindle consume --topic TOPIC [--bootstrap-server HOST:PORT] [options]

Prints the records of TOPIC on standard output, one per line, like Kafka's
kafka-console-consumer.sh. Runs until --max-messages, --timeout-ms or Ctrl-C.

Options:
  --bootstrap-server HOST:PORT  broker to connect to (default: $SPINDLE_BOOTSTRAP_SERVER,
                                else localhost:9092)
  --topic NAME                  the topic
  --from-beginning              start at the earliest record (in a group: where nothing is
                                committed yet); default: only new records
  --group ID                    consume as a member of consumer group ID, committing offsets
  --partition N                 read only partition N (not with --group)
  --offset O                    with --partition: start at offset O, 'earliest' or 'latest'
  --max-messages N              exit after N records
  --timeout-ms MS               exit when no record arrived for MS milliseconds
  --isolation-level LEVEL       read_uncommitted (default) or read_committed
  --property KEY=VALUE          output format, repeatable: print.key=true, print.partition=true,
                                print.offset=true, print.timestamp=true, print.headers=true,
                                print.value=false, key.separator, line.separator,
                                headers.separator, headers.key.separator
  -h, --help                    this help

Examples:
  spindle consume --topic quickstart-events --from-beginning
  spindle consume --topic orders --group billing --property print.key=true
  spindle consume --topic orders --partition 2 --offset 100 --max-messages 10
  spindle consume --topic logs --from-beginning --timeout-ms 5000 > logs.txt`;

const FLAGS: Flags = {
  topic: { kind: 'string' },
  'from-beginning': { kind: 'boolean' },
  group: { kind: 'string' },
  partition: { kind: 'integer' },
  offset: { kind: 'string' },
  'max-messages': { kind: 'integer' },
  'timeout-ms': { kind: 'integer' },
  'isolation-level': { kind: 'string' },
  property: { kind: 'list' },
};

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
]);

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
  };
}

const NULL = Buffer.from('null');

/** The bytes Kafka's DefaultMessageFormatter writes for a record. */
export function formatRecord(r: ConsumedRecord, f: RecordFormat): Buffer[] {
  const fields: Buffer[] = [];
  if (f.printTimestamp) fields.push(Buffer.from(`${r.timestampType}:${r.timestamp}`));
  if (f.printPartition) fields.push(Buffer.from(`Partition:${r.partition}`));
  if (f.printOffset) fields.push(Buffer.from(`Offset:${r.offset}`));
  if (f.printHeaders) {
    fields.push(
      r.headers.length === 0
        ? Buffer.from('NO_HEADERS')
        : Buffer.from(r.headers.map((h) => `${h.key}${f.headersKeySeparator}${h.value === null ? 'null' : h.value.toString('utf8')}`).join(f.headersSeparator)),
    );
  }
  if (f.printKey) fields.push(r.key ?? NULL);
  if (f.printValue) fields.push(r.value ?? NULL);
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
  if (text === 'earliest' || text === 'latest') return text;
  if (!/^\d+$/.test(text)) throw new UsageError(`--offset must be a non-negative offset, 'earliest' or 'latest', not '${text}'`);
  return Number(text);
}

export function runConsume(argv: string[]): Promise<number> {
  return runTool('consume', CONSUME_USAGE, argv, async () => {
    const args = new Args(parseArgs(argv, FLAGS));
    args.noPositionals();
    const topic = args.required('topic');
    const group = args.string('group');
    const partition = args.integer('partition');
    const offset = parseStart(args.string('offset'));
    const fromBeginning = args.flag('from-beginning');
    if (offset !== undefined && partition === undefined) throw new UsageError('--offset needs --partition');
    if (offset !== undefined && fromBeginning) throw new UsageError('--offset and --from-beginning cannot be combined');
    if (group !== undefined && partition !== undefined) throw new UsageError('--group and --partition cannot be combined');
    const maxMessages = args.integer('max-messages');
    if (maxMessages !== undefined && maxMessages < 1) throw new UsageError('--max-messages must be at least 1');
    const timeoutMs = args.integer('timeout-ms');
    if (timeoutMs !== undefined && timeoutMs < 0) throw new UsageError('--timeout-ms must not be negative');
    const isolation = args.string('isolation-level') ?? 'read_uncommitted';
    if (isolation !== 'read_uncommitted' && isolation !== 'read_committed') throw new UsageError(`--isolation-level must be read_uncommitted or read_committed, not '${isolation}'`);
    const format = recordFormat(new Map(args.list('property').flatMap((p) => parseKeyValues(p, '--property'))));

    const client = new Client({ bootstrapServers: args.bootstrap(), clientId: group !== undefined ? `spindle-consumer-${group}` : 'spindle-consumer' });
    const options: ConsumerOptions = {
      autoOffsetReset: fromBeginning ? 'earliest' : 'latest',
      isolationLevel: isolation === 'read_committed' ? 1 : 0,
      log: (m) => process.stderr.write(`${m}\n`),
    };
    if (group !== undefined) options.groupId = group;
    const consumer = new Consumer(client, options);
    const out = new Output();
    let stopping = false;
    let count = 0;
    const onSignal = (): void => {
      if (stopping) process.exit(130);
      stopping = true;
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      const info = await client.topic(topic);
      if (group !== undefined) {
        await consumer.subscribe([topic]);
      } else if (partition !== undefined) {
        if (!info.partitions[partition]) throw new ClientError(`topic '${topic}' has no partition ${partition} (it has ${info.partitions.length})`);
        await consumer.assign([{ topic, partition, offset: offset ?? (fromBeginning ? 'earliest' : 'latest') }]);
      } else {
        await consumer.assign(info.partitions.map((p) => ({ topic, partition: p.partition, offset: fromBeginning ? 'earliest' : 'latest' })));
      }
      let lastRecordMs = Date.now();
      while (!stopping && !out.closed) {
        // Never hand out more than asked for, so that a group commits exactly what was printed.
        const take = await consumer.poll(maxMessages === undefined ? undefined : maxMessages - count);
        for (const r of take) for (const b of formatRecord(r, format)) out.write(b);
        count += take.length;
        await out.maybeFlush();
        if (take.length > 0) lastRecordMs = Date.now();
        if (maxMessages !== undefined && count >= maxMessages) break;
        if (timeoutMs !== undefined && take.length === 0 && Date.now() - lastRecordMs >= timeoutMs) break;
        if (take.length === 0) await out.flush();
      }
      await out.flush();
      await consumer.close();
      process.stderr.write(`Processed a total of ${count} messages\n`);
      return 0;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await consumer.close().catch(() => undefined);
      await client.close();
    }
  });
}
