/**
 * Helpers for interop tests: brokers started in-process on 127.0.0.1, kcat run as a child
 * process, and a small raw protocol client for requests no outside client sends.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { decodeResponse, encodeRequest } from '../../src/protocol/frame.js';
import type { ApiSpec } from '../../src/protocol/schema.js';

export const require = createRequire(import.meta.url);

export const hasKcat = spawnSync('which', ['kcat']).status === 0;

export function dataDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'spindle-interop-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A broker on a free port with its data in `dir`; `workers` partition workers (0 = inline). */
export function broker(dir: string, workers: number, config: Record<string, unknown> = {}): Promise<RunningBroker> {
  return startBroker({ port: 0, config: { 'log.dirs': dir, 'num.io.threads': workers, ...config } });
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs kcat against the broker, feeding `input`; killed after `timeoutMs`. */
export function kcat(bootstrap: string, args: string[], input = '', timeoutMs = 30_000): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn('kcat', ['-b', bootstrap, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    p.stdin.end(input);
  });
}

/** One connection speaking the protocol with the project's own codec, one request at a time. */
export class RawClient {
  private readonly socket: Socket;
  private pending = Buffer.alloc(0);
  private waiting: ((frame: Buffer) => void) | undefined;
  private correlationId = 1;
  closed: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      while (this.pending.length >= 4 && this.pending.length >= 4 + this.pending.readInt32BE(0)) {
        const size = this.pending.readInt32BE(0);
        const frame = this.pending.subarray(4, 4 + size);
        this.pending = this.pending.subarray(4 + size);
        const w = this.waiting;
        this.waiting = undefined;
        w?.(frame);
      }
    });
  }

  static connect(bootstrap: string): Promise<RawClient> {
    const [host, port] = bootstrap.split(':') as [string, string];
    return new Promise((resolve, reject) => {
      const s = connect(Number(port), host, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  nextFrame(timeoutMs = 10_000): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no response')), timeoutMs);
      this.waiting = (f) => {
        clearTimeout(timer);
        resolve(f);
      };
    });
  }

  async request<A extends ApiSpec>(api: A, version: number, body: Record<string, unknown>): Promise<Record<string, any>> {
    const id = this.correlationId++;
    this.write(encodeRequest(api, version, id, 'raw-test', body));
    const frame = await this.nextFrame();
    const { correlationId, body: response } = decodeResponse(api, version, frame);
    if (correlationId !== id) throw new Error(`correlation id ${correlationId}, expected ${id}`);
    return response;
  }

  close(): void {
    this.socket.destroy();
  }
}
