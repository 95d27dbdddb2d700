#!/usr/bin/env node
// Runs every uvu suite under dist/test (built by `npm run build`), each file in its own
// process so that one suite's servers, timers or crash cannot disturb another, and ends with
// the plain line "N passed, N failed" that CI reads. Pass a substring to run only matching files.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('../dist/test/', import.meta.url).pathname;
const filter = process.argv[2] ?? '';

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];
for (const file of walk(root).filter((f) => f.includes(filter))) {
  const name = relative(root, file);
  const started = Date.now();
  const r = spawnSync(process.execPath, ['--enable-source-maps', file], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, FORCE_COLOR: '0' } });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const total = Number(/Total:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const ok = Number(/Passed:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const skip = Number(/Skipped:\s+(\d+)/.exec(out)?.[1] ?? 0);
  // uvu's Total counts the tests that ran, skipped ones apart. A suite that ran nothing and
  // skipped nothing (or exited badly) counts as one failure at least.
  const bad = r.status !== 0 || (total === 0 && skip === 0) ? Math.max(total - ok, 1) : total - ok;
  passed += ok;
  failed += bad;
  skipped += skip;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`${bad ? 'FAIL' : 'ok  '} ${name}  ${ok}/${total}${skip ? ` (${skip} skipped)` : ''}  ${seconds}s`);
  if (bad) {
    failures.push(name);
    console.log(out.split('\n').map((l) => `    ${l}`).join('\n'));
  }
}
if (failures.length) console.log(`\nfailed suites: ${failures.join(', ')}`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);
