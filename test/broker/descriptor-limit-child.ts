/**
 * Child process for the descriptor-limit test (topic-lifecycle.test.ts), run under a small
 * `ulimit -n`: creates a topic of one partition, then one of more partitions than the limit
 * would hold three descriptors each for, and reports on stdout, as JSON, what the second
 * creation answered and what it left behind, then whether a broker restarted on the same
 * directory opens and creates again. The descriptor pool (core/descriptors.ts) keeps such a
 * creation under the limit, so the exhaustion is made certain at one partition half-way
 * through, through the file system seam (EMFILE, as the kernel answers it).
 * Usage: node descriptor-limit-child.js <dataDir> <partitions>
 */
import { existsSync, readdirSync } from 'node:fs';
import { Broker } from '../../src/broker/broker.js';
import { loadConfig } from '../../src/broker/config/load.js';
import { InlineHost } from '../../src/broker/partitions/inline-host.js';
import { clearFaults, injectFaults } from '../../src/core/fs.js';
import { SILENT_LOGGER } from '../../src/core/logger.js';
import { encodeBatch } from '../../src/protocol/records/batch.js';

const [dir, partitions] = process.argv.slice(2) as [string, string];
const config = loadConfig({ overrides: { 'log.dirs': dir, 'num.io.threads': 0 } });
const hostOptions = { retentionCheckIntervalMs: 300_000, cleanerBackoffMs: 15_000, cleanerEnabled: false };

async function started(): Promise<Broker> {
  const broker = new Broker(config, new InlineHost(hostOptions, 200), SILENT_LOGGER);
  await broker.openAll();
  return broker;
}

const broker = await started();
const small = await broker.createTopic('small', 1, {});
if (!('meta' in small)) throw new Error(`could not create the small topic: ${small.errorMessage}`);
injectFaults([{ op: 'open', code: 'EMFILE', path: `huge-${Math.floor(Number(partitions) / 2)}/` }]);
const huge = await broker.createTopic('huge', Number(partitions), {});
clearFaults();
const out: Record<string, unknown> = {
  errorCode: 'meta' in huge ? 0 : huge.errorCode,
  errorMessage: 'meta' in huge ? null : huge.errorMessage,
  inTopics: broker.topics.has('huge'),
  inStore: broker.store.get('huge') !== undefined,
  dirs: readdirSync(dir).filter((n) => n.startsWith('huge-')).length,
  openDescriptors: existsSync('/proc/self/fd') ? readdirSync('/proc/self/fd').length : -1,
};
const appended = await broker.host.append(small.partitions[0]!.handle, encodeBatch([{ value: 'after the failure' }]));
out.servesOthers = appended.errorCode === 0;
await broker.shutdown();

const restarted = await started();
out.afterRestart = [...restarted.topics.keys()].sort();
out.createdAfterRestart = 'meta' in (await restarted.createTopic('after', 2, {}));
await restarted.shutdown();
process.stdout.write(JSON.stringify(out));
