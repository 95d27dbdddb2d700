/**
 * A ZooKeeper session for the cluster mode: promises over node-zookeeper-client, with the
 * behaviour of Kafka's ZooKeeperClient (kafka/zookeeper/ZooKeeperClient.scala) around it: a
 * bound on requests outstanding, requests that wait for the connection, and a new session made
 * by itself when the old one expires, after which the owners of ephemeral znodes and watches
 * re-create them (Kafka's StateChangeHandler.afterInitializingSession; here onNewSession).
 *
 *   const zk = await ZkSession.connect({ connectString: '127.0.0.1:2181/spindle',
 *     sessionTimeoutMs: 18_000, connectionTimeoutMs: 18_000 });
 *   zk.onNewSession(() => registerBroker(zk));     // after an expiry, not after connect()
 *   await zk.create('/brokers/ids/1', data, 'ephemeral');
 *   const got = await zk.get('/controller', (e) => …);   // undefined when absent
 *   await zk.close();
 *
 * Sessions and connections. A session outlives connections: while disconnected (a server died,
 * the network dropped, nothing was heard from the server for two thirds of the session
 * timeout), node-zookeeper-client reconnects by itself to the servers of the connect string in
 * turn, presenting the same session id and password, and a server of the ensemble takes the
 * session over, watches included (the library re-sends them with SetWatches). state is then
 * 'disconnected'. Only a server can declare a session expired, and it does so when it has not
 * heard from the client for the session timeout; the client learns it when it reconnects. state
 * is then 'expired' until a new session is established: the old client is dropped, a new one
 * made (another after a backoff if it is not connected within connectionTimeoutMs, and so on,
 * without end, as Kafka's reinitialize() does), and every onNewSession listener is called once
 * it is connected. The ephemeral znodes of the old session are gone by then, and so are all its
 * watches: ZooKeeper never delivers them on another session, so owners re-read and re-watch
 * in onNewSession.
 *
 * Requests. While connected, a request is sent at once when fewer than maxInFlightRequests are
 * outstanding (Kafka's zookeeper.max.in.flight.requests, default 10), else it waits its turn in
 * FIFO order; at most maxQueuedRequests (DEFAULT_MAX_QUEUED_REQUESTS, 10,000) wait, and a request
 * past that bound is refused with QUEUE_FULL: a caller that produces requests faster than
 * ZooKeeper answers them is told so instead of growing memory without end. While disconnected
 * or expired a request waits for the (new) session, for connectionTimeoutMs at most, then fails
 * with CONNECTION_LOSS. A request in flight when the connection drops has an unknown outcome:
 * reads (get, getChildren, exists) and mkdirs are sent again once reconnected, being idempotent;
 * writes fail with CONNECTION_LOSS and the caller decides (a create may have been applied, so a
 * retried create can meet NODE_EXISTS: its stat's ephemeralOwner tells whose it is). A request
 * in flight when the session expires fails with SESSION_EXPIRED. After close(), with CLOSED.
 *
 * Watchers are one-shot, as in ZooKeeper: a callback given to get or exists fires once, on the
 * next data change, deletion (or, from exists on an absent znode, creation); one given to
 * getChildren on the next change of the children or deletion. The same callback set twice on a
 * path fires once. They are called from a microtask, never inside the library's socket handler,
 * and a throwing watcher is logged, not propagated. get and getChildren of an absent znode set
 * no watch (ZooKeeper refuses it): use exists to watch for a creation.
 *
 * node-zookeeper-client, and what is done about it here (read from its source, version 1.1.3):
 *   - it has no read timeout: it pings after a third of the session timeout without traffic
 *     but never gives up on a server that accepts TCP and then says nothing (a frozen JVM, a
 *     machine gone while the connection stays up): it would stay "connected" until the session
 *     is long expired on the ensemble. A watchdog here does what ZooKeeper's Java client does:
 *     nothing heard for two thirds of the negotiated session timeout on a connection (or for the
 *     library's per-server connect timeout, session timeout / servers, during a handshake) and
 *     the socket is destroyed, which sends the library to the next server. The decision waits for
 *     one turn of the event loop, so that a process that was itself paused (SIGSTOP, a long GC)
 *     first reads what arrived meanwhile: if the server closed the connection because the
 *     session expired, that is what the reconnection then reports, at once after the resume.
 *   - requests it queued while not connected are never answered if the session then expires,
 *     so requests are handed to it only while connected and those in flight are failed here
 *     when their session ends;
 *   - Transaction.check/setData/remove turn version 0 into -1 (`version || -1`), which would make
 *     a check of version 0 always pass; multi() builds the operations itself;
 *   - an error code it does not list (SESSION_MOVED, NOT_READ_ONLY, QUOTA_EXCEEDED,
 *     THROTTLED_OP, …: ZooKeeper 3.8 has twelve more than it) makes its Exception.create throw
 *     inside the socket's data handler, an uncaught exception; Exception.create is wrapped once,
 *     for the whole process, to build an Exception for those codes too
 *     (tolerateUnknownErrorCodes below);
 *   - setData with null data throws; null is sent as empty data here (get returns an empty
 *     Buffer for a znode created with null data too, so a reader cannot tell them apart anyway);
 *   - close() while it is between servers can write to no socket and throw, and leaves its
 *     reconnection timer running; close() here destroys whatever socket it has until it reports
 *     CLOSED. A session closed while disconnected cannot be closed on the server: its ephemeral
 *     znodes go when it times out, as with the Java client.
 *
 * Main thread; one ZkSession per connect string and owner.
 */
