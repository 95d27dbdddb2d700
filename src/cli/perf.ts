/**
 * `spindle perf`: the benchmark harness (bench/perf/harness.ts) from the command line; what
 * `npm run bench` runs with `--preset full`.
 *
 * Parses the options and hands over; the harness is loaded only when this command runs, so the
 * broker never loads benchmark code. Tables go to stdout, progress to stderr.
 */
import type { PerfOptions } from '../../bench/perf/harness.js';

export const PERF_USAGE = `Usage: spindle perf [options]

Measures a broker: produce and consume throughput, latency, memory and CPU for each row of a
matrix, next to this machine's limits (loopback TCP, disk append) and to the peers installed
(kcat driving Spindle; Redis Streams with redis-benchmark). Prints tables in the columns of
kafka-producer-perf-test and kafka-consumer-perf-test and writes <name>.json, .md and .svg.

Options:
  --preset quick|full              the matrix: quick (8 rows, about a minute) or full (26 rows,
                                   about 10 minutes); default quick
  --bootstrap-server HOST:PORT     load an outside broker instead of starting one per row
  --seconds N                      seconds of producing per row (quick 2, full 8); the consume
                                   phase gets at most as long
  --only ID[,ID...]                only the rows whose id contains one of these (base, rec100, p8,
                                   txn, ...)
  --soak SECONDS                   add the soak row: SECONDS of load with retention on and
                                   128 MiB segments, a consumer reading along, and a timeline per
                                   window (ack and end-to-end p99, RSS, deleted-but-open files,
                                   segment rolls); --only soak runs it alone
  --soak-rate MBPS|max             the soak row's open-loop rate in MB/s of 1 KiB records
                                   (default 20); max: the base row's closed loop, 256 MiB segments,
                                   as the soak row was before
  --soak-window SECONDS            the soak timeline's window (default 2)
  --profile                        CPU profile of the broker (node --cpu-prof) for every row; prints
                                   the functions with the most self time
  --wait-quiet SECONDS             before each row, wait up to SECONDS for other programs to
                                   leave the cores idle (for shared machines)
  --peer kafka                     also run every row against Apache Kafka (its 4.x jars through
                                   Maven, bench/kafka; a single-node KRaft broker per row on a
                                   free port), and report Spindle/Kafka ratios side by side
  --no-generators                  with --peer kafka, skip driving both brokers with
                                   kafka-producer-perf-test, kafka-consumer-perf-test and franz-go
  --warmup SECONDS                 before each row, SECONDS of its load to a topic of its own and
                                   a read of it, on every broker (default 0; 5 with --peer kafka)
  --no-peers                       skip kcat and Redis
  --no-limits                      skip the loopback, disk, CRC32C and startBroker measurements
  --connections N                  connections per producer thread (default 2)
  --inflight N                     requests in flight per connection (default 16)
  --fetch-max-bytes N              the consumer's fetch.max.bytes (default 52428800)
  --partition-fetch-max-bytes N    the consumer's max.partition.fetch.bytes (default 1048576)
  --read-committed                 every row's consumer reads read_committed (isolation level 1,
                                   as most clients do by default); the txn row's always does
  --override key=value             a broker configuration key for every row (repeatable)
  --out DIR                        where the results go (default bench/results)
  --name NAME                      base name of the results files (default <date>-<host>,
                                   with -quick or, for --only soak, -soak)
  --data-dir DIR                   parent of the brokers' data directories: the disk under test
                                   (default SPINDLE_BENCH_DIR or the OS temp directory)
  --broker-bin PATH                the spindle command the brokers run (default this checkout's
                                   bin/spindle.js): another build's, to measure before a fix
  -h, --help                       this help

Examples:
  spindle perf
  spindle perf --preset full
  spindle perf --preset full --peer kafka
  spindle perf --only base,p8 --profile
  spindle perf --bootstrap-server 127.0.0.1:9092 --no-limits
  spindle perf --only soak --soak 600 --no-peers --no-limits`;

function usageError(message: string): number {
  console.error(`spindle perf: ${message}\n\n${PERF_USAGE}`);
  return 2;
}

