/**
 * `spindle groups`: consumer groups, like Kafka's kafka-consumer-groups.sh, printing its tables
 * as Kafka 4 prints them (columns at least 15 wide, wider for longer values):
 *
 *   --list [--state [S,…]] [--type [T,…]]   group ids, one per line; with --state or --type a
 *                                GROUP (TYPE) (STATE) table, filtered by the states or types given
 *   --describe (--group G … | --all-groups)
 *       [--offsets]              per partition: GROUP TOPIC PARTITION CURRENT-OFFSET
 *                                LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID (--verbose adds
 *                                LEADER-EPOCH); the default
 *       --members                per member: GROUP CONSUMER-ID (GROUP-INSTANCE-ID) HOST
 *                                CLIENT-ID #PARTITIONS (--verbose adds the epochs and
 *                                assignments)
 *       --state                  GROUP COORDINATOR (ID) ASSIGNMENT-STRATEGY STATE #MEMBERS
 *   --reset-offsets …            computes new offsets (to earliest, latest, current, an offset,
 *                                a time, a duration ago, shifted, or from a CSV file), prints
 *                                GROUP TOPIC PARTITION NEW-OFFSET (CSV with --export), and
 *                                commits them with --execute; only while a group has no active
 *                                members, as Kafka requires
 *   --delete (--group G … | --all-groups)   deletes groups (they must have no active members)
 *   --delete-offsets --group G --topic T[:P,…] …   deletes a group's committed offsets
 *
 * Notes Kafka prints around the tables ("has no active members", "is rebalancing") go to
 * stderr here, so that stdout holds only the tables. Where Kafka prints "Error: …" on stdout
 * and exits 0 (a group that does not exist, one that cannot be reset now), Spindle says it in
 * one line on stderr, goes on with the other groups named, and exits 1.
 *
 * Main thread.
 */
import { readFileSync } from 'node:fs';
import { Admin, type GroupDescription, type TopicPartitionOffset } from '../client/admin.js';
import { Client } from '../client/client.js';
import { ClientError, KafkaError } from '../client/errors.js';
import { ErrorCode } from '../protocol/errors.js';
import { ListGroups, OffsetDelete } from '../protocol/messages/index.js';
import { Args, type Flags, Output, UsageError, padRight, parseArgs, runTool } from './args.js';
import { clientProperties, resolveClientProperties } from './client-config.js';

export const GROUPS_USAGE = `Usage: spindle groups [--bootstrap-server HOST:PORT] ACTION [options]

Lists, describes, resets and deletes consumer groups, like Kafka's kafka-consumer-groups.sh.

Actions (one of):
  --list                    print every group id, one per line (a table with --state, --type)
  --describe                describe --group (repeatable) or --all-groups: per partition the
                            committed offset, the log end offset, the lag and the member
                            consuming it (--offsets, the default); or per member (--members);
                            or the group's state (--state)
  --reset-offsets           set the committed offsets of --group (or --all-groups) for --topic
                            (or --all-topics) to --to-earliest, --to-latest, --to-current,
                            --to-offset N, --to-datetime TIME, --by-duration DURATION,
                            --shift-by N or --from-file CSV; prints the plan, commits it only
                            with --execute
  --delete                  delete --group (repeatable) or --all-groups
  --delete-offsets          delete --group's committed offsets for --topic (repeatable)

Options:
  --bootstrap-server HOST:PORT  broker to connect to (default: bootstrap.servers of
                                --command-config, else $SPINDLE_BOOTSTRAP_SERVER, else
                                localhost:9092)
  --group ID                    the group (repeatable)
  --all-groups                  every consumer group
  --topic T[:P,P…]              with --reset-offsets and --delete-offsets: the topic, optionally
                                some partitions (repeatable)
  --all-topics                  with --reset-offsets: every topic the group committed offsets for
  --offsets | --members | --state   with --describe: what to show (see above)
  --verbose                     with --describe: more columns (leader epoch; member epochs and
                                assignments; group epochs)
  --state [S,S…]                with --list: show each group's state, only those in S if given
                                (Stable, Empty, PreparingRebalance, CompletingRebalance, Dead)
  --type [T,T…]                 with --list: show each group's type, only those in T if given
                                (classic, consumer)
  --to-earliest | --to-latest | --to-current | --to-offset N | --shift-by N
  --to-datetime 2024-01-31T10:00:00.000   (a time zone such as Z or +01:00 may follow; local
                                time without one)
  --by-duration PnDTnHnMnS      reset to the offsets of that long ago, e.g. PT1H, P1DT12H
  --from-file CSV               offsets from a CSV of topic,partition,offset lines (with
                                group,topic,partition,offset when several groups are named), as
                                --export writes it
  --export                      with --reset-offsets: print the plan as CSV
  --dry-run                     print the new offsets only (the default)
  --execute                     commit the new offsets
  --timeout MS                  how long each request may take (default: 30000)
  --command-config FILE         admin client configs (client.id, request.timeout.ms, …)
  --version                     print Spindle's version
  -h, --help                    this help

Examples:
  spindle groups --list
  spindle groups --list --state stable
  spindle groups --describe --group billing
  spindle groups --describe --group billing --members --verbose
  spindle groups --describe --all-groups --state
  spindle groups --reset-offsets --group billing --topic orders --to-earliest --execute
  spindle groups --reset-offsets --group billing --topic orders:0,1 --shift-by -100 --dry-run
  spindle groups --reset-offsets --group billing --all-topics --by-duration PT1H --execute
  spindle groups --reset-offsets --group billing --all-topics --to-current --export > plan.csv
  spindle groups --delete-offsets --group billing --topic orders
  spindle groups --delete --group billing`;

