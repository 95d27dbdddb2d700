/**
 * Every configuration key Spindle knows: one table, and the topic-level view built beside it.
 *
 * This module owns the declarations: for each broker key its Kafka name, type, default,
 * validation, the topic-level name where Kafka has one, whether Spindle honours it, and one line
 * of documentation. The keys are the ones a Kafka 3.9 `server.properties` can hold (KRaft mode,
 * plus the ZooKeeper-era keys an older file still carries), with Kafka's defaults, and the few
 * keys of Spindle's own (`console.listener`). Nothing else in the code base declares a default;
 * load.ts reads, validates and derives from this table, and handlers read the result.
 *
 *   effect 'honoured'   the key changes what Spindle does (test/broker/config/honoured-keys.test.ts
 *                       fails when nothing reads one)
 *   effect 'no-effect'  accepted so that a Kafka file loads unchanged, and reported at start-up:
 *                       replication, the KRaft quorum, JVM thread pools, TLS and SASL, metrics
 *
 * Where Spindle's default differs from Kafka's, `default` is Spindle's and `kafkaDefault` says
 * what Kafka would use: listeners (loopback instead of every interface), log.dir (./data instead
 * of /tmp/kafka-logs), num.io.threads (one partition worker per core but one, instead of 8),
 * queued.max.request.bytes (64 MiB instead of no limit, so that memory stays bounded whatever
 * clients do) and node.id / broker.id (1 instead of unset: a single node needs no id chosen,
 * and the id it answers with is then the one DescribeConfigs reports).
 *
 * Numbers: int is 32-bit and long 64-bit as in Kafka, both held as JavaScript numbers. Kafka's
 * Long.MAX_VALUE (2^63 - 1, "no limit" for flush and timestamp keys) is stored as LONG_MAX, the
 * nearest double (2^63), and formatted back as Kafka writes it. Longs between 2^53 and 2^63 lose
 * precision; every long here is milliseconds or bytes, where that never matters.
 *
 * Topic-level configs (TOPIC_CONFIGS) are Kafka's LogConfig: each topic name with its broker
 * synonyms in Kafka's order of precedence (retention.ms ← log.retention.ms, then .minutes, then
 * .hours), its own type, default and validation (they differ from the broker key's where Kafka's
 * do, e.g. log.roll.hours is an int of hours, segment.ms a long of milliseconds).
 *
 * Pure data and small lookups; any thread may import it.
 */

export type ConfigType = 'int' | 'long' | 'double' | 'boolean' | 'string' | 'list' | 'class' | 'password';
export type ConfigEffect = 'honoured' | 'no-effect';

/** The JavaScript type a config type parses to. */
export type ConfigTypeValue<T extends ConfigType> = T extends 'int' | 'long' | 'double'
  ? number
  : T extends 'boolean'
    ? boolean
    : T extends 'list'
      ? readonly string[]
      : string;

/** Formats checked beyond type and range; load.ts implements each. */
export type ConfigFormat = 'listeners' | 'protocol-map' | 'console-listener';

export interface ConfigValidation {
  /** Smallest accepted number, inclusive. */
  readonly min?: number;
  /** Largest accepted number, inclusive. */
  readonly max?: number;
  /** Numbers accepted outside min..max (gzip's level -1, "the codec's default"). */
  readonly alsoAllowed?: readonly number[];
  /** For a string, the accepted values; for a list, the accepted items. Case-sensitive, as Kafka. */
  readonly oneOf?: readonly string[];
  /** A list must have at least one item. */
  readonly nonEmpty?: boolean;
  readonly format?: ConfigFormat;
}

export interface ConfigKeyDef {
  readonly name: string;
  readonly type: ConfigType;
  /** Spindle's default; null means unset (Kafka's null), with the fallback the documentation names. */
  readonly default: number | boolean | string | readonly string[] | null;
  /** Kafka's default as Kafka writes it, present only where Spindle's differs. */
  readonly kafkaDefault?: string;
  readonly validation: ConfigValidation;
  /** The topic-level name this key is the broker default for, where Kafka has one. */
  readonly topicName?: string;
  readonly effect: ConfigEffect;
  readonly documentation: string;
}

