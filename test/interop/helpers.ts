/**
 * Helpers for interop tests: brokers started in-process on 127.0.0.1 and kcat run as a child
 * process. The raw protocol client, for requests no outside client sends, is test/helpers/raw-client.ts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';

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