export const GROUPS_FLAGS: Flags = {
  list: { kind: 'boolean' },
  describe: { kind: 'boolean' },
  'reset-offsets': { kind: 'boolean' },
  delete: { kind: 'boolean' },
  'delete-offsets': { kind: 'boolean' },
  group: { kind: 'list' },
  'all-groups': { kind: 'boolean' },
  topic: { kind: 'list' },
  'all-topics': { kind: 'boolean' },
  offsets: { kind: 'boolean' },
  members: { kind: 'boolean' },
  state: { kind: 'optional' },
  type: { kind: 'optional' },
  verbose: { kind: 'boolean' },
  'to-earliest': { kind: 'boolean' },
  'to-latest': { kind: 'boolean' },
  'to-current': { kind: 'boolean' },
  'to-offset': { kind: 'integer' },
  'to-datetime': { kind: 'string' },
  'by-duration': { kind: 'string' },
  'shift-by': { kind: 'integer' },
  'from-file': { kind: 'string' },
  export: { kind: 'boolean' },
  'dry-run': { kind: 'boolean' },
  execute: { kind: 'boolean' },
  timeout: { kind: 'integer' },
};

const ACTIONS = ['list', 'describe', 'reset-offsets', 'delete', 'delete-offsets'] as const;
const RESET_SPECS = ['to-earliest', 'to-latest', 'to-current', 'to-offset', 'to-datetime', 'by-duration', 'shift-by', 'from-file'] as const;
const MISSING = '-';
/** Kafka's GroupState names, as ListGroups and DescribeGroups spell them. */
const GROUP_STATES = ['PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead', 'Empty', 'Assigning', 'Reconciling'];
/** Kafka's GroupType.toString, by the lower-case name ListGroups answers. */
const GROUP_TYPES: Record<string, string> = { classic: 'Classic', consumer: 'Consumer', share: 'Share', streams: 'Streams' };

/** Counts the groups that could not be acted on, for the exit code; each said in one line. */
class Failures {
  count = 0;
  say(message: string): void {
    this.count++;
    process.stderr.write(`spindle groups: ${message}\n`);
  }
}

export function runGroups(argv: string[]): Promise<number> {
  return runTool('groups', GROUPS_USAGE, argv, async () => {
    const args = new Args(parseArgs(argv, GROUPS_FLAGS));
    args.noPositionals();
    const action = args.action(ACTIONS);
    checkCombinations(args, action);
    const resolved = resolveClientProperties(clientProperties(args), 'admin', 'spindle-groups', {}, (l) => process.stderr.write(`spindle groups: ${l}\n`));
    const timeout = args.integer('timeout');
    if (timeout !== undefined) {
      if (timeout < 1) throw new UsageError('--timeout must be positive');
      resolved.client.requestTimeoutMs = timeout;
    }
    const client = new Client({ ...resolved.client, bootstrapServers: args.bootstrap(resolved.bootstrap) });
    const admin = new Admin(client);
    const out = new Output();
    const failures = new Failures();
    try {
      switch (action) {
        case 'list':
          await list(client, args, out);
          break;
        case 'describe': {
          const groups = await groupIds(client, args);
          const how = args.flag('members') ? 'members' : args.has('state') && !args.flag('offsets') ? 'state' : 'offsets';
          for (const g of groups.sort()) {
            const [d] = await admin.describeGroups([g]);
            if (!d || d.state === 'Dead') {
              failures.say(`consumer group '${g}' does not exist`);
              continue;
            }
            stateNote(d);
            if (how === 'offsets') await describeOffsets(admin, d, args.flag('verbose'), out);
            else if (how === 'members') describeMembers(d, args.flag('verbose'), out);
            else await describeState(client, d, args.flag('verbose'), out);
            await out.maybeFlush();
          }
          break;
        }
        case 'reset-offsets':
          await resetOffsets(admin, args, out, failures);
          break;
        case 'delete':
          await deleteGroups(admin, await groupIds(client, args), out, failures);
          break;
        case 'delete-offsets':
          await deleteOffsets(admin, args, out, failures);
          break;
      }
      await out.flush();
      return failures.count > 0 ? 1 : 0;
    } finally {
      await client.close();
    }
  });
}

