/**
 * `spindle transactions`: the transactional state of producers, like Kafka's
 * kafka-transactions.sh, to find and end hanging transactions. Its commands and tables are
 * Kafka's (each column as wide as its longest cell, every cell followed by a tab):
 *
 *   list [--duration-filter MS] [--transactional-id-pattern RE] [--state S,…] [--producer-id ID,…]
 *       TransactionalId Coordinator ProducerId TransactionState, from every broker
 *       (ListTransactions); --state and --producer-id are the API's own filters, which Kafka's
 *       tool does not offer
 *   describe --transactional-id ID
 *       CoordinatorId TransactionalId ProducerId ProducerEpoch TransactionState
 *       TransactionTimeoutMs CurrentTransactionStartTimeMs TransactionDurationMs TopicPartitions
 *       (FindCoordinator key type 1, then DescribeTransactions)
 *   describe-producers --topic T --partition P [--broker-id N]
 *       ProducerId ProducerEpoch LatestCoordinatorEpoch LastSequence LastTimestamp
 *       CurrentTransactionStartOffset (DescribeProducers to the leader, or to broker N)
 *   find-hanging (--broker-id N | --topic T [--partition P]) [--max-transaction-timeout MIN]
 *       Topic Partition ProducerId ProducerEpoch CoordinatorEpoch StartOffset LastTimestamp
 *       Duration(min): Kafka's search. The producers of the partitions in scope (those with a
 *       replica on broker N, or of topic T) whose open transaction last wrote longer ago than
 *       the timeout (15 minutes by default) are candidates; ListTransactions by producer id
 *       finds their transactional ids, DescribeTransactions their coordinator's view; a
 *       candidate hangs when no coordinator knows its producer, or its transactional id, or the
 *       coordinator's transaction does not hold that partition.
 *   abort --topic T --partition P (--start-offset O | --producer-id ID --producer-epoch E
 *         --coordinator-epoch C)
 *       an abort marker (WriteTxnMarkers) through the partition's leader; with --start-offset
 *       the producer whose open transaction starts there (DescribeProducers). Prints nothing,
 *       as Kafka's tool.
 *
 * Failures are one line on stderr in Kafka's words ("Failed to describe transaction state of
 * transactional-id `x`: …"), exit code 1; usage errors exit 2, as the other subcommands.
 * --transactional-id-pattern is matched here, against the whole id, with JavaScript's regular
 * expressions: ListTransactions carries a pattern only from version 2 (KIP-1152), which Spindle
 * does not serve (Kafka's own tool refuses the flag against such a broker).
 *
 * Main thread.
 */
import { Admin, TRANSACTION_STATES, type PartitionProducers, type ProducerState, type TransactionDescription } from '../client/admin.js';
import { Client } from '../client/client.js';
import { ClientError, KafkaError } from '../client/errors.js';
import { ErrorCode } from '../protocol/errors.js';
import { Args, COMMON_FLAGS, type Flags, Output, UsageError, isOperatingError, parseArgs, runTool } from './args.js';
import { clientProperties, resolveClientProperties } from './client-config.js';

const COMMANDS = ['list', 'describe', 'describe-producers', 'abort', 'find-hanging'] as const;
type Command = (typeof COMMANDS)[number];

const OPTIONS = `  --bootstrap-server HOST:PORT  broker to connect to (default: bootstrap.servers of
                                --command-config, else $SPINDLE_BOOTSTRAP_SERVER, else
                                localhost:9092)
  --command-config FILE         admin client configs (client.id, request.timeout.ms, …)
  --version                     print Spindle's version
  -h, --help                    this help`;

export const TRANSACTIONS_USAGE = `Usage: spindle transactions [--bootstrap-server HOST:PORT] COMMAND [options]

Analyzes the transactional state of producers and recovers from hanging transactions, like
Kafka's kafka-transactions.sh.

Commands:
  list                  list transactions (every transactional id the brokers coordinate)
  describe              describe the state of a transactional id
  describe-producers    describe the states of the active producers of a partition
  find-hanging          find hanging transactions: open in a partition, no coordinator ending them
  abort                 abort a hanging transaction

Options:
${OPTIONS}

Run 'spindle transactions COMMAND --help' for a command's options.

Examples:
  spindle transactions list
  spindle transactions describe --transactional-id billing-1
  spindle transactions describe-producers --topic orders --partition 0
  spindle transactions find-hanging --broker-id 1
  spindle transactions abort --topic orders --partition 0 --start-offset 1234`;

