/**
 * startBroker: the broker as a library. Loads the configuration, opens the topics, starts the
 * partition workers (or the inline host) and the listeners, and returns the bound address and
 * a close() that shuts down cleanly: stop accepting, finish requests in flight, flush and close
 * every log (writing clean-shutdown markers), stop the workers, release the log dirs' `.lock`
 * files. A start that fails half-way (a taken port, a locked directory) stops what it had
 * started before it rethrows.
 *
 *   import { startBroker } from 'spindle';
 *   const broker = await startBroker({ port: 0 });       // a free port, a temporary data dir
 *   // … kafkajs with brokers: [broker.bootstrap] …
 *   await broker.close();
 *
 * Main thread.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { type TLSSocket, createServer as createTlsServer } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from './broker.js';
import { type Logger, stderrLogger } from '../core/logger.js';
import { type BrokerConfig, CONSOLE_LISTENER_NAME, type ConsoleListener, type LoadConfigOptions, describeConfig, listenerValue, loadConfig } from './config/load.js';
import { ConfigError } from './config/errors.js';
import { Connection } from './connection.js';
import { CLUSTER_HANDLERS, HANDLERS } from './handlers/index.js';
import type { ClusterNode } from '../cluster/node.js';
import { uuidToBase64 } from '../core/topic-store.js';
import { randomUUID } from 'node:crypto';
import { InlineHost } from './partitions/inline-host.js';
import type { PartitionHost } from './partitions/host.js';
import { WorkerHost } from './partitions/worker-host.js';
import { Router } from './router.js';
import { type LogDirLock, lockLogDirs } from './log-dir-lock.js';
import { startGroupCoordinator, stopGroupCoordinator } from './groups/offsets-topic.js';
import { startTransactionCoordinator, stopTransactionCoordinator } from './transactions/state-topic.js';
import { closePool } from '../workers/pool.js';
import { type ConsoleKafka, type RunningConsole, startConsole } from '../console/server.js';
import { type ConsoleAuth, type ConsoleAuthentication, consoleAuth } from '../console/auth.js';
import { ANONYMOUS, ConnectionAuth } from './security/authenticator.js';
import { type ListenerSecurity, checkListenerExposure, listenerSecurity } from './security/listener-security.js';
import { parsePrincipalMappingRules, principalFromCertificate } from './security/principal.js';
import { type TlsSetup, tlsSetup, watchTlsFiles } from './security/tls.js';
import { ConnectionLimits } from './security/connection-limits.js';
import { CONSOLE_PROXY_USER, consoleClientListener } from './security/console-client.js';
import type { Listener } from './config/load.js';

/** How often logs get their upkeep (flush.ms, retention, deleted files): fine enough for flush.ms. */
export const TICK_INTERVAL_MS = 200;
/** How long close() lets connections finish the requests they have sent. */
export const SHUTDOWN_GRACE_MS = 5_000;

export interface StartOptions extends LoadConfigOptions {
  /** Port of the (single) listener; 0 picks a free one. Overrides `listeners`. */
  port?: number;
  /** Host to listen on; 127.0.0.1 unless set here or in `listeners`. */
  host?: string;
  /** Server configuration keys as an object (same names as server.properties). */
  config?: Record<string, unknown>;
  /** Write the start-up report to stderr. */
  log?: boolean;
  /** Where ERROR, WARN and INFO lines go; stderr (INFO with `log` only) when absent. */
  logger?: Logger;
  /**
   * With no data directory configured, use a temporary one removed by close() (the default,
   * for embedding in tests); false uses the configured default, ./data (the command line).
   */
  temporaryDataDir?: boolean;
}

/** One listener as bound: its name, protocol and address. */
export interface BoundListener {
  readonly name: string;
  readonly securityProtocol: string;
  readonly host: string;
  readonly port: number;
  /** "host:port" as advertised to clients of this listener. */
  readonly bootstrap: string;
}

export interface RunningBroker {
  /** The first listener's address. */
  readonly host: string;
  readonly port: number;
  /** "host:port", for clients' bootstrap servers. */
  readonly bootstrap: string;
  readonly config: BrokerConfig;
  readonly broker: Broker;
  readonly router: Router;
  /** Milliseconds from the call to accepting connections. */
  readonly startupMs: number;
  /** The web console and /metrics ("http://host:port"), or null when console.listener is 'none'. */
  readonly consoleUrl: string | null;
  /** Every listener, in the order of `listeners`. */
  readonly listeners: readonly BoundListener[];
  /** Open client connections. */
  connectionCount(): number;
  /** Each open connection's listener, client address and principal (User:ANONYMOUS until a SASL login). */
  sessions(): { listener: string; remote: string; principal: string; authenticated: boolean }[];
  close(): Promise<void>;
}

