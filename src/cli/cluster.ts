/**
 * `spindle cluster up`: a development cluster on this machine — Debian's ZooKeeper and N
 * brokers, each its own process, all on 127.0.0.1 — that stops with Ctrl-C.
 *
 *   <dir>/zookeeper/        zoo.cfg, its data and zookeeper.log
 *   <dir>/broker-<id>/      each broker's log.dirs
 *
 * Broker i (from 1) listens on base port + i - 1 and serves its console on console port + i - 1;
 * ZooKeeper listens on --zookeeper-port. Every broker process gets --override keys passed on,
 * and runs with its own output prefixed by its id. The processes are this one's children and
 * are stopped by their PIDs, brokers one at a time: SIGTERM (a broker hands its leadership over,
 * then shuts down cleanly), SIGKILL after a bound; should
 * this process die first, each child sees its standard input close and ends too.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { fourLetterWord, log4jProperties, zooCfg, zookeeperJavaArgs, zookeeperMissing } from '../cluster/local-zookeeper.js';

export const CLUSTER_USAGE = `Usage: spindle cluster up [--brokers N] [--dir DIR] [--port PORT] [--zookeeper-port PORT]
                         [--console-port PORT] [--override key=value ...]

Starts a development cluster on 127.0.0.1: Debian's ZooKeeper (package zookeeper) and N
brokers (3 by default), each in its own process, replicating through it. Ctrl-C stops them all.

Options:
  --brokers N            how many brokers (1-9; default 3)
  --dir DIR              where ZooKeeper's and the brokers' data go (default ./cluster-data)
  --port PORT            broker 1's port; broker i listens on PORT + i - 1 (default 9092)
  --zookeeper-port PORT  ZooKeeper's client port (default 2181)
  --console-port PORT    broker 1's web console; broker i's is PORT + i - 1 (default 9644)
  --override key=value   a configuration key for every broker (repeatable)
  -h, --help             this help

Example:
  spindle cluster up --brokers 3
  kafka-topics.sh --bootstrap-server 127.0.0.1:9092 --create --topic orders --partitions 3 --replication-factor 3`;

/** How long stopping waits for a process before SIGKILL. */
const STOP_GRACE_MS = 15_000;
/** How long ZooKeeper gets to answer ruok after it starts. */
const ZOOKEEPER_START_MS = 60_000;

interface Options {
  brokers: number;
  dir: string;
  port: number;
  zookeeperPort: number;
  consolePort: number;
  overrides: string[];
}

function parse(argv: string[]): Options | string {
  const o: Options = { brokers: 3, dir: 'cluster-data', port: 9092, zookeeperPort: 2181, consolePort: 9644, overrides: [] };
  const number = (name: string, v: string | undefined, min: number, max: number): number | string => {
    const n = Number(v);
    return Number.isInteger(n) && n >= min && n <= max ? n : `${name} needs a number from ${min} to ${max}`;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string | undefined => argv[++i];
    let got: number | string;
    switch (a) {
      case '--brokers':
        if (typeof (got = number(a, value(), 1, 9)) === 'string') return got;
        o.brokers = got;
        break;
      case '--port':
        if (typeof (got = number(a, value(), 1, 65535 - 8)) === 'string') return got;
        o.port = got;
        break;
      case '--zookeeper-port':
        if (typeof (got = number(a, value(), 1, 65535)) === 'string') return got;
        o.zookeeperPort = got;
        break;
      case '--console-port':
        if (typeof (got = number(a, value(), 1, 65535 - 8)) === 'string') return got;
        o.consolePort = got;
        break;
      case '--dir': {
        const d = value();
        if (!d) return '--dir needs a directory';
        o.dir = d;
        break;
      }
      case '--override': {
        const kv = value();
        if (!kv || kv.indexOf('=') <= 0) return '--override needs key=value';
        o.overrides.push(kv);
        break;
      }
      default:
        return `unknown option ${a}`;
    }
  }
  return o;
}

/** Lines of a child's output, prefixed, on this process's stderr. */
function relay(child: ChildProcess, prefix: string): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => process.stderr.write(`${prefix} ${line}\n`));
  }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGTERM');
  });
}