const USAGES: Record<Command, string> = {
  list: `Usage: spindle transactions [--bootstrap-server HOST:PORT] list [options]

Lists transactions: per transactional id its coordinator, producer id and state, from every
broker. Columns: TransactionalId Coordinator ProducerId TransactionState.

Options:
  --duration-filter MS          only transactions running longer than MS milliseconds (all
                                when negative)
  --transactional-id-pattern RE only transactional ids the regular expression matches whole
                                (matched by this tool: the broker's ListTransactions has no
                                pattern filter before version 2)
  --state S[,S…]                only transactions in these states: Empty, Ongoing,
                                PrepareCommit, PrepareAbort, CompleteCommit, CompleteAbort,
                                PrepareEpochFence (Spindle's addition: a filter of the
                                ListTransactions API that Kafka's tool does not offer)
  --producer-id ID[,ID…]        only these producer ids (Spindle's addition, likewise;
                                repeatable)
${OPTIONS}

Examples:
  spindle transactions list
  spindle transactions list --duration-filter 60000
  spindle transactions list --state Ongoing,PrepareCommit`,
  describe: `Usage: spindle transactions [--bootstrap-server HOST:PORT] describe --transactional-id ID

Describes the state of a transactional id, as its coordinator has it. Columns: CoordinatorId
TransactionalId ProducerId ProducerEpoch TransactionState TransactionTimeoutMs
CurrentTransactionStartTimeMs TransactionDurationMs TopicPartitions (None when no transaction is
under way).

Options:
  --transactional-id ID         the transactional id (required)
${OPTIONS}

Example:
  spindle transactions describe --transactional-id billing-1`,
  'describe-producers': `Usage: spindle transactions [--bootstrap-server HOST:PORT] describe-producers --topic T --partition P [--broker-id N]

Describes the states of the active producers of a partition, as its log has them. Columns:
ProducerId ProducerEpoch LatestCoordinatorEpoch LastSequence LastTimestamp
CurrentTransactionStartOffset (None when the producer has no open transaction).

Options:
  --topic T                     topic name (required)
  --partition P                 partition number (required)
  --broker-id N                 ask broker N instead of the partition's leader
${OPTIONS}

Example:
  spindle transactions describe-producers --topic orders --partition 0`,
  'find-hanging': `Usage: spindle transactions [--bootstrap-server HOST:PORT] find-hanging (--broker-id N | --topic T [--partition P]) [options]

Finds hanging transactions: open in a partition for longer than the maximum transaction timeout
while no coordinator will end them (no coordinator knows the producer or its transactional id,
or its transaction does not hold that partition). Columns: Topic Partition ProducerId
ProducerEpoch CoordinatorEpoch StartOffset LastTimestamp Duration(min).

Options:
  --broker-id N                 search the partitions with a replica on broker N
  --topic T                     search topic T (required with --partition)
  --partition P                 only partition P of --topic
  --max-transaction-timeout MIN only transactions whose last write is older than MIN minutes
                                (default: 15)
${OPTIONS}

Examples:
  spindle transactions find-hanging --broker-id 1
  spindle transactions find-hanging --topic orders --max-transaction-timeout 5`,
  abort: `Usage: spindle transactions [--bootstrap-server HOST:PORT] abort --topic T --partition P (--start-offset O | --producer-id ID --producer-epoch E --coordinator-epoch C)

Aborts a hanging transaction of a partition: writes an abort marker for its producer through the
partition's leader. Prints nothing when it is done.

Options:
  --topic T                     topic name (required)
  --partition P                 partition number (required)
  --start-offset O              the first offset of the transaction to abort (its producer is
                                looked up with describe-producers)
  --producer-id ID              or name the producer: its id,
  --producer-epoch E            its epoch
  --coordinator-epoch C         and the coordinator epoch (a negative one counts as 0), as
                                describe-producers shows them
${OPTIONS}

Examples:
  spindle transactions abort --topic orders --partition 0 --start-offset 1234
  spindle transactions abort --topic orders --partition 0 --producer-id 42 --producer-epoch 3 --coordinator-epoch -1`,
};