export async function runPerfCommand(argv: string[]): Promise<number> {
  const options: PerfOptions = { preset: 'quick' };
  const overrides: Record<string, string> = {};
  const number = (flag: string, v: string | undefined, min: number): number | string => {
    const n = Number(v);
    return v === undefined || !Number.isFinite(n) || n < min ? `${flag} needs a number of at least ${min}` : n;
  };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i]!;
    let value: string | undefined;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0 && a !== '--override') {
      value = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    const next = (): string | undefined => value ?? argv[++i];
    const num = (min: number): number | undefined => {
      const r = number(a, next(), min);
      if (typeof r === 'string') {
        usageError(r);
        return undefined;
      }
      return r;
    };
    switch (a) {
      case '-h':
      case '--help':
        console.log(PERF_USAGE);
        return 0;
      case '--preset': {
        const p = next();
        if (p !== 'quick' && p !== 'full') return usageError('--preset is quick or full');
        options.preset = p;
        break;
      }
      case '--bootstrap-server': {
        const b = next();
        if (!b || !/:\d+$/.test(b)) return usageError('--bootstrap-server needs host:port');
        options.bootstrapServer = b;
        break;
      }
      case '--seconds': {
        const n = num(0.05);
        if (n === undefined) return 2;
        options.secondsPerRow = n;
        break;
      }
      case '--only': {
        const o = next();
        if (!o) return usageError('--only needs row ids');
        options.only = [...(options.only ?? []), ...o.split(',').filter(Boolean)];
        break;
      }
      case '--soak': {
        const n = num(1);
        if (n === undefined) return 2;
        options.soakSeconds = n;
        break;
      }
      case '--soak-rate': {
        const v = value ?? argv[i + 1];
        if (v === 'max') {
          if (value === undefined) i++;
          options.soakRateMBps = 'max';
          break;
        }
        const n = num(0.001);
        if (n === undefined) return 2;
        options.soakRateMBps = n;
        break;
      }
      case '--soak-window': {
        const n = num(0.1);
        if (n === undefined) return 2;
        options.soakWindowSeconds = n;
        break;
      }
      case '--broker-bin': {
        const b = next();
        if (!b) return usageError('--broker-bin needs the path of a bin/spindle.js');
        options.brokerBin = b;
        break;
      }
      case '--wait-quiet': {
        const n = num(0);
        if (n === undefined) return 2;
        options.waitQuietSeconds = n;
        break;
      }
      case '--profile':
        options.profile = true;
        break;
      case '--peer': {
        const v = next();
        if (v !== 'kafka') return usageError('--peer takes kafka');
        options.peer = 'kafka';
        break;
      }
      case '--warmup': {
        const n = num(0);
        if (n === undefined) return 2;
        options.warmupSeconds = n;
        break;
      }
      case '--no-generators':
        options.generators = false;
        break;
      case '--no-peers':
        options.peers = false;
        break;
      case '--no-limits':
        options.limits = false;
        break;
      case '--read-committed':
        options.readCommitted = true;
        break;
      case '--connections': {
        const n = num(1);
        if (n === undefined) return 2;
        options.connections = Math.floor(n);
        break;
      }
      case '--inflight': {
        const n = num(1);
        if (n === undefined) return 2;
        options.inflight = Math.floor(n);
        break;
      }
      case '--fetch-max-bytes': {
        const n = num(1);
        if (n === undefined) return 2;
        options.fetchMaxBytes = Math.floor(n);
        break;
      }
      case '--partition-fetch-max-bytes': {
        const n = num(1);
        if (n === undefined) return 2;
        options.partitionFetchMaxBytes = Math.floor(n);
        break;
      }
      case '--override': {
        const kv = argv[++i];
        const at = kv?.indexOf('=') ?? -1;
        if (!kv || at <= 0) return usageError('--override needs key=value');
        overrides[kv.slice(0, at)] = kv.slice(at + 1);
        break;
      }
      case '--out': {
        const d = next();
        if (!d) return usageError('--out needs a directory');
        options.outDir = d;
        break;
      }
      case '--name': {
        const n = next();
        if (!n || /[/\\]/.test(n)) return usageError('--name needs a file name without directories');
        options.name = n;
        break;
      }
      case '--data-dir': {
        const d = next();
        if (!d) return usageError('--data-dir needs a directory');
        options.dataRoot = d;
        break;
      }
      default:
        return usageError(`unknown option '${argv[i]}'`);
    }
  }
  if (Object.keys(overrides).length) options.overrides = overrides;
  const { runPerf } = await import('../../bench/perf/harness.js');
  const report = await runPerf(options);
  return report.rows.some((r) => r.status === 'failed') ? 1 : 0;
}
