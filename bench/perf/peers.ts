/**
 * Peers in the same run, each when installed (skipped, and said so, when not):
 *
 *   kcat    librdkafka, an outside client, drives Spindle with the same records: `kcat -P -l`
 *           sends a file of newline-separated values to partition 0 (librdkafka's defaults:
 *           linger.ms 5, batches up to 1 MB, acks=1 set here), then `kcat -C -e` reads them back
 *           to the end. Each figure is the record count over the process's wall time, start-up
 *           included (milliseconds against seconds of work).
 *   redis   Redis Streams, the single-machine alternative people reach for: `redis-server` with
 *           appendonly yes and appendfsync everysec on 127.0.0.1 and a free port, in a
 *           temporary directory, loaded by `redis-benchmark -P 64` with XADD of one field whose
 *           value has the record size. Started and stopped by its own PID.
 *
 * Every child runs under a time limit and is killed by its PID when it overruns.
 * Main thread of the harness.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { once } from 'node:events';
import { readCpuSeconds, readMemory } from './broker-process.js';
import { recordValues } from './wire.js';

export interface PeerFigure {
  records: number;
  recordBytes: number;
  seconds: number;
  recordsPerSec: number;
  bytesPerSec: number;
}

export interface KcatFigures {
  recordBytes: number;
  produce: PeerFigure;
  consume: PeerFigure | null;
  /** The broker's peak RSS and CPU seconds while kcat drove it. */
  brokerPeakRssBytes: number;
  brokerCpuSeconds: number;
}

export interface RedisFigures {
  recordBytes: number;
  xadd: PeerFigure & { p50Ms: number; p99Ms: number };
  serverPeakRssBytes: number;
  serverCpuSeconds: number;
}

export function installed(command: string, versionArgs: string[]): boolean {
  const r = spawnSync(command, versionArgs, { stdio: 'ignore', timeout: 5000 });
  return r.error === undefined && r.status !== null;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

interface Ran {
  code: number | null;
  seconds: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs a child to completion within `timeoutMs`, killing it by its PID past that. */
export function run(command: string, args: string[], timeoutMs: number, keepStdout = true): Promise<Ran> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout!.on('data', (d: Buffer) => {
      if (keepStdout && stdout.length < 1 << 22) stdout += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < 1 << 16) stderr += d.toString();
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, seconds: (performance.now() - started) / 1000, stdout, stderr, timedOut });
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      resolve({ code: -1, seconds: 0, stdout, stderr: String(e), timedOut });
    });
  });
}

/** Counts the lines a child prints (without keeping them), within `timeoutMs`. */
function runCountingLines(command: string, args: string[], timeoutMs: number): Promise<Ran & { lines: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let lines = 0;
    let stderr = '';
    let timedOut = false;
    child.stdout!.on('data', (d: Buffer) => {
      for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) lines++;
    });
    child.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < 1 << 16) stderr += d.toString();
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, seconds: (performance.now() - started) / 1000, stdout: '', stderr, timedOut, lines });
    });
  });
}

const figure = (records: number, recordBytes: number, seconds: number): PeerFigure => ({
  records,
  recordBytes,
  seconds,
  recordsPerSec: records / seconds,
  bytesPerSec: (records * recordBytes) / seconds,
});

