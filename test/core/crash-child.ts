/**
 * Child process for the crash test: appends batches to a partition log in a loop and prints one
 * line per append that returned ("<baseOffset> <lastOffset> <label>"), until it is killed.
 * Usage: node crash-child.js <logDir> <segmentBytes>
 */
import { logConfig } from '../../src/core/log-config.js';
import { PartitionLog } from '../../src/core/partition-log.js';
import { makeBatch } from './helpers.js';

const [logDir, segmentBytes] = process.argv.slice(2) as [string, string];
const log = PartitionLog.open(logDir, 'crash', 0, logConfig({ segmentBytes: Number(segmentBytes), indexIntervalBytes: 512 }));
let n = 0;
function burst(): void {
  const lines: string[] = [];
  for (let i = 0; i < 50; i++, n++) {
    const label = `c${n}`;
    const r = log.append(makeBatch(label, 1 + (n % 5), Date.now(), n % 200));
    if (r.errorCode !== 0) throw new Error(`append failed: ${r.errorCode}`);
    lines.push(`${r.baseOffset} ${r.lastOffset} ${label}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  setImmediate(burst);
}
burst();