export async function runCluster(argv: string[]): Promise<number> {
  if (argv[0] === '-h' || argv[0] === '--help' || argv.length === 0) {
    console.log(CLUSTER_USAGE);
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] !== 'up') {
    console.error(`spindle cluster: unknown subcommand ${argv[0]} (try: spindle cluster up)`);
    return 2;
  }
  const parsed = parse(argv.slice(1));
  if (typeof parsed === 'string') {
    console.error(`spindle cluster up: ${parsed}\n\n${CLUSTER_USAGE}`);
    return 2;
  }
  const missing = zookeeperMissing();
  if (missing) {
    console.error(`spindle cluster up: ${missing}`);
    return 1;
  }
  const o = parsed;
  const dir = resolve(o.dir);
  const zkDir = join(dir, 'zookeeper');
  mkdirSync(join(zkDir, 'data'), { recursive: true });
  const cfg = join(zkDir, 'zoo.cfg');
  writeFileSync(cfg, zooCfg({ dataDir: join(zkDir, 'data'), clientPort: o.zookeeperPort, tickTimeMs: 500, minSessionTimeoutMs: 1_000, maxSessionTimeoutMs: 60_000 }));
  const log4j = join(zkDir, 'log4j.properties');
  writeFileSync(log4j, log4jProperties());
  const children: ChildProcess[] = [];
  let stopping = false;
  const stopAll = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    process.stderr.write('stopping the cluster\n');
    // Brokers one after another, the last started first, each handing its leadership to the
    // others still running (controlled shutdown); ZooKeeper last.
    for (const child of children.slice(1).reverse()) await stop(child);
    if (children[0]) await stop(children[0]);
  };
  process.once('SIGINT', () => void stopAll());
  process.once('SIGTERM', () => void stopAll());

  // stdin 'pipe': a child whose parent died sees it close (brokers: see bin/spindle.js).
  const zk = spawn('java', zookeeperJavaArgs(cfg, log4j, join(zkDir, 'zookeeper.log'), ['-Xmx512m']), { stdio: ['ignore', 'pipe', 'pipe'], cwd: zkDir });
  children.push(zk);
  process.stderr.write(`[zookeeper] pid ${zk.pid}\n`);
  // The JVM does not watch its input: a shell does, killing it by PID once this process is gone.
  const watcher = spawn('sh', ['-c', 'read -r line; kill -KILL "$0" 2>/dev/null', String(zk.pid)], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  watcher.stdin!.on('error', () => {});
  watcher.unref();
  zk.once('exit', () => watcher.kill('SIGKILL'));
  relay(zk, '[zookeeper]');
  const deadline = Date.now() + ZOOKEEPER_START_MS;
  while ((await fourLetterWord(o.zookeeperPort, 'ruok')) !== 'imok') {
    if (Date.now() > deadline || zk.exitCode !== null) {
      console.error(`spindle cluster up: ZooKeeper did not start on 127.0.0.1:${o.zookeeperPort} (see ${join(zkDir, 'zookeeper.log')})`);
      await stopAll();
      return 1;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  process.stderr.write(`ZooKeeper on 127.0.0.1:${o.zookeeperPort} (${zkDir})\n`);

  const bin = fileURLToPath(new URL('../../../bin/spindle.js', import.meta.url));
  const exited: Promise<number | null>[] = [];
  for (let id = 1; id <= o.brokers; id++) {
    const args = [
      bin,
      'broker',
      '--override', `zookeeper.connect=127.0.0.1:${o.zookeeperPort}`,
      '--override', `node.id=${id}`,
      '--override', `listeners=PLAINTEXT://127.0.0.1:${o.port + id - 1}`,
      '--override', `log.dirs=${join(dir, `broker-${id}`)}`,
      '--override', `console.listener=http://127.0.0.1:${o.consolePort + id - 1}`,
      ...o.overrides.flatMap((kv) => ['--override', kv]),
    ];
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, SPINDLE_EXIT_WITH_PARENT: '1' } });
    children.push(child);
    process.stderr.write(`[broker ${id}] pid ${child.pid}\n`);
    relay(child, `[broker ${id}]`);
    exited.push(new Promise((r) => child.once('exit', (code) => r(code))));
  }
  process.stderr.write(`${o.brokers} broker${o.brokers > 1 ? 's' : ''} starting: bootstrap 127.0.0.1:${o.port}${o.brokers > 1 ? `-${o.port + o.brokers - 1}` : ''}; Ctrl-C stops the cluster\n`);
  // Runs until every broker has ended (Ctrl-C, or they all stopped by themselves).
  const codes = await Promise.all(exited);
  await stopAll();
  return stopping || codes.every((c) => c === 0) ? 0 : 1;
}
