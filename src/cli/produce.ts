/**
 * `spindle produce`: one record per line of standard input or --file, like Kafka's
 * kafka-console-producer.sh, with its line reader's properties (--property, --reader-property,
 * --reader-config):
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
 * with murmur2 as the Java client does), configured as Kafka's tool is: --command-config and
 * --command-property give producer configs (client-config.ts), the flags win over them.
 * --sync sends each record alone and waits for its acknowledgement before reading on.
 *
 * Memory is bounded whatever the input: reading waits whenever the producer holds its buffer
 * memory's worth (--max-memory-bytes, buffer.memory; DEFAULT_BUFFER_MEMORY here) or
 * MAX_UNACKED_RECORDS records, the second because a small record costs far more in objects
 * than its bytes (a 100-byte line several hundred bytes of promises and buffers), which the
 * byte count alone would let grow to hundreds of megabytes. --max-block-ms bounds that wait,
 * as Kafka's max.block.ms does.
 *
 * With --file, or once stdin has given more lines than a screen holds, progress is shown on
 * stderr: acknowledged records and bytes, and with --file the share of the file acknowledged;
 * it ends with a summary line (records/s, MB/s). Ctrl-C stops reading, sends what was read and
 * exits 130 (a second Ctrl-C exits at once).
 *
 * Main thread.
 */
import { createReadStream, statSync } from 'node:fs';
import { Client, sleep } from '../client/client.js';
import { ClientError, TimeoutError } from '../client/errors.js';
import { Producer, type ProducerOptions } from '../client/producer.js';
import { Args, type Flags, UsageError, parseArgs, parseKeyValues, runTool } from './args.js';
import { clientProperties, parseAcks, parseCompression, readPropertiesFile, resolveClientProperties } from './client-config.js';
import { Progress } from './progress.js';

export const PRODUCE_USAGE = `Usage: spindle produce --topic TOPIC [--bootstrap-server HOST:PORT] [options]

Sends one record per line of standard input (or --file) to TOPIC, like Kafka's
kafka-console-producer.sh. Progress and errors go to stderr; Ctrl-C sends what was read and
exits 130.

Options:
  --bootstrap-server HOST:PORT  broker to connect to (default: bootstrap.servers of
                                --command-config, else $SPINDLE_BOOTSTRAP_SERVER, else
                                localhost:9092); --broker-list is the older spelling
  --topic NAME                  the topic (created if the broker auto-creates topics)
  --file PATH                   read lines from a file instead of standard input
  --property KEY=VALUE          line parsing, repeatable: parse.key=true, key.separator=:,
                                parse.headers=true, headers.delimiter, headers.separator,
                                headers.key.separator, null.marker, ignore.error=true
                                (--reader-property is the same; --reader-config FILE reads
                                them from a properties file)
  --header KEY=VALUE            a header added to every record (repeatable)
  --partition N                 send every record to partition N (default: by key, murmur2
                                as the Java client; records without key stick to a partition)
  --compression CODEC           none (default), gzip, snappy, lz4 or zstd; --compression-codec
                                is Kafka's spelling, gzip when given without a codec
  --acks all|-1|0|1             acknowledgement the broker waits for (default: all);
                                --request-required-acks is Kafka's spelling
  --sync                        send each record alone, waiting for its acknowledgement
  --linger-ms MS                how long a batch waits for more records (default: 5);
                                --timeout is Kafka's spelling
  --batch-size BYTES            batch size per partition (default: 16384);
                                --max-partition-memory-bytes is the older spelling
  --max-memory-bytes BYTES      records buffered before reading waits (default: 8388608, a
                                quarter of Kafka's, so that memory stays near 120 MB)
  --max-block-ms MS             how long reading may wait for room before failing (default:
                                60000)
  --message-send-max-retries N  retries of a batch the broker refused for a passing reason
                                (default: 5)
  --request-timeout-ms MS       how long the broker may take to acknowledge (default: 30000)
  --command-config FILE         producer configs from a properties file (acks, linger.ms,
                                batch.size, buffer.memory, compression.type, retries,
                                client.id, request.timeout.ms, …); --producer.config is the
                                older spelling
  --command-property KEY=VALUE  one producer config, repeatable, over --command-config;
                                --producer-property is the older spelling
  --no-progress                 never show progress
  --version                     print Spindle's version
  -h, --help                    this help

Examples:
  spindle produce --topic quickstart-events
  spindle produce --topic orders --property parse.key=true --property key.separator=:
  spindle produce --topic logs --file app.log --compression zstd --batch-size 1048576
  printf 'a\\nb\\n' | spindle produce --topic letters --header source=shell --acks 1
  spindle produce --topic orders --producer-property acks=1 --producer-property linger.ms=20`;

