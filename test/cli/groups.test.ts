/**
 * Consumer groups through the command line, against a broker with its group coordinator:
 * `consume --group` commits what it printed, `groups --describe` shows the lag before and
 * after consuming (Kafka's columns), `groups --reset-offsets` (dry run, execute, each way of
 * choosing offsets) and consuming again, a live member in the table, Ctrl-C committing, list
 * and delete.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lines, loud, spindle, start, type TestBroker, testBroker, waitFor } from './helpers.js';

let b: TestBroker;

test.before(
  loud(async () => {
    b = await testBroker({ 'group.initial.rebalance.delay.ms': 0, 'offsets.topic.num.partitions': 1 });
    assert.is((await spindle(['topics', '--create', '--topic', 'orders', '--partitions', '2', ...b.flag])).code, 0);
    for (const partition of ['0', '1']) {
      const input = Array.from({ length: 5 }, (_, i) => `p${partition}-${i}`).join('\n');
      const p = await spindle(['produce', '--topic', 'orders', '--partition', partition, ...b.flag], { input });
      assert.is(p.code, 0, p.stderr);
    }
  }),
);

test.after(async () => {
  await b?.stop();
});

interface Row {
  group: string;
  topic: string;
  partition: string;
  current: string;
  end: string;
  lag: string;
  consumerId: string;
  host: string;
  clientId: string;
}

/** Parses the describe table; checks the header and that columns line up under it. */
function table(stdout: string): Row[] {
  const [header, ...rows] = lines(stdout);
  assert.match(header!, /^GROUP +TOPIC +PARTITION +CURRENT-OFFSET +LOG-END-OFFSET +LAG +CONSUMER-ID +HOST +CLIENT-ID$/);
  const starts = ['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'].map((h) => header!.indexOf(h));
  assert.is(starts[3]! - starts[2]!, 11, 'PARTITION is 10 wide');
  assert.is(starts[4]! - starts[3]!, 16, 'CURRENT-OFFSET is 15 wide');
  return rows.map((r) => {
    const cells = starts.map((s, i) => r.slice(s, i + 1 < starts.length ? starts[i + 1] : undefined).trim());
    const [group, topic, partition, current, end, lag, consumerId, host, clientId] = cells as [string, string, string, string, string, string, string, string, string];
    return { group, topic, partition, current, end, lag, consumerId, host, clientId };
  });
}

async function describe(group: string): Promise<{ rows: Row[]; stderr: string }> {
  const d = await spindle(['groups', '--describe', '--group', group, ...b.flag]);
  assert.is(d.code, 0, d.stderr);
  return { rows: table(d.stdout), stderr: d.stderr };
}

const lagOf = (rows: Row[]) => rows.map((r) => [r.partition, r.current, r.end, r.lag]);

test('describe shows the lag of what consume --group left, and none after it read the rest', async () => {
  const first = await spindle(['consume', '--topic', 'orders', '--group', 'billing', '--from-beginning', '--max-messages', '4', ...b.flag]);
  assert.is(first.code, 0, first.stderr);
  assert.is(lines(first.stdout).length, 4);
  const before = await describe('billing');
  assert.match(before.stderr, /Consumer group 'billing' has no active members\./);
  const total = (rows: Row[], k: 'current' | 'lag') => rows.reduce((n, r) => n + Number(r[k]), 0);
  assert.is(before.rows.length, 2);
  assert.ok(before.rows.every((r) => r.group === 'billing' && r.topic === 'orders' && r.end === '5' && r.consumerId === '-' && r.host === '-' && r.clientId === '-'));
  assert.is(total(before.rows, 'current'), 4);
  assert.is(total(before.rows, 'lag'), 6);
  const rest = await spindle(['consume', '--topic', 'orders', '--group', 'billing', '--max-messages', '6', ...b.flag]);
  assert.is(rest.code, 0, rest.stderr);
  assert.equal([...lines(first.stdout), ...lines(rest.stdout)].sort(), ['p0-0', 'p0-1', 'p0-2', 'p0-3', 'p0-4', 'p1-0', 'p1-1', 'p1-2', 'p1-3', 'p1-4']);
  const after = await describe('billing');
  assert.equal(lagOf(after.rows), [['0', '5', '5', '0'], ['1', '5', '5', '0']]);
});