export const TRANSACTIONS_FLAGS: Record<Command, Flags> = {
  list: {
    'duration-filter': { kind: 'integer' },
    'transactional-id-pattern': { kind: 'string' },
    state: { kind: 'list' },
    'producer-id': { kind: 'list' },
  },
  describe: { 'transactional-id': { kind: 'string' } },
  'describe-producers': { 'broker-id': { kind: 'integer' }, topic: { kind: 'string' }, partition: { kind: 'integer' } },
  'find-hanging': { 'broker-id': { kind: 'integer' }, 'max-transaction-timeout': { kind: 'integer' }, topic: { kind: 'string' }, partition: { kind: 'integer' } },
  abort: {
    topic: { kind: 'string' },
    partition: { kind: 'integer' },
    'start-offset': { kind: 'integer' },
    'producer-id': { kind: 'integer' },
    'producer-epoch': { kind: 'integer' },
    'coordinator-epoch': { kind: 'integer' },
  },
};

/** Every command's flags at once, each taking a value, to find the command among the arguments. */
const ANY_FLAGS: Flags = Object.fromEntries(Object.values(TRANSACTIONS_FLAGS).flatMap((f) => Object.keys(f).map((name) => [name, { kind: 'list' as const }])));

/** Kafka's tool asks DescribeProducers about this many partitions at a time. */
const BATCH = 500;
const DEFAULT_MAX_TRANSACTION_TIMEOUT_MIN = 15;

/** The command named among the arguments, if they parse at all (for --help). */
function commandOf(argv: string[]): Command | undefined {
  try {
    const first = parseArgs(argv, ANY_FLAGS).positionals[0];
    return COMMANDS.find((c) => c === first);
  } catch {
    return undefined;
  }
}

export function runTransactions(argv: string[]): Promise<number> {
  const named = commandOf(argv);
  return runTool('transactions', named ? USAGES[named] : TRANSACTIONS_USAGE, argv, async () => {
    const loose = parseArgs(argv, ANY_FLAGS);
    const [command, ...extra] = loose.positionals;
    if (command === undefined) throw new UsageError(`a command is required: ${COMMANDS.join(', ')}`);
    if (!named) throw new UsageError(`unknown command '${command}'; the commands are ${COMMANDS.join(', ')}`);
    if (extra[0] !== undefined) throw new UsageError(`unexpected argument '${extra[0]}'`);
    const own = TRANSACTIONS_FLAGS[named];
    for (const name of loose.values.keys()) {
      if (!(name in own) && !(name in COMMON_FLAGS)) throw new UsageError(`--${name} does not go with ${named}`);
    }
    const args = new Args(parseArgs(argv, own));
    const resolved = resolveClientProperties(clientProperties(args), 'admin', 'spindle-transactions', {}, (l) => process.stderr.write(`spindle transactions: ${l}\n`));
    // Flags are checked before connecting: a usage error needs no broker.
    const run = prepare(named, args);
    const client = new Client({ ...resolved.client, bootstrapServers: args.bootstrap(resolved.bootstrap) });
    const admin = new Admin(client);
    const out = new Output();
    try {
      await run(admin, out);
      await out.flush();
      return 0;
    } finally {
      await client.close();
    }
  });
}

type Action = (admin: Admin, out: Output) => Promise<void>;

function prepare(command: Command, args: Args): Action {
  switch (command) {
    case 'list':
      return prepareList(args);
    case 'describe': {
      const id = args.string('transactional-id');
      if (id === undefined) throw new UsageError('--transactional-id is required');
      return (admin, out) => describe(admin, id, out);
    }
    case 'describe-producers': {
      const tp = topicPartition(args);
      const brokerId = args.integer('broker-id');
      return (admin, out) => describeProducers(admin, tp, brokerId, out);
    }
    case 'find-hanging':
      return prepareFindHanging(args);
    case 'abort':
      return prepareAbort(args);
  }
}

/** --topic and --partition, both required. */
function topicPartition(args: Args): { topic: string; partition: number } {
  const topic = args.required('topic');
  const partition = args.integer('partition');
  if (partition === undefined) throw new UsageError('--partition is required');
  if (partition < 0) throw new UsageError('--partition must not be negative');
  return { topic, partition };
}

