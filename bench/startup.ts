/**
 * `npm run bench:startup`: how long `startBroker()` takes from the call to accepting
 * connections, with a temporary data directory, inline and with one partition worker. The
 * first start in a process pays for loading modules; later starts are what a test suite that
 * starts a broker per test sees. Results: bench/results/startup-<date>-<host>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '../src/broker/server.js';

const rows: { workers: number; firstMs: number; medianMs: number; maxMs: number; runs: number }[] = [];
for (const workers of [0, 1]) {
  const times: number[] = [];
  for (let i = 0; i < 11; i++) {
    const t0 = performance.now();
    const b = await startBroker({ port: 0, config: { 'num.io.threads': workers } });
    await new Promise<void>((resolve, reject) => {
      const s = connect(b.port, '127.0.0.1', () => {
        s.destroy();
        resolve();
      });
      s.once('error', reject);
    });
    times.push(performance.now() - t0);
    await b.close();
  }
  const rest = times.slice(1).sort((a, b) => a - b);
  rows.push({ workers, firstMs: times[0]!, medianMs: rest[Math.floor(rest.length / 2)]!, maxMs: rest[rest.length - 1]!, runs: rest.length });
}
for (const r of rows) console.log(`startBroker, ${r.workers} workers: first ${r.firstMs.toFixed(1)} ms, then median ${r.medianMs.toFixed(1)} ms, max ${r.maxMs.toFixed(1)} ms (${r.runs} runs)`);
const dir = new URL('../../bench/results/', import.meta.url).pathname;
mkdirSync(dir, { recursive: true });
const file = join(dir, `startup-${new Date().toISOString().slice(0, 10)}-${hostname()}.json`);
writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, rows }, null, 2)}\n`);
