#!/usr/bin/env node
// The spindle command: runs the compiled CLI (npm run build writes dist/).
import { existsSync } from 'node:fs';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error('spindle: not built yet; run `npm run build` (npm start and npm test build first)');
  process.exit(1);
}
const { run } = await import(main.href);
process.exitCode = await run(process.argv.slice(2));
