/**
 * Helpers for the command-line suites: the spindle command run as a child process (stopped by
 * its own PID when it overstays), a broker started in-process on 127.0.0.1 with its data in a
 * temporary directory, and `spindle broker` itself as a child process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type RunningBroker } from '../../src/broker/server.js';
import { broker, dataDir } from '../interop/helpers.js';

export const bin = new URL('../../../bin/spindle.js', import.meta.url).pathname;

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string | Buffer;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** Starts `spindle ARGS…`; the caller owns the child (see `spindle` for run-to-completion). */
export function start(args: string[], options: RunOptions = {}): { child: ChildProcess; done: Promise<Run>; stdout: () => string; stderr: () => string } {
  // SPINDLE_BOOTSTRAP_SERVER from the environment running the tests must not leak in.
  const env: Record<string, string> = { ...(process.env as Record<string, string>), FORCE_COLOR: '0' };
  delete env.SPINDLE_BOOTSTRAP_SERVER;
  Object.assign(env, options.env ?? {});
  const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  // Bytes are gathered and decoded whole: a character split between two chunks stays intact.
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = (): string => Buffer.concat(out).toString();
  const stderr = (): string => Buffer.concat(err).toString();
  child.stdout!.on('data', (d: Buffer) => out.push(d));
  child.stderr!.on('data', (d: Buffer) => err.push(d));
  child.stdin!.on('error', () => {});
  const timer = setTimeout(() => {
    if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  }, options.timeoutMs ?? 30_000);
  const done = new Promise<Run>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: stdout(), stderr: stderr() });
    });
  });
  if (options.input !== undefined) child.stdin!.end(options.input);
  return { child, done, stdout, stderr };
}

/** Runs `spindle ARGS…` to its end. */
export function spindle(args: string[], options: RunOptions = {}): Promise<Run> {
  const s = start(args, { input: '', ...options });
  return s.done;
}

/** Resolves once `check` holds for the child's output so far (polled), or rejects after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface TestBroker {
  broker: RunningBroker;
  bootstrap: string;
  /** `--bootstrap-server HOST:PORT` for argument lists. */
  flag: string[];
  stop: () => Promise<void>;
}

/** A broker on a free port of 127.0.0.1 (logs inline, no workers), removed with its data by stop(). */
export async function testBroker(config: Record<string, unknown> = {}): Promise<TestBroker> {
  const data = dataDir();
  const b = await broker(data.dir, 0, config);
  return {
    broker: b,
    bootstrap: b.bootstrap,
    flag: ['--bootstrap-server', b.bootstrap],
    stop: async () => {
      await b.close();
      data.remove();
    },
  };
}

/** Lines of output without the empty ones. */
export function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.length > 0);
}

/** Wraps a before-hook so that its failure is printed: uvu reports a failed hook as 0 passed and nothing else. */
export function loud(hook: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await hook();
    } catch (e) {
      console.error('before hook failed:', e);
      throw e;
    }
  };
}

export interface BrokerProcess {
  child: ChildProcess;
  /** Resolves with the port once the broker listens; rejects if it exits first. */
  port: Promise<number>;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  stderr: () => string;
}

/**
 * `spindle broker` as a child process with `env` over the test's environment (SPINDLE_ names by
 * default: console off, logs inline, no rebalance delay), killed by its PID after 120 s.
 */
export function brokerProcess(env: Record<string, string>, args: string[] = []): BrokerProcess {
  const child = spawn(process.execPath, [bin, 'broker', ...args], {
    env: {
      ...(process.env as Record<string, string>),
      SPINDLE_CONSOLE_LISTENER: 'none',
      SPINDLE_NUM_IO_THREADS: '0',
      SPINDLE_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      SPINDLE_OFFSETS_TOPIC_NUM_PARTITIONS: '1',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const timer = setTimeout(() => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
  }, 120_000);
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    }),
  );
  let err = '';
  const port = new Promise<number>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /Spindle listening on [\d.]+:(\d+)/.exec(err);
      if (m) resolve(Number(m[1]));
    });
    void exited.then((code) => reject(new Error(`broker exited (${code}) before listening: ${err}`)));
  });
  port.catch(() => {});
  return { child, port, exited, stderr: () => err };
}

/** Kills a child by its PID if it still runs, and waits for it. */
export async function stopChild(p: { child: ChildProcess; exited: Promise<unknown> }): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null && p.child.pid !== undefined) process.kill(p.child.pid, 'SIGKILL');
  await p.exited;
}