import type { Socket } from 'node:net';
import zookeeper from 'node-zookeeper-client';
import type { ACL, Client, Event as LibEvent, Exception, Stat as LibStat } from 'node-zookeeper-client';
import { type Logger, SILENT_LOGGER, withStack } from '../core/logger.js';

/** How many requests may wait for a slot or for the connection before more are refused. */
export const DEFAULT_MAX_QUEUED_REQUESTS = 10_000;
/** Kafka's zookeeper.max.in.flight.requests default. */
export const DEFAULT_MAX_IN_FLIGHT_REQUESTS = 10;
/** How many times a read is sent again after connection losses before it fails. */
const MAX_READ_ATTEMPTS = 5;
/** Backoff between new clients made after an expiry that do not connect: doubling up to this. */
const RENEW_BACKOFF_MIN_MS = 100;
const RENEW_BACKOFF_MAX_MS = 5_000;

export type ZkState = 'connected' | 'disconnected' | 'expired' | 'closed';
export type ZkCreateMode = 'persistent' | 'ephemeral' | 'persistent_sequential' | 'ephemeral_sequential';
export type ZkEventType = 'created' | 'deleted' | 'dataChanged' | 'childrenChanged';
export interface ZkEvent {
  type: ZkEventType;
  path: string;
}
export type ZkWatcher = (event: ZkEvent) => void;

/**
 * ZooKeeper's codes by the names node-zookeeper-client gives them ('NO_NODE', 'NODE_EXISTS',
 * 'BAD_VERSION', 'NOT_EMPTY', 'CONNECTION_LOSS', 'SESSION_EXPIRED', 'OPERATION_TIMEOUT',
 * 'NO_CHILDREN_FOR_EPHEMERALS', 'BAD_ARGUMENTS', 'SESSION_MOVED', …), and this module's own:
 * 'CLOSED' (a request after or cut short by close()) and 'QUEUE_FULL' (maxQueuedRequests).
 */
export type ZkErrorCode =
  | 'NO_NODE'
  | 'NODE_EXISTS'
  | 'BAD_VERSION'
  | 'NOT_EMPTY'
  | 'CONNECTION_LOSS'
  | 'SESSION_EXPIRED'
  | 'OPERATION_TIMEOUT'
  | 'NO_CHILDREN_FOR_EPHEMERALS'
  | 'BAD_ARGUMENTS'
  | 'CLOSED'
  | 'QUEUE_FULL'
  | (string & {});

export class ZkError extends Error {
  override readonly name = 'ZkError';
  constructor(
    readonly code: ZkErrorCode,
    /** The path the request was about (for multi, the failing operation's). */
    readonly path?: string,
    message?: string,
    /** multi: the index of the operation that failed, when the server said. */
    readonly opIndex?: number,
  ) {
    super(message ?? (path === undefined ? code : `${code} ${path}`));
  }
}

export interface ZkStat {
  czxid: bigint;
  mzxid: bigint;
  pzxid: bigint;
  /** Milliseconds since the epoch, as the server's clock had it. */
  ctime: number;
  mtime: number;
  version: number;
  cversion: number;
  aversion: number;
  /** The owning session's id in ZkSession.sessionId's form; '0x0' for a persistent znode. */
  ephemeralOwner: string;
  dataLength: number;
  numChildren: number;
}

export type ZkOp =
  | { op: 'check'; path: string; version: number }
  | { op: 'create'; path: string; data: Buffer | null; mode?: ZkCreateMode }
  | { op: 'set'; path: string; data: Buffer | null; version?: number }
  | { op: 'delete'; path: string; version?: number };

export type ZkOpResult = { op: 'check' } | { op: 'create'; path: string } | { op: 'set'; stat: ZkStat } | { op: 'delete' };

export interface ZkSessionOptions {
  /** "host:port,host:port[/chroot]"; with a chroot every path is under it (which must exist). */
  connectString: string;
  /** Asked of the server, which bounds it by its min/maxSessionTimeout. */
  sessionTimeoutMs: number;
  /** How long connect() and a request wait for a connection. */
  connectionTimeoutMs: number;
  /** Requests outstanding at once (default DEFAULT_MAX_IN_FLIGHT_REQUESTS). */
  maxInFlightRequests?: number;
  /** Requests waiting to be sent before more are refused with QUEUE_FULL (default DEFAULT_MAX_QUEUED_REQUESTS). */
  maxQueuedRequests?: number;
  logger?: Logger;
}

// ---- node-zookeeper-client: its types, and the internals used here -------------------------

/** ConnectionManager.STATES of lib/ConnectionManager.js. */
const CM_CONNECTING = 1;
const CM_CONNECTED = 2;
const CM_CLOSED = -2;

