/**
 * Real Apache ZooKeeper servers for the cluster suites: one standalone server or a three-server
 * ensemble, each a JVM running QuorumPeerMain from Debian's `zookeeper` package, on free ports
 * of 127.0.0.1, in a fresh temporary directory that stop() removes.
 *
 *   const zk = await startZooKeeper({ servers: 3 });
 *   … zk.connectString ("127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3"), zk.servers[0].kill('SIGKILL'),
 *     await zk.servers[0].restart() …
 *   await zk.stop();
 *
 * Layout of the temporary directory (mkdtemp under os.tmpdir()):
 *   zk-<n>/zoo.cfg, zk-<n>/data (myid, snapshots and the transaction log), zk-<n>/zookeeper.log
 *   (log4j's file appender), zk-<n>/stdout.log (whatever the JVM itself prints), log4j.properties
 *
 * The classpath: Debian's zookeeper.jar names its dependencies (zookeeper-jute, netty, jetty,
 * slf4j-api, metrics, snappy, …) in its manifest's Class-Path, so only the slf4j binding has to be
 * added: slf4j-log4j12 and log4j 1.2, both installed with the package (libslf4j-java and
 * liblog4j1.2-java; Debian builds ZooKeeper against log4j 1.2, not logback). Without a binding
 * slf4j drops every line and warns on stderr, and the server log is what explains a failed run.
 *
 * Settings, and why:
 *   - tickTime 200 ms (ZooKeeper's default is 2000) and minSessionTimeout 400 ms (two ticks), so
 *     that a test can use sessions of a second or two and see them expire in that time; the
 *     server expires sessions at tick granularity. maxSessionTimeout 60 s: the default, 20 ticks,
 *     would cap sessions at 4 s here.
 *   - initLimit 50 and syncLimit 10 ticks (10 s and 2 s): a follower that does not answer the
 *     leader for 2 s is dropped, short enough for failover tests and long enough for a loaded
 *     two-core machine running other suites' JVMs beside.
 *   - clientPortAddress and every server.N address 127.0.0.1: nothing listens beyond loopback.
 *   - admin.enableServer=false: the AdminServer would take port 8080.
 *   - 4lw.commands.whitelist ruok,srvr,stat,mntr: readiness is `ruok` answering `imok` and
 *     `srvr` showing the server's mode (standalone, or leader/follower on every member of an
 *     ensemble); `ruok` alone answers before the server serves.
 *   - preAllocSize 1 MiB (default 64 MiB per transaction log file) and forceSync=no: tests need
 *     neither the space nor the fsyncs, and a killed JVM's writes are in the page cache anyway.
 *
 * No server outlives the test process, even one killed by SIGKILL: beside each JVM runs a tiny
 * `sh` whose standard input is a pipe from this process; it blocks in `read` (a shell builtin,
 * so no child of its own) and kills the JVM by PID when that pipe reaches end-of-file, which the
 * kernel delivers when this process dies however it dies. The watchers run in a process group of
 * their own (detached), so that a signal to this process's whole group (a runner stopping a
 * suite) does not take them before they have done their work. A normal stop kills the watcher first
 * (SIGKILL; it holds nothing), then sends the JVM SIGTERM and SIGKILL after STOP_GRACE_MS. One
 * more watcher per ensemble removes the temporary directory the same way, a moment after the
 * JVMs are killed. And process.on('exit') kills whatever is left and removes the directory, for
 * tests that never reached their stop().
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZOOKEEPER_CLASSPATH, fourLetterWord, log4jProperties, zooCfg, zookeeperJavaArgs, zookeeperMissing } from '../../src/cluster/local-zookeeper.js';

export { ZOOKEEPER_CLASSPATH, fourLetterWord, zookeeperMissing };

/** A small heap and the client compiler: a test server holds a few znodes and must start fast. */
const JVM_OPTIONS = ['-Xms32m', '-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Djava.net.preferIPv4Stack=true', '-Dzookeeper.jmx.log4j.disable=true'];
/** How long starting servers get to serve (a JVM each, and for an ensemble an election). */
const START_TIMEOUT_MS = 30_000;
/** How long a server gets to exit after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 5_000;

export interface ZooKeeperOptions {
  servers?: 1 | 3;
  tickTimeMs?: number;
  minSessionTimeoutMs?: number;
  maxSessionTimeoutMs?: number;
}

export interface ZooKeeperServer {
  /** 1-based, as in server.N and myid. */
  readonly id: number;
  readonly clientPort: number;
  /** "127.0.0.1:<clientPort>". */
  readonly address: string;
  /** The JVM's PID (a new one after restart()); 0 once it has exited. */
  readonly pid: number;
  readonly dataDir: string;
  readonly logFile: string;
  /** Whether the JVM is running (or stopped by SIGSTOP): it has not exited. */
  running(): boolean;
  /** Sends the signal to the JVM: SIGKILL to crash it, SIGSTOP and SIGCONT to freeze and thaw it. */
  kill(signal: NodeJS.Signals): void;
  /** Waits for the JVM to exit (after kill('SIGKILL'), say). */
  exited(): Promise<void>;
  /**
   * Starts the server again on the same ports and data dir once the previous JVM has exited (it
   * throws when that JVM is still running STOP_GRACE_MS later); resolves once it serves.
   */
  restart(): Promise<void>;
  /** SIGTERM, SIGKILL after a bound; resolves once the JVM has exited. Idempotent. */
  stop(): Promise<void>;
  /** Sends a four-letter-word command (ruok, srvr, stat, mntr) and returns the answer, '' when none. */
  command(word: string): Promise<string>;
  /** The server's mode from `srvr` ('standalone', 'leader', 'follower'), or '' when it does not serve. */
  mode(): Promise<string>;
}

