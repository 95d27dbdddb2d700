/**
 * `spindle groups`: consumer groups, like Kafka's kafka-consumer-groups.sh.
 *
 *   --list                       group ids, one per line
 *   --describe --group G         Kafka's table, columns padded as Kafka pads them (GROUP and TOPIC
 *                                at least 15 wide, then PARTITION 10, the offsets and LAG 15):
 *                                GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID
 *                                one row per partition a member owns or the group committed;
 *                                "-" where there is nothing (no commit, no owner)
 *   --reset-offsets …            computes new offsets (to earliest, latest, an offset, a time,
 *                                or shifted), prints GROUP TOPIC PARTITION NEW-OFFSET, and
 *                                commits them with --execute; only while the group has no
 *                                active members, as Kafka requires
 *   --delete --group G           deletes the group (it must have no active members)
 *
 * Notes Kafka prints around the table ("has no active members", "is rebalancing") go to
 * stderr here, so that stdout holds only the table.
 *
 * Main thread.
 */
import { Admin, type TopicPartitionOffset } from '../client/admin.js';
import { Client } from '../client/client.js';
import { ClientError } from '../client/errors.js';
import { Args, type Flags, Output, UsageError, padRight, parseArgs, runTool } from './args.js';

export const GROUPS_USAGE = `Usage: spindle groups [--bootstrap-server HOST:PORT] ACTION [options]

Lists, describes, resets and deletes consumer groups, like Kafka's kafka-consumer-groups.sh.

Actions (one of):
  --list                    print every group id, one per line
  --describe                describe --group: per partition the committed offset, the log end
                            offset, the lag and the member consuming it
  --reset-offsets           set --group's committed offsets for --topic (or --all-topics) to
                            --to-earliest, --to-latest, --to-offset N, --to-datetime TIME or
                            --shift-by N; prints the plan, commits it only with --execute
  --delete                  delete --group

Options:
  --bootstrap-server HOST:PORT  broker to connect to (default: $SPINDLE_BOOTSTRAP_SERVER,
                                else localhost:9092)
  --group ID                    the group
  --topic T[:P,P…]              with --reset-offsets: the topic, optionally some partitions
  --all-topics                  with --reset-offsets: every topic the group committed offsets for
  --to-earliest | --to-latest | --to-offset N | --to-datetime 2024-01-31T10:00:00Z | --shift-by N
  --dry-run                     print the new offsets only (the default)
  --execute                     commit the new offsets
  -h, --help                    this help

Examples:
  spindle groups --list
  spindle groups --describe --group billing
  spindle groups --reset-offsets --group billing --topic orders --to-earliest --execute
  spindle groups --reset-offsets --group billing --topic orders:0,1 --shift-by -100 --dry-run
  spindle groups --reset-offsets --group billing --all-topics --to-datetime 2024-05-01T00:00:00Z --execute
  spindle groups --delete --group billing`;

const FLAGS: Flags = {
  list: { kind: 'boolean' },
  describe: { kind: 'boolean' },
  'reset-offsets': { kind: 'boolean' },
  delete: { kind: 'boolean' },
  group: { kind: 'string' },
  topic: { kind: 'list' },
  'all-topics': { kind: 'boolean' },
  'to-earliest': { kind: 'boolean' },
  'to-latest': { kind: 'boolean' },
  'to-offset': { kind: 'integer' },
  'to-datetime': { kind: 'string' },
  'shift-by': { kind: 'integer' },
  'dry-run': { kind: 'boolean' },
  execute: { kind: 'boolean' },
};

const ACTIONS = ['list', 'describe', 'reset-offsets', 'delete'] as const;
const MISSING = '-';