/**
 * What startBroker has started so far. close() stops all of it, in order; a start-up step that
 * fails closes what came before it, so a failed start leaves no worker, timer, lock or
 * temporary directory behind.
 */
class Started {
  temporaryDir: string | undefined;
  locks: LogDirLock[] = [];
  host: PartitionHost | undefined;
  broker: Broker | undefined;
  servers: Server[] = [];
  securities: ListenerSecurity[] = [];
  stopWatches: (() => void)[] = [];
  limits: ConnectionLimits | undefined;
  webConsole: RunningConsole | undefined;
  cluster: ClusterNode | undefined;
  readonly connections = new Set<Connection>();
  private closing: Promise<void> | undefined;

  close(): Promise<void> {
    return (this.closing ??= this.stop());
  }

  private async stop(): Promise<void> {
    const { broker, servers, connections } = this;
    // The console first: its event streams end and its client lets go of its connection.
    await this.webConsole?.close();
    for (const stop of this.stopWatches) stop();
    for (const security of this.securities) security.close();
    // Parked JoinGroup/SyncGroup requests are answered (NOT_COORDINATOR) so connections drain at once.
    if (broker) {
      stopGroupCoordinator(broker);
      stopTransactionCoordinator(broker);
    }
    // A broker of a cluster leaves it first: its registration goes with its session.
    await this.cluster?.stop();
    const listening = servers.filter((server) => server.listening);
    if (listening.length > 0) {
      await new Promise<void>((resolve) => {
        let open = listening.length;
        for (const server of listening) server.close(() => --open === 0 && resolve());
        // Stop reading, answer what was read, then close; a connection stuck past the grace
        // period (a client that stopped reading) is cut.
        for (const c of connections) c.drainAndClose();
        setTimeout(() => {
          for (const c of connections) c.close('shutdown');
        }, SHUTDOWN_GRACE_MS).unref();
      });
    }
    // Every log opened is flushed and closed (clean-shutdown markers), then the workers stop.
    if (broker) await broker.shutdown();
    else await this.host?.shutdown();
    await closePool();
    for (const lock of this.locks) lock.release();
    if (this.temporaryDir) rmSync(this.temporaryDir, { recursive: true, force: true });
  }
}

export async function startBroker(options: StartOptions = {}): Promise<RunningBroker> {
  const started = new Started();
  try {
    return await start(options, started);
  } catch (e) {
    try {
      await started.close();
    } catch (stopError) {
      throw new AggregateError([e, stopError], `start-up failed (${(e as Error).message}), and so did stopping what had started (${(stopError as Error).message})`);
    }
    throw e;
  }
}

