#!/usr/bin/env node
// The spindle command: runs the compiled CLI (npm run build writes dist/).
import { existsSync } from 'node:fs';

// libuv's thread pool carries the broker's fsyncs (flush policy, rolled segments, checkpoints,
// closing every log at shutdown) and the fetch path's file reads; Node's 4 threads let a slow
// fsync hold up reads. It is sized when first used, so this must come before anything runs.
process.env.UV_THREADPOOL_SIZE ??= '16';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error('spindle: not built yet; run `npm run build` (npm start and npm test build first)');
  process.exit(1);
}
const { run } = await import(main.href);
process.exitCode = await run(process.argv.slice(2));
