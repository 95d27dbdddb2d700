/**
 * `spindle produce`: one record per line of standard input or --file, like Kafka's
 * kafka-console-producer.sh, with its line properties:
 *
 *   parse.key=true           the line is KEY<key.separator>VALUE (separator default: tab)
 *   parse.headers=true       the line starts with h1:v1,h2:v2<headers.delimiter> (default: tab);
 *                            headers.separator (,) and headers.key.separator (:) split them
 *   null.marker=S            a key or value equal to S is sent as null
 *   ignore.error=true        a line without the key separator is sent whole as the value
 *
 * Lines are bytes: no character decoding, a trailing \r is dropped as Kafka's reader does.
 * --header k=v adds a header to every record. Records go through the client's producer
 * (batching per partition, --linger-ms and --batch-size; --compression; --acks; keys hashed
 * with murmur2 as the Java client does). Reading waits whenever the producer holds its
 * buffer memory's worth, so any input size runs in bounded memory.
 *
 * With --file, or once stdin has given more lines than a screen holds, progress is shown on
 * stderr, ending with a summary line (records/s, MB/s).
 *
 * Main thread.
 */
import { createReadStream, statSync } from 'node:fs';
import { Client } from '../client/client.js';
import { ClientError } from '../client/errors.js';
import { type CompressionName, Producer, type ProducerOptions } from '../client/producer.js';
import { Args, type Flags, UsageError, parseArgs, parseKeyValues, runTool } from './args.js';
import { Progress } from './progress.js';

export const PRODUCE_USAGE = `Usage: spindle produce --topic TOPIC [--bootstrap-server HOST:PORT] [options]

Sends one record per line of standard input (or --file) to TOPIC, like Kafka's
kafka-console-producer.sh. Progress and errors go to stderr.

Options:
  --bootstrap-server HOST:PORT  broker to connect to (default: $SPINDLE_BOOTSTRAP_SERVER,
                                else localhost:9092)
  --topic NAME                  the topic (created if the broker auto-creates topics)
  --file PATH                   read lines from a file instead of standard input
  --property KEY=VALUE          line parsing, repeatable: parse.key=true, key.separator=:,
                                parse.headers=true, headers.delimiter, headers.separator,
                                headers.key.separator, null.marker, ignore.error=true
  --header KEY=VALUE            a header added to every record (repeatable)
  --partition N                 send every record to partition N (default: by key, murmur2
                                as the Java client; records without key stick to a partition)
  --compression CODEC           none (default), gzip, snappy, lz4 or zstd
  --acks all|-1|0|1             acknowledgement the broker waits for (default: all)
  --linger-ms MS                how long a batch waits for more records (default: 5)
  --batch-size BYTES            batch size per partition (default: 16384)
  --no-progress                 never show progress
  -h, --help                    this help

Examples:
  spindle produce --topic quickstart-events
  spindle produce --topic orders --property parse.key=true --property key.separator=:
  spindle produce --topic logs --file app.log --compression zstd --batch-size 1048576
  printf 'a\\nb\\n' | spindle produce --topic letters --header source=shell --acks 1`;

const FLAGS: Flags = {
  topic: { kind: 'string' },
  file: { kind: 'string' },
  property: { kind: 'list' },
  header: { kind: 'list' },
  partition: { kind: 'integer' },
  compression: { kind: 'string', aliases: ['--compression-codec'] },
  acks: { kind: 'string' },
  'linger-ms': { kind: 'integer' },
  'batch-size': { kind: 'integer' },
  'no-progress': { kind: 'boolean' },
};

const PROPERTIES = new Set(['parse.key', 'key.separator', 'parse.headers', 'headers.delimiter', 'headers.separator', 'headers.key.separator', 'null.marker', 'ignore.error']);
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

export interface LineFormat {
  parseKey: boolean;
  keySeparator: Buffer;
  parseHeaders: boolean;
  headersDelimiter: Buffer;
  headersSeparator: string;
  headersKeySeparator: string;
  nullMarker: Buffer | undefined;
  ignoreError: boolean;
}