/** The options each action allows, as Kafka's ConsumerGroupCommandOptions checks them. */
function checkCombinations(args: Args, action: (typeof ACTIONS)[number]): void {
  const only = (flag: string, ...actions: string[]): void => {
    if (args.has(flag) && !actions.includes(action)) throw new UsageError(`--${flag} goes with ${actions.map((a) => `--${a}`).join(' or ')}`);
  };
  only('members', 'describe');
  only('offsets', 'describe');
  only('verbose', 'describe');
  only('state', 'describe', 'list');
  only('type', 'list');
  only('all-topics', 'reset-offsets');
  only('export', 'reset-offsets');
  only('dry-run', 'reset-offsets');
  only('execute', 'reset-offsets');
  for (const s of RESET_SPECS) only(s, 'reset-offsets');
  only('topic', 'reset-offsets', 'delete-offsets');
  only('group', 'describe', 'reset-offsets', 'delete', 'delete-offsets');
  only('all-groups', 'describe', 'reset-offsets', 'delete');
  if (action === 'describe' && [args.flag('members'), args.flag('offsets'), args.has('state')].filter(Boolean).length > 1) {
    throw new UsageError('--offsets, --members and --state cannot be combined');
  }
  if (['describe', 'reset-offsets', 'delete'].includes(action)) {
    const n = args.list('group').length;
    if (n === 0 && !args.flag('all-groups')) throw new UsageError(`--${action} needs --group or --all-groups`);
    if (n > 0 && args.flag('all-groups')) throw new UsageError('--group and --all-groups cannot be combined');
  }
  if (action === 'delete-offsets') {
    if (args.list('group').length !== 1) throw new UsageError('--delete-offsets needs exactly one --group');
    if (args.list('topic').length === 0) throw new UsageError('--delete-offsets needs --topic');
  }
}

async function groupIds(client: Client, args: Args): Promise<string[]> {
  if (!args.flag('all-groups')) return [...new Set(args.list('group'))];
  return (await listings(client)).map((g) => g.groupId);
}

interface Listing {
  groupId: string;
  state: string;
  type: string;
}

/** Consumer groups from every broker (ListGroups), with state and type; sorted by id. */
async function listings(client: Client): Promise<Listing[]> {
  await client.refreshMetadata([]);
  const out: Listing[] = [];
  for (const nodeId of client.brokers.keys()) {
    const c = await client.broker(nodeId);
    const r = await c.request(ListGroups, { statesFilter: [], typesFilter: [] });
    if (r.errorCode !== 0) throw new KafkaError(r.errorCode, `groups of broker ${nodeId}`);
    for (const g of r.groups) {
      // Kafka's tool lists consumer groups: the consumer protocol's, or none yet (offsets only).
      const type = g.groupType === '' ? 'classic' : g.groupType.toLowerCase();
      if (type === 'classic' && g.protocolType !== 'consumer' && g.protocolType !== '') continue;
      if (type !== 'classic' && type !== 'consumer') continue;
      out.push({ groupId: g.groupId, state: g.groupState, type });
    }
  }
  return out.sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
}

/** Parses --state or --type lists against the allowed names, case-insensitively. */
function parseChoices(text: string | undefined, allowed: string[], what: string): Set<string> | undefined {
  if (text === undefined || text === '') return undefined;
  const out = new Set<string>();
  for (const item of text.split(',').map((s) => s.trim())) {
    const found = allowed.find((a) => a.toLowerCase() === item.toLowerCase());
    if (!found) throw new UsageError(`invalid ${what} '${item}'; valid ${what}s are: ${allowed.join(', ')}`);
    out.add(found);
  }
  return out;
}