test('reset --dry-run prints the plan and changes nothing; --execute commits it, and the group reads again', async () => {
  const dry = await spindle(['groups', '--reset-offsets', '--group', 'billing', '--topic', 'orders', '--to-earliest', '--dry-run', ...b.flag]);
  assert.is(dry.code, 0, dry.stderr);
  const plan = lines(dry.stdout);
  // Kafka 4's widths: GROUP and TOPIC at least 15, PARTITION 10.
  assert.match(plan[0]!, /^GROUP {11}TOPIC {11}PARTITION  NEW-OFFSET$/);
  assert.equal(plan.slice(1).map((l) => l.split(/ +/)), [['billing', 'orders', '0', '0'], ['billing', 'orders', '1', '0']]);
  assert.equal(lagOf((await describe('billing')).rows), [['0', '5', '5', '0'], ['1', '5', '5', '0']]);
  const exec = await spindle(['groups', '--reset-offsets', '--group', 'billing', '--topic', 'orders', '--to-earliest', '--execute', ...b.flag]);
  assert.is(exec.code, 0, exec.stderr);
  assert.equal(lagOf((await describe('billing')).rows), [['0', '0', '5', '5'], ['1', '0', '5', '5']]);
  const again = await spindle(['consume', '--topic', 'orders', '--group', 'billing', '--max-messages', '10', ...b.flag]);
  assert.is(again.code, 0, again.stderr);
  assert.is(lines(again.stdout).length, 10);
  assert.equal(lagOf((await describe('billing')).rows), [['0', '5', '5', '0'], ['1', '5', '5', '0']]);
});

test('reset by shift, absolute offset, date and latest, on some partitions or all topics', async () => {
  const reset = async (...how: string[]) => {
    const r = await spindle(['groups', '--reset-offsets', '--group', 'billing', ...how, '--execute', ...b.flag]);
    assert.is(r.code, 0, r.stderr);
    return lagOf((await describe('billing')).rows).map((row) => row[1]);
  };
  assert.equal(await reset('--topic', 'orders', '--shift-by', '-2'), ['3', '3']);
  assert.equal(await reset('--topic', 'orders:1', '--to-offset', '1'), ['3', '1']);
  assert.equal(await reset('--all-topics', '--shift-by', '-10'), ['0', '0']);
  assert.equal(await reset('--topic', 'orders', '--to-datetime', new Date(Date.now() + 3_600_000).toISOString()), ['5', '5']);
  assert.equal(await reset('--topic', 'orders', '--to-datetime', '2001-01-01T00:00:00Z'), ['0', '0']);
  assert.equal(await reset('--topic', 'orders', '--to-offset', '99'), ['5', '5']);
  assert.equal(await reset('--topic', 'orders', '--to-earliest'), ['0', '0']);
  assert.equal(await reset('--topic', 'orders', '--to-latest'), ['5', '5']);
});

test('a live member shows in the table with its id, host and client id; resetting then is refused', async () => {
  const live = start(['consume', '--topic', 'orders', '--group', 'live', '--from-beginning', ...b.flag]);
  try {
    await waitFor(() => lines(live.stdout()).length === 10, 15_000, 'the live consumer to print everything');
    // The member commits every 5 s; its rows show it from the start, with or without offsets.
    const { rows } = await describe('live');
    assert.is(rows.length, 2);
    for (const r of rows) {
      assert.match(r.consumerId, /^spindle-consumer-live-[0-9a-f-]{36}$/);
      assert.is(r.host, '/127.0.0.1');
      assert.is(r.clientId, 'spindle-consumer-live');
    }
    const refused = await spindle(['groups', '--reset-offsets', '--group', 'live', '--topic', 'orders', '--to-earliest', '--execute', ...b.flag]);
    assert.is(refused.code, 1);
    assert.is(refused.stderr, "spindle groups: assignments can only be reset if the group 'live' is inactive, but the current state is Stable\n");
  } finally {
    process.kill(live.child.pid!, 'SIGINT');
    const r = await live.done;
    assert.is(r.code, 130, r.stderr);
  }
});

test('Ctrl-C in consume --group commits what was printed, leaves the group and exits 130', async () => {
  const c = start(['consume', '--topic', 'orders', '--group', 'interrupted', '--from-beginning', ...b.flag]);
  await waitFor(() => lines(c.stdout()).length === 10, 15_000, 'all ten records');
  process.kill(c.child.pid!, 'SIGINT');
  const r = await c.done;
  assert.is(r.code, 130, r.stderr);
  assert.is(r.stderr, 'Processed a total of 10 messages\n');
  const d = await describe('interrupted');
  assert.match(d.stderr, /has no active members/);
  assert.equal(lagOf(d.rows), [['0', '5', '5', '0'], ['1', '5', '5', '0']]);
});

test('--list shows the groups; --delete removes one, after which describing it fails in one line', async () => {
  const list = await spindle(['groups', '--list', ...b.flag]);
  assert.is(list.code, 0, list.stderr);
  for (const g of ['billing', 'interrupted', 'live']) assert.ok(lines(list.stdout).includes(g), list.stdout);
  const del = await spindle(['groups', '--delete', '--group', 'interrupted', ...b.flag]);
  assert.is(del.code, 0, del.stderr);
  assert.is(del.stdout, "Deletion of requested consumer groups ('interrupted') was successful.\n");
  assert.not.ok(lines((await spindle(['groups', '--list', ...b.flag])).stdout).includes('interrupted'));
  const gone = await spindle(['groups', '--describe', '--group', 'interrupted', ...b.flag]);
  assert.is(gone.code, 1);
  assert.is(gone.stderr, "spindle groups: consumer group 'interrupted' does not exist\n");
});

test.run();