export interface ZooKeeperEnsemble {
  readonly connectString: string;
  readonly servers: ZooKeeperServer[];
  readonly dir: string;
  /** Waits until every running server serves (for an ensemble: in a quorum, leader or follower). */
  ready(timeoutMs?: number): Promise<void>;
  /** Stops every server and removes the temporary directory. Idempotent. */
  stop(): Promise<void>;
}


/** Every live JVM and watcher, by PID, for the exit hook. */
const live = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) {
      try {
        if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });
}

/** `n` distinct free ports on 127.0.0.1: all held open at once so that none is handed out twice. */
async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const s = createServer();
      servers.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => resolve());
      });
    }
    return servers.map((s) => {
      const a = s.address();
      return typeof a === 'object' && a ? a.port : 0;
    });
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}




function alive(child: ChildProcess | undefined): child is ChildProcess {
  return child !== undefined && child.exitCode === null && child.signalCode === null;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

class ZkServerProcess implements ZooKeeperServer {
  readonly address: string;
  readonly logFile: string;
  #jvm: ChildProcess | undefined;
  #watcher: ChildProcess | undefined;
  #exit: Promise<void> = Promise.resolve();

  constructor(
    readonly id: number,
    readonly clientPort: number,
    readonly dataDir: string,
    private readonly cfgFile: string,
    private readonly log4jFile: string,
    private readonly serverDir: string,
  ) {
    this.address = `127.0.0.1:${clientPort}`;
    this.logFile = join(serverDir, 'zookeeper.log');
  }

  get pid(): number {
    return alive(this.#jvm) ? this.#jvm.pid! : 0;
  }

  running(): boolean {
    return alive(this.#jvm);
  }

  spawn(): void {
    if (alive(this.#jvm)) throw new Error(`ZooKeeper server ${this.id} is still running (pid ${this.#jvm.pid})`);
    const out = openSync(join(this.serverDir, 'stdout.log'), 'a');
    const jvm = spawn(
      'java',
      zookeeperJavaArgs(this.cfgFile, this.log4jFile, this.logFile, JVM_OPTIONS),
      { stdio: ['ignore', out, out], cwd: this.serverDir },
    );
    closeSync(out);
    jvm.on('error', () => {});
    if (jvm.pid === undefined) throw new Error(`could not start java for ZooKeeper server ${this.id}`);
    live.add(jvm);
    this.#jvm = jvm;
    // The watcher: `read` returns at end-of-file on its standard input, a pipe that closes when
    // this process dies. It takes the PID as $0 (sh -c's first argument after the script).
    const watcher = spawn('sh', ['-c', 'read -r line; kill -KILL "$0" 2>/dev/null', String(jvm.pid)], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    live.add(watcher);
    this.#watcher = watcher;
    watcher.once('exit', () => live.delete(watcher));
    watcher.stdin!.on('error', () => {});
    this.#exit = once(jvm, 'exit').then(() => {
      live.delete(jvm);
      if (alive(watcher)) watcher.kill('SIGKILL');
    });
  }

  kill(signal: NodeJS.Signals): void {
    if (!alive(this.#jvm)) throw new Error(`ZooKeeper server ${this.id} is not running`);
    process.kill(this.#jvm.pid!, signal);
  }

  exited(): Promise<void> {
    return this.#exit;
  }

  async restart(): Promise<void> {
    // A JVM just sent SIGKILL exits in a moment; one still running after the grace is an error.
    await Promise.race([this.#exit, sleep(STOP_GRACE_MS)]);
    this.spawn();
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await this.serving())) {
      if (!alive(this.#jvm)) throw new Error(`ZooKeeper server ${this.id} exited on restart; see ${this.logFile}`);
      if (Date.now() > deadline) throw new Error(`ZooKeeper server ${this.id} did not serve within ${START_TIMEOUT_MS} ms of its restart; see ${this.logFile}`);
      await sleep(50);
    }
  }

  async stop(): Promise<void> {
    const jvm = this.#jvm;
    if (alive(this.#watcher)) this.#watcher.kill('SIGKILL');
    if (alive(jvm)) {
      // A frozen JVM would not act on SIGTERM until thawed.
      jvm.kill('SIGCONT');
      jvm.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (alive(jvm)) jvm.kill('SIGKILL');
      }, STOP_GRACE_MS);
      await this.#exit;
      clearTimeout(timer);
    }
  }

  command(word: string): Promise<string> {
    return fourLetterWord(this.clientPort, word);
  }

  async mode(): Promise<string> {
    return /^Mode: (\S+)/m.exec(await this.command('srvr'))?.[1] ?? '';
  }

  /** A standalone server in standalone mode, a member of an ensemble as leader or follower. */
  async serving(): Promise<boolean> {
    if ((await this.command('ruok')) !== 'imok') return false;
    const mode = await this.mode();
    return mode === 'standalone' || mode === 'leader' || mode === 'follower';
  }
}

export async function startZooKeeper(options: ZooKeeperOptions = {}): Promise<ZooKeeperEnsemble> {
  const missing = zookeeperMissing();
  if (missing) throw new Error(missing);
  installExitHook();
  const o: Required<ZooKeeperOptions> = {
    servers: options.servers ?? 1,
    tickTimeMs: options.tickTimeMs ?? 200,
    minSessionTimeoutMs: options.minSessionTimeoutMs ?? 2 * (options.tickTimeMs ?? 200),
    maxSessionTimeoutMs: options.maxSessionTimeoutMs ?? 60_000,
  };
  const dir = mkdtempSync(join(tmpdir(), 'spindle-zk-'));
  tempDirs.add(dir);
  const log4jFile = join(dir, 'log4j.properties');
  writeFileSync(log4jFile, log4jProperties());
  const n = o.servers;
  // One client port per server, and for an ensemble a quorum and an election port each.
  const ports = await freePorts(n === 1 ? 1 : 3 * n);
  const quorum = n === 1 ? [] : Array.from({ length: n }, (_, i) => `server.${i + 1}=127.0.0.1:${ports[n + 2 * i]}:${ports[n + 2 * i + 1]}`);
  const servers: ZkServerProcess[] = [];
  for (let i = 0; i < n; i++) {
    const serverDir = join(dir, `zk-${i + 1}`);
    const dataDir = join(serverDir, 'data');
    mkdirSync(dataDir, { recursive: true });
    if (n > 1) writeFileSync(join(dataDir, 'myid'), `${i + 1}\n`);
    const cfgFile = join(serverDir, 'zoo.cfg');
    writeFileSync(cfgFile, zooCfg({ dataDir, clientPort: ports[i]!, tickTimeMs: o.tickTimeMs, minSessionTimeoutMs: o.minSessionTimeoutMs, maxSessionTimeoutMs: o.maxSessionTimeoutMs, quorum, forceSync: false }));
    servers.push(new ZkServerProcess(i + 1, ports[i]!, dataDir, cfgFile, log4jFile, serverDir));
  }
  // Removes the directory should this process die without stop(); killed by stop() itself.
  const dirWatcher = spawn('sh', ['-c', 'read -r line; sleep 2; rm -rf -- "$0"', dir], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  dirWatcher.stdin!.on('error', () => {});
  live.add(dirWatcher);
  dirWatcher.once('exit', () => live.delete(dirWatcher));
  let stopped: Promise<void> | undefined;
  const ensemble: ZooKeeperEnsemble = {
    connectString: servers.map((s) => s.address).join(','),
    servers,
    dir,
    async ready(timeoutMs = START_TIMEOUT_MS) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const up = servers.filter((s) => s.running());
        if (up.length === 0) throw new Error(`no ZooKeeper server is running; logs under ${dir}`);
        const serving = await Promise.all(up.map((s) => s.serving()));
        if (serving.every(Boolean)) return;
        if (Date.now() > deadline) {
          throw new Error(`ZooKeeper did not serve within ${timeoutMs} ms (${servers.map((s) => `server ${s.id}: ${s.running() ? 'running' : 'exited'}`).join(', ')}); logs under ${dir}`);
        }
        await sleep(50);
      }
    },
    stop() {
      stopped ??= (async () => {
        await Promise.all(servers.map((s) => s.stop()));
        if (alive(dirWatcher)) dirWatcher.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
        tempDirs.delete(dir);
      })();
      return stopped;
    },
  };
  try {
    for (const s of servers) s.spawn();
    const exited = Promise.race(servers.map((s) => s.exited().then(() => s)));
    const first = await Promise.race([ensemble.ready(), exited]);
    if (first) throw new Error(`ZooKeeper server ${first.id} exited while starting; see ${first.logFile}`);
  } catch (e) {
    await ensemble.stop();
    throw e;
  }
  return ensemble;
}