export function runGroups(argv: string[]): Promise<number> {
  return runTool('groups', GROUPS_USAGE, argv, async () => {
    const args = new Args(parseArgs(argv, FLAGS));
    args.noPositionals();
    const action = args.action(ACTIONS);
    const client = new Client({ bootstrapServers: args.bootstrap(), clientId: 'spindle-groups' });
    const admin = new Admin(client);
    const out = new Output();
    try {
      switch (action) {
        case 'list':
          for (const g of await admin.listGroups()) out.line(g.groupId);
          break;
        case 'describe':
          await describe(admin, args.required('group', 'with --describe'), out);
          break;
        case 'reset-offsets':
          await resetOffsets(admin, args, out);
          break;
        case 'delete': {
          const group = args.required('group', 'with --delete');
          await admin.deleteGroups([group]);
          out.line(`Deletion of requested consumer groups ('${group}') was successful.`);
          break;
        }
      }
      await out.flush();
      return 0;
    } finally {
      await client.close();
    }
  });
}

interface Row {
  group: string;
  topic: string;
  partition: string;
  offset: string;
  logEndOffset: string;
  lag: string;
  consumerId: string;
  host: string;
  clientId: string;
}

async function describe(admin: Admin, groupId: string, out: Output): Promise<void> {
  const [g] = await admin.describeGroups([groupId]);
  if (!g || g.state === 'Dead') throw new ClientError(`consumer group '${groupId}' does not exist`);
  const committed = await admin.fetchGroupOffsets(groupId);
  const key = (t: string, p: number): string => `${t}\u0000${p}`;
  const committedBy = new Map(committed.map((o) => [key(o.topic, o.partition), o.offset]));
  const owned = new Set<string>();
  const parts: { topic: string; partition: number; member?: (typeof g.members)[number] }[] = [];
  const memberless: (typeof g.members)[number][] = [];
  for (const m of g.members) {
    const tps = (m.assignment ?? []).flatMap((tp) => tp.partitions.map((p) => ({ topic: tp.topic, partition: p }))).sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    if (tps.length === 0) memberless.push(m);
    for (const tp of tps) {
      owned.add(key(tp.topic, tp.partition));
      parts.push({ ...tp, member: m });
    }
  }
  for (const o of committed) if (!owned.has(key(o.topic, o.partition))) parts.push({ topic: o.topic, partition: o.partition });
  // Log end offsets of partitions that still exist; a deleted topic's commits show "-".
  const existing: { topic: string; partition: number }[] = [];
  for (const p of parts) {
    const t = await admin.client.topic(p.topic).catch(() => undefined);
    if (t?.partitions[p.partition]) existing.push(p);
  }
  const ends = await admin.listOffsets(existing, 'latest');
  const endBy = new Map(ends.map((o) => [key(o.topic, o.partition), o.offset]));

  if (g.state === 'Empty') process.stderr.write(`\nConsumer group '${groupId}' has no active members.\n`);
  else if (g.state === 'PreparingRebalance' || g.state === 'CompletingRebalance') process.stderr.write(`\nWarning: Consumer group '${groupId}' is rebalancing.\n`);

  const rows: Row[] = parts.map((p) => {
    const c = committedBy.get(key(p.topic, p.partition));
    const end = endBy.get(key(p.topic, p.partition));
    return {
      group: groupId,
      topic: p.topic,
      partition: String(p.partition),
      offset: c === undefined ? MISSING : String(c),
      logEndOffset: end === undefined ? MISSING : String(end),
      lag: c === undefined || end === undefined ? MISSING : String(end - c),
      consumerId: p.member?.memberId ?? MISSING,
      host: p.member?.clientHost ?? MISSING,
      clientId: p.member?.clientId ?? MISSING,
    };
  });
  for (const m of memberless) {
    rows.push({ group: groupId, topic: MISSING, partition: MISSING, offset: MISSING, logEndOffset: MISSING, lag: MISSING, consumerId: m.memberId, host: m.clientHost, clientId: m.clientId });
  }
  if (rows.length === 0) return;
  for (const line of groupTable(rows)) out.line(line);
}