/** Writes `count` newline-separated values of `recordBytes` each (no value holds a newline). */
async function writeRecordFile(path: string, count: number, recordBytes: number): Promise<void> {
  const lines = Buffer.concat(recordValues(256, recordBytes).flatMap((v) => [v, Buffer.from('\n')]));
  const out = createWriteStream(path);
  for (let written = 0; written < count; written += 256) {
    const n = Math.min(256, count - written);
    const chunk = n === 256 ? lines : lines.subarray(0, n * (recordBytes + 1));
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/**
 * kcat produces `count` records of `recordBytes` to partition 0 of `topic`, then consumes them.
 * `broker` gives the PID whose resources are read (absent for an outside broker).
 */
export async function kcatWorkload(bootstrap: string, topic: string, count: number, recordBytes: number, scratchDir: string, timeoutMs: number, brokerPid?: number): Promise<KcatFigures> {
  const dir = mkdtempSync(join(scratchDir, 'spindle-perf-kcat-'));
  try {
    const file = join(dir, 'records.txt');
    await writeRecordFile(file, count, recordBytes);
    const cpu0 = brokerPid ? readCpuSeconds(brokerPid) : NaN;
    const p = await run('kcat', ['-P', '-b', bootstrap, '-t', topic, '-p', '0', '-l', '-q', '-X', 'acks=1', file], timeoutMs, false);
    if (p.code !== 0) throw new Error(`kcat -P exited with ${p.timedOut ? 'a time-out' : p.code}: ${p.stderr.slice(0, 500)}`);
    const c = await runCountingLines('kcat', ['-C', '-b', bootstrap, '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%o\\n'], timeoutMs);
    const consumed = c.code === 0 ? figure(c.lines, recordBytes, c.seconds) : null;
    const mem = brokerPid ? readMemory(brokerPid) : { peakRssBytes: NaN };
    return {
      recordBytes,
      produce: figure(count, recordBytes, p.seconds),
      consume: consumed,
      brokerPeakRssBytes: mem.peakRssBytes,
      brokerCpuSeconds: brokerPid ? readCpuSeconds(brokerPid) - cpu0 : NaN,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function waitForRedis(port: number, deadlineMs: number): Promise<void> {
  const until = performance.now() + deadlineMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => s.write('PING\r\n'));
      s.once('data', (d: Buffer) => {
        s.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (performance.now() > until) throw new Error('redis-server did not answer PING');
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface RedisServer {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export async function startRedis(scratchDir: string): Promise<RedisServer> {
  const dir = mkdtempSync(join(scratchDir, 'spindle-perf-redis-'));
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--dir', dir, '--daemonize', 'no', '--logfile', join(dir, 'redis.log'), '--protected-mode', 'yes'],
    { stdio: 'ignore' },
  );
  const exited = once(child, 'exit');
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(kill);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForRedis(port, 10_000);
  } catch (e) {
    await stop();
    throw e;
  }
  return { port, pid: child.pid!, stop };
}

/** redis-benchmark XADD with a value of `recordBytes`, `count` requests, pipelined 64 deep. */
export async function redisXadd(server: RedisServer, count: number, recordBytes: number, timeoutMs: number): Promise<RedisFigures> {
  const value = recordValues(1, recordBytes)[0]!.toString('latin1').replace(/[\s"']/g, '_');
  const cpu0 = readCpuSeconds(server.pid);
  const r = await run('redis-benchmark', ['-h', '127.0.0.1', '-p', String(server.port), '-n', String(count), '-P', '64', '--csv', 'XADD', `perf-${recordBytes}`, '*', 'v', value], timeoutMs);
  if (r.code !== 0) throw new Error(`redis-benchmark exited with ${r.timedOut ? 'a time-out' : r.code}: ${r.stderr.slice(0, 500)}`);
  // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
  const line = r.stdout.trim().split('\n').find((l) => l.startsWith('"XADD'));
  if (!line) throw new Error(`redis-benchmark printed no XADD line: ${r.stdout.slice(0, 300)}`);
  const cells = line.split('","').map((c) => c.replace(/"/g, ''));
  const rps = Number(cells[1]);
  return {
    recordBytes,
    xadd: { records: count, recordBytes, seconds: count / rps, recordsPerSec: rps, bytesPerSec: rps * recordBytes, p50Ms: Number(cells[4]), p99Ms: Number(cells[6]) },
    serverPeakRssBytes: readMemory(server.pid).peakRssBytes,
    serverCpuSeconds: readCpuSeconds(server.pid) - cpu0,
  };
}