export const PRODUCE_FLAGS: Flags = {
  'bootstrap-server': { kind: 'string', aliases: ['--broker-list'] },
  'command-config': { kind: 'string', aliases: ['--producer.config'] },
  'command-property': { kind: 'list', aliases: ['--producer-property'] },
  topic: { kind: 'string' },
  file: { kind: 'string' },
  property: { kind: 'list', aliases: ['--reader-property'] },
  'reader-config': { kind: 'string' },
  header: { kind: 'list' },
  partition: { kind: 'integer' },
  compression: { kind: 'string' },
  'compression-codec': { kind: 'optional', implied: 'gzip' },
  acks: { kind: 'string', aliases: ['--request-required-acks'] },
  sync: { kind: 'boolean' },
  'linger-ms': { kind: 'integer', aliases: ['--timeout'] },
  'batch-size': { kind: 'integer', aliases: ['--max-partition-memory-bytes'] },
  'max-memory-bytes': { kind: 'integer' },
  'max-block-ms': { kind: 'integer' },
  'message-send-max-retries': { kind: 'integer' },
  'request-timeout-ms': { kind: 'integer' },
  'no-progress': { kind: 'boolean' },
};

/**
 * Records sent and not yet acknowledged before reading waits: enough for full batches and five
 * requests in flight, few enough that their objects stay about ten megabytes.
 */
export const MAX_UNACKED_RECORDS = 4096;
/**
 * buffer.memory unless set: a quarter of Kafka's 32 MiB. Each buffered byte is held about twice
 * (the line read, then its encoded batch), so 32 MiB alone would take a 100 MB pipe past 150 MB
 * of memory; with 8 MiB it stays near 120 MB, and throughput is the same, the broker being the
 * bottleneck long before.
 */
export const DEFAULT_BUFFER_MEMORY = 8 * 1024 * 1024;
/** Kafka's max.block.ms default. */
const DEFAULT_MAX_BLOCK_MS = 60_000;

const PROPERTIES = new Set(['parse.key', 'key.separator', 'parse.headers', 'headers.delimiter', 'headers.separator', 'headers.key.separator', 'null.marker', 'ignore.error']);

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

