/**
 * The machine's limits, measured in the same run as the broker so that every broker figure can
 * be given as a fraction of what the machine allows:
 *
 *   loopback      one TCP connection on 127.0.0.1, 64 KiB writes from this process into a
 *                 discarding server in another process, counted by the receiver: what one
 *                 connection can carry at all, whatever the broker does
 *   disk append   64 KiB sequential writes with writeSync into one file on the data disk (the
 *                 page cache, as the broker writes without a flush policy); the same with an
 *                 fdatasync after every write (no group commit); and with an fdatasync after
 *                 every 1 MiB (what group commit can approach)
 *   crc32c        the CRC of 64 KiB buffers with the broker's own implementation
 *   startBroker   startBroker() to a first accepted connection, in a child process
 *                 (startup-probe.ts), median of a few starts after a first one (which pays for
 *                 loading modules)
 *
 * Each is bounded by a duration and (for the disk) a byte cap. Main thread of the harness.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { crc32c } from '../../src/protocol/records/crc32c.js';
import { jsonRecords } from '../micro/data.js';

const discardServer = new URL('./discard-server.js', import.meta.url).pathname;
const startupProbe = new URL('./startup-probe.js', import.meta.url).pathname;
const WRITE_BYTES = 64 * 1024;

export interface RateFigure {
  bytes: number;
  seconds: number;
  bytesPerSec: number;
}

export interface DiskFigures {
  append: RateFigure;
  fdatasyncEachWrite: RateFigure & { fsyncsPerSec: number };
  fdatasyncEveryMiB: RateFigure;
}

export interface StartupFigure {
  firstMs: number;
  medianMs: number;
  maxMs: number;
  runs: number;
}

export interface Limits {
  loopback: RateFigure;
  disk: DiskFigures;
  crc32c: RateFigure;
  startBroker: StartupFigure;
}

const rate = (bytes: number, seconds: number): RateFigure => ({ bytes, seconds, bytesPerSec: bytes / seconds });

/** One connection, 64 KiB writes for `seconds`, into a discarding server process. */
export async function measureLoopback(seconds: number): Promise<RateFigure> {
  const child = spawn(process.execPath, [discardServer], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, SPINDLE_DISCARD_MAX_MS: String(Math.ceil(seconds * 1000) + 60_000) } });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(Number(out.trim()));
      });
      child.once('exit', (code) => reject(new Error(`discard server exited with ${code}`)));
    });
    const socket = await new Promise<ReturnType<typeof connect>>((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(s));
      s.once('error', reject);
    });
    socket.setNoDelay(true);
    const buf = Buffer.alloc(WRITE_BYTES, 0x61);
    let reply = '';
    const replied = new Promise<void>((resolve) => {
      socket.on('data', (d: Buffer) => {
        reply += d.toString();
      });
      socket.on('close', () => resolve());
    });
    const start = performance.now();
    const deadline = start + seconds * 1000;
    await new Promise<void>((resolve) => {
      const pump = (): void => {
        while (performance.now() < deadline) {
          if (!socket.write(buf)) {
            socket.once('drain', pump);
            return;
          }
        }
        socket.end();
        resolve();
      };
      pump();
    });
    await replied;
    const elapsed = (performance.now() - start) / 1000;
    return rate(Number(reply), elapsed);
  } finally {
    child.stdin!.end();
    child.kill('SIGTERM');
  }
}

/** Appends 64 KiB writes for `seconds` or `capBytes`, with an fdatasync every `syncEvery` writes (0: never). */
function appendFor(dir: string, seconds: number, capBytes: number, syncEvery: number): RateFigure & { fsyncs: number } {
  const path = join(dir, `append-${syncEvery}.bin`);
  // Real payload bytes, so a filesystem that compresses or dedups sees what the broker writes.
  const buf = Buffer.concat(jsonRecords(64, 1024, 3));
  const fd = openSync(path, 'w');
  let bytes = 0;
  let writes = 0;
  let fsyncs = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  try {
    while (bytes < capBytes && performance.now() < deadline) {
      writeSync(fd, buf, 0, WRITE_BYTES, bytes);
      bytes += WRITE_BYTES;
      writes++;
      if (syncEvery > 0 && writes % syncEvery === 0) {
        fdatasyncSync(fd);
        fsyncs++;
      }
    }
  } finally {
    closeSync(fd);
  }
  const elapsed = (performance.now() - start) / 1000;
  rmSync(path, { force: true });
  return { ...rate(bytes, elapsed), fsyncs };
}

export function measureDisk(dataRoot: string, seconds: number, capBytes: number): DiskFigures {
  const dir = mkdtempSync(join(dataRoot, 'spindle-perf-disk-'));
  try {
    const append = appendFor(dir, seconds, capBytes, 0);
    const each = appendFor(dir, seconds, capBytes, 1);
    const mib = appendFor(dir, seconds, capBytes, (1 << 20) / WRITE_BYTES);
    return {
      append: rate(append.bytes, append.seconds),
      fdatasyncEachWrite: { ...rate(each.bytes, each.seconds), fsyncsPerSec: each.fsyncs / each.seconds },
      fdatasyncEveryMiB: rate(mib.bytes, mib.seconds),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function measureCrc32c(seconds: number): RateFigure {
  const buf = Buffer.concat(jsonRecords(64, 1024, 5));
  let bytes = 0;
  let sink = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  while (performance.now() < deadline) {
    for (let i = 0; i < 16; i++) sink ^= crc32c(buf);
    bytes += 16 * buf.length;
  }
  if (sink === 0.5) console.log(sink); // keeps the loop from being optimised away
  return rate(bytes, (performance.now() - start) / 1000);
}

export async function measureStartBroker(runs: number): Promise<StartupFigure> {
  const r = spawnSync(process.execPath, [startupProbe, String(runs)], { encoding: 'utf8', timeout: 60_000 });
  const times = JSON.parse(r.stdout.trim().split('\n').pop() || '[]') as number[];
  if (times.length === 0) throw new Error(`startup probe failed: ${r.stderr.slice(0, 500)}`);
  const rest = times.slice(1).sort((a, b) => a - b);
  return { firstMs: times[0]!, medianMs: rest[Math.floor(rest.length / 2)] ?? times[0]!, maxMs: rest[rest.length - 1] ?? times[0]!, runs: rest.length };
}