/** Kafka's describe table: "%-Gs %-Ts %-10s %-15s %-15s %-15s %-Cs %-Hs %s", widths at least 15. */
export function groupTable(rows: Row[]): string[] {
  const width = (f: (r: Row) => string): number => Math.max(15, ...rows.map((r) => f(r).length));
  const g = width((r) => r.group);
  const t = width((r) => r.topic);
  const c = width((r) => r.consumerId);
  const h = width((r) => r.host);
  const line = (r: Row): string =>
    [padRight(r.group, g), padRight(r.topic, t), padRight(r.partition, 10), padRight(r.offset, 15), padRight(r.logEndOffset, 15), padRight(r.lag, 15), padRight(r.consumerId, c), padRight(r.host, h), r.clientId].join(' ');
  const header: Row = { group: 'GROUP', topic: 'TOPIC', partition: 'PARTITION', offset: 'CURRENT-OFFSET', logEndOffset: 'LOG-END-OFFSET', lag: 'LAG', consumerId: 'CONSUMER-ID', host: 'HOST', clientId: 'CLIENT-ID' };
  return ['', line(header), ...rows.map(line)];
}

/** Kafka's reset table: "%-30s %-30s %-10s %-15s". */
export function resetTable(group: string, offsets: TopicPartitionOffset[]): string[] {
  const line = (a: string, b: string, c: string, d: string): string => `${padRight(a, 30)} ${padRight(b, 30)} ${padRight(c, 10)} ${padRight(d, 15)}`.trimEnd();
  return ['', line('GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'), ...offsets.map((o) => line(group, o.topic, String(o.partition), String(o.offset)))];
}

async function resetOffsets(admin: Admin, args: Args, out: Output): Promise<void> {
  const groupId = args.required('group', 'with --reset-offsets');
  const scopes = args.list('topic');
  if (scopes.length === 0 && !args.flag('all-topics')) throw new UsageError('--reset-offsets needs --topic or --all-topics');
  if (scopes.length > 0 && args.flag('all-topics')) throw new UsageError('--topic and --all-topics cannot be combined');
  const specs = ['to-earliest', 'to-latest', 'to-offset', 'to-datetime', 'shift-by'].filter((s) => args.has(s));
  if (specs.length !== 1) throw new UsageError('--reset-offsets needs exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime, --shift-by');
  if (args.flag('dry-run') && args.flag('execute')) throw new UsageError('--dry-run and --execute cannot be combined');
  let to: Parameters<Admin['planOffsetReset']>[2];
  switch (specs[0]) {
    case 'to-earliest':
      to = { kind: 'earliest' };
      break;
    case 'to-latest':
      to = { kind: 'latest' };
      break;
    case 'to-offset':
      to = { kind: 'offset', offset: args.integer('to-offset')! };
      break;
    case 'to-datetime': {
      const text = args.string('to-datetime')!;
      const timestamp = Date.parse(text);
      if (Number.isNaN(timestamp)) throw new UsageError(`--to-datetime wants an ISO date and time such as 2024-01-31T10:00:00Z, not '${text}'`);
      to = { kind: 'datetime', timestamp };
      break;
    }
    default:
      to = { kind: 'shift', by: args.integer('shift-by')! };
  }
  const [g] = await admin.describeGroups([groupId]);
  const state = g?.state ?? 'Dead';
  if (state !== 'Empty' && state !== 'Dead') {
    throw new ClientError(`assignments can only be reset if the group '${groupId}' is inactive, but the current state is ${state}`);
  }
  let topics: { topic: string; partitions?: number[] }[];
  if (args.flag('all-topics')) {
    const committed = await admin.fetchGroupOffsets(groupId);
    topics = [...new Set(committed.map((o) => o.topic))].map((topic) => ({ topic }));
  } else {
    topics = scopes.map((s) => {
      const colon = s.lastIndexOf(':');
      if (colon < 0) return { topic: s };
      const list = s.slice(colon + 1).split(',');
      if (!list.every((p) => /^\d+$/.test(p))) throw new UsageError(`--topic wants TOPIC or TOPIC:P,P…, not '${s}'`);
      return { topic: s.slice(0, colon), partitions: list.map(Number) };
    });
  }
  const plan = await admin.planOffsetReset(groupId, topics, to);
  if (!args.flag('execute') && !args.flag('dry-run')) {
    process.stderr.write('WARN: No action will be performed as the --execute option is missing. Add --execute to commit these offsets, or --dry-run to say a dry run is meant.\n');
  }
  if (args.flag('execute') && plan.length > 0) await admin.commitGroupOffsets(groupId, plan);
  for (const line of resetTable(groupId, plan)) out.line(line);
}