async function list(client: Client, args: Args, out: Output): Promise<void> {
  const withState = args.has('state');
  const withType = args.has('type');
  const states = parseChoices(args.string('state'), GROUP_STATES, 'state');
  const types = parseChoices(args.string('type'), ['classic', 'consumer'], 'type');
  const groups = (await listings(client)).filter((g) => (!states || states.has(g.state)) && (!types || types.has(g.type)));
  if (!withState && !withType) {
    for (const g of groups) out.line(g.groupId);
    return;
  }
  // Kafka's printGroupInfo: "%-Ns" with N the longest id (at least 15) plus 10, then "%-20s" columns.
  const width = Math.max(15, ...groups.map((g) => g.groupId.length)) + 10;
  const row = (id: string, type: string, state: string): string => [padRight(id, width), ...(withType ? [padRight(type, 20)] : []), ...(withState ? [padRight(state, 20)] : [])].join(' ');
  out.line(row('GROUP', 'TYPE', 'STATE'));
  for (const g of groups) out.line(row(g.groupId, GROUP_TYPES[g.type] ?? 'Unknown', g.state));
}

function stateNote(g: GroupDescription): void {
  if (g.state === 'Empty') process.stderr.write(`\nConsumer group '${g.groupId}' has no active members.\n`);
  else if (g.state === 'PreparingRebalance' || g.state === 'CompletingRebalance') process.stderr.write(`\nWarning: Consumer group '${g.groupId}' is rebalancing.\n`);
}

type Member = GroupDescription['members'][number];

const byTopicPartition = (a: { topic: string; partition: number }, b: { topic: string; partition: number }): number => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition);
const partitionsOf = (m: Member): { topic: string; partition: number }[] => (m.assignment ?? []).flatMap((tp) => tp.partitions.map((p) => ({ topic: tp.topic, partition: p })));

interface Row {
  group: string;
  topic: string;
  partition: string;
  leaderEpoch: string;
  offset: string;
  logEndOffset: string;
  lag: string;
  consumerId: string;
  host: string;
  clientId: string;
}