export function lineFormat(properties: Map<string, string>): LineFormat {
  for (const k of properties.keys()) if (!PROPERTIES.has(k)) throw new UsageError(`unknown property '${k}' (known: ${[...PROPERTIES].join(', ')})`);
  const bool = (k: string): boolean => {
    const v = properties.get(k);
    if (v === undefined) return false;
    if (v !== 'true' && v !== 'false') throw new UsageError(`property ${k} must be true or false, not '${v}'`);
    return v === 'true';
  };
  const nonEmpty = (k: string, dflt: string): string => {
    const v = properties.get(k) ?? dflt;
    if (v === '') throw new UsageError(`property ${k} must not be empty`);
    return v;
  };
  const marker = properties.get('null.marker');
  return {
    parseKey: bool('parse.key'),
    keySeparator: Buffer.from(nonEmpty('key.separator', '\t')),
    parseHeaders: bool('parse.headers'),
    headersDelimiter: Buffer.from(nonEmpty('headers.delimiter', '\t')),
    headersSeparator: nonEmpty('headers.separator', ','),
    headersKeySeparator: nonEmpty('headers.key.separator', ':'),
    nullMarker: marker === undefined ? undefined : Buffer.from(marker),
    ignoreError: bool('ignore.error'),
  };
}

export interface ParsedLine {
  key: Buffer | null;
  value: Buffer | null;
  headers: { key: string; value: Buffer | null }[];
}

/** Parses one line (without its newline) as Kafka's LineMessageReader does. */
export function parseLine(line: Buffer, format: LineFormat, lineNumber: number): ParsedLine {
  let rest = line;
  const headers: { key: string; value: Buffer | null }[] = [];
  const orNull = (b: Buffer): Buffer | null => (format.nullMarker && b.equals(format.nullMarker) ? null : b);
  if (format.parseHeaders) {
    const at = rest.indexOf(format.headersDelimiter);
    if (at < 0) {
      if (!format.ignoreError) throw new ClientError(`no headers delimiter on line ${lineNumber}`);
    } else {
      const text = rest.subarray(0, at).toString('utf8');
      rest = rest.subarray(at + format.headersDelimiter.length);
      if (text !== (format.nullMarker?.toString() ?? '\u0000')) {
        for (const pair of text.split(format.headersSeparator)) {
          if (pair === '') continue;
          const k = pair.indexOf(format.headersKeySeparator);
          if (k < 0) headers.push({ key: pair, value: null });
          else headers.push({ key: pair.slice(0, k), value: orNull(Buffer.from(pair.slice(k + format.headersKeySeparator.length))) });
        }
      }
    }
  }
  if (format.parseKey) {
    const at = rest.indexOf(format.keySeparator);
    if (at < 0) {
      if (!format.ignoreError) throw new ClientError(`no key separator on line ${lineNumber}`);
      return { key: null, value: orNull(rest), headers };
    }
    return { key: orNull(rest.subarray(0, at)), value: orNull(rest.subarray(at + format.keySeparator.length)), headers };
  }
  return { key: null, value: orNull(rest), headers };
}

function parseAcks(text: string | undefined): -1 | 0 | 1 {
  if (text === undefined || text === 'all' || text === '-1') return -1;
  if (text === '0') return 0;
  if (text === '1') return 1;
  throw new UsageError(`--acks must be all, -1, 0 or 1, not '${text}'`);
}