const tpName = (tp: { topic: string; partition: number }): string => `${tp.topic}-${tp.partition}`;

/** Runs `fn`; a client or broker error becomes one line led by Kafka's words for what failed. */
async function failing<T>(what: string, fn: () => Promise<T>, explain: (e: Error) => string = (e) => e.message): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isOperatingError(e)) throw new ClientError(`${what}: ${explain(e as Error)}`);
    throw e;
  }
}

// ───────────────────────────── tables ─────────────────────────────

/** Kafka's prettyPrintTable: each column as wide as its widest cell, every cell followed by a tab. */
export function tableLines(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => `${c.padEnd(widths[i]!)}\t`).join('');
  return [line(headers), ...rows.map(line)];
}

function print(out: Output, headers: readonly string[], rows: readonly (readonly string[])[]): void {
  for (const l of tableLines(headers, rows)) out.line(l);
}

// ───────────────────────────── list ─────────────────────────────

function prepareList(args: Args): Action {
  const states: string[] = [];
  for (const s of args.list('state').flatMap((x) => x.split(',')).map((x) => x.trim()).filter((x) => x !== '')) {
    const found = TRANSACTION_STATES.find((t) => t.toLowerCase() === s.toLowerCase());
    if (!found) throw new UsageError(`invalid state '${s}'; valid states are: ${TRANSACTION_STATES.join(', ')}`);
    if (!states.includes(found)) states.push(found);
  }
  const producerIds: number[] = [];
  for (const p of args.list('producer-id').flatMap((x) => x.split(',')).map((x) => x.trim()).filter((x) => x !== '')) {
    if (!/^-?\d+$/.test(p)) throw new UsageError(`--producer-id must be an integer, not '${p}'`);
    producerIds.push(Number(p));
  }
  const duration = args.integer('duration-filter');
  const patternText = args.string('transactional-id-pattern');
  let pattern: RegExp | undefined;
  if (patternText !== undefined && patternText !== '') {
    try {
      pattern = new RegExp(`^(?:${patternText})$`, 'u');
    } catch (e) {
      throw new UsageError(`--transactional-id-pattern: ${(e as Error).message}`);
    }
  }
  return async (admin, out) => {
    const filters: Parameters<Admin['listTransactions']>[0] = { states, producerIds };
    if (duration !== undefined && duration >= 0) filters.durationMs = duration;
    const listed = await failing('Failed to list transactions', () => admin.listTransactions(filters));
    const shown = pattern ? listed.filter((t) => pattern.test(t.transactionalId)) : listed;
    print(
      out,
      ['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState'],
      shown.map((t) => [t.transactionalId, String(t.coordinatorId), String(t.producerId), t.state]),
    );
  };
}

// ───────────────────────────── describe ─────────────────────────────

async function describe(admin: Admin, transactionalId: string, out: Output): Promise<void> {
  const [d] = await failing(
    `Failed to describe transaction state of transactional-id \`${transactionalId}\``,
    () => admin.describeTransactions([transactionalId]),
    (e) =>
      e instanceof KafkaError && e.code === ErrorCode.TRANSACTIONAL_ID_NOT_FOUND
        ? `DescribeTransactions request for transactionalId \`${transactionalId}\` failed because the ID could not be found`
        : e.message,
  );
  const t = d!;
  const started = t.transactionStartTimeMs >= 0;
  print(
    out,
    ['CoordinatorId', 'TransactionalId', 'ProducerId', 'ProducerEpoch', 'TransactionState', 'TransactionTimeoutMs', 'CurrentTransactionStartTimeMs', 'TransactionDurationMs', 'TopicPartitions'],
    [
      [
        String(t.coordinatorId),
        transactionalId,
        String(t.producerId),
        String(t.producerEpoch),
        t.state,
        String(t.transactionTimeoutMs),
        started ? String(t.transactionStartTimeMs) : 'None',
        started ? String(Date.now() - t.transactionStartTimeMs) : 'None',
        sortedPartitions(t).map(tpName).join(','),
      ],
    ],
  );
}

function sortedPartitions(t: TransactionDescription): { topic: string; partition: number }[] {
  return [...t.topicPartitions].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
}

