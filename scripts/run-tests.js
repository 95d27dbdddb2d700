#!/usr/bin/env node
// Runs every uvu suite under dist/test (built by `npm run build`), each file in its own
// process so that one suite's servers, timers or crash cannot disturb another, and ends with
// the plain line "N passed, N failed" that CI reads. Pass a substring to run only matching files.
//
// Two lanes, each running its files one after another: the main lane takes every suite but
// those in SIDE_LANE, which run beside it. Those are librdkafka's own test suite
// (test/interop/librdkafka*.test.ts): about seven minutes that its test-runner processes spend
// mostly asleep on the tests' timers, so beside the main lane they add little CPU and keep
// `npm test` under ten minutes.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('../dist/test/', import.meta.url).pathname;
const filter = process.argv[2] ?? '';
const SIDE_LANE = /^interop\/librdkafka/;
/** A suite still running after this long is killed and counts as failed. */
const SUITE_TIMEOUT_MS = 300_000;

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

function runFile(file) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--enable-source-maps', file], { env: { ...process.env, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks = [];
    child.stdout.on('data', (d) => chunks.push(d));
    child.stderr.on('data', (d) => chunks.push(d));
    const timer = setTimeout(() => child.kill('SIGTERM'), SUITE_TIMEOUT_MS);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, out: Buffer.concat(chunks).toString('utf8') });
    });
  });
}

let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];

async function lane(files) {
  for (const file of files) {
    const name = relative(root, file);
    const started = Date.now();
    const r = await runFile(file);
    const total = Number(/Total:\s+(\d+)/.exec(r.out)?.[1] ?? 0);
    const ok = Number(/Passed:\s+(\d+)/.exec(r.out)?.[1] ?? 0);
    const skip = Number(/Skipped:\s+(\d+)/.exec(r.out)?.[1] ?? 0);
    // uvu's Total counts the tests that ran, skipped ones apart. A suite that ran nothing and
    // skipped nothing (or exited badly) counts as one failure at least.
    const bad = r.status !== 0 || (total === 0 && skip === 0) ? Math.max(total - ok, 1) : total - ok;
    passed += ok;
    failed += bad;
    skipped += skip;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    // One write per suite, so that the two lanes' reports never interleave.
    let report = `${bad ? 'FAIL' : 'ok  '} ${name}  ${ok}/${total}${skip ? ` (${skip} skipped)` : ''}  ${seconds}s\n`;
    if (bad) {
      failures.push(name);
      report += `${r.out.split('\n').map((l) => `    ${l}`).join('\n')}\n`;
    }
    process.stdout.write(report);
  }
}

const began = Date.now();
const files = walk(root).filter((f) => f.includes(filter));
const side = files.filter((f) => SIDE_LANE.test(relative(root, f)));
await Promise.all([lane(files.filter((f) => !side.includes(f))), lane(side)]);
if (failures.length) console.log(`\nfailed suites: ${failures.join(', ')}`);
// The whole run's time, against the ten minutes npm test may take.
console.log(`${files.length} suites in ${((Date.now() - began) / 1000).toFixed(0)} s`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);