async function start(options: StartOptions, s: Started): Promise<RunningBroker> {
  const started = performance.now();
  const overrides: Record<string, unknown> = { ...(options.overrides ?? {}), ...(options.config ?? {}) };
  const dataDirGiven =
    options.file !== undefined ||
    overrides['log.dirs'] !== undefined ||
    overrides['log.dir'] !== undefined ||
    options.env?.SPINDLE_LOG_DIRS !== undefined ||
    options.env?.SPINDLE_LOG_DIR !== undefined ||
    options.env?.KAFKA_LOG_DIRS !== undefined ||
    options.env?.KAFKA_LOG_DIR !== undefined ||
    options.flags?.['log.dirs'] !== undefined ||
    options.flags?.['log.dir'] !== undefined;
  if ((options.temporaryDataDir ?? true) && !dataDirGiven) {
    s.temporaryDir = mkdtempSync(join(tmpdir(), 'spindle-'));
    overrides['log.dirs'] = s.temporaryDir;
  }
  if (options.port !== undefined || options.host !== undefined) {
    overrides.listeners = `PLAINTEXT://${options.host ?? '127.0.0.1'}:${options.port ?? 9092}`;
    if (overrides['console.listener'] === undefined) overrides['console.listener'] = 'none';
  }
  const config = loadConfig({ ...options, overrides });
  checkListenerExposure(config);
  const log = (m: string): void => {
    if (options.log) process.stderr.write(`${m}\n`);
  };
  if (options.log) for (const line of describeConfig(config)) log(line);
  // One broker per data directory: taken before anything in them is read or written.
  for (const dir of config.derived.logDirs) mkdirSync(dir, { recursive: true });
  s.locks = lockLogDirs(config.derived.logDirs);
  const logger = options.logger ?? stderrLogger(options.log === true);
  for (const lock of s.locks) if (lock.warning) logger.warn(lock.warning);

  const v = config.values;
  const hostOptions = {
    retentionCheckIntervalMs: v['log.retention.check.interval.ms'] as number,
    cleanerBackoffMs: v['log.cleaner.backoff.ms'] as number,
    cleanerEnabled: v['log.cleaner.enable'] as boolean,
    producerIdExpirationMs: v['producer.id.expiration.ms'] as number,
    producerIdExpirationCheckIntervalMs: v['producer.id.expiration.check.interval.ms'] as number,
  };
  const workers = config.derived.numIoThreads;
  const host: PartitionHost = (s.host = workers === 0 ? new InlineHost(hostOptions, TICK_INTERVAL_MS) : new WorkerHost(workers, hostOptions, TICK_INTERVAL_MS));
  // Cluster mode: the ZooKeeper session and the cluster's id come first (cluster/node.ts).
  let cluster: ClusterNode | undefined;
  let clusterId: string | undefined;
  if (v['zookeeper.connect']) {
    // Loaded only here: a single node never loads the cluster's modules nor the ZooKeeper client.
    const { ClusterNode } = await import('../cluster/node.js');
    ({ node: cluster, clusterId } = await ClusterNode.connect(config, logger, readMetaClusterId(config.derived.logDirs[0]!), () => uuidToBase64(randomUUID())));
    s.cluster = cluster;
  }
  const broker = (s.broker = new Broker(config, host, logger, clusterId));
  if (cluster) {
    // The controller says which replicas this broker holds (LeaderAndIsr) once it registers.
    broker.cluster = cluster;
    cluster.attach(broker);
    // Groups: loaded partition by partition as this broker comes to lead __consumer_offsets' partitions.
    await startGroupCoordinator(broker, { log });
  } else {
    await broker.openAll();
    // Consumer groups: __consumer_offsets created if missing and loaded before any client connects.
    await startGroupCoordinator(broker, { log });
    // Transactions: __transaction_state loaded, and transactions left half-ended are completed.
    await startTransactionCoordinator(broker);
  }
  const router = new Router(broker, cluster ? [...HANDLERS, ...CLUSTER_HANDLERS] : HANDLERS);
  const files = broker.files;
  const { connections } = s;

  // Every client listener, each with what it asks of its clients (security/listener-security.ts),
  // and the per-address connection limits over all of them.
  const limits = await ConnectionLimits.fromConfig(config);
  s.limits = limits;
  const bound: BoundListener[] = [];
  const accept = (socket: Socket, auth: ConnectionAuth): void => {
    broker.metrics.connectionAccepted(); // metrics: connections accepted, and closed below
    const connection = new Connection(socket, {
      maxRequestBytes: v['socket.request.max.bytes'] as number,
      maxQueuedRequests: v['queued.max.requests'] as number,
      idleMs: v['connections.max.idle.ms'] as number,
      files,
      intake: broker.intake,
      auth,
      prepare: (c, frame) => router.prepare(c, frame),
      onClose: (c) => {
        connections.delete(c);
        broker.metrics.connectionClosed();
      },
      onInternalError: (c, e) => broker.internalError(`request on ${c.remote}`, e),
      log: (m) => process.stderr.write(`${m}\n`),
    });
    connections.add(connection);
  };
  for (const listener of config.derived.listeners) {
    const security = listenerSecurity(config, listener, { scram: broker.security.scram, log: logger });
    s.securities.push(security);
    const address = await listen(s, listener, security, v['socket.listen.backlog.size'] as number, accept, logger);
    const advertised = config.derived.advertisedListeners.find((l) => l.name === listener.name) ?? listener;
    const endpoint = {
      host: advertised.host === '' || advertised.host === '0.0.0.0' ? address.address : advertised.host,
      port: advertised.port === 0 || advertised.port === listener.port ? address.port : advertised.port,
    };
    broker.advertisedByListener.set(listener.name, endpoint);
    bound.push({ name: listener.name, securityProtocol: listener.securityProtocol, host: address.address, port: address.port, bootstrap: `${endpoint.host}:${endpoint.port}` });
  }
  const first = bound[0];
  if (!first) throw new Error('no listener configured');
  broker.advertised = broker.advertisedByListener.get(first.name)!;
  const address = { address: first.host, port: first.port };
  // The web console and /metrics, on their own HTTP listener; its Kafka client uses the listener
  // just bound. A console that cannot listen (its port taken) stops the broker it came with.
  const consoleListener = config.derived.consoleListener;
  if (consoleListener) {
    // The console's client: with console authentication (or no PLAINTEXT listener to use) it
    // acts as whoever signed in, through a listener of its own (security/console-client.ts);
    // otherwise it is User:ANONYMOUS on the first PLAINTEXT listener, as any client there.
    const plaintext = bound.find((l) => l.securityProtocol === 'PLAINTEXT');
    let kafka: ConsoleKafka;
    if (config.values['console.authentication'] !== 'none' || !plaintext) {
      const own = consoleClientListener(config);
      const at = await listen(s, own.listener, own.security, v['socket.listen.backlog.size'] as number, accept, logger);
      broker.advertisedByListener.set(own.listener.name, { host: at.address, port: at.port });
      kafka = { bootstrap: `${at.address}:${at.port}`, actAs: { user: CONSOLE_PROXY_USER, password: own.password } };
    } else {
      const kafkaHost = plaintext.host === '0.0.0.0' || plaintext.host === '::' ? '127.0.0.1' : plaintext.host;
      kafka = { bootstrap: `${kafkaHost.includes(':') ? `[${kafkaHost}]` : kafkaHost}:${plaintext.port}`, actAs: null };
    }
    s.webConsole = await startConsole({
      broker,
      host: consoleListener.host,
      port: consoleListener.port,
      kafka,
      ...consoleSecurity(config, consoleListener, broker, s.securities),
      log: logger,
    });
    log(`Console and /metrics at ${s.webConsole.url}${config.values['console.authentication'] === 'none' ? '' : ` (${config.values['console.authentication']} authentication)`}`);
  }
  if (cluster) {
    await cluster.register(
      config.derived.listeners.map((l) => {
        const endpoint = broker.advertisedByListener.get(l.name)!;
        return { listener: l.name, securityProtocol: l.securityProtocol, host: endpoint.host, port: endpoint.port };
      }),
    );
    log(`Broker ${broker.nodeId} joined cluster ${broker.clusterId} through ZooKeeper at ${v['zookeeper.connect'] as string}`);
  }
  const startupMs = performance.now() - started;
  for (const l of bound.slice(1)) log(`Listener ${l.name} (${l.securityProtocol}) on ${l.host}:${l.port}`);
  log(`Spindle listening on ${address.address}:${address.port} (${workers === 0 ? 'logs inline on the main thread' : `${workers} partition worker${workers > 1 ? 's' : ''}`}), started in ${startupMs.toFixed(0)} ms`);

  return {
    host: address.address,
    port: address.port,
    bootstrap: `${broker.advertised.host}:${broker.advertised.port}`,
    config,
    broker,
    router,
    startupMs,
    consoleUrl: s.webConsole?.url ?? null,
    listeners: bound,
    connectionCount: () => connections.size,
    sessions: () => [...connections].map((c) => ({ listener: c.auth.security.listener.name, remote: c.remote, principal: c.auth.principal, authenticated: c.auth.authenticated })),
    close: () => s.close(),
  };
}

