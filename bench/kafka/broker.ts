/**
 * Apache Kafka as the benchmark's peer: a single-node KRaft broker (broker and controller in one
 * process, as Kafka's quickstart runs it) from the jars of bench/kafka, in a fresh temporary
 * directory on free 127.0.0.1 ports, measured through /proc exactly as the Spindle broker is
 * (bench/perf/broker-process.ts), and stopped by its own PID.
 *
 *   1. server.properties: Kafka's single-node settings (KRaft roles, the controller quorum of
 *      one, replication factors of 1 for the internal topics) plus the row's broker keys
 *   2. kafka-storage format --cluster-id <random> --config server.properties
 *   3. kafka-server-start: java with kafka-server-start.sh's defaults (KAFKA_HEAP_OPTS
 *      -Xmx1G -Xms1G and kafka-run-class's KAFKA_JVM_PERFORMANCE_OPTS), kafka.Kafka
 *   4. ready once an ApiVersions request is answered on the listener: Kafka binds its port
 *      before it serves, so a connection alone proves nothing
 *
 * Main thread of the harness.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BrokerProcess, readCpuSeconds, readMemory } from '../perf/broker-process.js';
import { freePort, run } from '../perf/peers.js';
import { type RowSecurity, SETUP_LISTENER } from '../perf/security.js';
import { apiVersions, WireConnection } from '../perf/wire.js';
import { KAFKA_DIR, kafkaJavaArgs } from './kafka.js';

/** kafka-server-start.sh's heap when KAFKA_HEAP_OPTS is unset. */
export const KAFKA_HEAP_OPTS = ['-Xmx1G', '-Xms1G'];
/** kafka-run-class.sh's KAFKA_JVM_PERFORMANCE_OPTS when unset. */
export const KAFKA_JVM_PERFORMANCE_OPTS = [
  '-server',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent',
  '-XX:MaxInlineLevel=15',
  '-Djava.awt.headless=true',
];
/** How long a starting broker gets to answer (a JVM, a KRaft quorum of one and log loading). */
const START_TIMEOUT_MS = 90_000;
/** How long a stopping broker gets for its controlled shutdown before SIGKILL. */
const STOP_GRACE_MS = 30_000;
const STDERR_TAIL_CHARS = 4096;

/**
 * The row's broker keys that mean the same to Kafka. Spindle-only keys stay out: num.io.threads
 * is Spindle's partition-worker count but Kafka's request-handler pool, so Kafka keeps its
 * default of 8; console.listener does not exist in Kafka.
 */
const SHARED_KEYS = new Set([
  'num.partitions',
  'log.flush.interval.messages',
  'log.flush.interval.ms',
  'log.segment.bytes',
  'log.retention.bytes',
  'log.retention.ms',
  'log.retention.check.interval.ms',
  'log.segment.delete.delay.ms',
  'message.max.bytes',
]);

export function kafkaConfigFor(config: Record<string, string | number>): Record<string, string | number> {
  return Object.fromEntries(Object.entries(config).filter(([k]) => SHARED_KEYS.has(k)));
}

export interface KafkaProcessOptions {
  /** Where the temporary directory goes (the disk under test). */
  dataRoot: string;
  /** Broker keys for this row (only those in SHARED_KEYS are given to Kafka). */
  config: Record<string, string | number>;
  sampleMs?: number;
  /**
   * A secured row: its listener (SSL or SASL_SSL) serves the clients, a PLAINTEXT one named
   * SETUP the harness's setup and the inter-broker traffic, and `keys` (security.ts
   * securityKeys) are given to Kafka as they are.
   */
  security?: { protocol: RowSecurity; keys: Record<string, string> };
}

