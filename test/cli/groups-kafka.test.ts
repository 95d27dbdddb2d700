/**
 * `spindle groups` with the rest of kafka-consumer-groups.sh's options, as a child process:
 * --list with --state and --type, --describe with --members, --state, --offsets and --verbose,
 * several --group and --all-groups, --reset-offsets --to-current, --by-duration, --export and
 * --from-file, --delete-offsets, and --delete --all-groups. The tables are compared with the
 * text Kafka 4's tool prints for the same groups (its formats, column widths included).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lines, loud, spindle, start, type TestBroker, testBroker, waitFor } from './helpers.js';

let b: TestBroker;
let dir: string;
let live: ReturnType<typeof start>;

test.before(
  loud(async () => {
    b = await testBroker({ 'group.initial.rebalance.delay.ms': 0, 'offsets.topic.num.partitions': 1 });
    dir = mkdtempSync(join(tmpdir(), 'spindle-groups-'));
    assert.is((await spindle(['topics', '--create', '--topic', 'orders', '--partitions', '2', ...b.flag])).code, 0);
    for (const partition of ['0', '1']) {
      const input = Array.from({ length: 5 }, (_, i) => `p${partition}-${i}`).join('\n');
      assert.is((await spindle(['produce', '--topic', 'orders', '--partition', partition, ...b.flag], { input })).code, 0);
    }
    // "idle": offsets 2 and 2 committed, no member. "live": one member reading everything.
    const idle = await spindle(['groups', '--reset-offsets', '--group', 'idle', '--topic', 'orders', '--to-offset', '2', '--execute', ...b.flag]);
    assert.is(idle.code, 0, idle.stderr);
    live = start(['consume', '--topic', 'orders', '--group', 'live', '--from-beginning', ...b.flag], { timeoutMs: 120_000 });
    await waitFor(() => lines(live.stdout()).length === 10, 20_000, 'the live member to read everything');
  }),
);

test.after(async () => {
  if (live?.child.exitCode === null) process.kill(live.child.pid!, 'SIGINT');
  await live?.done;
  await b?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const groups = async (...args: string[]) => spindle(['groups', ...args, ...b.flag]);
const pad = (s: string, n: number): string => s.padEnd(n);

test('--list with --state and --type prints Kafka\'s GROUP TYPE STATE table, filtered by the states given', async () => {
  const plain = await groups('--list');
  assert.is(plain.stdout, 'idle\nlive\n');
  const states = await groups('--list', '--state');
  assert.is(states.stdout, [`${pad('GROUP', 25)} ${pad('STATE', 20)}`, `${pad('idle', 25)} ${pad('Empty', 20)}`, `${pad('live', 25)} ${pad('Stable', 20)}`, ''].join('\n'));
  const stable = await groups('--list', '--state', 'stable');
  assert.is(stable.stdout, [`${pad('GROUP', 25)} ${pad('STATE', 20)}`, `${pad('live', 25)} ${pad('Stable', 20)}`, ''].join('\n'));
  const both = await groups('--list', '--type', '--state');
  assert.is(lines(both.stdout)[1], `${pad('idle', 25)} ${pad('Classic', 20)} ${pad('Empty', 20)}`);
  const bad = await groups('--list', '--state', 'sleepy');
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /^spindle groups: invalid state 'sleepy'; valid states are: /);
});

test('--describe --members (and --verbose) lists each member with its partitions', async () => {
  const m = await groups('--describe', '--group', 'live', '--members');
  assert.is(m.code, 0, m.stderr);
  const [blank, header, row, ...rest] = m.stdout.split('\n');
  assert.is(blank, '');
  assert.equal(rest, ['']);
  const id = /^live +(spindle-consumer-live-[0-9a-f-]{36}) /.exec(row!)?.[1];
  assert.ok(id, row);
  assert.is(header, `${pad('GROUP', 15)} ${pad('CONSUMER-ID', id!.length)} ${pad('HOST', 15)} ${pad('CLIENT-ID', 21)} ${pad('#PARTITIONS', 15)} `);
  assert.is(row, `${pad('live', 15)} ${id} ${pad('/127.0.0.1', 15)} spindle-consumer-live ${pad('2', 15)} `);
  const v = await groups('--describe', '--group', 'live', '--members', '--verbose');
  const [, vHeader, vRow] = v.stdout.split('\n');
  assert.ok(vHeader!.endsWith(`${pad('CURRENT-EPOCH', 15)} ${pad('CURRENT-ASSIGNMENT', 20)} ${pad('TARGET-EPOCH', 15)} ${pad('TARGET-ASSIGNMENT', 20)}`), vHeader);
  assert.ok(vRow!.endsWith(`${pad('-', 15)} ${pad('orders:0,1', 20)} ${pad('-', 15)} ${pad('-', 20)}`), vRow);
});

test('--describe --state shows coordinator, strategy, state and members; several --group and --all-groups describe each', async () => {
  const s = await groups('--describe', '--group', 'live', '--group', 'idle', '--state');
  assert.is(s.code, 0, s.stderr);
  const coordinator = pad(`${b.bootstrap}  (1)`, 25);
  assert.is(
    s.stdout,
    [
      '',
      `${pad('GROUP', 15)} ${pad('COORDINATOR (ID)', 25)} ${pad('ASSIGNMENT-STRATEGY', 20)} ${pad('STATE', 20)} #MEMBERS`,
      `${pad('idle', 15)} ${coordinator} ${pad('-', 20)} ${pad('Empty', 20)} 0`,
      '',
      `${pad('GROUP', 15)} ${pad('COORDINATOR (ID)', 25)} ${pad('ASSIGNMENT-STRATEGY', 20)} ${pad('STATE', 20)} #MEMBERS`,
      `${pad('live', 15)} ${coordinator} ${pad('range', 20)} ${pad('Stable', 20)} 1`,
      '',
    ].join('\n'),
  );
  assert.match(s.stderr, /Consumer group 'idle' has no active members\./);
  const all = await groups('--describe', '--all-groups');
  assert.is(all.code, 0, all.stderr);
  assert.is(lines(all.stdout).filter((l) => l.startsWith('GROUP ')).length, 2);
  assert.ok(lines(all.stdout).some((l) => /^idle +orders +0 +2 +5 +3 +- +- +-$/.test(l)), all.stdout);
  const verbose = await groups('--describe', '--group', 'idle', '--offsets', '--verbose');
  const [, header, row] = verbose.stdout.split('\n');
  assert.is(header, `${pad('GROUP', 15)} ${pad('TOPIC', 15)} ${pad('PARTITION', 10)} ${pad('LEADER-EPOCH', 15)} ${pad('CURRENT-OFFSET', 15)} ${pad('LOG-END-OFFSET', 15)} ${pad('LAG', 15)} ${pad('CONSUMER-ID', 15)} ${pad('HOST', 15)} CLIENT-ID`);
  assert.is(row, `${pad('idle', 15)} ${pad('orders', 15)} ${pad('0', 10)} ${pad('-', 15)} ${pad('2', 15)} ${pad('5', 15)} ${pad('3', 15)} ${pad('-', 15)} ${pad('-', 15)} -`);
  const missing = await groups('--describe', '--group', 'nobody', '--group', 'idle');
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /^spindle groups: consumer group 'nobody' does not exist$/m);
  assert.match(missing.stdout, /^idle +orders/m, 'the other group is still described');
});

test('--reset-offsets --to-current --export writes the CSV that --from-file reads back; --by-duration goes back in time', async () => {
  const exported = await groups('--reset-offsets', '--group', 'idle', '--all-topics', '--to-current', '--export', '--dry-run');
  assert.is(exported.code, 0, exported.stderr);
  assert.is(exported.stdout, 'orders,0,2\norders,1,2\n\n');
  const plan = join(dir, 'plan.csv');
  writeFileSync(plan, 'orders,0,4\norders,1,99\n');
  const fromFile = await groups('--reset-offsets', '--group', 'idle', '--from-file', plan, '--execute');
  assert.is(fromFile.code, 0, fromFile.stderr);
  // 99 is past the log end: moved to 5, as Kafka does.
  assert.is(fromFile.stdout, ['', `${pad('GROUP', 15)} ${pad('TOPIC', 15)} ${pad('PARTITION', 10)} NEW-OFFSET`, `${pad('idle', 15)} ${pad('orders', 15)} ${pad('0', 10)} 4`, `${pad('idle', 15)} ${pad('orders', 15)} ${pad('1', 10)} 5`, ''].join('\n'));
  assert.is((await groups('--reset-offsets', '--group', 'idle', '--all-topics', '--to-current', '--export', '--dry-run')).stdout, 'orders,0,4\norders,1,5\n\n');
  // Every record is younger than a day: a day ago is the start of each partition.
  const duration = await groups('--reset-offsets', '--group', 'idle', '--topic', 'orders', '--by-duration', 'P1D', '--export', '--dry-run');
  assert.is(duration.stdout, 'orders,0,0\norders,1,0\n\n');
  const bad = await groups('--reset-offsets', '--group', 'idle', '--topic', 'orders', '--by-duration', '1 hour');
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /--by-duration wants a duration such as PT1H/);
  const two = await groups('--reset-offsets', '--group', 'idle', '--group', 'live', '--topic', 'orders', '--to-earliest', '--export', '--dry-run');
  assert.is(two.code, 1);
  assert.is(two.stdout, 'idle,orders,0,0\nidle,orders,1,0\n\n');
  assert.match(two.stderr, /^spindle groups: assignments can only be reset if the group 'live' is inactive, but the current state is Stable$/m);
});

test('--delete-offsets removes a group\'s offsets for a topic and prints Kafka\'s status table', async () => {
  assert.is((await groups('--reset-offsets', '--group', 'doomed', '--topic', 'orders', '--to-earliest', '--execute')).code, 0);
  const d = await groups('--delete-offsets', '--group', 'doomed', '--topic', 'orders', '--topic', 'nonexistent');
  assert.is(d.code, 1);
  assert.is(
    d.stdout,
    [
      'Request succeeded for deleting offsets from group doomed.',
      '',
      `${pad('nonexistent', 15)} ${pad('-', 10)} ${pad("Error: topic 'nonexistent' does not exist", 15)}`.replace(/^/, `${pad('TOPIC', 15)} ${pad('PARTITION', 10)} ${pad('STATUS', 15)}\n`),
      `${pad('orders', 15)} ${pad('0', 10)} ${pad('Successful', 15)}`,
      `${pad('orders', 15)} ${pad('1', 10)} ${pad('Successful', 15)}`,
      '',
    ].join('\n'),
  );
  assert.match(d.stderr, /some offsets of group 'doomed' could not be deleted/);
});

test('--delete --all-groups deletes the groups without members and says which could not be deleted', async () => {
  const d = await groups('--delete', '--all-groups');
  assert.is(d.code, 1);
  // "doomed" went with its last offsets, or goes now.
  assert.match(d.stdout, /^Deletion of requested consumer groups \(('doomed', )?'idle'\) was successful\.\n$/);
  assert.match(d.stderr, /^spindle groups: group 'live': NON_EMPTY_GROUP/m);
  assert.is((await groups('--list')).stdout, 'live\n');
});

test.run();