// ───────────────────────────── describe-producers ─────────────────────────────

async function describeProducers(admin: Admin, tp: { topic: string; partition: number }, brokerId: number | undefined, out: Output): Promise<void> {
  const options = brokerId === undefined ? {} : { brokerId };
  const [r] = await failing(`Failed to describe producers for partition ${tpName(tp)} on ${brokerId === undefined ? 'leader' : `broker ${brokerId}`}`, () => admin.describeProducers([tp], options));
  print(
    out,
    ['ProducerId', 'ProducerEpoch', 'LatestCoordinatorEpoch', 'LastSequence', 'LastTimestamp', 'CurrentTransactionStartOffset'],
    r!.producers.map((p) => [
      String(p.producerId),
      String(p.producerEpoch),
      String(p.coordinatorEpoch < 0 ? -1 : p.coordinatorEpoch),
      String(p.lastSequence),
      String(p.lastTimestamp),
      p.currentTxnStartOffset >= 0 ? String(p.currentTxnStartOffset) : 'None',
    ]),
  );
}

// ───────────────────────────── find-hanging ─────────────────────────────

interface OpenTransaction {
  topic: string;
  partition: number;
  producer: ProducerState;
}

function prepareFindHanging(args: Args): Action {
  const brokerId = args.integer('broker-id');
  const topic = args.string('topic');
  const partition = args.integer('partition');
  if (topic === undefined && brokerId === undefined) throw new UsageError('The `find-hanging` command requires either --topic or --broker-id to limit the scope of the search');
  if (partition !== undefined && topic === undefined) throw new UsageError('The --partition argument requires --topic to be provided');
  if (partition !== undefined && partition < 0) throw new UsageError('--partition must not be negative');
  const minutes = args.integer('max-transaction-timeout') ?? DEFAULT_MAX_TRANSACTION_TIMEOUT_MIN;
  const maxTimeoutMs = minutes * 60_000;
  return async (admin, out) => {
    const partitions = await partitionsToSearch(admin, topic, partition, brokerId);
    const candidates = await openTransactions(admin, partitions, brokerId, maxTimeoutMs);
    const hanging = candidates.length === 0 ? [] : await hangingOf(admin, candidates);
    const now = Date.now();
    print(
      out,
      ['Topic', 'Partition', 'ProducerId', 'ProducerEpoch', 'CoordinatorEpoch', 'StartOffset', 'LastTimestamp', 'Duration(min)'],
      hanging.map((h) => [
        h.topic,
        String(h.partition),
        String(h.producer.producerId),
        String(h.producer.producerEpoch),
        String(h.producer.coordinatorEpoch < 0 ? -1 : h.producer.coordinatorEpoch),
        String(h.producer.currentTxnStartOffset),
        String(h.producer.lastTimestamp),
        String(Math.trunc((now - h.producer.lastTimestamp) / 60_000)),
      ]),
    );
  };
}

/** The partitions in scope: one, a topic's, or every (non-internal) topic's; those with a replica on the broker when one is named. */
async function partitionsToSearch(admin: Admin, topic: string | undefined, partition: number | undefined, brokerId: number | undefined): Promise<{ topic: string; partition: number }[]> {
  if (topic !== undefined && partition !== undefined) return [{ topic, partition }];
  const topics = topic !== undefined ? [topic] : await failing('Failed to list topics', () => admin.listTopics());
  const out: { topic: string; partition: number }[] = [];
  for (let i = 0; i < topics.length; i += BATCH) {
    const batch = topics.slice(i, i + BATCH);
    const described = await failing(`Failed to describe ${batch.length} topics`, async () => {
      if (topic !== undefined) return [await admin.client.topic(topic, { refresh: true })];
      // Topics deleted since they were listed answer an error: nothing to search there.
      return (await admin.client.refreshMetadata(batch)).topics.filter((t) => t.errorCode === 0);
    });
    for (const t of described) {
      for (const p of t.partitions) if (brokerId === undefined || p.replicas.includes(brokerId)) out.push({ topic: t.name, partition: p.partition });
    }
  }
  return out;
}

