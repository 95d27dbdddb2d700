/**
 * What every command does when something is wrong: an unreachable broker, an unknown topic, a
 * bad or missing flag. Each ends with a non-zero exit code and exactly one line on stderr,
 * nothing on stdout. And every command answers --help with its options and examples.
 */
import { createServer } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lines, loud, spindle, type TestBroker, testBroker } from './helpers.js';

let b: TestBroker;
let deadPort: number;

test.before(
  loud(async () => {
    b = await testBroker({ 'auto.create.topics.enable': false });
    // A port that was free a moment ago: nothing listens there.
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    deadPort = (s.address() as { port: number }).port;
    await new Promise<void>((r) => s.close(() => r()));
  }),
);

test.after(async () => {
  await b?.stop();
});

function oneLine(r: { code: number | null; stdout: string; stderr: string }, code: number, pattern: RegExp): void {
  assert.is(r.code, code, r.stderr);
  assert.is(r.stdout, '');
  assert.is(lines(r.stderr).length, 1, r.stderr);
  assert.match(r.stderr, pattern);
}

const COMMANDS: [string, string[]][] = [
  ['topics', ['--list']],
  ['produce', ['--topic', 't']],
  ['consume', ['--topic', 't']],
  ['groups', ['--list']],
  ['configs', ['--describe', '--entity-type', 'topics', '--entity-name', 't']],
];

for (const [command, args] of COMMANDS) {
  test(`${command}: an unreachable broker is one line naming it, exit code 1`, async () => {
    const r = await spindle([command, ...args, '--bootstrap-server', `127.0.0.1:${deadPort}`], { input: 'x\n' });
    oneLine(r, 1, new RegExp(`^spindle ${command}: cannot connect to 127\\.0\\.0\\.1:${deadPort} \\(connection refused\\)\\n$`));
  });

  test(`${command}: an unknown flag is one line, exit code 2`, async () => {
    const r = await spindle([command, ...args, '--no-such-flag', ...b.flag]);
    oneLine(r, 2, new RegExp(`^spindle ${command}: unknown option '--no-such-flag' \\(see 'spindle ${command} --help'\\)\\n$`));
  });

  test(`${command}: --help prints usage with examples on stdout, exit code 0`, async () => {
    const r = await spindle([command, '--help']);
    assert.is(r.code, 0);
    assert.is(r.stderr, '');
    assert.match(r.stdout, new RegExp(`^Usage: spindle ${command} `));
    assert.match(r.stdout, /\nExamples:\n {2}spindle /);
    assert.match(r.stdout, /--bootstrap-server HOST:PORT/);
  });
}

test('an unknown topic is one line for consume, produce (no auto-creation), topics and configs', async () => {
  oneLine(await spindle(['consume', '--topic', 'missing', ...b.flag]), 1, /^spindle consume: topic 'missing' does not exist\n$/);
  oneLine(await spindle(['produce', '--topic', 'missing', ...b.flag], { input: 'x\n' }), 1, /^spindle produce: topic 'missing' does not exist\n$/);
  oneLine(await spindle(['topics', '--describe', '--topic', 'missing', ...b.flag]), 1, /^spindle topics: topic 'missing' does not exist\n$/);
  oneLine(await spindle(['configs', '--describe', '--topic', 'missing', ...b.flag]), 1, /^spindle configs: topic 'missing' does not exist\n$/);
});

test('missing and contradictory flags are usage errors, exit code 2', async () => {
  oneLine(await spindle(['produce', ...b.flag]), 2, /^spindle produce: --topic is required/);
  oneLine(await spindle(['topics', ...b.flag]), 2, /^spindle topics: one of --create, --list, --describe, --alter, --delete is required/);
  oneLine(await spindle(['topics', '--list', '--delete', ...b.flag]), 2, /^spindle topics: --list and --delete cannot be combined/);
  oneLine(await spindle(['topics', '--create', '--topic', 't', '--partitions', 'many', ...b.flag]), 2, /^spindle topics: --partitions must be an integer, not 'many'/);
  oneLine(await spindle(['consume', '--topic', 't', '--offset', '5', ...b.flag]), 2, /^spindle consume: --offset needs --partition/);
  oneLine(await spindle(['produce', '--topic', 't', '--compression', 'brotli', ...b.flag]), 2, /^spindle produce: --compression must be one of none, gzip, snappy, lz4, zstd/);
  oneLine(await spindle(['produce', '--topic', 't', '--acks', '2', ...b.flag]), 2, /^spindle produce: --acks must be all, -1, 0 or 1/);
  oneLine(await spindle(['groups', '--reset-offsets', '--group', 'g', '--topic', 't', ...b.flag]), 2, /^spindle groups: --reset-offsets needs exactly one of/);
  oneLine(await spindle(['topics', '--list', '--bootstrap-server', 'nonsense', ...b.flag]), 2, /^spindle topics: --bootstrap-server given twice/);
});

test('a bootstrap server that is not host:port is one line, exit code 1', async () => {
  oneLine(await spindle(['topics', '--list', '--bootstrap-server', 'nonsense']), 1, /^spindle topics: bootstrap server 'nonsense' is not host:port\n$/);
});

test('an unknown command prints the command list, exit code 2', async () => {
  const r = await spindle(['frobnicate']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
  assert.match(r.stderr, /topics .*\n.*produce/);
});

test.run();
