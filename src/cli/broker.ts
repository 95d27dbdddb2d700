/**
 * `spindle broker`: the stand-alone broker (what `npm start` runs).
 *
 *   spindle broker [--config server.properties] [--override key=value ...]
 *
 * Configuration precedence: --override flags, then SPINDLE_<KEY> environment variables, then
 * the apache/kafka image's KAFKA_<KEY> names, then the properties file, then the defaults
 * (src/broker/config/load.ts). SIGINT and SIGTERM stop it cleanly: no new
 * connections, requests in flight answered, every log flushed and marked clean, exit 0.
 */
import { ConfigError } from '../broker/config/errors.js';
import { LogDirLockedError } from '../broker/log-dir-lock.js';
import { startBroker } from '../broker/server.js';
import { spindleVersion } from './args.js';

export const BROKER_USAGE = `Usage: spindle broker [--config FILE] [--override key=value ...]

Runs a Kafka-compatible broker. Defaults: PLAINTEXT://127.0.0.1:9092, data under ./data.

Options:
  --config FILE          a Kafka server.properties file
  --override key=value   set one configuration key (repeatable); beats the environment and the file
  --version              print Spindle's version
  -h, --help             this help

Every key can also be set in the environment as SPINDLE_ + the key in upper case with dots
as underscores, e.g. SPINDLE_LOG_SEGMENT_BYTES=1048576 or SPINDLE_LISTENERS=PLAINTEXT://127.0.0.1:19092,
or by the apache/kafka image's names: KAFKA_ + the key in upper case with '.' as '_', '_' as '__'
and '-' as '___', e.g. KAFKA_LOG_DIRS=/srv/spindle. Precedence: --override, SPINDLE_, KAFKA_, the
file, the defaults. KAFKA_HEAP_OPTS, KAFKA_OPTS, KAFKA_JMX_* and KAFKA_LOG4J_* are ignored.

Examples:
  spindle broker
  spindle broker --config config/server.properties
  spindle broker --override num.partitions=3 --override log.dirs=/srv/spindle`;

export async function runBroker(argv: string[]): Promise<number> {
  let file: string | undefined;
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-h' || a === '--help') {
      console.log(BROKER_USAGE);
      return 0;
    } else if (a === '--version') {
      console.log(spindleVersion());
      return 0;
    } else if (a === '--config') {
      file = argv[++i];
      if (!file) return usageError('--config needs a file');
    } else if (a.startsWith('--config=')) {
      file = a.slice('--config='.length);
    } else if (a === '--override') {
      const kv = argv[++i];
      const eq = kv?.indexOf('=') ?? -1;
      if (!kv || eq <= 0) return usageError('--override needs key=value');
      flags[kv.slice(0, eq)] = kv.slice(eq + 1);
    } else if (!a.startsWith('-') && file === undefined && a.endsWith('.properties')) {
      file = a;
    } else {
      return usageError(`unknown option '${a}'`);
    }
  }
  let broker;
  try {
    broker = await startBroker({ file, env: process.env, flags, log: true, temporaryDataDir: false });
  } catch (e) {
    // startBroker has stopped whatever it had started, so nothing keeps the process alive.
    const line = startupFailure(e);
    if (line === undefined) throw e;
    console.error(`spindle broker: ${line}`);
    return 1;
  }
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`${signal}: shutting down\n`);
      // The parent's pipe must not keep this process alive once the broker has stopped.
      if (process.env.SPINDLE_EXIT_WITH_PARENT === '1') process.stdin.destroy();
      broker.close().then(
        () => {
          process.stderr.write('stopped cleanly\n');
          resolve(0);
        },
        (e) => {
          process.stderr.write(`shutdown failed: ${(e as Error).stack ?? e}\n`);
          resolve(1);
        },
      );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    // Started by `spindle cluster up`: a parent that dies (even by SIGKILL) closes this pipe.
    if (process.env.SPINDLE_EXIT_WITH_PARENT === '1') {
      process.stdin.on('end', () => stop('parent gone'));
      process.stdin.on('error', () => stop('parent gone'));
      process.stdin.resume();
    }
  });
}

/**
 * The one line for a start-up failure an operator can fix: a bad setting, a data directory in
 * use, an address that cannot be bound, a data directory that cannot be written. Undefined for
 * anything else, a bug, which is rethrown to crash with its stack.
 */
export function startupFailure(e: unknown): string | undefined {
  if (e instanceof ConfigError || e instanceof LogDirLockedError) return e.message;
  const err = e as NodeJS.ErrnoException & { address?: string; port?: number };
  if (err?.syscall === 'listen') {
    const where = `${err.address}:${err.port}`;
    switch (err.code) {
      case 'EADDRINUSE':
        return `cannot listen on ${where}: the address is already in use; is another broker running?`;
      case 'EACCES':
        return `cannot listen on ${where}: permission denied (ports below 1024 need privileges)`;
      case 'EADDRNOTAVAIL':
        return `cannot listen on ${where}: the address is not one of this machine's`;
      default:
        return `cannot listen on ${where}: ${err.message}`;
    }
  }
  // EACCES, EROFS, ENOSPC, ENOTDIR… on a data directory: Node's message names the path.
  if (typeof err?.code === 'string' && typeof err.path === 'string') return `cannot start: ${err.message}`;
  return undefined;
}

function usageError(message: string): number {
  console.error(`spindle broker: ${message}\n\n${BROKER_USAGE}`);
  return 2;
}