/** The fields of lib/ConnectionManager.js read here (the watchdog needs the socket). */
interface ConnectionManager {
  state: number;
  socket?: Socket;
  connectTimeout: number;
  on(event: 'state', listener: (state: number) => void): void;
  removeListener(event: 'state', listener: (state: number) => void): void;
}

/** An operation of lib/Transaction.js's ops array, given to TransactionRequest as it is. */
type RawOp =
  | { type: 1; path: string; data: Buffer | undefined; acls: ACL[]; mode: number }
  | { type: 2 | 13; path: string; version: number }
  | { type: 5; path: string; data: Buffer | undefined; version: number };

interface RawResult {
  type: number;
  path?: string;
  stat?: LibStat;
  err?: number;
}

function manager(client: Client): ConnectionManager {
  return (client as unknown as { connectionManager: ConnectionManager }).connectionManager;
}

/** ZooKeeper 3.8's codes that node-zookeeper-client 1.1.3 does not list. */
const NEWER_CODES: Record<number, string> = {
  [-12]: 'UNKNOWN_SESSION',
  [-13]: 'NEW_CONFIG_NO_QUORUM',
  [-14]: 'RECONFIG_IN_PROGRESS',
  [-118]: 'SESSION_MOVED',
  [-119]: 'NOT_READ_ONLY',
  [-120]: 'EPHEMERAL_ON_LOCAL_SESSION',
  [-121]: 'NO_WATCHER',
  [-122]: 'REQUEST_TIMEOUT',
  [-123]: 'RECONFIG_DISABLED',
  [-124]: 'SESSION_CLOSED_REQUIRE_SASL_AUTH',
  [-125]: 'QUOTA_EXCEEDED',
  [-127]: 'THROTTLED_OP',
};

let tolerant = false;
/**
 * Makes the library's Exception.create answer codes it does not know with an Exception (its
 * prototype, so getCode() and instanceof work) instead of throwing. Every caller inside the
 * library looks `create` up on the shared module object, so one assignment covers them all.
 */
function tolerateUnknownErrorCodes(): void {
  if (tolerant) return;
  tolerant = true;
  const E = zookeeper.Exception as unknown as { create(code: number, path?: string): Exception; prototype: object } & Record<string, unknown>;
  const known = new Set(Object.values(E).filter((v): v is number => typeof v === 'number'));
  const original = E.create.bind(E);
  E.create = (code: number, path?: string): Exception => {
    if (known.has(code)) return original(code, path);
    const e = Object.create(E.prototype) as Exception & { message: string; stack?: string };
    e.code = code;
    e.name = NEWER_CODES[code] ?? `ERROR_${-code}`;
    e.path = path;
    e.message = `Exception: ${e.name}[${code}]${path ? `@${path}` : ''}`;
    Error.captureStackTrace(e, E.create);
    return e;
  };
}
tolerateUnknownErrorCodes();

// ---- conversions ----------------------------------------------------------------------------

/** No ACLs: the cluster's znodes are open to every client, as Kafka's are without zookeeper.set.acl. */
const OPEN_ACL: ACL[] = (zookeeper.ACL as unknown as { OPEN_ACL_UNSAFE: ACL[] }).OPEN_ACL_UNSAFE;

const CREATE_MODES: Record<ZkCreateMode, number> = {
  persistent: zookeeper.CreateMode.PERSISTENT,
  ephemeral: zookeeper.CreateMode.EPHEMERAL,
  persistent_sequential: zookeeper.CreateMode.PERSISTENT_SEQUENTIAL,
  ephemeral_sequential: zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL,
};

const EVENT_TYPES: Record<number, ZkEventType> = {
  [zookeeper.Event.NODE_CREATED]: 'created',
  [zookeeper.Event.NODE_DELETED]: 'deleted',
  [zookeeper.Event.NODE_DATA_CHANGED]: 'dataChanged',
  [zookeeper.Event.NODE_CHILDREN_CHANGED]: 'childrenChanged',
};

/** A session id (or an ephemeral owner) as ZooKeeper's own logs write it: 0x and lower-case hex. */
function hexId(id: Buffer): string {
  return `0x${id.readBigUInt64BE(0).toString(16)}`;
}

function toStat(s: LibStat): ZkStat {
  return {
    czxid: s.czxid.readBigInt64BE(0),
    mzxid: s.mzxid.readBigInt64BE(0),
    pzxid: s.pzxid.readBigInt64BE(0),
    ctime: Number(s.ctime.readBigInt64BE(0)),
    mtime: Number(s.mtime.readBigInt64BE(0)),
    version: s.version,
    cversion: s.cversion,
    aversion: s.aversion,
    ephemeralOwner: hexId(s.ephemeralOwner),
    dataLength: s.dataLength,
    numChildren: s.numChildren,
  };
}

function isLibException(e: unknown): e is Exception {
  return e instanceof zookeeper.Exception;
}

function codeOf(e: unknown): string {
  if (e instanceof ZkError) return e.code;
  if (isLibException(e)) return e.name;
  return 'SYSTEM_ERROR';
}

