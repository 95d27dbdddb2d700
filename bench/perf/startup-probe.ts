/**
 * Run as a child process by limits.ts: times startBroker() from the call to a first accepted
 * connection, `runs` + 1 times (the first pays for loading modules), on a free port with a
 * temporary data directory, and prints the times in milliseconds as one JSON array on stdout.
 * A process of its own so that the harness never holds a broker's threads or pools.
 */
import { connect } from 'node:net';
import { startBroker } from '../../src/broker/server.js';

const runs = Number(process.argv[2] ?? 5);
const times: number[] = [];
for (let i = 0; i < runs + 1; i++) {
  const t0 = performance.now();
  const b = await startBroker({ port: 0 });
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
process.stdout.write(`${JSON.stringify(times)}\n`);
process.exit(0);