async function describeOffsets(admin: Admin, g: GroupDescription, verbose: boolean, out: Output): Promise<void> {
  const committed = await admin.fetchGroupOffsets(g.groupId);
  const key = (t: string, p: number): string => `${t}\u0000${p}`;
  const committedBy = new Map(committed.map((o) => [key(o.topic, o.partition), o.offset]));
  const owned = new Set<string>();
  const parts: { topic: string; partition: number; member?: Member }[] = [];
  // Kafka 4: members with partitions, the most partitions first, each member's sorted; members
  // without partitions have no row; then the committed partitions nobody owns.
  const members = g.members.filter((m) => partitionsOf(m).length > 0).sort((a, b) => partitionsOf(b).length - partitionsOf(a).length);
  for (const m of members) {
    for (const tp of partitionsOf(m).sort(byTopicPartition)) {
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
  const rows: Row[] = parts.map((p) => {
    const c = committedBy.get(key(p.topic, p.partition));
    const end = endBy.get(key(p.topic, p.partition));
    return {
      group: g.groupId,
      topic: p.topic,
      partition: String(p.partition),
      leaderEpoch: MISSING,
      offset: c === undefined ? MISSING : String(c),
      logEndOffset: end === undefined ? MISSING : String(end),
      lag: c === undefined || end === undefined ? MISSING : String(end - c),
      consumerId: p.member?.memberId ?? MISSING,
      host: p.member?.clientHost ?? MISSING,
      clientId: p.member?.clientId ?? MISSING,
    };
  });
  if (rows.length === 0) return;
  for (const line of groupTable(rows, verbose)) out.line(line);
}

/** Kafka's describe table: "%-Gs %-Ts %-10s (%-15s) %-15s %-15s %-15s %-Cs %-Hs %s", widths at least 15. */
export function groupTable(rows: Row[], verbose = false): string[] {
  const width = (f: (r: Row) => string): number => Math.max(15, ...rows.map((r) => f(r).length));
  const g = width((r) => r.group);
  const t = width((r) => r.topic);
  const c = width((r) => r.consumerId);
  const h = width((r) => r.host);
  const line = (r: Row): string =>
    [
      padRight(r.group, g),
      padRight(r.topic, t),
      padRight(r.partition, 10),
      ...(verbose ? [padRight(r.leaderEpoch, 15)] : []),
      padRight(r.offset, 15),
      padRight(r.logEndOffset, 15),
      padRight(r.lag, 15),
      padRight(r.consumerId, c),
      padRight(r.host, h),
      r.clientId,
    ].join(' ');
  const header: Row = {
    group: 'GROUP',
    topic: 'TOPIC',
    partition: 'PARTITION',
    leaderEpoch: 'LEADER-EPOCH',
    offset: 'CURRENT-OFFSET',
    logEndOffset: 'LOG-END-OFFSET',
    lag: 'LAG',
    consumerId: 'CONSUMER-ID',
    host: 'HOST',
    clientId: 'CLIENT-ID',
  };
  return ['', line(header), ...rows.map(line)];
}

/** "topic:0,1;other:2", topics sorted, as Kafka's getAssignmentString. */
function assignmentString(m: Member): string {
  const by = new Map<string, number[]>();
  for (const tp of partitionsOf(m)) {
    let l = by.get(tp.topic);
    if (!l) by.set(tp.topic, (l = []));
    l.push(tp.partition);
  }
  const parts = [...by].map(([topic, ps]) => `${topic}:${ps.sort((a, b) => a - b).join(',')}`).sort();
  return parts.length === 0 ? MISSING : parts.join(';');
}

/** Kafka's printMembers, trailing blanks included: its format ends each column with one. */
function describeMembers(g: GroupDescription, verbose: boolean, out: Output): void {
  const ms = g.members;
  const withInstance = ms.some((m) => (m.groupInstanceId ?? '') !== '');
  const gw = Math.max(15, g.groupId.length);
  const cw = Math.max(15, ...ms.map((m) => m.memberId.length));
  const iw = Math.max(17, ...ms.map((m) => (m.groupInstanceId ?? '').length));
  const hw = Math.max(15, ...ms.map((m) => m.clientHost.length));
  const lw = Math.max(15, ...ms.map((m) => m.clientId.length));
  const aw = Math.max(20, ...ms.map((m) => assignmentString(m).length));
  const row = (group: string, id: string, instance: string, host: string, client: string, count: string): string =>
    `${padRight(group, gw)} ${padRight(id, cw)} ${withInstance ? `${padRight(instance, iw)} ` : ''}${padRight(host, hw)} ${padRight(client, lw)} ${padRight(count, 15)} `;
  const extra = (currentEpoch: string, current: string, targetEpoch: string, target: string): string => `${padRight(currentEpoch, 15)} ${padRight(current, aw)} ${padRight(targetEpoch, 15)} ${padRight(target, 20)}`;
  out.line('');
  out.line(row('GROUP', 'CONSUMER-ID', 'GROUP-INSTANCE-ID', 'HOST', 'CLIENT-ID', '#PARTITIONS') + (verbose ? extra('CURRENT-EPOCH', 'CURRENT-ASSIGNMENT', 'TARGET-EPOCH', 'TARGET-ASSIGNMENT') : ''));
  for (const m of ms) {
    // Classic members have no epochs and no target assignment: "-", as Kafka shows them.
    out.line(row(g.groupId, m.memberId, m.groupInstanceId ?? '', m.clientHost, m.clientId, String(partitionsOf(m).length)) + (verbose ? extra(MISSING, assignmentString(m), MISSING, MISSING) : ''));
  }
}

async function describeState(client: Client, g: GroupDescription, verbose: boolean, out: Output): Promise<void> {
  const c = await client.coordinator(g.groupId);
  const id = [...client.brokers.values()].find((b) => `${b.host}:${b.port}` === c.address)?.nodeId;
  const coordinator = `${c.address}  (${id ?? MISSING})`;
  const cw = Math.max(25, coordinator.length);
  const gw = Math.max(15, g.groupId.length);
  const strategy = g.protocol === '' ? MISSING : g.protocol;
  const line = (cols: string[]): string =>
    verbose
      ? `${padRight(cols[0]!, gw)} ${padRight(cols[1]!, cw)} ${padRight(cols[2]!, 20)} ${padRight(cols[3]!, 20)} ${padRight(cols[4]!, 15)} ${padRight(cols[5]!, 25)} ${cols[6]}`
      : `${padRight(cols[0]!, gw)} ${padRight(cols[1]!, cw)} ${padRight(cols[2]!, 20)} ${padRight(cols[3]!, 20)} ${cols[6]}`;
  out.line('');
  out.line(line(['GROUP', 'COORDINATOR (ID)', 'ASSIGNMENT-STRATEGY', 'STATE', 'GROUP-EPOCH', 'TARGET-ASSIGNMENT-EPOCH', '#MEMBERS']));
  out.line(line([g.groupId, coordinator, strategy, g.state, MISSING, MISSING, String(g.members.length)]));
}

/** Kafka's reset table: "%-Gs %-Ts %-10s %s", GROUP and TOPIC at least 15 wide, across every group. */
export function resetTable(plans: { group: string; offsets: TopicPartitionOffset[] }[]): string[] {
  const gw = Math.max(15, ...plans.map((p) => p.group.length));
  const tw = Math.max(15, ...plans.flatMap((p) => p.offsets.map((o) => o.topic.length)));
  const line = (a: string, b: string, c: string, d: string): string => `${padRight(a, gw)} ${padRight(b, tw)} ${padRight(c, 10)} ${d}`;
  if (plans.length === 0) return [''];
  return ['', line('GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'), ...plans.flatMap((p) => p.offsets.map((o) => line(p.group, o.topic, String(o.partition), String(o.offset))))];
}

/**
 * Java's Duration.parse: [-]PnDTnHnMn.nS, each part optional and signed, in milliseconds.
 * Undefined for text that is not one.
 */
export function parseDuration(text: string): number | undefined {
  const m = /^([-+]?)P(?:([-+]?\d+)D)?(?:T(?:([-+]?\d+)H)?(?:([-+]?\d+)M)?(?:([-+]?\d+)(?:[.,](\d{0,9}))?S)?)?$/i.exec(text);
  if (!m || /T$/i.test(text) || text.replace(/^[-+]/, '').length <= 1) return undefined;
  const [, sign, d, h, min, s, frac] = m;
  const secondsSign = s?.startsWith('-') ? -1 : 1;
  const ms = Number(d ?? 0) * 86_400_000 + Number(h ?? 0) * 3_600_000 + Number(min ?? 0) * 60_000 + Number(s ?? 0) * 1000 + secondsSign * Number(`0.${frac ?? '0'}`) * 1000;
  return sign === '-' ? -ms : ms;
}

/** Kafka's Utils.getDateTime: yyyy-MM-ddTHH:mm:ss[.SSS], then Z, ±hh:mm or ±hhmm, or local time. */
export function parseDateTime(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})?$/.test(text)) return undefined;
  const t = Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(t) ? undefined : t;
}