/**
 * Binds one listener: plain TCP, or TLS (a connection is handed over once its handshake is done,
 * with the principal its certificate maps to). Resolves with the bound address.
 */
async function listen(
  s: Started,
  listener: Listener,
  security: ListenerSecurity,
  backlog: number,
  accept: (socket: Socket, auth: ConnectionAuth) => void,
  logger: Logger,
): Promise<AddressInfo> {
  const config = s.broker!.config;
  let server: Server;
  if (security.tls) {
    const tls = security.tls;
    const tlsServer = createTlsServer(tls.options, (socket: TLSSocket) => {
      let principal = ANONYMOUS;
      const cert = socket.getPeerX509Certificate();
      if (cert) {
        // ssl.client.auth=requested: a certificate given must be trusted, as in Java's "want" mode.
        if (!socket.authorized) {
          socket.destroy();
          s.broker?.metrics.tlsHandshakeFailed();
          return;
        }
        // On SASL_SSL the SASL login names the principal; on SSL the certificate does, and a
        // name no mapping rule matches fails the connection, as in Kafka.
        if (!security.sasl) {
          try {
            principal = principalFromCertificate(cert, security.principalRules);
          } catch {
            socket.destroy();
            s.broker?.metrics.authenticated(false);
            return;
          }
        }
      }
      accept(socket, new ConnectionAuth(security, principal));
    });
    // A failed handshake (plaintext bytes, an untrusted certificate, a stalled client past
    // TLS_HANDSHAKE_TIMEOUT_MS) only closes that socket; counted, not logged line by line.
    // With a listener here Node leaves the socket open: it is closed here.
    tlsServer.on('tlsClientError', (_e, socket) => {
      socket.destroy();
      s.broker?.metrics.tlsHandshakeFailed();
    });
    s.stopWatches.push(watchTlsFiles(tls, tlsServer, logger, listener.name));
    server = tlsServer;
  } else {
    server = createServer((socket) => accept(socket, new ConnectionAuth(security, ANONYMOUS)));
  }
  s.servers.push(server);
  // The listener's own max.connections (listener.name.<l>.max.connections, else the broker's).
  server.maxConnections = Math.min(listenerValue(config, listener.name, 'max.connections'), 2 ** 31 - 1);
  // max.connections.per.ip and the broker-wide max.connections: counted from the TCP accept
  // (before any TLS handshake), so a client that opens connections and never finishes them is
  // held to its limit too.
  const limits = s.limits!;
  server.on('connection', (raw: Socket) => {
    const address = raw.remoteAddress ?? '';
    const past = limits.admit(address);
    if (past !== null) {
      raw.destroy();
      if (s.broker && past === 'ip') s.broker.metrics.connectionsRefusedPerIp++;
      else if (s.broker) s.broker.metrics.connectionsRefusedMax++;
      return;
    }
    raw.once('close', () => limits.release(address));
  });
  const bindHost = listener.host === '' ? '0.0.0.0' : listener.host;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: listener.port, host: bindHost, backlog }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // After listening, an error is an accept that failed (EMFILE, ENFILE): logged, and the
  // listener goes on; the kernel keeps the connection queued until a descriptor frees.
  server.on('error', (e) => logger.error(`accepting a connection on ${bindHost}:${listener.port}: ${(e as Error).message}`));
  return server.address() as AddressInfo;
}