/** The producers with a transaction open in the partitions whose last write is older than the timeout. */
async function openTransactions(admin: Admin, partitions: { topic: string; partition: number }[], brokerId: number | undefined, maxTimeoutMs: number): Promise<OpenTransaction[]> {
  const out: OpenTransaction[] = [];
  for (let i = 0; i < partitions.length; i += BATCH) {
    const batch = partitions.slice(i, i + BATCH);
    const answered: PartitionProducers[] = await failing(`Failed to describe producers for ${batch.length} partitions on ${brokerId === undefined ? 'their leaders' : `broker ${brokerId}`}`, () =>
      admin.describeProducers(batch, brokerId === undefined ? {} : { brokerId }),
    );
    const now = Date.now();
    for (const p of answered) {
      for (const producer of p.producers) {
        if (producer.currentTxnStartOffset >= 0 && now - producer.lastTimestamp > maxTimeoutMs) out.push({ topic: p.topic, partition: p.partition, producer });
      }
    }
  }
  return out;
}

/** The candidates no coordinator will end: its producer or transactional id unknown, or the partition not in its transaction. */
async function hangingOf(admin: Admin, candidates: OpenTransaction[]): Promise<OpenTransaction[]> {
  const producerIds = [...new Set(candidates.map((c) => c.producer.producerId))];
  const listed = await failing(`Failed to list transactions for ${producerIds.length} producers`, () => admin.listTransactions({ producerIds }));
  const idOf = new Map<number, string>();
  for (const l of listed) if (producerIds.includes(l.producerId)) idOf.set(l.producerId, l.transactionalId);
  const ids = [...new Set(idOf.values())];
  const described = ids.length === 0 ? [] : await failing(`Failed to describe ${ids.length} transactions`, () => admin.describeTransactions(ids, { allowMissing: true }));
  const byId = new Map(described.map((d) => [d.transactionalId, d]));
  return candidates.filter((c) => {
    const id = idOf.get(c.producer.producerId);
    const d = id === undefined ? undefined : byId.get(id);
    if (!d) return true;
    return !d.topicPartitions.some((tp) => tp.topic === c.topic && tp.partition === c.partition);
  });
}

// ───────────────────────────── abort ─────────────────────────────

function prepareAbort(args: Args): Action {
  const tp = topicPartition(args);
  const startOffset = args.integer('start-offset');
  const producerId = args.integer('producer-id');
  if (startOffset === undefined && producerId === undefined) {
    throw new UsageError(
      'The transaction to abort must be identified either with --start-offset (for brokers on 3.0 or above) or with --producer-id, --producer-epoch, and --coordinator-epoch (for older brokers)',
    );
  }
  let given: { producerId: number; producerEpoch: number; coordinatorEpoch: number } | undefined;
  if (startOffset === undefined) {
    const producerEpoch = args.integer('producer-epoch');
    if (producerEpoch === undefined) throw new UsageError('Missing required argument --producer-epoch');
    if (producerEpoch < 0 || producerEpoch > 32767) throw new UsageError('--producer-epoch must be from 0 to 32767');
    const coordinatorEpoch = args.integer('coordinator-epoch');
    if (coordinatorEpoch === undefined) throw new UsageError('Missing required argument --coordinator-epoch');
    // A producer that never saw a marker shows coordinator epoch -1; 0 is at most any epoch a coordinator has had.
    given = { producerId: producerId!, producerEpoch, coordinatorEpoch: Math.max(0, coordinatorEpoch) };
  }
  return async (admin) => {
    let spec = given;
    if (!spec) {
      const [r] = await failing(`Failed to validate producer state for partition ${tpName(tp)}`, () => admin.describeProducers([tp]));
      const p = r!.producers.find((x) => x.currentTxnStartOffset >= 0 && x.currentTxnStartOffset === startOffset);
      if (!p) throw new ClientError(`Could not find any open transactions starting at offset ${startOffset} on partition ${tpName(tp)}`);
      spec = { producerId: p.producerId, producerEpoch: p.producerEpoch, coordinatorEpoch: Math.max(0, p.coordinatorEpoch) };
    }
    const s = spec;
    await failing(`Failed to abort transaction of producer ${s.producerId} (epoch ${s.producerEpoch}, coordinator epoch ${s.coordinatorEpoch}) on partition ${tpName(tp)}`, () =>
      admin.abortTransaction({ ...tp, ...s }),
    );
  };
}
