/**
 * Apache Kafka from its jars (bench/kafka/pom.xml, copied to bench/kafka/lib/ by setup.sh): its
 * command-line tools, as `bin/kafka-*.sh` would run them (kafka-run-class: the class path, the
 * tool's main class, log4j2 configured to print warnings only), for the interop suites and the
 * benchmark's Kafka peer.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const KAFKA_DIR = new URL('../../../bench/kafka/', import.meta.url).pathname;
export const KAFKA_LIB = join(KAFKA_DIR, 'lib');

/** The main class behind each `bin/kafka-<tool>.sh` of Kafka 4.x. */
export const KAFKA_TOOLS = {
  'kafka-topics': 'org.apache.kafka.tools.TopicCommand',
  'kafka-console-producer': 'org.apache.kafka.tools.ConsoleProducer',
  'kafka-console-consumer': 'org.apache.kafka.tools.consumer.ConsoleConsumer',
  'kafka-consumer-groups': 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
  'kafka-configs': 'org.apache.kafka.tools.ConfigCommand',
  'kafka-get-offsets': 'org.apache.kafka.tools.GetOffsetShell',
  'kafka-delete-records': 'org.apache.kafka.tools.DeleteRecordsCommand',
  'kafka-producer-perf-test': 'org.apache.kafka.tools.ProducerPerformance',
  'kafka-consumer-perf-test': 'org.apache.kafka.tools.ConsumerPerformance',
  'kafka-transactions': 'org.apache.kafka.tools.TransactionsCommand',
  'kafka-acls': 'org.apache.kafka.tools.AclCommand',
  'kafka-storage': 'kafka.tools.StorageTool',
  'kafka-server-start': 'kafka.Kafka',
} as const;
export type KafkaTool = keyof typeof KAFKA_TOOLS;

/** Why Kafka's jars cannot run here, or '' when they can. */
export function kafkaMissing(): string {
  if (spawnSync('java', ['-version']).status !== 0) return 'Java 17+ is not installed';
  if (!existsSync(join(KAFKA_LIB, '.complete'))) return "Apache Kafka's jars are not copied: run bench/kafka/setup.sh";
  return '';
}

/**
 * JVM options for a tool that runs briefly: kafka-run-class's heap for tools (-Xmx256M), and the
 * client compiler only with the serial collector, which start a short-lived JVM in about half the
 * time. Never for a measurement: the benchmark runs tools and the broker with Kafka's own options.
 */
export const QUICK_TOOL_JVM = ['-Xmx256M', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];

/** The JVM arguments that run `tool` with the JVM options `jvm`. */
export function kafkaJavaArgs(tool: KafkaTool, jvm: string[] = QUICK_TOOL_JVM): string[] {
  return [...jvm, `-Dlog4j2.configurationFile=${join(KAFKA_DIR, 'log4j2-tools.properties')}`, '-cp', `${KAFKA_LIB}/*`, KAFKA_TOOLS[tool]];
}

export interface ToolRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a Kafka tool to its end, feeding `input` on stdin; killed (by its pid) after `timeoutMs`. */
export function runKafkaTool(tool: KafkaTool, args: string[], input = '', timeoutMs = 60_000): Promise<ToolRun> {
  return new Promise((resolve) => {
    const child = spawn('java', [...kafkaJavaArgs(tool), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

/** The Kafka version bench/kafka/pom.xml names. */
export function kafkaVersion(): string {
  return /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(join(KAFKA_DIR, 'pom.xml'), 'utf8'))?.[1] ?? 'unknown';
}

/** Copies Kafka's jars through Maven (setup.sh) when they are not there yet; throws why it could not. */
export async function ensureKafkaJars(log: (line: string) => void): Promise<void> {
  if (existsSync(join(KAFKA_LIB, '.complete'))) return;
  if (spawnSync('java', ['-version']).status !== 0) throw new Error('Apache Kafka needs Java 17+, which is not installed');
  log(`Apache Kafka ${kafkaVersion()}: copying its jars from Maven (bench/kafka/setup.sh)`);
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn('bash', [join(KAFKA_DIR, 'setup.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('close', resolve);
    child.on('error', () => resolve(null));
  });
  if (code !== 0 || !existsSync(join(KAFKA_LIB, '.complete'))) throw new Error('bench/kafka/setup.sh could not copy Apache Kafka\'s jars (needs Maven and Maven Central)');
}