/**
 * The console's TLS (https://: the keys of a listener named CONSOLE; mtls makes client
 * certificates required) and who it lets in (console.authentication, console/auth.ts).
 */
function consoleSecurity(config: BrokerConfig, listener: ConsoleListener, broker: Broker, securities: readonly ListenerSecurity[]): { tls: TlsSetup | null; auth: ConsoleAuth } {
  const kind = config.values['console.authentication'] as ConsoleAuthentication;
  let tls: TlsSetup | null = null;
  if (listener.scheme === 'https') {
    tls = tlsSetup(config, { name: CONSOLE_LISTENER_NAME, securityProtocol: 'SSL', host: listener.host, port: listener.port });
    if (kind === 'mtls') {
      if (tls.options.ca === undefined) {
        throw new ConfigError('console.authentication=mtls needs a trust store for client certificates: listener.name.console.ssl.truststore.location (PEM) or ssl.truststore.certificates.', {
          key: 'console.authentication',
        });
      }
      tls = { ...tls, clientAuth: 'required', options: { ...tls.options, requestCert: true, rejectUnauthorized: true } };
    }
  }
  let principalRules;
  try {
    principalRules = parsePrincipalMappingRules(listenerValue(config, CONSOLE_LISTENER_NAME, 'ssl.principal.mapping.rules'));
  } catch (e) {
    throw new ConfigError(`Invalid value for 'listener.name.console.ssl.principal.mapping.rules': ${(e as Error).message}`, { key: 'ssl.principal.mapping.rules' });
  }
  const plainUsers = new Map<string, string>();
  for (const sec of securities) for (const [user, password] of sec.sasl?.plainUsers ?? []) if (!plainUsers.has(user)) plainUsers.set(user, password);
  const auth = consoleAuth({
    kind,
    scram: broker.security.scram,
    plainUsers,
    principalRules,
    failedDelayMs: config.values['connection.failed.authentication.delay.ms'] as number,
  });
  return { tls, auth };
}

/** The cluster.id of a data directory's meta.properties, if it has one (a cluster checks it against ZooKeeper's). */
function readMetaClusterId(logDir: string): string | undefined {
  const file = join(logDir, 'meta.properties');
  if (!existsSync(file)) return undefined;
  return /^cluster\.id=(.+)$/m.exec(readFileSync(file, 'utf8'))?.[1]?.trim();
}
