/**
 * The broker under test as a process of its own, and what it costs: `spindle broker` started
 * in a fresh data directory on 127.0.0.1 and a free port, its memory and CPU read from /proc
 * while it runs, and stopped by its own PID (SIGTERM, then SIGKILL after a grace period).
 *
 *   /proc/<pid>/status   VmRSS (resident now) and VmHWM (peak resident since start), in kB
 *   /proc/<pid>/stat     utime and stime (fields 14 and 15), in clock ticks of 1/100 s: every
 *                        thread of the process, so partition workers are counted too
 *
 * A process per matrix row keeps each row's peak RSS its own (VmHWM never goes down) and
 * stops one row's page cache or heap from flattering the next. With `profileDir` the broker
 * runs under `--cpu-prof` and writes one .cpuprofile per thread there when it exits.
 *
 * Without /proc (not Linux) the resource figures are NaN and everything else works.
 *
 * Main thread of the harness.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type RowSecurity, SETUP_LISTENER } from './security.js';

/** This checkout's command; `bin` in the options runs another build's (an older commit's, to measure before a fix). */
export const SPINDLE_BIN = new URL('../../../bin/spindle.js', import.meta.url).pathname;
/** The end of the broker's stderr kept for a report (why it exited), in characters. */
const STDERR_TAIL_CHARS = 4096;
/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on every Linux architecture Node runs on). */
const CLOCK_TICKS_PER_SEC = 100;
/** How long a stopping broker gets to flush and close before SIGKILL. */
const STOP_GRACE_MS = 20_000;
/** How long a starting broker gets to listen. */
const START_TIMEOUT_MS = 20_000;

export interface ProcSample {
  rssBytes: number;
  peakRssBytes: number;
}

export function readMemory(pid: number): ProcSample {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rssBytes: kb('VmRSS'), peakRssBytes: kb('VmHWM') };
  } catch {
    return { rssBytes: NaN, peakRssBytes: NaN };
  }
}

/** User plus system CPU seconds the process has used, all threads. */
export function readCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; fields after it start at state (field 3).
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / CLOCK_TICKS_PER_SEC;
  } catch {
    return NaN;
  }
}

/**
 * CPU seconds the whole machine has spent busy (every core: user, nice, system, irq, softirq,
 * steal from the first line of /proc/stat), to tell how much else ran during a measurement.
 */
export function readMachineBusySeconds(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    return (user! + nice! + system! + irq! + softirq! + (steal ?? 0)) / CLOCK_TICKS_PER_SEC;
  } catch {
    return NaN;
  }
}

export interface BrokerProcess {
  /** The row's listener: plaintext, or the secured listener of a secured row. */
  bootstrap: string;
  /** A secured row's plaintext SETUP listener (security.ts), for what the harness sets up; else `bootstrap`. */
  setupBootstrap: string;
  pid: number;
  dataDir: string;
  /** Milliseconds from spawn to the "listening" line: process start, module loading, startBroker. */
  spawnToListenMs: number;
  /** RSS samples taken every `sampleMs` since start: [ms since start, bytes]. */
  rssTimeline: [number, number][];
  memory(): ProcSample;
  cpuSeconds(): number;
  /** Stops the broker; resolves with its last memory reading (taken just before the signal). */
  stop(): Promise<ProcSample>;
  /** Null while it runs; how it ended once it has (by itself, or killed). */
  exitStatus(): { code: number | null; signal: string | null } | null;
  /** The last few KiB the broker wrote to stderr. */
  stderrTail(): string;
}

export interface BrokerProcessOptions {
  /** Where the temporary data directory goes (the disk under test). */
  dataRoot: string;
  /** Broker configuration keys, passed as --override key=value. */
  config: Record<string, string | number>;
  /** Write CPU profiles of every broker thread into this directory. */
  profileDir?: string;
  sampleMs?: number;
  /** The `spindle` command to run (default SPINDLE_BIN, this checkout's). */
  bin?: string;
  /** A secured row: its listener first, then the plaintext SETUP listener (the security keys come in `config`). */
  security?: RowSecurity;
}

export function startBrokerProcess(options: BrokerProcessOptions): Promise<BrokerProcess> {
  const dataDir = mkdtempSync(join(options.dataRoot, 'spindle-perf-'));
  const nodeArgs: string[] = [];
  if (options.profileDir) {
    mkdirSync(options.profileDir, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${options.profileDir}`);
  }
  const listeners = options.security ? `${options.security}://127.0.0.1:0,${SETUP_LISTENER}://127.0.0.1:0` : 'PLAINTEXT://127.0.0.1:0';
  const overrides = Object.entries({ listeners, 'log.dirs': dataDir, 'console.listener': 'none', ...options.config }).flatMap(([k, v]) => ['--override', `${k}=${v}`]);
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, options.bin ?? SPINDLE_BIN, 'broker', ...overrides], { stdio: ['ignore', 'ignore', 'pipe'] });
  const pid = child.pid!;
  const rssTimeline: [number, number][] = [];
  const sampleMs = options.sampleMs ?? 100;
  const sampler = setInterval(() => {
    const m = readMemory(pid);
    if (Number.isFinite(m.rssBytes)) rssTimeline.push([Math.round(performance.now() - started), m.rssBytes]);
  }, sampleMs);
  let exited = false;
  let status: { code: number | null; signal: string | null } | null = null;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = true;
      status = { code, signal };
      clearInterval(sampler);
      resolve();
    }),
  );
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`broker did not listen within ${START_TIMEOUT_MS} ms: ${err}`));
    }, START_TIMEOUT_MS);
    const onData = (d: Buffer): void => {
      err += d.toString();
      if (err.length > 65536) err = err.slice(-32768);
      const m = /listening on ([\d.]+):(\d+)/.exec(err);
      if (!m) return;
      // The listeners after the first are logged before the "listening" line.
      const setup = options.security ? new RegExp(`Listener ${SETUP_LISTENER} \\(PLAINTEXT\\) on ([\\d.]+):(\\d+)`).exec(err) : m;
      if (!setup) {
        child.kill('SIGKILL');
        reject(new Error(`broker did not log its ${SETUP_LISTENER} listener: ${err}`));
        return;
      }
      child.stderr!.off('data', onData);
      // Keep draining stderr so that a chatty broker never blocks on a full pipe, keeping its end.
      let tail = err.slice(-STDERR_TAIL_CHARS);
      child.stderr!.on('data', (d: Buffer) => {
        tail = (tail + d.toString()).slice(-STDERR_TAIL_CHARS);
      });
      const stderrTail = (): string => tail;
      clearTimeout(timer);
      resolve({
        bootstrap: `${m[1]}:${m[2]}`,
        setupBootstrap: `${setup[1]}:${setup[2]}`,
        pid,
        dataDir,
        spawnToListenMs: performance.now() - started,
        rssTimeline,
        memory: () => readMemory(pid),
        cpuSeconds: () => readCpuSeconds(pid),
        exitStatus: () => status,
        stderrTail,
        stop: async () => {
          const last = readMemory(pid);
          if (!exited) {
            child.kill('SIGTERM');
            const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
            await exit;
            clearTimeout(kill);
          }
          rmSync(dataDir, { recursive: true, force: true });
          return last;
        },
      });
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      rmSync(dataDir, { recursive: true, force: true });
      reject(new Error(`broker exited with ${code} before listening: ${err}`));
    });
  });
}