function toZkError(e: unknown, path: string | undefined): ZkError {
  if (e instanceof ZkError) return e;
  if (isLibException(e)) return new ZkError(e.name, path);
  // The library asserts on its arguments (data over 1 MiB, a malformed path) by throwing.
  const message = e instanceof Error ? e.message : String(e);
  const assertion = e instanceof Error && (e as NodeJS.ErrnoException).code === 'ERR_ASSERTION';
  return new ZkError(assertion ? 'BAD_ARGUMENTS' : 'SYSTEM_ERROR', path, `${assertion ? 'BAD_ARGUMENTS' : 'SYSTEM_ERROR'} ${path ?? ''}: ${message}`);
}

/** ZooKeeper's path rules, checked before a request waits anywhere. */
function checkPath(path: string): void {
  const bad = (why: string): never => {
    throw new ZkError('BAD_ARGUMENTS', path, `BAD_ARGUMENTS ${JSON.stringify(path)}: ${why}`);
  };
  if (typeof path !== 'string' || !path.startsWith('/')) bad('a path starts with /');
  if (path === '/') return;
  if (path.endsWith('/')) bad('a path does not end with /');
  for (const part of path.slice(1).split('/')) {
    if (part === '') bad('empty segment');
    if (part === '.' || part === '..') bad('relative segment');
    if (part.includes('\u0000')) bad('NUL character');
  }
}

// ---- the session ----------------------------------------------------------------------------

type Done = (error: unknown, value?: unknown) => void;

interface Request {
  path: string | undefined;
  /** Sent again after a connection loss (reads, mkdirs' creates). */
  retryable: boolean;
  send(client: Client, done: Done): void;
  resolve(value: unknown): void;
  reject(error: ZkError): void;
  /** Set while the request waits without a connection. */
  timer: NodeJS.Timeout | undefined;
  /** The client generation it was sent on, while in flight. */
  generation: number;
  /** How many times it was sent; a callback of an earlier sending is ignored. */
  attempts: number;
}

interface Normalized {
  connectString: string;
  sessionTimeoutMs: number;
  connectionTimeoutMs: number;
  maxInFlightRequests: number;
  maxQueuedRequests: number;
}

export class ZkSession {
  readonly #o: Normalized;
  readonly #log: Logger;
  #client: Client | undefined;
  /** Incremented for every client made; events of older clients are ignored. */
  #generation = 0;
  #state: ZkState = 'disconnected';
  #sessionId = '';
  #closing: Promise<void> | undefined;
  readonly #waiting: Request[] = [];
  readonly #inFlight = new Set<Request>();
  readonly #stateListeners = new Set<(state: ZkState) => void>();
  readonly #newSessionListeners = new Set<() => unknown>();
  readonly #watchers = new WeakMap<ZkWatcher, (event: LibEvent) => void>();
  readonly #connectedWaiters = new Set<() => void>();
  #watchdog: NodeJS.Timeout | undefined;
  #watchedSocket: Socket | undefined;
  #lastHeard = 0;
  #renewTimer: NodeJS.Timeout | undefined;
  #renewAttempts = 0;