/** Kafka's CSV of a reset plan: topic,partition,offset for one group, group,topic,partition,offset for several. */
function parsePlan(text: string, groups: string[]): Map<string, TopicPartitionOffset[]> {
  const rows = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => l.split(','));
  const single = groups.length === 1 && rows.length > 0 && rows[0]!.length === 3;
  const plan = new Map<string, TopicPartitionOffset[]>();
  for (const r of rows) {
    const [group, topic, partition, offset] = single ? [groups[0]!, ...r] : r;
    if (r.length !== (single ? 3 : 4) || !/^\d+$/.test(partition ?? '') || !/^-?\d+$/.test(offset ?? '')) {
      throw new UsageError(`--from-file: '${r.join(',')}' is not ${single ? 'topic,partition,offset' : 'group,topic,partition,offset'}`);
    }
    let l = plan.get(group!);
    if (!l) plan.set(group!, (l = []));
    l.push({ topic: topic!, partition: Number(partition), offset: Number(offset) });
  }
  return plan;
}

async function resetOffsets(admin: Admin, args: Args, out: Output, failures: Failures): Promise<void> {
  const scopes = args.list('topic');
  const specs = RESET_SPECS.filter((s) => args.has(s));
  if (specs.length !== 1) throw new UsageError(`--reset-offsets needs exactly one of ${RESET_SPECS.map((s) => `--${s}`).join(', ')}`);
  const spec = specs[0]!;
  if (scopes.length === 0 && !args.flag('all-topics') && spec !== 'from-file') throw new UsageError('--reset-offsets needs --topic or --all-topics');
  if (scopes.length > 0 && args.flag('all-topics')) throw new UsageError('--topic and --all-topics cannot be combined');
  if (args.flag('dry-run') && args.flag('execute')) throw new UsageError('--dry-run and --execute cannot be combined');
  let to: Parameters<Admin['planOffsetReset']>[2] | undefined;
  switch (spec) {
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
      const timestamp = parseDateTime(text);
      if (timestamp === undefined) throw new UsageError(`--to-datetime wants a date and time such as 2024-01-31T10:00:00.000 (time zone optional), not '${text}'`);
      to = { kind: 'datetime', timestamp };
      break;
    }
    case 'by-duration': {
      const text = args.string('by-duration')!;
      const ms = parseDuration(text);
      if (ms === undefined) throw new UsageError(`--by-duration wants a duration such as PT1H or P1DT12H30M (Java's PnDTnHnMnS), not '${text}'`);
      to = { kind: 'datetime', timestamp: Date.now() - ms };
      break;
    }
    case 'shift-by':
      to = { kind: 'shift', by: args.integer('shift-by')! };
      break;
    default:
      break;
  }
  const groups = await groupIds(admin.client, args);
  const file = args.string('from-file');
  let fromFile: Map<string, TopicPartitionOffset[]> | undefined;
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ClientError(`--from-file: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    fromFile = parsePlan(text, groups);
  }
  const plans: { group: string; offsets: TopicPartitionOffset[] }[] = [];
  for (const groupId of groups.sort()) {
    const [g] = await admin.describeGroups([groupId]);
    const state = g?.state ?? 'Dead';
    if (state !== 'Empty' && state !== 'Dead') {
      failures.say(`assignments can only be reset if the group '${groupId}' is inactive, but the current state is ${state}`);
      continue;
    }
    let plan: TopicPartitionOffset[];
    if (fromFile) {
      const wanted = fromFile.get(groupId);
      if (!wanted) {
        failures.say(`no reset plan for group '${groupId}' in ${file}`);
        continue;
      }
      plan = await clamp(admin, wanted);
    } else {
      const topics = await scopeOf(admin, groupId, args);
      if (spec === 'to-current') {
        const partitions = await expand(admin, topics);
        const committed = new Map((await admin.fetchGroupOffsets(groupId, partitions)).map((o) => [`${o.topic}\u0000${o.partition}`, o.offset]));
        const ends = new Map((await admin.listOffsets(partitions, 'latest')).map((o) => [`${o.topic}\u0000${o.partition}`, o.offset]));
        // Without a committed offset, the log end: Kafka's resetToCurrent.
        plan = partitions.map((p) => ({ ...p, offset: committed.get(`${p.topic}\u0000${p.partition}`) ?? ends.get(`${p.topic}\u0000${p.partition}`)! }));
      } else {
        plan = await admin.planOffsetReset(groupId, topics, to!);
      }
    }
    plan.sort(byTopicPartition);
    if (args.flag('execute') && plan.length > 0) await admin.commitGroupOffsets(groupId, plan);
    plans.push({ group: groupId, offsets: plan });
  }
  if (!args.flag('execute') && !args.flag('dry-run')) {
    process.stderr.write(
      'WARN: No action will be performed as the --execute option is missing. In version 5.0, this command will require either --dry-run or --execute to be specified. You should add the --dry-run option explicitly if you are scripting this command and want to keep the current default behavior without prompting.\n',
    );
  }
  if (args.flag('export')) {
    // Kafka's CSV: without the group when one group was named; then an empty line (println).
    const single = args.list('group').length === 1;
    for (const p of plans) for (const o of p.offsets) out.line(single ? `${o.topic},${o.partition},${o.offset}` : `${p.group},${o.topic},${o.partition},${o.offset}`);
    out.line('');
  } else {
    for (const line of resetTable(plans)) out.line(line);
  }
}

/** The topics (and partitions) --topic or --all-topics names for a group. */
async function scopeOf(admin: Admin, groupId: string, args: Args): Promise<{ topic: string; partitions?: number[] }[]> {
  if (args.flag('all-topics')) {
    const committed = await admin.fetchGroupOffsets(groupId);
    return [...new Set(committed.map((o) => o.topic))].map((topic) => ({ topic }));
  }
  return args.list('topic').map(topicScope);
}

function topicScope(s: string): { topic: string; partitions?: number[] } {
  const colon = s.lastIndexOf(':');
  if (colon < 0) return { topic: s };
  const list = s.slice(colon + 1).split(',');
  if (!list.every((p) => /^\d+$/.test(p))) throw new UsageError(`--topic wants TOPIC or TOPIC:P,P…, not '${s}'`);
  return { topic: s.slice(0, colon), partitions: list.map(Number) };
}

async function expand(admin: Admin, topics: { topic: string; partitions?: number[] }[]): Promise<{ topic: string; partition: number }[]> {
  const out: { topic: string; partition: number }[] = [];
  for (const t of topics) {
    const info = await admin.client.topic(t.topic, { refresh: true });
    for (const p of t.partitions ?? info.partitions.map((x) => x.partition)) {
      if (!info.partitions[p]) throw new ClientError(`topic '${t.topic}' has no partition ${p}`);
      out.push({ topic: t.topic, partition: p });
    }
  }
  return out;
}

/** Offsets from a plan, each moved into [log start, log end] as Kafka's checkOffsetsRange does. */
async function clamp(admin: Admin, wanted: TopicPartitionOffset[]): Promise<TopicPartitionOffset[]> {
  const partitions = await expand(admin, wanted.map((w) => ({ topic: w.topic, partitions: [w.partition] })));
  const k = (t: string, p: number): string => `${t}\u0000${p}`;
  const starts = new Map((await admin.listOffsets(partitions, 'earliest')).map((o) => [k(o.topic, o.partition), o.offset]));
  const ends = new Map((await admin.listOffsets(partitions, 'latest')).map((o) => [k(o.topic, o.partition), o.offset]));
  return wanted.map((w) => ({ topic: w.topic, partition: w.partition, offset: Math.min(Math.max(w.offset, starts.get(k(w.topic, w.partition))!), ends.get(k(w.topic, w.partition))!) }));
}

async function deleteGroups(admin: Admin, groups: string[], out: Output, failures: Failures): Promise<void> {
  const deleted: string[] = [];
  for (const g of groups) {
    try {
      await admin.deleteGroups([g]);
      deleted.push(g);
    } catch (e) {
      if (!(e instanceof KafkaError || e instanceof ClientError)) throw e;
      failures.say(e.message);
    }
  }
  if (deleted.length > 0) out.line(`Deletion of requested consumer groups (${deleted.map((g) => `'${g}'`).join(', ')}) was successful.`);
}

async function deleteOffsets(admin: Admin, args: Args, out: Output, failures: Failures): Promise<void> {
  const groupId = args.list('group')[0]!;
  const results: { topic: string; partition: string; status: string }[] = [];
  let requestOk = true;
  const wanted = new Map<string, number[]>();
  for (const s of args.list('topic')) {
    const scope = topicScope(s);
    const info = await admin.client.topic(scope.topic, { refresh: true }).catch((e: unknown) => {
      if (e instanceof ClientError) return undefined;
      throw e;
    });
    if (!info) {
      results.push({ topic: scope.topic, partition: MISSING, status: `Error: topic '${scope.topic}' does not exist` });
      continue;
    }
    const list = wanted.get(scope.topic) ?? [];
    for (const p of scope.partitions ?? info.partitions.map((x) => x.partition)) if (!list.includes(p)) list.push(p);
    wanted.set(scope.topic, list);
  }
  if (wanted.size > 0) {
    const c = await admin.client.coordinator(groupId);
    const r = await c.request(OffsetDelete, { groupId, topics: [...wanted].map(([name, ps]) => ({ name, partitions: ps.map((partitionIndex) => ({ partitionIndex })) })) });
    // Errors about the group as a whole: nothing was deleted.
    if (r.errorCode === ErrorCode.GROUP_ID_NOT_FOUND) throw new ClientError(`consumer group '${groupId}' does not exist`);
    if (r.errorCode !== 0 && r.errorCode !== ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC) throw new KafkaError(r.errorCode, `group '${groupId}'`);
    requestOk = r.errorCode === 0;
    for (const t of r.topics) {
      for (const p of t.partitions) results.push({ topic: t.name, partition: String(p.partitionIndex), status: p.errorCode === 0 ? 'Successful' : `Error: ${new KafkaError(p.errorCode).message}` });
    }
  }
  // As Kafka: "succeeded" when the request as a whole was, whatever its partitions say.
  if (requestOk) out.line(`Request succeeded for deleting offsets from group ${groupId}.`);
  if (results.some((x) => x.status !== 'Successful')) failures.say(`some offsets of group '${groupId}' could not be deleted; see the table`);
  // Kafka's table: "%n%-Ts %-10s %-15s", sorted by topic and partition as text.
  const tw = Math.max(15, ...results.map((x) => x.topic.length));
  out.line('');
  out.line(`${padRight('TOPIC', tw)} ${padRight('PARTITION', 10)} ${padRight('STATUS', 15)}`);
  for (const x of results.sort((a, b) => (a.topic + a.partition < b.topic + b.partition ? -1 : 1))) out.line(`${padRight(x.topic, tw)} ${padRight(x.partition, 10)} ${padRight(x.status, 15)}`);
}