export function runProduce(argv: string[]): Promise<number> {
  return runTool('produce', PRODUCE_USAGE, argv, async () => {
    const args = new Args(parseArgs(argv, FLAGS));
    args.noPositionals();
    const topic = args.required('topic');
    const properties = new Map(args.list('property').flatMap((p) => parseKeyValues(p, '--property')));
    const format = lineFormat(properties);
    const extraHeaders = args.list('header').map((h) => {
      const eq = h.indexOf('=');
      if (eq <= 0) throw new UsageError(`--header wants key=value, not '${h}'`);
      return { key: h.slice(0, eq), value: Buffer.from(h.slice(eq + 1)) };
    });
    const compression = args.string('compression') ?? 'none';
    if (!CODECS.includes(compression)) throw new UsageError(`--compression must be one of ${CODECS.join(', ')}, not '${compression}'`);
    const options: ProducerOptions = { acks: parseAcks(args.string('acks')), compression: compression as CompressionName };
    const lingerMs = args.integer('linger-ms');
    if (lingerMs !== undefined) {
      if (lingerMs < 0) throw new UsageError('--linger-ms must not be negative');
      options.lingerMs = lingerMs;
    }
    const batchSize = args.integer('batch-size');
    if (batchSize !== undefined) {
      if (batchSize < 1) throw new UsageError('--batch-size must be positive');
      options.batchSize = batchSize;
    }
    const partition = args.integer('partition');
    const file = args.string('file');
    let totalBytes: number | undefined;
    if (file !== undefined) {
      try {
        totalBytes = statSync(file).size;
      } catch (e) {
        throw new ClientError(`cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
    }

    const client = new Client({ bootstrapServers: args.bootstrap(), clientId: 'spindle-producer' });
    try {
      const info = await client.topic(topic, { allowAutoTopicCreation: true });
      if (partition !== undefined && (partition < 0 || partition >= info.partitions.length)) {
        throw new ClientError(`topic '${topic}' has no partition ${partition} (it has ${info.partitions.length})`);
      }
      const producer = new Producer(client, options);
      const showProgress = !args.flag('no-progress');
      // "Larger than a screen": more lines than the terminal shows (24 when unknown). Typed
      // input never gets a progress line.
      const screenLines = process.stderr.rows || 24;
      const typed = file === undefined && process.stdin.isTTY === true;
      const progress = new Progress(totalBytes);
      let progressOn = false;
      if (showProgress && file !== undefined) {
        progressOn = true;
        progress.start();
      }
      let sent = 0;
      let acked = 0;
      let ackedBytes = 0;
      let inputBytes = 0;
      let failure: Error | undefined;
      const onAck = (bytes: number) => () => {
        acked++;
        ackedBytes += bytes;
        if (progressOn) progress.update(acked, ackedBytes, inputBytes);
      };
      const onFail = (e: Error): void => {
        failure ??= e;
      };
      const input = file !== undefined ? createReadStream(file, { highWaterMark: 256 * 1024 }) : process.stdin;
      let lineNumber = 0;
      const sendLine = (raw: Buffer): void => {
        lineNumber++;
        const line = raw.length > 0 && raw[raw.length - 1] === 0x0d ? raw.subarray(0, raw.length - 1) : raw;
        const parsed = parseLine(line, format, lineNumber);
        const headers = extraHeaders.length > 0 ? [...parsed.headers, ...extraHeaders] : parsed.headers;
        const bytes = (parsed.key?.length ?? 0) + (parsed.value?.length ?? 0);
        const record = partition === undefined ? { topic, key: parsed.key, value: parsed.value, headers } : { topic, key: parsed.key, value: parsed.value, headers, partition };
        producer.send(record).then(onAck(bytes), onFail);
        sent++;
        if (!progressOn && showProgress && !typed && sent > screenLines) {
          progressOn = true;
          progress.start();
        }
      };
      let leftover: Buffer | undefined;
      // Ctrl-C stops reading; what was read is still sent before exiting.
      let interrupted = false;
      const onSigint = (): void => {
        if (interrupted) process.exit(130);
        interrupted = true;
        (input as NodeJS.ReadableStream & { destroy(): void }).destroy();
      };
      process.on('SIGINT', onSigint);
      // Typing at a terminal gets Kafka's '>' prompt (on stderr, so stdout stays clean).
      const prompt = typed;
      if (prompt) process.stderr.write('>');
      try {
        for await (const chunk of input as AsyncIterable<Buffer | string>) {
          let buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
          inputBytes += buf.length;
          if (leftover) {
            buf = Buffer.concat([leftover, buf]);
            leftover = undefined;
          }
          let from = 0;
          for (let nl = buf.indexOf(0x0a, from); nl >= 0; nl = buf.indexOf(0x0a, from)) {
            // Records keep their bytes until sent: copy the line out of the (reused) chunk.
            sendLine(Buffer.from(buf.subarray(from, nl)));
            from = nl + 1;
          }
          if (from < buf.length) leftover = Buffer.from(buf.subarray(from));
          if (failure || interrupted) break;
          await producer.waitForRoom();
          if (failure || interrupted) break;
          if (prompt) process.stderr.write('>');
        }
        if (leftover && !failure && !interrupted) sendLine(leftover);
      } catch (e) {
        if (!interrupted) failure ??= e as Error;
      } finally {
        process.off('SIGINT', onSigint);
        if (input !== process.stdin) (input as ReturnType<typeof createReadStream>).destroy();
      }
      await producer.close();
      if (progressOn) {
        progress.update(acked, ackedBytes, totalBytes ?? inputBytes);
        progress.finish('produced');
      }
      if (failure) throw failure;
      return 0;
    } finally {
      await client.close();
    }
  });
}
