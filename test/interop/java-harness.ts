/**
 * Running Interop.java (test/interop/java) against kafka-clients of each version in VERSIONS:
 * compiled once per version into a temporary directory, each scenario a child JVM. Shared by
 * the Java suites; the skip reason says what is missing when Java or the jars are absent.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';

export const here = new URL('../../../test/interop/java/', import.meta.url).pathname;
export const versions = readFileSync(join(here, 'VERSIONS'), 'utf8').split('\n').filter((v) => v.trim() !== '');
/** A scenario that takes longer has hung: the run is killed and fails. */
const SCENARIO_TIMEOUT_MS = 120_000;

const hasJava = spawnSync('javac', ['-version']).status === 0 && spawnSync('java', ['-version']).status === 0;
const missing = versions.filter((v) => !existsSync(join(here, `lib-${v}`, '.complete')));
export const skipReason = !hasJava ? 'Java 17+ (java, javac) is not installed' : missing.length ? `kafka-clients ${missing.join(', ')} not copied: run test/interop/java/setup.sh` : '';

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const classes = skipReason ? '' : mkdtempSync(join(tmpdir(), 'spindle-java-'));
process.on('exit', () => classes && rmSync(classes, { recursive: true, force: true }));

function compiled(version: string): string {
  const out = join(classes, version);
  if (!existsSync(join(out, 'Interop.class'))) {
    const r = spawnSync('javac', ['-nowarn', '-d', out, '-cp', `${join(here, `lib-${version}`)}/*`, join(here, 'Interop.java')], { encoding: 'utf8' });
    assert.is(r.status, 0, `javac against kafka-clients ${version}: ${r.stderr}`);
  }
  return out;
}

/** Runs one scenario; `onLine` sees each line of its output as it comes. */
export function java(version: string, args: string[], onLine: (line: string, child: ChildProcess) => void = () => {}): Promise<Run> {
  const cp = `${join(here, `lib-${version}`)}/*:${compiled(version)}`;
  return new Promise((resolve) => {
    const child = spawn('java', ['-Xmx512m', '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', '-cp', cp, 'Interop', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      partial += d.toString();
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const line of lines) onLine(line, child);
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), SCENARIO_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export function passed(r: Run, scenario: string): string {
  assert.is(r.code, 0, `${scenario} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  const line = r.stdout.split('\n').find((l) => l.startsWith(`OK ${scenario}`));
  assert.ok(line, `${scenario} reported OK:\n${r.stdout}`);
  return line!;
}

