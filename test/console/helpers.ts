/**
 * Helpers for the console suites: a broker started in-process with a console listener on a
 * free port, JSON calls to its API, a small parser of the Prometheus text format, and headless
 * Chromium (Debian's package at /usr/bin/chromium, driven by playwright-core, never a
 * downloaded browser) with a fresh profile in a temporary directory.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

/** A broker on 127.0.0.1 with its console on a free port and its data in a temporary directory. */
export function consoleBroker(config: Record<string, unknown> = {}): Promise<RunningBroker> {
  return startBroker({ port: 0, config: { 'console.listener': 'http://127.0.0.1:0', ...config } });
}

export interface Answer<T = any> {
  status: number;
  body: T;
  contentType: string | null;
}

/** Calls the console's API: `call(b, 'POST', '/api/topics', {...})`. */
export async function call<T = any>(b: RunningBroker, method: string, path: string, body?: unknown): Promise<Answer<T>> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.headers = { 'content-type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  const res = await fetch(`${b.consoleUrl}${path}`, init);
  const text = await res.text();
  let parsed: unknown = text;
  if (res.headers.get('content-type')?.startsWith('application/json')) parsed = JSON.parse(text);
  return { status: res.status, body: parsed as T, contentType: res.headers.get('content-type') };
}

export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedMetrics {
  samples: MetricSample[];
  /** Family name → TYPE. */
  types: Map<string, string>;
  help: Map<string, string>;
}

/** Parses Prometheus' text exposition format (0.0.4), strictly enough to catch malformed lines. */
export function parseMetrics(text: string): ParsedMetrics {
  const samples: MetricSample[] = [];
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (m) {
      (m[1] === 'HELP' ? help : types).set(m[2]!, m[3]!);
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/.exec(line);
    if (!m) throw new Error(`not a metrics line: ${line}`);
    const labels: Record<string, string> = {};
    if (m[2]) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g;
      let rest = m[2];
      let l: RegExpExecArray | null;
      let consumed = 0;
      while ((l = re.exec(rest)) !== null) {
        labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
        consumed = re.lastIndex;
      }
      if (consumed !== rest.length) throw new Error(`bad labels in: ${line}`);
      rest = '';
    }
    const raw = m[3]!;
    samples.push({ name: m[1]!, labels, value: raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw) });
  }
  return { samples, types, help };
}

/** The value of the one sample with this name whose labels include `labels`; undefined when none. */
export function metric(parsed: ParsedMetrics, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = parsed.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

export async function scrape(b: RunningBroker): Promise<ParsedMetrics> {
  const res = await fetch(`${b.consoleUrl}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return parseMetrics(await res.text());
}

/** Waits until `check` holds (polled every 100 ms) or throws after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Headless Chromium with a fresh profile; close() also removes the profile. */
export async function launchChromium(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'spindle-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    // The profile directory is the --user-data-dir (playwright passes it; it refuses the flag in args).
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