  private constructor(options: ZkSessionOptions) {
    const positive = (name: string, v: number | undefined): void => {
      if (!Number.isFinite(v) || (v as number) <= 0) throw new RangeError(`${name} must be a positive number, not ${v}`);
    };
    positive('sessionTimeoutMs', options.sessionTimeoutMs);
    positive('connectionTimeoutMs', options.connectionTimeoutMs);
    const maxInFlightRequests = options.maxInFlightRequests ?? DEFAULT_MAX_IN_FLIGHT_REQUESTS;
    const maxQueuedRequests = options.maxQueuedRequests ?? DEFAULT_MAX_QUEUED_REQUESTS;
    if (!Number.isInteger(maxInFlightRequests) || maxInFlightRequests < 1) throw new RangeError(`maxInFlightRequests must be an integer of 1 or more, not ${maxInFlightRequests}`);
    if (!Number.isInteger(maxQueuedRequests) || maxQueuedRequests < 0) throw new RangeError(`maxQueuedRequests must be an integer of 0 or more, not ${maxQueuedRequests}`);
    this.#o = {
      connectString: options.connectString,
      sessionTimeoutMs: options.sessionTimeoutMs,
      connectionTimeoutMs: options.connectionTimeoutMs,
      maxInFlightRequests,
      maxQueuedRequests,
    };
    this.#log = options.logger ?? SILENT_LOGGER;
  }

  /**
   * A connected session; rejects with CONNECTION_LOSS when no server of the connect string
   * established one within connectionTimeoutMs (the client is closed then).
   */
  static async connect(options: ZkSessionOptions): Promise<ZkSession> {
    const session = new ZkSession(options);
    session.#newClient();
    session.#startWatchdog();
    const connected = await session.#waitConnected(session.#o.connectionTimeoutMs);
    if (!connected) {
      await session.close();
      throw new ZkError('CONNECTION_LOSS', undefined, `CONNECTION_LOSS: no ZooKeeper session with ${session.#o.connectString} within ${session.#o.connectionTimeoutMs} ms`);
    }
    return session;
  }

  get state(): ZkState {
    return this.#state;
  }

  /** The current session's id ('0x…', as ZooKeeper logs it); '' before the first. */
  get sessionId(): string {
    return this.#sessionId;
  }

  /** The session timeout the server granted (the one asked for until connected). */
  get sessionTimeoutMs(): number {
    return this.#client?.getSessionTimeout() ?? this.#o.sessionTimeoutMs;
  }

  /** "host:port" of the server this client is connected to, '' when not connected. */
  get currentServer(): string {
    const socket = this.#client && this.#state === 'connected' ? manager(this.#client).socket : undefined;
    return socket?.remoteAddress && socket.remotePort ? `${socket.remoteAddress}:${socket.remotePort}` : '';
  }

  /** Requests sent and not yet answered (at most maxInFlightRequests). */
  get inFlightRequests(): number {
    return this.#inFlight.size;
  }

  /** Requests waiting for a slot or for the connection (at most maxQueuedRequests). */
  get queuedRequests(): number {
    return this.#waiting.length;
  }

  /** Calls `listener` on every change of state; returns the function that removes it. */
  onStateChange(listener: (state: ZkState) => void): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  /**
   * Calls `listener` each time a new session replaces an expired one (not for the first, which
   * connect() returns): the place to create the session's ephemeral znodes and watches again.
   * A returned promise's rejection is logged. Returns the function that removes it.
   */
  onNewSession(listener: () => unknown): () => void {
    this.#newSessionListeners.add(listener);
    return () => this.#newSessionListeners.delete(listener);
  }

  /** Creates a znode; resolves with its path (with the sequence number for *_sequential modes). */
  create(path: string, data: Buffer | null, mode: ZkCreateMode = 'persistent'): Promise<string> {
    return this.#submit<string>(path, false, (client, done) => {
      const callback = (error: unknown, created: string): void => done(error, created);
      if (data) client.create(path, data, OPEN_ACL, CREATE_MODES[mode], callback);
      else client.create(path, OPEN_ACL, CREATE_MODES[mode], callback);
    });
  }

  /** The znode's data (empty when it holds none) and stat; undefined when it does not exist. */
  async get(path: string, watcher?: ZkWatcher): Promise<{ data: Buffer; stat: ZkStat } | undefined> {
    const watch = this.#libWatcher(watcher);
    try {
      return await this.#submit(path, true, (client, done) => {
        const callback = (error: unknown, data: Buffer | undefined, stat: LibStat): void => done(error, error ? undefined : { data: data ?? Buffer.alloc(0), stat: toStat(stat) });
        if (watch) client.getData(path, watch, callback);
        else client.getData(path, callback);
      });
    } catch (e) {
      if (e instanceof ZkError && e.code === 'NO_NODE') return undefined;
      throw e;
    }
  }

  /** The names of the znode's children (unsorted, as the server lists them); undefined when it does not exist. */
  async getChildren(path: string, watcher?: ZkWatcher): Promise<string[] | undefined> {
    const watch = this.#libWatcher(watcher);
    try {
      return await this.#submit(path, true, (client, done) => {
        const callback = (error: unknown, children: string[]): void => done(error, children);
        if (watch) client.getChildren(path, watch, callback);
        else client.getChildren(path, callback);
      });
    } catch (e) {
      if (e instanceof ZkError && e.code === 'NO_NODE') return undefined;
      throw e;
    }
  }

  /** The znode's stat, undefined when it does not exist; a watcher fires on creation, change or deletion. */
  exists(path: string, watcher?: ZkWatcher): Promise<ZkStat | undefined> {
    const watch = this.#libWatcher(watcher);
    return this.#submit(path, true, (client, done) => {
      const callback = (error: unknown, stat: LibStat | null): void => done(error, stat ? toStat(stat) : undefined);
      if (watch) client.exists(path, watch, callback);
      else client.exists(path, callback);
    });
  }

  /** Replaces the znode's data when its version is `version` (-1: any); resolves with the new stat. */
  set(path: string, data: Buffer | null, version = -1): Promise<ZkStat> {
    return this.#submit(path, false, (client, done) => {
      client.setData(path, data ?? Buffer.alloc(0), version, (error, stat) => done(error, error ? undefined : toStat(stat)));
    });
  }

  /** Deletes the znode when its version is `version` (-1: any). */
  delete(path: string, version = -1): Promise<void> {
    return this.#submit(path, false, (client, done) => client.remove(path, version, (error) => done(error)));
  }

  /** Creates the persistent znodes of `path` that are missing, parents first (`mkdir -p`). */
  async mkdirs(path: string): Promise<void> {
    checkPath(path);
    if (path === '/') return;
    const parts = path.slice(1).split('/');
    for (let i = 1; i <= parts.length; i++) {
      const prefix = `/${parts.slice(0, i).join('/')}`;
      try {
        await this.#submit(prefix, true, (client, done) => client.create(prefix, zookeeper.CreateMode.PERSISTENT, (error) => done(error)));
      } catch (e) {
        if (!(e instanceof ZkError && e.code === 'NODE_EXISTS')) throw e;
      }
    }
  }

  /**
   * Runs the operations as one transaction: all are applied or none. Resolves with a result per
   * operation; when one fails, rejects with that operation's code, path and index.
   */
  multi(ops: readonly ZkOp[]): Promise<ZkOpResult[]> {
    try {
      for (const op of ops) checkPath(op.path);
    } catch (e) {
      return Promise.reject(e);
    }
    const raw: RawOp[] = ops.map((op): RawOp => {
      switch (op.op) {
        case 'check':
          return { type: 13, path: op.path, version: op.version };
        case 'create':
          return { type: 1, path: op.path, data: op.data ?? undefined, acls: OPEN_ACL, mode: CREATE_MODES[op.mode ?? 'persistent'] };
        case 'set':
          return { type: 5, path: op.path, data: op.data ?? Buffer.alloc(0), version: op.version ?? -1 };
        case 'delete':
          return { type: 2, path: op.path, version: op.version ?? -1 };
      }
    });
    return this.#submit(undefined, false, (client, done) => {
      const transaction = client.transaction();
      (transaction as unknown as { ops: RawOp[] }).ops.push(...raw);
      transaction.commit((error: unknown, results: RawResult[] | undefined) => {
        if (error) {
          // Earlier operations report OK, later ones RUNTIME_INCONSISTENCY (-2): the failing one is the other.
          const index = results?.findIndex((r) => r.err !== undefined && r.err !== 0 && r.err !== -2) ?? -1;
          if (index >= 0) {
            const code = codeOf(error);
            done(new ZkError(code, ops[index]!.path, `${code} ${ops[index]!.path} (operation ${index} of a multi of ${ops.length})`, index));
          } else done(error);
          return;
        }
        done(
          null,
          (results ?? []).map((r, i): ZkOpResult => {
            const op = ops[i]!.op;
            if (op === 'create') return { op, path: r.path! };
            if (op === 'set') return { op, stat: toStat(r.stat!) };
            return { op };
          }),
        );
      });
    });
  }

  /**
   * Ends the session: its ephemeral znodes go at once when connected (otherwise when the
   * session times out on the ensemble); waiting requests fail with CLOSED. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const wasConnected = this.#state === 'connected';
    this.#setState('closed');
    clearInterval(this.#watchdog);
    clearTimeout(this.#renewTimer);
    for (const wake of this.#connectedWaiters) wake();
    for (const request of this.#waiting.splice(0)) {
      clearTimeout(request.timer);
      request.reject(new ZkError('CLOSED', request.path, `CLOSED ${request.path ?? ''}: the session was closed`));
    }
    const client = this.#client;
    if (client) await this.#shutdown(client, wasConnected);
    this.#failInFlight(this.#generation, 'CLOSED');
    this.#log.info(`ZooKeeper session ${this.#sessionId || '(none)'} closed`);
  }

  // ---- requests -----------------------------------------------------------------------------

  #submit<T>(path: string | undefined, retryable: boolean, send: (client: Client, done: Done) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (path !== undefined) checkPath(path);
      if (this.#closing) throw new ZkError('CLOSED', path, `CLOSED ${path ?? ''}: the session was closed`);
      if (this.#waiting.length >= this.#o.maxQueuedRequests) {
        throw new ZkError('QUEUE_FULL', path, `QUEUE_FULL ${path ?? ''}: ${this.#waiting.length} requests already wait (maxQueuedRequests)`);
      }
      const request: Request = { path, retryable, send, resolve: resolve as (v: unknown) => void, reject, timer: undefined, generation: 0, attempts: 0 };
      this.#waiting.push(request);
      if (this.#state !== 'connected') this.#arm(request);
      this.#pump();
    });
  }

  /** Starts the request's wait for a connection: connectionTimeoutMs, then CONNECTION_LOSS. */
  #arm(request: Request): void {
    if (request.timer) return;
    request.timer = setTimeout(() => {
      const i = this.#waiting.indexOf(request);
      if (i < 0) return;
      this.#waiting.splice(i, 1);
      request.reject(new ZkError('CONNECTION_LOSS', request.path, `CONNECTION_LOSS ${request.path ?? ''}: not connected to ZooKeeper within ${this.#o.connectionTimeoutMs} ms (state ${this.#state})`));
    }, this.#o.connectionTimeoutMs);
  }

  /** Sends waiting requests while connected and below the in-flight bound. */
  #pump(): void {
    const client = this.#client;
    while (client && this.#state === 'connected' && this.#inFlight.size < this.#o.maxInFlightRequests && this.#waiting.length > 0) {
      const request = this.#waiting.shift()!;
      clearTimeout(request.timer);
      request.timer = undefined;
      request.generation = this.#generation;
      const attempt = ++request.attempts;
      this.#inFlight.add(request);
      try {
        request.send(client, (error, value) => this.#complete(request, attempt, error, value));
      } catch (e) {
        this.#complete(request, attempt, e, undefined);
      }
    }
  }

  #complete(request: Request, attempt: number, error: unknown, value: unknown): void {
    // Already failed when its session ended, or by close().
    if (request.attempts !== attempt || !this.#inFlight.delete(request)) return;
    if (error && codeOf(error) === 'CONNECTION_LOSS' && request.retryable && !this.#closing && request.attempts < MAX_READ_ATTEMPTS) {
      this.#waiting.unshift(request);
      if (this.#state !== 'connected') this.#arm(request);
    } else if (error) {
      request.reject(toZkError(error, request.path));
    } else {
      request.resolve(value);
    }
    // Not from inside the library's callback: the library fails a dropped connection's requests
    // before it reports the disconnection, and a request sent from here would go to the dead socket.
    queueMicrotask(() => this.#pump());
  }

  #failInFlight(generation: number, code: 'SESSION_EXPIRED' | 'CLOSED'): void {
    for (const request of [...this.#inFlight]) {
      if (request.generation !== generation) continue;
      this.#inFlight.delete(request);
      request.reject(new ZkError(code, request.path, `${code} ${request.path ?? ''}: the session ended with the request in flight`));
    }
  }

  #libWatcher(watcher: ZkWatcher | undefined): ((event: LibEvent) => void) | undefined {
    if (!watcher) return undefined;
    let wrapped = this.#watchers.get(watcher);
    if (!wrapped) {
      wrapped = (event: LibEvent) => {
        const type = EVENT_TYPES[event.type];
        if (!type || this.#closing) return;
        const path = event.path;
        queueMicrotask(() => {
          if (this.#closing) return;
          try {
            watcher({ type, path });
          } catch (e) {
            this.#log.error(withStack(`ZooKeeper watcher for ${path} threw`, e));
          }
        });
      };
      this.#watchers.set(watcher, wrapped);
    }
    return wrapped;
  }

  // ---- clients and the session's life -------------------------------------------------------

  #setState(state: ZkState): void {
    if (this.#state === state || this.#state === 'closed') return;
    this.#state = state;
    for (const listener of [...this.#stateListeners]) {
      try {
        listener(state);
      } catch (e) {
        this.#log.error(withStack(`ZooKeeper state listener threw on ${state}`, e));
      }
    }
  }

  #newClient(): void {
    const generation = ++this.#generation;
    const client = zookeeper.createClient(this.#o.connectString, { sessionTimeout: this.#o.sessionTimeoutMs, spinDelay: 1000, retries: 0 });
    this.#client = client;
    client.on('connected', () => this.#onConnected(client, generation));
    client.on('disconnected', () => this.#onDisconnected(generation));
    client.on('expired', () => this.#onExpired(generation));
    client.on('authenticationFailed', () => this.#log.error(`ZooKeeper authentication failed (${this.#o.connectString})`));
    client.connect();
  }

  #onConnected(client: Client, generation: number): void {
    if (generation !== this.#generation || this.#closing) return;
    const id = hexId(client.getSessionId());
    const fresh = id !== this.#sessionId;
    const first = this.#sessionId === '';
    this.#sessionId = id;
    this.#lastHeard = performance.now();
    clearTimeout(this.#renewTimer);
    this.#renewAttempts = 0;
    this.#log.info(`ZooKeeper session ${id} ${fresh ? 'established' : 'reconnected'} with ${this.#serverOf(client)}, timeout ${client.getSessionTimeout()} ms`);
    this.#setState('connected');
    if (fresh && !first) {
      for (const listener of [...this.#newSessionListeners]) {
        try {
          const result = listener();
          if (result instanceof Promise) result.catch((e: unknown) => this.#log.error(withStack(`ZooKeeper new-session listener failed for session ${id}`, e)));
        } catch (e) {
          this.#log.error(withStack(`ZooKeeper new-session listener threw for session ${id}`, e));
        }
      }
    }
    for (const wake of this.#connectedWaiters) wake();
    // After the library has sent what it queued on connecting (SetWatches), not before it.
    queueMicrotask(() => this.#pump());
  }

  #serverOf(client: Client): string {
    const socket = manager(client).socket;
    return socket?.remoteAddress ? `${socket.remoteAddress}:${socket.remotePort}` : this.#o.connectString;
  }

  #onDisconnected(generation: number): void {
    if (generation !== this.#generation || this.#closing || this.#state !== 'connected') return;
    this.#log.warn(`ZooKeeper session ${this.#sessionId} disconnected; reconnecting`);
    this.#setState('disconnected');
    for (const request of this.#waiting) this.#arm(request);
  }

  #onExpired(generation: number): void {
    if (generation !== this.#generation || this.#closing) return;
    this.#log.warn(`ZooKeeper session ${this.#sessionId} expired; starting a new session`);
    this.#setState('expired');
    this.#failInFlight(generation, 'SESSION_EXPIRED');
    for (const request of this.#waiting) this.#arm(request);
    // Out of the library's socket handler, which reported it.
    this.#renewTimer = setTimeout(() => this.#renew(), 0);
  }

  /** Drops the current client and makes a new one; again after a backoff if it does not connect. */
  #renew(): void {
    if (this.#closing) return;
    const old = this.#client;
    if (old) void this.#shutdown(old, false);
    this.#newClient();
    const generation = this.#generation;
    const backoff = Math.min(RENEW_BACKOFF_MAX_MS, RENEW_BACKOFF_MIN_MS * 2 ** this.#renewAttempts);
    this.#renewAttempts++;
    this.#renewTimer = setTimeout(() => {
      if (this.#closing || generation !== this.#generation || this.#state === 'connected') return;
      this.#log.warn(`no new ZooKeeper session within ${this.#o.connectionTimeoutMs} ms; trying again in ${backoff} ms`);
      this.#renewTimer = setTimeout(() => this.#renew(), backoff * (0.5 + Math.random() / 2));
    }, this.#o.connectionTimeoutMs);
  }

  /** Resolves true once connected, false after `ms` or on close. */
  #waitConnected(ms: number): Promise<boolean> {
    if (this.#state === 'connected') return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#connectedWaiters.delete(wake);
        resolve(this.#state === 'connected');
      };
      const timer = setTimeout(wake, ms);
      this.#connectedWaiters.add(wake);
    });
  }

  /**
   * Stops a client for good. Connected and `graceful`: closeSession, so that the server drops
   * the session (and its ephemeral znodes) at once. In any case its socket is destroyed until
   * the library says CLOSED, bounded by the read timeout when the server does not answer.
   */
  async #shutdown(client: Client, graceful: boolean): Promise<void> {
    const cm = manager(client);
    if (cm.state === CM_CLOSED) return;
    let listener: ((state: number) => void) | undefined;
    const closed = new Promise<void>((resolve) => {
      listener = (state) => {
        if (state === CM_CLOSED) resolve();
      };
      cm.on('state', listener);
    });
    const sendClose = graceful && cm.state === CM_CONNECTED;
    try {
      client.close();
    } catch {
      // Between servers it has no socket to write closeSession to; CLOSING is set all the same.
    }
    const destroy = (): void => {
      if (cm.socket && !cm.socket.destroyed) cm.socket.destroy();
    };
    const grace = sendClose ? Math.min(this.#o.connectionTimeoutMs, this.#readTimeoutMs(client)) : 0;
    const deadline = performance.now() + grace;
    if (!sendClose) destroy();
    // Past the grace, and again for any socket a reconnection timer of the library opens after
    // CLOSING was set, until the library reports CLOSED.
    const poll = setInterval(() => {
      if (performance.now() >= deadline) destroy();
    }, 50);
    let giveUpTimer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<void>((resolve) => (giveUpTimer = setTimeout(resolve, grace + 5_000)));
    await Promise.race([closed, giveUp]);
    clearInterval(poll);
    clearTimeout(giveUpTimer);
    cm.removeListener('state', listener!);
    if (cm.state !== CM_CLOSED) this.#log.warn('ZooKeeper client did not report CLOSED after its socket was destroyed');
  }

  // ---- the read timeout ---------------------------------------------------------------------

  #readTimeoutMs(client: Client): number {
    return Math.floor((client.getSessionTimeout() * 2) / 3);
  }

  #startWatchdog(): void {
    // A tenth of the shorter limit: a silence is acted on within 10% of its limit.
    const tick = Math.max(20, Math.floor(Math.min((this.#o.sessionTimeoutMs * 2) / 3, this.#o.sessionTimeoutMs / this.#serverCount()) / 10));
    this.#watchdog = setInterval(() => this.#check(), tick);
    this.#watchdog.unref();
  }

  #serverCount(): number {
    const hosts = this.#o.connectString.split('/')[0]!;
    return Math.max(1, hosts.split(',').filter(Boolean).length);
  }

  /** Nothing heard for too long on the current socket: destroy it, as the Java client does. */
  #check(): void {
    const client = this.#client;
    if (!client || this.#closing) return;
    const cm = manager(client);
    const socket = cm.socket;
    if (socket !== this.#watchedSocket) {
      this.#watchedSocket = socket;
      this.#lastHeard = performance.now();
      socket?.on('data', () => {
        if (this.#watchedSocket === socket) this.#lastHeard = performance.now();
      });
      return;
    }
    if (!socket || socket.destroyed) return;
    if (cm.state !== CM_CONNECTED && cm.state !== CM_CONNECTING) return;
    const limit = cm.state === CM_CONNECTED ? this.#readTimeoutMs(client) : cm.connectTimeout;
    if (performance.now() - this.#lastHeard <= limit) return;
    // One turn of the event loop first: what arrived while this process could not run is read
    // in the poll phase, before setImmediate callbacks.
    setImmediate(() => {
      if (this.#closing || this.#client !== client || cm.socket !== socket || socket.destroyed) return;
      const silent = performance.now() - this.#lastHeard;
      if (silent <= limit) return;
      this.#log.warn(`nothing heard from ZooKeeper server ${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'} for ${Math.round(silent)} ms (limit ${limit} ms); trying another server`);
      if (this.#state === 'connected') {
        this.#setState('disconnected');
        for (const request of this.#waiting) this.#arm(request);
      }
      socket.destroy();
    });
  }
}