export function runProduce(argv: string[]): Promise<number> {
  return runTool('produce', PRODUCE_USAGE, argv, async () => {
    const args = new Args(parseArgs(argv, PRODUCE_FLAGS));
    args.noPositionals();
    const topic = args.required('topic');
    const readerFile = args.string('reader-config');
    const properties = new Map(readerFile === undefined ? [] : readPropertiesFile(readerFile, '--reader-config'));
    for (const [k, v] of args.list('property').flatMap((p) => parseKeyValues(p, '--property'))) properties.set(k, v);
    const format = lineFormat(properties);
    const extraHeaders = args.list('header').map((h) => {
      const eq = h.indexOf('=');
      if (eq <= 0) throw new UsageError(`--header wants key=value, not '${h}'`);
      return { key: h.slice(0, eq), value: Buffer.from(h.slice(eq + 1)) };
    });
    // Producer configs first, then the flags over them.
    const options: ProducerOptions = { bufferMemory: DEFAULT_BUFFER_MEMORY };
    const resolved = resolveClientProperties(clientProperties(args, 'command-property'), 'producer', 'spindle-producer', { producer: options }, (l) => process.stderr.write(`spindle produce: ${l}\n`));
    if (args.has('compression') && args.has('compression-codec')) throw new UsageError('--compression and --compression-codec cannot be combined');
    const codec = args.string('compression') ?? args.string('compression-codec');
    if (codec !== undefined) options.compression = parseCompression(codec, args.has('compression') ? '--compression' : '--compression-codec');
    const acks = args.string('acks');
    if (acks !== undefined) options.acks = parseAcks(acks, '--acks');
    options.acks ??= -1;
    const lingerMs = args.integer('linger-ms');
    if (lingerMs !== undefined) {
      if (lingerMs < 0) throw new UsageError('--linger-ms must not be negative');
      options.lingerMs = lingerMs;
    }
    const positive = (flag: string): number | undefined => {
      const v = args.integer(flag);
      if (v !== undefined && v < 1) throw new UsageError(`--${flag} must be positive`);
      return v;
    };
    const batchSize = positive('batch-size');
    if (batchSize !== undefined) options.batchSize = batchSize;
    const bufferMemory = positive('max-memory-bytes');
    if (bufferMemory !== undefined) options.bufferMemory = bufferMemory;
    const retries = args.integer('message-send-max-retries');
    if (retries !== undefined) {
      if (retries < 0) throw new UsageError('--message-send-max-retries must not be negative');
      options.retries = retries;
    }
    const requestTimeoutMs = positive('request-timeout-ms');
    if (requestTimeoutMs !== undefined) {
      options.timeoutMs = requestTimeoutMs;
      resolved.client.requestTimeoutMs = requestTimeoutMs;
    }
    const maxBlockMs = args.integer('max-block-ms') ?? DEFAULT_MAX_BLOCK_MS;
    if (maxBlockMs < 0) throw new UsageError('--max-block-ms must not be negative');
    const sync = args.flag('sync');
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

    const client = new Client({ ...resolved.client, bootstrapServers: args.bootstrap(resolved.bootstrap) });
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
      /** Input bytes (newlines included) of the acknowledged records: how far the bar goes. */
      let ackedInputBytes = 0;
      let failed = 0;
      let failure: Error | undefined;
      let unackedWaiter: (() => void) | undefined;
      const settled = (): void => {
        if (unackedWaiter && sent - acked - failed < MAX_UNACKED_RECORDS) {
          const w = unackedWaiter;
          unackedWaiter = undefined;
          w();
        }
      };
      const onFail = (e: Error): void => {
        failed++;
        failure ??= e;
        settled();
      };
      const input = file !== undefined ? createReadStream(file, { highWaterMark: 256 * 1024 }) : process.stdin;
      let lineNumber = 0;
      const sendLine = (raw: Buffer, inputLength: number): Promise<unknown> => {
        lineNumber++;
        const line = raw.length > 0 && raw[raw.length - 1] === 0x0d ? raw.subarray(0, raw.length - 1) : raw;
        const parsed = parseLine(line, format, lineNumber);
        const headers = extraHeaders.length > 0 ? [...parsed.headers, ...extraHeaders] : parsed.headers;
        const bytes = (parsed.key?.length ?? 0) + (parsed.value?.length ?? 0);
        const record = partition === undefined ? { topic, key: parsed.key, value: parsed.value, headers } : { topic, key: parsed.key, value: parsed.value, headers, partition };
        sent++;
        const done = producer.send(record).then(() => {
          acked++;
          ackedBytes += bytes;
          ackedInputBytes += inputLength;
          if (progressOn) progress.update(acked, ackedBytes, ackedInputBytes);
          settled();
        }, onFail);
        if (!progressOn && showProgress && !typed && sent > screenLines) {
          progressOn = true;
          progress.start();
        }
        return done;
      };
      /** Waits until the producer has room for more, within --max-block-ms. */
      const room = async (): Promise<void> => {
        const wait = Promise.all([
          producer.waitForRoom(),
          sent - acked - failed < MAX_UNACKED_RECORDS ? undefined : new Promise<void>((resolve) => (unackedWaiter = resolve)),
        ]);
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new TimeoutError(`no room for more records within --max-block-ms (${maxBlockMs} ms): the broker is not acknowledging what was sent`)), maxBlockMs);
        });
        try {
          await Promise.race([wait, timeout]);
        } finally {
          clearTimeout(timer);
        }
      };
      let leftover: Buffer | undefined;
      // Ctrl-C stops reading; what was read is still sent before exiting.
      let interrupted = false;
      const onSigint = (): void => {
        if (interrupted) process.exit(130);
        interrupted = true;
        (input as NodeJS.ReadableStream & { destroy(): void }).destroy();
        const w = unackedWaiter;
        unackedWaiter = undefined;
        w?.();
      };
      process.on('SIGINT', onSigint);
      // Typing at a terminal gets Kafka's '>' prompt (on stderr, so stdout stays clean).
      const prompt = typed;
      if (prompt) process.stderr.write('>');
      try {
        for await (const chunk of input as AsyncIterable<Buffer | string>) {
          let buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
          if (leftover) {
            buf = Buffer.concat([leftover, buf]);
            leftover = undefined;
          }
          let from = 0;
          for (let nl = buf.indexOf(0x0a, from); nl >= 0; nl = buf.indexOf(0x0a, from)) {
            // Records keep their bytes until sent: copy the line out of the (reused) chunk.
            const done = sendLine(Buffer.from(buf.subarray(from, nl)), nl + 1 - from);
            from = nl + 1;
            if (sync) {
              await producer.flush();
              await done;
              if (failure || interrupted) break;
            }
          }
          if (from < buf.length && !(sync && (failure || interrupted))) leftover = Buffer.from(buf.subarray(from));
          if (failure || interrupted) break;
          await room();
          if (failure || interrupted) break;
          if (prompt) process.stderr.write('>');
        }
        if (leftover && !failure && !interrupted) sendLine(leftover, leftover.length);
      } catch (e) {
        if (!interrupted) failure ??= e as Error;
      } finally {
        process.off('SIGINT', onSigint);
        if (input !== process.stdin) (input as ReturnType<typeof createReadStream>).destroy();
      }
      // A second Ctrl-C while the last records go out still exits at once.
      const onSecondSigint = (): void => process.exit(130);
      if (interrupted) process.on('SIGINT', onSecondSigint);
      await producer.close();
      // Acknowledgements arrive through promise callbacks: let the last ones run.
      await sleep(0);
      if (progressOn) {
        progress.update(acked, ackedBytes, ackedInputBytes);
        progress.finish('produced');
      }
      process.off('SIGINT', onSecondSigint);
      if (failure) throw failure;
      return interrupted ? 130 : 0;
    } finally {
      await client.close();
    }
  });
}
