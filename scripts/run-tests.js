#!/usr/bin/env node
// Runs every uvu suite under dist/test (built by `npm run build`), each file in its own
// process so that one suite's servers, timers or crash cannot disturb another, and ends with
// the plain line "N passed, N failed" that CI reads. Pass a substring to run only matching files.
//
// Four lanes, each running its files one after another, beside each other:
//   - librdkafka's own test suite (test/interop/librdkafka*.test.ts): about eight minutes that
//     its test-runner processes spend mostly asleep on the tests' timers;
//   - the other client families (test/interop/*): mostly child processes (JVMs, Go and Python
//     programs) waiting on group rebalances and timeouts;
//   - the cluster suites (test/cluster/*): ZooKeeper and brokers waiting on sessions, elections
//     and replicas catching up (two to three minutes), then the command line's (test/cli/*),
//     which mostly wait on the processes they start;
//   - everything else: the broker's own suites, which do the computing.
// With the second and last lanes as one, the run took 830 s on two cores that stayed more than
// half idle (13 min of CPU in 16 of .ci/run); in three lanes the same suites took 540 s, each
// lane 490-540 s of it. With the cluster suites added in a lane of their own, the last lane took
// 656 s, slowed by their brokers beside it; with the command line's suites moved to the
// cluster lane, the lanes come out more even.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('../dist/test/', import.meta.url).pathname;
const filter = process.argv[2] ?? '';
/** The lanes but the last, by the path under dist/test; the last lane takes every other file. */
const LANES = [/^interop\/librdkafka/, /^interop\//, /^(cluster|cli)\//];
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
    // One write per suite, so that the lanes' reports never interleave.
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
const lanes = [...LANES.map(() => []), []];
for (const f of files) {
  const i = LANES.findIndex((re) => re.test(relative(root, f)));
  lanes[i < 0 ? LANES.length : i].push(f);
}
await Promise.all(lanes.map(lane));
if (failures.length) console.log(`\nfailed suites: ${failures.join(', ')}`);
// The whole run's time, against the ten minutes npm test may take.
console.log(`${files.length} suites in ${((Date.now() - began) / 1000).toFixed(0)} s`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);