/**
 * A Kafka cluster id: 16 random bytes, URL-safe base64 without padding, as `kafka-storage
 * random-uuid` prints; like Kafka's Uuid.randomUuid, never one starting with '-', which the
 * tool's argument parser would take for an option.
 */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function serverProperties(dir: string, ports: { client: number; controller: number; setup: number }, options: KafkaProcessOptions): string {
  const { security } = options;
  const clientListeners = security
    ? `${security.protocol}://127.0.0.1:${ports.client},${SETUP_LISTENER}://127.0.0.1:${ports.setup}`
    : `PLAINTEXT://127.0.0.1:${ports.client}`;
  const keys: Record<string, string | number> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@127.0.0.1:${ports.controller}`,
    listeners: `${clientListeners},CONTROLLER://127.0.0.1:${ports.controller}`,
    'advertised.listeners': clientListeners,
    'controller.listener.names': 'CONTROLLER',
    ...security?.keys,
    'inter.broker.listener.name': security ? SETUP_LISTENER : 'PLAINTEXT',
    'listener.security.protocol.map': security ? `CONTROLLER:PLAINTEXT,${security.keys['listener.security.protocol.map']}` : 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': join(dir, 'data'),
    // config/server.properties of Kafka's distribution, for a single node.
    'offsets.topic.replication.factor': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    ...kafkaConfigFor(options.config),
  };
  return `${Object.entries(keys).map(([k, v]) => `${k}=${v}`).join('\n')}\n`;
}

async function answersApiVersions(bootstrap: string): Promise<boolean> {
  let c: WireConnection | undefined;
  try {
    c = await WireConnection.open(bootstrap);
    const versions = await Promise.race([apiVersions(c), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer')), 1000))]);
    return versions.size > 0;
  } catch {
    return false;
  } finally {
    c?.close();
  }
}

export async function startKafkaProcess(options: KafkaProcessOptions): Promise<BrokerProcess> {
  const dir = mkdtempSync(join(options.dataRoot, 'kafka-perf-'));
  mkdirSync(join(dir, 'data'));
  const ports = { client: await freePort(), controller: await freePort(), setup: options.security ? await freePort() : 0 };
  const properties = join(dir, 'server.properties');
  writeFileSync(properties, serverProperties(dir, ports, options));
  const format = await run('java', [...kafkaJavaArgs('kafka-storage'), 'format', '--cluster-id', clusterId(), '--config', properties], 60_000);
  if (format.code !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`kafka-storage format failed: ${format.stderr || format.stdout}`);
  }
  const bootstrap = `127.0.0.1:${ports.client}`;
  const setupBootstrap = options.security ? `127.0.0.1:${ports.setup}` : bootstrap;
  const started = performance.now();
  const child: ChildProcess = spawn(
    'java',
    [...kafkaJavaArgs('kafka-server-start', [...KAFKA_HEAP_OPTS, ...KAFKA_JVM_PERFORMANCE_OPTS, `-Dkafka.logs.dir=${join(dir, 'logs')}`]), properties],
    { stdio: ['ignore', 'ignore', 'pipe'], cwd: KAFKA_DIR },
  );
  const pid = child.pid!;
  let tail = '';
  child.stderr!.on('data', (d: Buffer) => {
    tail = (tail + d.toString()).slice(-STDERR_TAIL_CHARS);
  });
  const rssTimeline: [number, number][] = [];
  const sampler = setInterval(() => {
    const m = readMemory(pid);
    if (Number.isFinite(m.rssBytes)) rssTimeline.push([Math.round(performance.now() - started), m.rssBytes]);
  }, options.sampleMs ?? 100);
  let status: { code: number | null; signal: string | null } | null = null;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      status = { code, signal };
      clearInterval(sampler);
      resolve();
    }),
  );
  const stop = async (): Promise<ReturnType<typeof readMemory>> => {
    const last = readMemory(pid);
    if (!status) {
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exit;
      clearTimeout(kill);
    }
    rmSync(dir, { recursive: true, force: true });
    return last;
  };
  for (;;) {
    if (status) {
      await stop();
      throw new Error(`Kafka exited with ${(status as { code: number | null }).code} before serving: ${tail}`);
    }
    if (await answersApiVersions(setupBootstrap)) break;
    if (performance.now() - started > START_TIMEOUT_MS) {
      await stop();
      throw new Error(`Kafka did not serve within ${START_TIMEOUT_MS} ms: ${tail}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    bootstrap,
    setupBootstrap,
    pid,
    dataDir: join(dir, 'data'),
    spawnToListenMs: performance.now() - started,
    rssTimeline,
    memory: () => readMemory(pid),
    cpuSeconds: () => readCpuSeconds(pid),
    exitStatus: () => status,
    stderrTail: () => tail,
    stop,
  };
}
