/**
 * Running Debian's ZooKeeper server (package `zookeeper`) on this machine: what
 * `spindle cluster up` starts for development and the cluster test suites start on loopback.
 * Spindle never needs it to run alone; a cluster in production uses its own ensemble.
 *
 * The server is `java -cp <Debian's jars> QuorumPeerMain <zoo.cfg>`, with a config that listens
 * on 127.0.0.1 only, turns the admin HTTP server off and allows the four-letter words the
 * readiness checks use (ruok, srvr, stat, mntr), and a log4j config that writes to a file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian's paths: the server jar (whose manifest lists its dependencies) and the slf4j binding. */
export const ZOOKEEPER_CLASSPATH = ['/usr/share/java/zookeeper.jar', '/usr/share/java/slf4j-log4j12.jar', '/usr/share/java/log4j-1.2.jar'];
export const ZOOKEEPER_MAIN_CLASS = 'org.apache.zookeeper.server.quorum.QuorumPeerMain';

export interface ZooCfg {
  dataDir: string;
  clientPort: number;
  tickTimeMs: number;
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  /** server.N=127.0.0.1:quorumPort:electionPort lines of an ensemble; none for a standalone server. */
  quorum?: string[];
  /** false (tests): transactions are not fsynced, which a throwaway server can afford. */
  forceSync?: boolean;
}

/** '' when a ZooKeeper server can be run here, else why not. */
export function zookeeperMissing(): string {
  for (const jar of ZOOKEEPER_CLASSPATH) {
    if (!existsSync(jar)) return `ZooKeeper is not installed (Debian package zookeeper; ${jar} is missing)`;
  }
  const java = spawnSync('java', ['-version'], { stdio: 'ignore', timeout: 10_000 });
  if (java.error !== undefined || java.status !== 0) return 'java is not on PATH (the Debian package zookeeper brings default-jre)';
  return '';
}

export function zooCfg(c: ZooCfg): string {
  const lines = [
    `tickTime=${c.tickTimeMs}`,
    'initLimit=50',
    'syncLimit=10',
    `dataDir=${c.dataDir}`,
    `clientPort=${c.clientPort}`,
    'clientPortAddress=127.0.0.1',
    `minSessionTimeout=${c.minSessionTimeoutMs}`,
    `maxSessionTimeout=${c.maxSessionTimeoutMs}`,
    'admin.enableServer=false',
    '4lw.commands.whitelist=ruok,srvr,stat,mntr',
    'preAllocSize=1024',
    ...(c.forceSync === false ? ['forceSync=no'] : []),
    ...(c.quorum ?? []),
  ];
  return `${lines.join('\n')}\n`;
}

/** A log4j config whose file comes from -Dzookeeper.log.file, so one properties file serves every server. */
export function log4jProperties(): string {
  return [
    'log4j.rootLogger=INFO, FILE',
    'log4j.appender.FILE=org.apache.log4j.FileAppender',
    'log4j.appender.FILE.File=${zookeeper.log.file}',
    'log4j.appender.FILE.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.FILE.layout.ConversionPattern=%d{ISO8601} %-5p [%t:%C{1}@%L] %m%n',
    '',
  ].join('\n');
}

/** The java command line of one server. */
export function zookeeperJavaArgs(cfgFile: string, log4jFile: string, logFile: string, jvmOptions: readonly string[]): string[] {
  return [...jvmOptions, `-Dlog4j.configuration=file:${log4jFile}`, `-Dzookeeper.log.file=${logFile}`, '-cp', ZOOKEEPER_CLASSPATH.join(':'), ZOOKEEPER_MAIN_CLASS, cfgFile];
}

/** Sends a four-letter-word command (ruok, srvr, …) to a server on 127.0.0.1 and returns the answer, '' when none. */
export async function fourLetterWord(port: number, word: string, timeoutMs = 1_000): Promise<string> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1');
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on('connect', () => socket.write(word));
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', done);
    socket.on('close', done);
  });
}