/** Kafka's Long.MAX_VALUE as the nearest double (2^63); formatted back as 9223372036854775807. */
export const LONG_MAX = 2 ** 63;
export const LONG_MAX_TEXT = '9223372036854775807';
export const INT_MAX = 2 ** 31 - 1;
export const INT_MIN = -(2 ** 31);
export const LONG_MIN = -(2 ** 63);
/** Java's Double.MAX_VALUE, the default of log.cleaner.io.max.bytes.per.second ("unthrottled"). */
export const DOUBLE_MAX = Number.MAX_VALUE;

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/** The security protocols Kafka defines, each served. */
export const SECURITY_PROTOCOLS = Object.freeze(['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const);
const COMPRESSION_TYPES = ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] as const;
const CLEANUP_POLICIES = ['compact', 'delete'] as const;
const TIMESTAMP_TYPES = ['CreateTime', 'LogAppendTime'] as const;

// ---------------------------------------------------------------------------------------------
// Row builders. Each keeps the key's name, type and default as literal types, so that
// ConfigValues below knows, for instance, that 'log.segment.bytes' is a number and
// 'advertised.listeners' a list or null.

interface RowOptions extends ConfigValidation {
  readonly topic?: string;
  readonly kafkaDefault?: string;
}

interface Row<N extends string, T extends ConfigType, D extends ConfigKeyDef['default']> extends ConfigKeyDef {
  readonly name: N;
  readonly type: T;
  readonly default: D;
}

function row<N extends string, T extends ConfigType, D extends ConfigKeyDef['default']>(
  name: N,
  type: T,
  dflt: D,
  effect: ConfigEffect,
  documentation: string,
  options: RowOptions,
): Row<N, T, D> {
  const { topic, kafkaDefault, ...validation } = options;
  const entry: Row<N, T, D> = {
    name,
    type,
    default: (Array.isArray(dflt) ? Object.freeze([...dflt]) : dflt) as D,
    validation: Object.freeze(validation),
    effect,
    documentation,
    ...(topic === undefined ? {} : { topicName: topic }),
    ...(kafkaDefault === undefined ? {} : { kafkaDefault }),
  };
  return Object.freeze(entry);
}

const H: ConfigEffect = 'honoured';
const X: ConfigEffect = 'no-effect';

const int = <N extends string, D extends number | null>(n: N, d: D, e: ConfigEffect, doc: string, o: RowOptions = {}) =>
  row(n, 'int', d, e, doc, o);
const long = <N extends string, D extends number | null>(n: N, d: D, e: ConfigEffect, doc: string, o: RowOptions = {}) =>
  row(n, 'long', d, e, doc, o);
const double = <N extends string, D extends number | null>(n: N, d: D, e: ConfigEffect, doc: string, o: RowOptions = {}) =>
  row(n, 'double', d, e, doc, o);
const bool = <N extends string, D extends boolean | null>(n: N, d: D, e: ConfigEffect, doc: string, o: RowOptions = {}) =>
  row(n, 'boolean', d, e, doc, o);
const str = <N extends string, D extends string | null>(n: N, d: D, e: ConfigEffect, doc: string, o: RowOptions = {}) =>
  row(n, 'string', d, e, doc, o);
const list = <N extends string, D extends readonly string[] | null>(n: N, d: D, e: ConfigEffect, doc: string, o: RowOptions = {}) =>
  row(n, 'list', d, e, doc, o);
const cls = <N extends string, D extends string | null>(n: N, d: D, e: ConfigEffect, doc: string, o: RowOptions = {}) =>
  row(n, 'class', d, e, doc, o);
const password = <N extends string>(n: N, e: ConfigEffect, doc: string) => row(n, 'password', null, e, doc, {});

// ---------------------------------------------------------------------------------------------
// The table. Grouped as Kafka's documentation groups them; order is the start-up report's.

export const CONFIG_KEYS = [
  // --- Node identity and the KRaft quorum ---------------------------------------------------
  int('node.id', 1, H, 'Id of this node in Metadata and FindCoordinator answers; set alone, broker.id takes its value; -1 means 1.', { min: -1, kafkaDefault: '-1' }),
  int('broker.id', 1, H, 'Older name for the node id; set alone, node.id takes its value; when both are set they must agree, as in Kafka.', { min: -1, kafkaDefault: '-1' }),
  list('process.roles', [], X, 'KRaft roles of the process; a Spindle node is always one broker that is its own controller.', { oneOf: ['broker', 'controller'] }),
  list('controller.quorum.voters', [], X, 'Static KRaft voter set (id@host:port); a single node has no quorum to join.'),
  list('controller.quorum.bootstrap.servers', [], X, 'Dynamic KRaft quorum endpoints; a single node has no quorum to join.'),
  str('controller.listener.names', null, H, 'Listeners that belong to a KRaft controller: Spindle leaves them closed and serves the others.'),
  int('controller.quorum.election.timeout.ms', 1000, X, 'How long a KRaft voter waits for a leader before calling an election.'),
  int('controller.quorum.fetch.timeout.ms', 2000, X, 'How long a KRaft follower waits on the leader before suspecting it.'),
  int('controller.quorum.election.backoff.max.ms', 1000, X, 'Upper bound of the randomized pause before a new KRaft election.'),
  int('controller.quorum.append.linger.ms', 25, X, 'How long the KRaft leader batches metadata writes before flushing them.'),
  int('controller.quorum.request.timeout.ms', 2000, X, 'Timeout of requests between KRaft voters.'),
  int('controller.quorum.retry.backoff.ms', 20, X, 'Pause before retrying a failed KRaft request.'),
  str('metadata.log.dir', null, X, 'Directory of the KRaft metadata log; Spindle keeps topic metadata beside the data in log.dirs.'),
  int('metadata.log.segment.bytes', 1073741824, X, 'Segment size of the KRaft metadata log.', { min: 12 }),
  long('metadata.log.segment.ms', 604800000, X, 'Age at which the KRaft metadata log rolls a segment.'),
  long('metadata.max.retention.bytes', 104857600, X, 'Size beyond which old KRaft metadata snapshots and segments are removed.'),
  long('metadata.max.retention.ms', 604800000, X, 'Age beyond which old KRaft metadata snapshots and segments are removed.'),
  int('metadata.max.idle.interval.ms', 500, X, 'How often the KRaft leader writes a no-op record to show it is alive.', { min: 0 }),
  long('metadata.log.max.record.bytes.between.snapshots', 20971520, X, 'Metadata written since the last KRaft snapshot that triggers a new one.', { min: 1 }),
  long('metadata.log.max.snapshot.interval.ms', 3600000, X, 'Longest time between KRaft snapshots when metadata has changed.', { min: 0 }),
  int('broker.heartbeat.interval.ms', 2000, X, 'How often a KRaft broker heartbeats to the controller.'),
  int('broker.session.timeout.ms', 9000, X, 'How long the controller keeps a silent broker registered.'),
  int('initial.broker.registration.timeout.ms', 60000, X, 'How long a starting broker waits to register with the controller.'),
  str('sasl.mechanism.controller.protocol', 'GSSAPI', X, 'SASL mechanism for talking to the KRaft controller.'),
  str('zookeeper.connect', null, H, 'ZooKeeper connection string (host:port,…[/chroot]); set, the broker joins the cluster registered there (cluster mode); unset, it runs alone.'),
  int('zookeeper.session.timeout.ms', 18000, H, 'ZooKeeper session timeout: a broker silent this long leaves the cluster and its partitions get new leaders.', { min: 1 }),
  int('zookeeper.connection.timeout.ms', null, H, 'How long the broker waits to connect to ZooKeeper; the session timeout when unset.', { min: 1 }),
  int('zookeeper.max.in.flight.requests', 10, H, 'ZooKeeper requests the broker has outstanding at once.', { min: 1 }),
  bool('broker.id.generation.enable', true, X, 'Whether a ZooKeeper-mode broker without an id gets one generated.'),
  int('reserved.broker.max.id', 1000, X, 'Highest id left for configured broker ids in ZooKeeper mode.', { min: 0 }),
  str('broker.rack', null, H, 'Rack of the broker: in a cluster, replicas of a partition are spread over racks.'),

  // --- Listeners and connections ------------------------------------------------------------
  list('listeners', ['PLAINTEXT://127.0.0.1:9092'], H, 'Addresses to listen on, as NAME://host:port; an empty host means every interface, port 0 a free port.', {
    nonEmpty: true,
    format: 'listeners',
    kafkaDefault: 'PLAINTEXT://:9092',
  }),
  list('advertised.listeners', null, H, 'Addresses given to clients in Metadata, per listener name; unset means the listeners themselves.', { format: 'listeners' }),
  str('listener.security.protocol.map', 'SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT', H, 'Security protocol of each listener name, as NAME:PROTOCOL pairs: PLAINTEXT, SSL (TLS), SASL_PLAINTEXT or SASL_SSL.', {
    format: 'protocol-map',
  }),
  str('inter.broker.listener.name', null, H, 'Listener that brokers of a cluster use among themselves; unset, the one whose protocol is security.inter.broker.protocol.'),
  str('security.inter.broker.protocol', 'PLAINTEXT', H, 'Security protocol of the listener brokers of a cluster use among themselves, when inter.broker.listener.name is unset.', { oneOf: SECURITY_PROTOCOLS }),
  str('early.start.listeners', null, X, 'Listeners that may open before the authorizer is ready; Spindle has no authorizer.'),
  int('socket.request.max.bytes', 104857600, H, 'Largest request frame accepted; a larger size prefix closes the connection before any buffer is allocated.', { min: 1 }),
  int('socket.send.buffer.bytes', 102400, X, 'SO_SNDBUF of client sockets; Node cannot set it on TCP sockets, so the kernel default applies.'),
  int('socket.receive.buffer.bytes', 102400, X, 'SO_RCVBUF of client sockets; Node cannot set it on TCP sockets, so the kernel default applies.'),
  int('socket.listen.backlog.size', 50, H, 'Pending-connection backlog passed to listen().', { min: 1 }),
  int('max.connections', INT_MAX, H, 'Most client connections open at once over every listener (listener.name.<l>.max.connections: on one listener); further ones are closed on accept.', { min: 0 }),
  int('max.connections.per.ip', INT_MAX, H, 'Most connections one client address may hold open, all listeners together; the next is closed as it arrives.', { min: 0 }),
  str('max.connections.per.ip.overrides', '', H, 'Per-address exceptions to max.connections.per.ip, as host:count pairs (host an address or a name resolved at start-up).'),
  int('max.connection.creation.rate', INT_MAX, X, 'Most new connections per second.', { min: 0 }),
  long('connections.max.idle.ms', 600000, H, 'A connection with no request for this long is closed.'),
  int('connection.failed.authentication.delay.ms', 100, H, 'How long the answer to a failed authentication is held before it is sent and the connection closed, against password guessing.', { min: 0 }),
  int('queued.max.requests', 500, H, "Requests one connection has read and not yet answered before Spindle stops reading it: per connection, where Kafka's bound is shared by all.", { min: 1 }),
  long('queued.max.request.bytes', 67108864, H, "Bytes of requests read and not answered, and of answers not yet sent, across all connections, before sockets stop being read (the connections holding most stop first); -1 for no byte limit, Kafka's default.", {
    min: -1,
    kafkaDefault: '-1',
  }),
  int('num.network.threads', 3, X, 'Network threads of a JVM broker; Spindle does its socket I/O on the main thread.', { min: 1 }),
  int('num.io.threads', null, H, "Partition workers (Kafka's request handler threads): unset means one per core but one (at least 1); 0 runs the logs on the main thread; more than the cores runs one per core, with a warning.", {
    min: 0,
    kafkaDefault: '8',
  }),
  int('background.threads', 10, X, 'Threads for background tasks of a JVM broker; Spindle uses timers on its event loop.', { min: 1 }),
  int('request.timeout.ms', 30000, X, 'Timeout of requests the broker itself sends to other nodes; a single node sends none.'),
  long('socket.connection.setup.timeout.ms', 10000, X, 'Timeout for the broker opening a connection to another node.'),
  long('socket.connection.setup.timeout.max.ms', 30000, X, 'Upper bound of the growing connection setup timeout towards other nodes.'),

  // --- Log storage ------------------------------------------------------------------------------
  list('log.dirs', null, H, 'Data directories, comma-separated; unset means log.dir.', { nonEmpty: true }),
  str('log.dir', './data', H, 'Data directory used when log.dirs is unset; relative paths resolve against the working directory.', {
    kafkaDefault: '/tmp/kafka-logs',
  }),
  int('num.partitions', 1, H, 'Partitions of a topic created without a count (auto-created, or CreateTopics with -1).', { min: 1 }),
  int('default.replication.factor', 1, H, 'Replication factor of a topic created without one; above 1 creation fails, as on a one-broker Kafka.', { min: 1 }),
  bool('auto.create.topics.enable', true, H, 'Whether Metadata and Produce for an unknown topic create it.'),
  bool('delete.topic.enable', true, H, 'Whether DeleteTopics is allowed; when false it answers TOPIC_DELETION_DISABLED.'),
  int('message.max.bytes', 1048588, H, 'Largest record batch accepted after any recompression.', { min: 0, topic: 'max.message.bytes' }),
  int('log.segment.bytes', 1073741824, H, 'Size at which the active segment is closed and a new one started.', { min: 14, topic: 'segment.bytes' }),
  long('log.roll.ms', null, H, 'Age at which the active segment is rolled even if not full; unset means log.roll.hours.', { min: 1, topic: 'segment.ms' }),
  int('log.roll.hours', 168, H, 'Segment roll age in hours, used when log.roll.ms is unset.', { min: 1, topic: 'segment.ms' }),
  long('log.roll.jitter.ms', null, H, 'Random amount up to which a segment rolls early, to spread rolls out; unset means log.roll.jitter.hours.', {
    topic: 'segment.jitter.ms',
  }),
  int('log.roll.jitter.hours', 0, H, 'Roll jitter in hours, used when log.roll.jitter.ms is unset.', { min: 0, topic: 'segment.jitter.ms' }),
  long('log.retention.ms', null, H, 'Age after which closed segments are deleted; -1 keeps them forever; unset means log.retention.minutes.', {
    topic: 'retention.ms',
  }),
  int('log.retention.minutes', null, H, 'Retention in minutes, used when log.retention.ms is unset; unset means log.retention.hours.', {
    topic: 'retention.ms',
  }),
  int('log.retention.hours', 168, H, 'Retention in hours, used when neither log.retention.ms nor log.retention.minutes is set.', {
    topic: 'retention.ms',
  }),
  long('log.retention.bytes', -1, H, 'Size a partition may grow to before its oldest segments are deleted; -1 for no size limit.', {
    topic: 'retention.bytes',
  }),
  long('log.retention.check.interval.ms', 300000, H, 'How often retention looks for segments to delete.', { min: 1 }),
  list('log.cleanup.policy', ['delete'], H, 'What happens to old segments: delete them, compact them by key, or both.', {
    oneOf: CLEANUP_POLICIES,
    topic: 'cleanup.policy',
  }),
  int('log.index.interval.bytes', 4096, H, 'Bytes of batches between two entries of the sparse offset and time indexes.', {
    min: 0,
    topic: 'index.interval.bytes',
  }),
  int('log.index.size.max.bytes', 10485760, H, 'Largest offset or time index file; a full index rolls the segment.', {
    min: 4,
    topic: 'segment.index.bytes',
  }),
  long('log.flush.interval.messages', LONG_MAX, H, 'Records appended to a partition before it is fsynced; the default leaves flushing to the OS.', {
    min: 1,
    topic: 'flush.messages',
  }),
  long('log.flush.interval.ms', null, H, 'Longest time appended data waits before an fsync; unset means log.flush.scheduler.interval.ms.', {
    topic: 'flush.ms',
  }),
  long('log.flush.scheduler.interval.ms', LONG_MAX, H, 'How often partitions are checked against the flush interval.', { topic: 'flush.ms' }),
  int('log.flush.offset.checkpoint.interval.ms', 60000, X, 'How often the recovery-point checkpoint is written; Spindle recovers from the segments themselves.', {
    min: 0,
  }),
  int('log.flush.start.offset.checkpoint.interval.ms', 60000, X, 'How often the log-start-offset checkpoint is written.', { min: 0 }),
  long('log.segment.delete.delay.ms', 60000, H, 'Time between renaming a segment for deletion and removing it, so reads in flight finish.', {
    min: 0,
    topic: 'file.delete.delay.ms',
  }),
  bool('log.preallocate', false, X, 'Whether segment files are preallocated to their full size.', { topic: 'preallocate' }),
  int('num.recovery.threads.per.data.dir', 1, X, 'JVM threads per directory for recovery at start-up; the partition workers do it in Spindle.', { min: 1 }),
  long('log.dir.failure.timeout.ms', 30000, X, 'How long a broker may fail to report a failed directory to the controller.', { min: 1 }),
  str('log.message.format.version', '3.0-IV1', X, 'Deprecated message format pin; Spindle writes and serves magic v2 batches only.', {
    topic: 'message.format.version',
  }),
  bool('log.message.downconversion.enable', true, X, 'Whether fetches by clients too old for magic v2 are converted; Spindle serves v2 only.', {
    topic: 'message.downconversion.enable',
  }),
  str('log.message.timestamp.type', 'CreateTime', H, "Which timestamp records keep: the producer's (CreateTime) or the broker's append time (LogAppendTime).", {
    oneOf: TIMESTAMP_TYPES,
    topic: 'message.timestamp.type',
  }),
  long('log.message.timestamp.before.max.ms', LONG_MAX, H, 'How far in the past a CreateTime timestamp may be before the batch is refused.', {
    min: 0,
    topic: 'message.timestamp.before.max.ms',
  }),
  long('log.message.timestamp.after.max.ms', LONG_MAX, H, 'How far in the future a CreateTime timestamp may be before the batch is refused.', {
    min: 0,
    topic: 'message.timestamp.after.max.ms',
  }),
  long('log.message.timestamp.difference.max.ms', LONG_MAX, X, 'Deprecated since Kafka 3.6 in favour of the before/after pair, which Spindle applies.', {
    min: 0,
    topic: 'message.timestamp.difference.max.ms',
  }),
  str('compression.type', 'producer', H, "Codec batches are stored with: 'producer' keeps the producer's, 'uncompressed' or a codec recompresses.", {
    oneOf: COMPRESSION_TYPES,
    topic: 'compression.type',
  }),
  int('compression.gzip.level', -1, X, 'gzip level when the broker recompresses; Spindle uses its codec default.', {
    min: 1,
    max: 9,
    alsoAllowed: [-1],
    topic: 'compression.gzip.level',
  }),
  int('compression.lz4.level', 9, X, 'LZ4 level when the broker recompresses; Spindle uses its codec default.', {
    min: 1,
    max: 17,
    topic: 'compression.lz4.level',
  }),
  int('compression.zstd.level', 3, X, 'zstd level when the broker recompresses; Spindle uses its codec default.', {
    min: -131072,
    max: 22,
    topic: 'compression.zstd.level',
  }),
  int('min.insync.replicas', 1, X, 'Replicas that must have a write for acks=all; a single node is the whole in-sync set.', {
    min: 1,
    topic: 'min.insync.replicas',
  }),
  bool('unclean.leader.election.enable', false, X, 'Whether an out-of-sync replica may become leader; a single node has no other replica.', {
    topic: 'unclean.leader.election.enable',
  }),
  long('log.local.retention.ms', -2, X, 'Local retention for tiered storage; Spindle has no remote tier.', { min: -2, topic: 'local.retention.ms' }),
  long('log.local.retention.bytes', -2, X, 'Local size limit for tiered storage; Spindle has no remote tier.', { min: -2, topic: 'local.retention.bytes' }),
  bool('remote.log.storage.system.enable', false, X, 'Whether tiered storage is on; Spindle has no remote tier.'),
  cls('create.topic.policy.class.name', null, X, 'Java class that vets topic creation.'),
  cls('alter.config.policy.class.name', null, X, 'Java class that vets config changes.'),

  // --- Log cleaner (compaction) -------------------------------------------------------------------
  bool('log.cleaner.enable', true, H, 'Whether compacted topics are cleaned at all.'),
  int('log.cleaner.threads', 1, X, "Compactions that may run at once; Spindle's run one at a time on a one-thread pool, whatever this says.", { min: 0 }),
  long('log.cleaner.backoff.ms', 15000, H, 'Pause of the cleaner when no log needs cleaning.', { min: 0 }),
  double('log.cleaner.min.cleanable.ratio', 0.5, H, 'Share of a log that must be uncompacted before it is worth cleaning.', {
    min: 0,
    max: 1,
    topic: 'min.cleanable.dirty.ratio',
  }),
  long('log.cleaner.delete.retention.ms', 86400000, H, 'How long tombstones survive compaction, so slow readers still see deletes.', {
    min: 0,
    topic: 'delete.retention.ms',
  }),
  long('log.cleaner.min.compaction.lag.ms', 0, H, 'Youngest a record may be and still be compacted away.', { min: 0, topic: 'min.compaction.lag.ms' }),
  long('log.cleaner.max.compaction.lag.ms', LONG_MAX, H, 'Oldest an uncompacted record may get before its log is cleaned regardless of the ratio.', {
    min: 1,
    topic: 'max.compaction.lag.ms',
  }),
  long('log.cleaner.dedupe.buffer.size', 134217728, X, "Memory for the key-to-offset map of one compaction pass; Spindle's map holds up to 2^20 keys per pass, whatever this says."),
  int('log.cleaner.io.buffer.size', 524288, X, 'Read and write buffer size of one compaction pass; Spindle sizes its own buffers.', { min: 0 }),
  double('log.cleaner.io.max.bytes.per.second', DOUBLE_MAX, X, 'Read-plus-write throughput cap for compaction; Spindle does not throttle compaction.'),
  double('log.cleaner.io.buffer.load.factor', 0.9, X, "Fill factor of the JVM cleaner's hash table; Spindle's map has no such knob."),

  // --- Requests, fetches, replication ----------------------------------------------------------
  int('fetch.max.bytes', 57671680, H, 'Largest Fetch response, whatever the request asks for.', { min: 1024 }),
  int('max.incremental.fetch.session.cache.slots', 1000, X, 'Incremental fetch sessions kept; Spindle answers full fetches (session id 0).', { min: 0 }),
  int('replica.fetch.max.bytes', 1048576, H, 'Per-partition byte limit of a fetch that carries a replica id (a follower or a replica tool).', { min: 0 }),
  int('replica.fetch.response.max.bytes', 10485760, H, 'Size limit of a whole follower fetch response.', { min: 0 }),
  int('replica.fetch.wait.max.ms', 500, H, 'Longest a follower fetch waits for data.', { min: 0 }),
  int('replica.fetch.min.bytes', 1, H, 'Bytes a follower fetch waits for.', { min: 1 }),
  int('replica.fetch.backoff.ms', 1000, H, 'Pause of a follower after a failed fetch.', { min: 0 }),
  int('num.replica.fetchers', 1, X, 'Fetcher threads a follower runs per source broker.'),
  long('replica.lag.time.max.ms', 30000, H, 'How long a follower may go without catching up before it leaves the in-sync replicas.', { min: 1 }),
  int('replica.socket.timeout.ms', 30000, H, 'Socket timeout of follower fetches.', { min: 1 }),
  int('replica.socket.receive.buffer.bytes', 65536, X, 'Socket receive buffer of follower fetches.'),
  long('replica.high.watermark.checkpoint.interval.ms', 5000, X, 'How often follower high watermarks are checkpointed.'),
  cls('replica.selector.class', null, X, 'Java class choosing the replica a consumer may fetch from.'),
  int('num.replica.alter.log.dirs.threads', null, X, 'Threads moving replicas between directories.'),
  int('fetch.purgatory.purge.interval.requests', 1000, X, "Housekeeping interval of the JVM broker's parked-fetch structure."),
  int('producer.purgatory.purge.interval.requests', 1000, X, "Housekeeping interval of the JVM broker's parked-produce structure."),
  int('delete.records.purgatory.purge.interval.requests', 1, X, "Housekeeping interval of the JVM broker's parked-DeleteRecords structure."),
  bool('auto.leader.rebalance.enable', true, X, 'Whether leadership moves back to preferred replicas; one node leads everything.'),
  int('leader.imbalance.per.broker.percentage', 10, X, 'Leadership imbalance that triggers a rebalance.'),
  long('leader.imbalance.check.interval.seconds', 300, X, 'How often leadership balance is checked.', { min: 1 }),
  str('inter.broker.protocol.version', '3.9-IV0', X, 'Protocol version between brokers; there is no other broker.'),
  int('controller.socket.timeout.ms', 30000, X, 'Socket timeout of controller-to-broker channels.'),
  bool('controlled.shutdown.enable', true, H, 'Whether a stopping broker of a cluster asks the controller to move its leadership to other in-sync replicas first.'),
  int('controlled.shutdown.max.retries', 3, H, 'Retries of a controlled shutdown while partitions are still led by the stopping broker.', { min: 0 }),
  long('controlled.shutdown.retry.backoff.ms', 5000, H, 'Pause between controlled-shutdown attempts.', { min: 0 }),

  // --- Consumer groups and committed offsets --------------------------------------------------
  int('group.initial.rebalance.delay.ms', 3000, H, 'How long the first rebalance of an empty group waits for more members to join.'),
  int('group.min.session.timeout.ms', 6000, H, 'Shortest session timeout a joining member may ask for.'),
  int('group.max.session.timeout.ms', 1800000, H, 'Longest session timeout a joining member may ask for.'),
  int('group.max.size', INT_MAX, H, 'Most members a group may have; further joins get GROUP_MAX_SIZE_REACHED.', { min: 1 }),
  list('group.coordinator.rebalance.protocols', ['classic'], X, 'Group protocols offered; Spindle runs classic groups (JoinGroup/SyncGroup) only.', {
    oneOf: ['classic', 'consumer', 'share'],
  }),
  int('group.coordinator.threads', 1, X, 'Threads of the JVM group coordinator; Spindle runs groups on the main thread.', { min: 1 }),
  int('group.consumer.session.timeout.ms', 45000, X, 'Session timeout of consumer-protocol groups, which Spindle does not serve.', { min: 1 }),
  int('group.consumer.heartbeat.interval.ms', 5000, X, 'Heartbeat interval of consumer-protocol groups, which Spindle does not serve.', { min: 1 }),
  int('offset.metadata.max.bytes', 4096, H, 'Longest metadata string on a committed offset; longer commits get OFFSET_METADATA_TOO_LARGE.'),
  int('offsets.topic.num.partitions', 50, H, 'Partitions of __consumer_offsets, which spread the groups; fixed once the topic exists.', { min: 1 }),
  int('offsets.topic.replication.factor', 3, X, 'Replicas of __consumer_offsets; a single node keeps one, where Kafka would refuse to create the topic.', {
    min: 1,
  }),
  int('offsets.topic.segment.bytes', 104857600, H, 'Segment size of __consumer_offsets, kept small so compaction and loading stay quick.', { min: 1 }),
  int('offsets.topic.compression.codec', 0, X, 'Codec id for writes to __consumer_offsets.'),
  int('offsets.load.buffer.size', 5242880, X, 'Read size when loading __consumer_offsets into memory.', { min: 1 }),
  int('offsets.retention.minutes', 10080, H, 'How long committed offsets of an empty group (or an idle standalone consumer) are kept.', { min: 1 }),
  long('offsets.retention.check.interval.ms', 600000, H, 'How often expired committed offsets are looked for.', { min: 1 }),
  int('offsets.commit.timeout.ms', 5000, H, 'How long a group write waits for every in-sync replica of its __consumer_offsets partition (a cluster); one node acknowledges at once.', { min: 1 }),
  int('offsets.commit.required.acks', -1, X, 'Deprecated acks setting for offset commits.'),

  // --- Idempotent producers and transactions ----------------------------------------------------
  int('transactional.id.expiration.ms', 604800000, H, 'How long a transactional id with no transaction in progress keeps its producer id before the coordinator removes it.', { min: 1 }),
  int('producer.id.expiration.ms', 86400000, H, 'How long producer state (sequence numbers) is kept after the last write from that producer id.', { min: 1 }),
  int('producer.id.expiration.check.interval.ms', 600000, H, 'How often expired producer ids are removed.', { min: 1 }),
  int('transaction.max.timeout.ms', 900000, H, 'Longest transaction timeout a producer may ask for; longer asks get INVALID_TRANSACTION_TIMEOUT.', { min: 1 }),
  int('transaction.state.log.replication.factor', 3, X, 'Replicas of __transaction_state; a single node keeps one.', { min: 1 }),
  int('transaction.state.log.min.isr', 2, X, 'In-sync replicas required for __transaction_state writes.', { min: 1 }),
  int('transaction.state.log.num.partitions', 50, H, 'Partitions of __transaction_state, which spread the transactional ids; fixed once the topic exists.', { min: 1 }),
  int('transaction.state.log.segment.bytes', 104857600, H, 'Segment size of __transaction_state.', { min: 1 }),
  int('transaction.state.log.load.buffer.size', 5242880, H, 'Read size when loading __transaction_state.', { min: 1 }),
  // Kafka 4's share groups (KIP-932); the apache/kafka image's examples set both to 1.
  int('share.coordinator.state.topic.replication.factor', 3, X, 'Replicas of __share_group_state; Spindle has no share groups.', { min: 1 }),
  int('share.coordinator.state.topic.min.isr', 2, X, 'In-sync replicas required for __share_group_state writes.', { min: 1 }),
  int('transaction.abort.timed.out.transaction.cleanup.interval.ms', 10000, H, 'How often transactions past their timeout are looked for and aborted.', { min: 1 }),
  int('transaction.remove.expired.transaction.cleanup.interval.ms', 3600000, H, 'How often expired transactional ids are removed.', { min: 1 }),
  bool('transaction.partition.verification.enable', true, H, 'Whether each transactional write is checked against the coordinator first (the partition must be in the producer\'s ongoing transaction).'),
  // Kafka sets this feature level with `kafka-storage format --feature transaction.version=N`; Spindle reads it here.
  int('transaction.version', 2, H, "Finalized level of Kafka's transaction.version feature, advertised in ApiVersions: 2 is KIP-890's protocol (partitions added by Produce v12, the epoch bumped by every EndTxn v5), 1 and 0 the classic one (Produce up to v11, EndTxn up to v4); from 1 __transaction_state records are written in their flexible format.", { min: 0, max: 2 }),

  // --- Security ---------------------------------------------------------------------------------
  // Every ssl.* and sasl.* key below may also be set for one listener, as in Kafka:
  // listener.name.<listener>.<key>, and the SASL ones for one mechanism of it,
  // listener.name.<listener>.<mechanism>.<key> (listener-config.ts).
  str('authorizer.class.name', '', H, "Turns authorization on: Kafka's org.apache.kafka.metadata.authorizer.StandardAuthorizer (or kafka.security.authorizer.AclAuthorizer) checks every request against the ACLs; empty allows everything."),
  str('super.users', null, H, 'Principals the authorizer always allows, separated by semicolons (User:admin;User:ops).'),
  bool('allow.everyone.if.no.acl.found', false, H, 'Whether a resource that no ACL names is open to every principal.'),
  cls('principal.builder.class', null, X, 'Java class that builds principals from connections; Spindle builds them as Kafka\'s default builder does.'),
  list('sasl.enabled.mechanisms', ['GSSAPI'], H, 'SASL mechanisms offered on SASL listeners: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER (GSSAPI, Kerberos, is not served).'),
  str('sasl.mechanism.inter.broker.protocol', 'GSSAPI', X, 'SASL mechanism between brokers.'),
  password('sasl.jaas.config', H, "JAAS login section of a SASL mechanism, set per listener and mechanism (listener.name.<l>.<mechanism>.sasl.jaas.config); PLAIN's users are its user_<name>=\"<password>\" options."),
  int('sasl.server.max.receive.size', 524288, H, 'Largest request frame accepted from a client that has not authenticated yet.', { min: 1 }),
  long('connections.max.reauth.ms', 0, H, 'Longest session a SASL authentication opens (KIP-368): the client must re-authenticate before it ends, or its connection is closed; 0 for no limit.', { min: 0 }),
  str('sasl.kerberos.service.name', null, X, 'Kerberos principal name the broker runs as.'),
  str('sasl.kerberos.kinit.cmd', '/usr/bin/kinit', X, 'Kerberos kinit command.'),
  double('sasl.kerberos.ticket.renew.window.factor', 0.8, X, 'Share of a Kerberos ticket lifetime after which it is renewed.'),
  double('sasl.kerberos.ticket.renew.jitter', 0.05, X, 'Random jitter added to the Kerberos renewal time.'),
  long('sasl.kerberos.min.time.before.relogin', 60000, X, 'Milliseconds between Kerberos login refresh attempts.'),
  list('sasl.kerberos.principal.to.local.rules', ['DEFAULT'], X, 'Rules that map Kerberos principals to short names.'),
  double('sasl.login.refresh.window.factor', 0.8, X, 'Share of a login credential lifetime after which it is refreshed (OAUTHBEARER).', { min: 0.5, max: 1 }),
  double('sasl.login.refresh.window.jitter', 0.05, X, 'Random jitter added to the login refresh time (OAUTHBEARER).', { min: 0, max: 0.25 }),
  int('sasl.login.refresh.min.period.seconds', 60, X, 'Shortest wait between login refreshes (OAUTHBEARER).', { min: 0, max: 900 }),
  int('sasl.login.refresh.buffer.seconds', 300, X, 'Time to keep before credential expiry when refreshing (OAUTHBEARER).', { min: 0, max: 3600 }),
  cls('sasl.server.callback.handler.class', null, H, "How OAUTHBEARER tokens are validated: unset, Kafka's unsecured-JWS validator for development; org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler, signatures checked against sasl.oauthbearer.jwks.endpoint.url. Other classes are refused."),
  str('sasl.oauthbearer.jwks.endpoint.url', null, H, 'Where the keys that sign OAUTHBEARER tokens are published (a JWKS document, http:, https: or file:).'),
  long('sasl.oauthbearer.jwks.endpoint.refresh.ms', 3600000, H, 'How often the JWKS document is fetched again.', { min: 1 }),
  long('sasl.oauthbearer.jwks.endpoint.retry.backoff.ms', 100, H, 'First pause before fetching the JWKS document again after a failure.', { min: 0 }),
  long('sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms', 10000, H, 'Longest pause between failed JWKS fetches.', { min: 0 }),
  str('sasl.oauthbearer.expected.issuer', null, H, "The iss a token must carry; unset, any."),
  list('sasl.oauthbearer.expected.audience', null, H, 'Audiences of which a token\'s aud must name one; unset, any.'),
  int('sasl.oauthbearer.clock.skew.seconds', 30, H, 'Clock difference allowed when checking a token\'s exp, nbf and iat.', { min: 0 }),
  str('sasl.oauthbearer.sub.claim.name', 'sub', H, 'Claim that names the principal of an OAUTHBEARER token.'),
  str('sasl.oauthbearer.scope.claim.name', 'scope', H, 'Claim that holds the scopes of an OAUTHBEARER token.'),
  str('ssl.protocol', 'TLSv1.3', H, 'TLS protocol of SSL listeners; with ssl.enabled.protocols, the versions accepted (TLSv1.2 and TLSv1.3).', { oneOf: ['TLS', 'TLSv1.2', 'TLSv1.3'] }),
  list('ssl.enabled.protocols', ['TLSv1.2', 'TLSv1.3'], H, 'TLS versions accepted on SSL listeners.', { oneOf: ['TLSv1.2', 'TLSv1.3', 'TLSv1.1', 'TLSv1'], nonEmpty: true }),
  list('ssl.cipher.suites', [], H, "Cipher suites allowed on SSL listeners, by IANA name as Java spells them (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256) or OpenSSL's; empty means the platform default."),
  str('ssl.keystore.type', 'JKS', H, 'Format of the key store: PEM or PKCS12 (JKS cannot be read: convert it with keytool -importkeystore -deststoretype PKCS12).', { oneOf: ['JKS', 'PKCS12', 'PEM'] }),
  str('ssl.keystore.location', null, H, 'Path of the key store (a PKCS12 file, or a PEM file with the key and the certificate chain).'),
  password('ssl.keystore.password', H, 'Password of the key store.'),
  password('ssl.key.password', H, 'Password of the private key in the key store.'),
  password('ssl.keystore.certificate.chain', H, 'The certificate chain in PEM, inline, with ssl.keystore.type=PEM.'),
  password('ssl.keystore.key', H, 'The private key in PEM (PKCS#8, encrypted with ssl.key.password or not), inline, with ssl.keystore.type=PEM.'),
  str('ssl.truststore.type', 'JKS', H, 'Format of the trust store: PEM or PKCS12.', { oneOf: ['JKS', 'PKCS12', 'PEM'] }),
  str('ssl.truststore.location', null, H, 'Path of the trust store: the certificates client certificates must chain to.'),
  password('ssl.truststore.password', X, 'Password of the trust store; trust stores are PEM, which has none.'),
  password('ssl.truststore.certificates', H, 'Trusted certificates in PEM, inline, with ssl.truststore.type=PEM.'),
  str('ssl.client.auth', 'none', H, 'Whether TLS clients must present a certificate: required (mutual TLS), requested (used when given) or none.', { oneOf: ['required', 'requested', 'none'] }),
  str('ssl.principal.mapping.rules', 'DEFAULT', H, "Rules mapping a client certificate's distinguished name to the principal's name, as RULE:pattern/replacement/[LU] items or DEFAULT (the whole name)."),
  str('ssl.endpoint.identification.algorithm', 'https', X, 'Host name check on TLS connections the broker makes.'),
  bool('allow.plaintext.non.loopback', false, H, "Let a listener without client authentication (PLAINTEXT, or SSL without ssl.client.auth=required) bind an address other than loopback: anyone who reaches it can then read, write and delete every topic. Spindle's own key."),

  // --- Metrics and quotas -----------------------------------------------------------------------
  list('metric.reporters', [], X, 'Java classes that receive metrics; Spindle serves /metrics on the console listener.'),
  int('metrics.num.samples', 2, X, 'Samples kept per JVM metric window.', { min: 1 }),
  long('metrics.sample.window.ms', 30000, X, 'Length of one JVM metric sample window.', { min: 1 }),
  str('metrics.recording.level', 'INFO', X, 'Detail of JVM metrics recorded.', { oneOf: ['INFO', 'DEBUG', 'TRACE'] }),
  bool('auto.include.jmx.reporter', true, X, 'Whether JMX metrics are published; deprecated in Kafka 3.4.'),
  int('quota.window.num', 11, H, 'Samples a client quota measures its rate over.', { min: 1 }),
  int('quota.window.size.seconds', 1, H, 'Length of one client-quota sample.', { min: 1 }),

  // --- Spindle's own keys -----------------------------------------------------------------------
  str('console.listener', 'http://127.0.0.1:9644', H, "Address of the HTTP console and /metrics, as http://host:port or https://host:port (TLS from the listener.name.console.ssl.* keys, Kafka's ssl.* keys scoped to a listener named CONSOLE); 'none' turns it off.", {
    format: 'console-listener',
  }),
  str('console.authentication', 'none', H, "Who may use the console and /metrics: none (anyone who reaches it, so loopback only unless allow.plaintext.non.loopback=true), basic (HTTP Basic against the broker's SASL users: SCRAM credentials and the PLAIN users of SASL listeners) or mtls (a client certificate the console's trust store accepts, https only; the principal mapped by ssl.principal.mapping.rules).", {
    oneOf: ['none', 'basic', 'mtls'],
  }),
  long('log.dir.recovery.check.interval.ms', 5000, H, 'How often an offline log directory is probed; once writes succeed there again its partitions are recovered and serve writes (Kafka needs a restart).', {
    min: 1,
  }),
] as const;

export type ConfigKeyName = (typeof CONFIG_KEYS)[number]['name'];
type KeyRow<K extends ConfigKeyName> = Extract<(typeof CONFIG_KEYS)[number], { readonly name: K }>;

/** The parsed value of key K: its type's value, or null where the key may be unset. */
export type ConfigValue<K extends ConfigKeyName> =
  | ConfigTypeValue<KeyRow<K>['type']>
  | (null extends KeyRow<K>['default'] ? null : never);

/** Every key's effective value, typed per key. */
export type ConfigValues = { readonly [K in ConfigKeyName]: ConfigValue<K> };

const BY_NAME: ReadonlyMap<string, ConfigKeyDef> = new Map(CONFIG_KEYS.map((k) => [k.name, k as ConfigKeyDef]));

/** The declaration of a broker key, or undefined when Spindle does not know the name. */
export function configKey(name: string): ConfigKeyDef | undefined {
  return BY_NAME.get(name);
}

export function isConfigKeyName(name: string): name is ConfigKeyName {
  return BY_NAME.has(name);
}

// ---------------------------------------------------------------------------------------------
// Environment names: SPINDLE_ + the key upper-cased with dots as underscores.

export const ENV_PREFIX = 'SPINDLE_';

/** SPINDLE_ variables that belong to the command line, not to the broker configuration. */
export const NON_CONFIG_ENV_VARS: readonly string[] = Object.freeze([
  'SPINDLE_BOOTSTRAP_SERVER', // the CLI's default broker
  'SPINDLE_BENCH_DIR', // where the benchmark's brokers keep their data
  'SPINDLE_REQUIRE_TOOLCHAINS', // CI: a test whose outside program is missing fails (test/helpers/needs.ts)
  'SPINDLE_SCREENSHOT_DIR', // where the console's browser test saves its screenshots
]);

export function envNameFor(key: string): string {
  return ENV_PREFIX + key.toUpperCase().replace(/\./g, '_');
}

const KEY_BY_ENV: ReadonlyMap<string, ConfigKeyName> = new Map(CONFIG_KEYS.map((k) => [envNameFor(k.name), k.name]));

/** The key an environment variable sets, or undefined when it maps to none. */
export function keyForEnvName(envName: string): ConfigKeyName | undefined {
  return KEY_BY_ENV.get(envName);
}

/**
 * The apache/kafka container image's names: KAFKA_ + the key upper-cased, '.' as '_', '_' as
 * '__', '-' as '___' (its KafkaDockerWrapper turns each KAFKA_ variable back into a
 * server.properties line the same way), so that a compose or env file written for that image
 * configures Spindle unchanged.
 */
export const KAFKA_ENV_PREFIX = 'KAFKA_';

/**
 * KAFKA_ variables that are not broker keys: those the image's wrapper leaves out of
 * server.properties (the JVM's options, log4j's levels, the version) and the families Kafka's
 * start scripts read for the JVM (KAFKA_JMX_*, KAFKA_LOG4J_*), plus KAFKA_HOME and KAFKA_DEBUG,
 * which installations and kafka-run-class.sh use. None configures a broker, here or in Kafka.
 */
export const KAFKA_NON_KEY_ENV_VARS: readonly string[] = Object.freeze([
  'KAFKA_VERSION',
  'KAFKA_HEAP_OPTS',
  'KAFKA_OPTS',
  'KAFKA_JVM_PERFORMANCE_OPTS',
  'KAFKA_GC_LOG_OPTS',
  'KAFKA_TOOLS_LOG4J_LOGLEVEL',
  'KAFKA_HOME',
  'KAFKA_DEBUG',
]);
export const KAFKA_NON_KEY_ENV_PREFIXES: readonly string[] = Object.freeze(['KAFKA_JMX_', 'KAFKA_LOG4J_']);

export function isKafkaNonKeyEnvName(envName: string): boolean {
  return KAFKA_NON_KEY_ENV_VARS.includes(envName) || KAFKA_NON_KEY_ENV_PREFIXES.some((p) => envName.startsWith(p));
}

export function kafkaEnvNameFor(key: string): string {
  return KAFKA_ENV_PREFIX + key.toUpperCase().replace(/_/g, '__').replace(/-/g, '___').replace(/\./g, '_');
}

/** The property name the image makes of a KAFKA_ variable (lower case; '_' '.', '___' '-', '__' '_'), known key or not. */
export function propertyForKafkaEnvName(envName: string): string {
  return envName.slice(KAFKA_ENV_PREFIX.length).toLowerCase().replace(/_/g, '.').replace(/\.\.\./g, '-').replace(/\.\./g, '_');
}

// ---------------------------------------------------------------------------------------------
// Topic-level configs: Kafka's LogConfig.

export interface TopicConfigSynonym {
  /** The broker key. */
  readonly key: ConfigKeyName;
  /** Multiplier from the broker key's unit to the topic config's (hours to ms: 3 600 000). */
  readonly factor: number;
}

export interface TopicConfigDef {
  readonly name: string;
  readonly type: ConfigType;
  /** Kafka's topic-level default, which equals the broker defaults' value where there are synonyms. */
  readonly default: number | boolean | string | readonly string[];
  readonly validation: ConfigValidation;
  /** The broker keys that supply this config's value when a topic has no override, first match wins. */
  readonly synonyms: readonly TopicConfigSynonym[];
  /** The broker key of highest precedence, or null for topic-only configs. */
  readonly brokerKey: ConfigKeyName | null;
  readonly effect: ConfigEffect;
  readonly documentation: string;
}

interface TopicRow<N extends string, T extends ConfigType> extends TopicConfigDef {
  readonly name: N;
  readonly type: T;
}

type SynonymSpec = ConfigKeyName | readonly [ConfigKeyName, number];

function topic<N extends string, T extends ConfigType>(
  name: N,
  type: T,
  dflt: ConfigTypeValue<T>,
  synonyms: readonly SynonymSpec[],
  effect: ConfigEffect,
  documentation: string,
  validation: ConfigValidation = {},
): TopicRow<N, T> {
  const syn = synonyms.map((s): TopicConfigSynonym => (typeof s === 'string' ? { key: s, factor: 1 } : { key: s[0], factor: s[1] }));
  return Object.freeze({
    name,
    type,
    default: Array.isArray(dflt) ? Object.freeze([...dflt]) : dflt,
    validation: Object.freeze({ ...validation }),
    synonyms: Object.freeze(syn.map((s) => Object.freeze(s))),
    brokerKey: syn[0]?.key ?? null,
    effect,
    documentation,
  });
}

/** Each topic-level config with its broker keys and default, for CreateTopics, DescribeConfigs and AlterConfigs. */
export const TOPIC_CONFIGS = [
  topic('cleanup.policy', 'list', ['delete'], ['log.cleanup.policy'], H, 'Delete old segments, compact them by key, or both.', { oneOf: CLEANUP_POLICIES }),
  topic('compression.type', 'string', 'producer', ['compression.type'], H, "Codec the topic's batches are stored with; 'producer' keeps the producer's.", { oneOf: COMPRESSION_TYPES }),
  topic('compression.gzip.level', 'int', -1, ['compression.gzip.level'], X, 'gzip level when recompressing.', { min: 1, max: 9, alsoAllowed: [-1] }),
  topic('compression.lz4.level', 'int', 9, ['compression.lz4.level'], X, 'LZ4 level when recompressing.', { min: 1, max: 17 }),
  topic('compression.zstd.level', 'int', 3, ['compression.zstd.level'], X, 'zstd level when recompressing.', { min: -131072, max: 22 }),
  topic('delete.retention.ms', 'long', 86400000, ['log.cleaner.delete.retention.ms'], H, 'How long tombstones survive compaction.', { min: 0 }),
  topic('file.delete.delay.ms', 'long', 60000, ['log.segment.delete.delay.ms'], H, 'Delay between marking a segment deleted and removing its files.', { min: 0 }),
  topic('flush.messages', 'long', LONG_MAX, ['log.flush.interval.messages'], H, 'Records between forced fsyncs.', { min: 1 }),
  topic('flush.ms', 'long', LONG_MAX, ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'], H, 'Longest time between forced fsyncs.', { min: 0 }),
  topic('follower.replication.throttled.replicas', 'list', [], [], X, 'Replicas whose follower traffic is throttled.'),
  topic('index.interval.bytes', 'int', 4096, ['log.index.interval.bytes'], H, 'Bytes between sparse index entries.', { min: 0 }),
  topic('leader.replication.throttled.replicas', 'list', [], [], X, 'Replicas whose leader traffic is throttled.'),
  topic('local.retention.bytes', 'long', -2, ['log.local.retention.bytes'], X, 'Local size limit under tiered storage; -2 means retention.bytes.', { min: -2 }),
  topic('local.retention.ms', 'long', -2, ['log.local.retention.ms'], X, 'Local retention under tiered storage; -2 means retention.ms.', { min: -2 }),
  topic('max.compaction.lag.ms', 'long', LONG_MAX, ['log.cleaner.max.compaction.lag.ms'], H, 'Oldest an uncompacted record may get.', { min: 1 }),
  topic('max.message.bytes', 'int', 1048588, ['message.max.bytes'], H, 'Largest record batch the topic accepts.', { min: 0 }),
  topic('message.downconversion.enable', 'boolean', true, ['log.message.downconversion.enable'], X, 'Whether fetches by pre-v2 clients are converted.'),
  topic('message.format.version', 'string', '3.0-IV1', ['log.message.format.version'], X, 'Deprecated message format pin.'),
  topic('message.timestamp.after.max.ms', 'long', LONG_MAX, ['log.message.timestamp.after.max.ms'], H, 'How far in the future a CreateTime timestamp may be.', { min: 0 }),
  topic('message.timestamp.before.max.ms', 'long', LONG_MAX, ['log.message.timestamp.before.max.ms'], H, 'How far in the past a CreateTime timestamp may be.', { min: 0 }),
  topic('message.timestamp.difference.max.ms', 'long', LONG_MAX, ['log.message.timestamp.difference.max.ms'], X, 'Deprecated single bound on timestamp skew.', { min: 0 }),
  topic('message.timestamp.type', 'string', 'CreateTime', ['log.message.timestamp.type'], H, 'CreateTime keeps the producer timestamp; LogAppendTime stamps the append time.', { oneOf: TIMESTAMP_TYPES }),
  topic('min.cleanable.dirty.ratio', 'double', 0.5, ['log.cleaner.min.cleanable.ratio'], H, 'Uncompacted share that makes a log worth cleaning.', { min: 0, max: 1 }),
  topic('min.compaction.lag.ms', 'long', 0, ['log.cleaner.min.compaction.lag.ms'], H, 'Youngest a record may be and still be compacted away.', { min: 0 }),
  topic('min.insync.replicas', 'int', 1, ['min.insync.replicas'], X, 'Replicas needed for acks=all.', { min: 1 }),
  topic('preallocate', 'boolean', false, ['log.preallocate'], X, 'Whether segment files are preallocated.'),
  topic('remote.log.copy.disable', 'boolean', false, [], X, 'Stop copying segments to the remote tier.'),
  topic('remote.log.delete.on.disable', 'boolean', false, [], X, 'Delete remote data when tiered storage is turned off.'),
  topic('remote.storage.enable', 'boolean', false, [], X, 'Whether the topic uses tiered storage.'),
  topic('retention.bytes', 'long', -1, ['log.retention.bytes'], H, 'Size a partition may reach before old segments go; -1 for no limit.'),
  topic('retention.ms', 'long', 604800000, ['log.retention.ms', ['log.retention.minutes', MINUTE_MS], ['log.retention.hours', HOUR_MS]], H, 'Age after which old segments go; -1 keeps them forever.', { min: -1 }),
  topic('segment.bytes', 'int', 1073741824, ['log.segment.bytes'], H, 'Size at which a segment is rolled.', { min: 14 }),
  topic('segment.index.bytes', 'int', 10485760, ['log.index.size.max.bytes'], H, 'Largest index file of a segment.', { min: 4 }),
  topic('segment.jitter.ms', 'long', 0, ['log.roll.jitter.ms', ['log.roll.jitter.hours', HOUR_MS]], H, 'Random early roll, up to this much.', { min: 0 }),
  topic('segment.ms', 'long', 604800000, ['log.roll.ms', ['log.roll.hours', HOUR_MS]], H, 'Age at which a segment is rolled.', { min: 1 }),
  topic('unclean.leader.election.enable', 'boolean', false, ['unclean.leader.election.enable'], X, 'Whether an out-of-sync replica may lead.'),
] as const;

export type TopicConfigName = (typeof TOPIC_CONFIGS)[number]['name'];
type TopicKeyRow<K extends TopicConfigName> = Extract<(typeof TOPIC_CONFIGS)[number], { readonly name: K }>;
export type TopicConfigValues = { readonly [K in TopicConfigName]: ConfigTypeValue<TopicKeyRow<K>['type']> };

const TOPIC_BY_NAME: ReadonlyMap<string, TopicConfigDef> = new Map(TOPIC_CONFIGS.map((t) => [t.name, t as TopicConfigDef]));

/** The declaration of a topic-level config, or undefined when Kafka has no such topic config. */
export function topicConfig(name: string): TopicConfigDef | undefined {
  return TOPIC_BY_NAME.get(name);
}
