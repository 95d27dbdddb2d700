/**
 * Helpers for the command-line suites: the spindle command run as a child process (stopped by
 * its own PID when it overstays), and a broker started in-process on 127.0.0.1 with its data
 * in a temporary directory.
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
