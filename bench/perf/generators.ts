/**
 * Second and third load generators, so that Spindle's figures beside Kafka's do not rest on the
 * harness's own: Kafka's kafka-producer-perf-test and kafka-consumer-perf-test (the Java client,
 * from bench/kafka's jars, with kafka-producer-perf-test.sh's -Xmx512M), and franz-go
 * (bench/franz-go). For each load, a fresh Spindle broker and a fresh Kafka broker are started
 * in turn; each generator produces the load's records to a topic of its own as fast as the
 * broker takes them and reads them back.
 *
 *   producer: acks=1, linger.ms=5, batch.size=64 KiB, no compression, records of the load's size
 *   consumer: kafka-consumer-perf-test's fetch.MB.sec (excludes its group join); franz-go reads
 *             with no group from the start
 *
 * Latencies are the generators' own: from the client's send call to its acknowledgement,
 * including time spent waiting in the client's buffer (32 MiB in both clients).
 *
 * Main thread of the harness.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { KAFKA_JVM_PERFORMANCE_OPTS, startKafkaProcess } from '../kafka/broker.js';
import { kafkaJavaArgs } from '../kafka/kafka.js';
import { type BrokerProcess, startBrokerProcess } from './broker-process.js';
import { run } from './peers.js';
import { ensureTopic } from './wire.js';

export const FRANZ_DIR = new URL('../../../bench/franz-go/', import.meta.url).pathname;
const FRANZ_BIN = join(FRANZ_DIR, 'franz-go-perf');
/** kafka-producer-perf-test.sh and kafka-consumer-perf-test.sh set KAFKA_HEAP_OPTS to -Xmx512M; kafka-run-class adds its performance options. */
const PERF_TEST_JVM = ['-Xmx512M', ...KAFKA_JVM_PERFORMANCE_OPTS];

export interface GeneratorLoad {
  id: string;
  recordBytes: number;
  partitions: number;
  records: number;
}

export interface GeneratorRun {
  load: string;
  generator: 'kafka-perf-test' | 'franz-go';
  broker: 'spindle' | 'kafka';
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
  avgMs: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  consumeMBPerSec: number;
  consumeRecordsPerSec: number;
  error?: string;
}

export interface GeneratorResults {
  loads: GeneratorLoad[];
  runs: GeneratorRun[];
  /** Generators not run, with why. */
  skipped: string[];
}

/** The loads: 1 KiB records on one partition, 100 B records on eight (tiny, for tests: a few thousand 1 KiB records). */
export function generatorLoads(preset: 'quick' | 'full', tiny: boolean): GeneratorLoad[] {
  if (tiny) return [{ id: 'gen-1k', recordBytes: 1024, partitions: 1, records: 5000 }];
  const scale = preset === 'quick' ? 0.3 : 1;
  return [
    { id: 'gen-1k', recordBytes: 1024, partitions: 1, records: Math.round(1_000_000 * scale) },
    { id: 'gen-100b-p8', recordBytes: 100, partitions: 8, records: Math.round(5_000_000 * scale) },
  ];
}

/** franz-go's generator binary, built (bench/franz-go/setup.sh) when Go is installed; why not otherwise. */
async function franzGo(log: (l: string) => void): Promise<string> {
  if (existsSync(FRANZ_BIN)) return '';
  if (spawnSync('go', ['version']).status !== 0) return 'Go is not installed';
  log('  building the franz-go generator (bench/franz-go/setup.sh)');
  const built = await run('bash', [join(FRANZ_DIR, 'setup.sh')], 180_000);
  return built.code === 0 && existsSync(FRANZ_BIN) ? '' : `bench/franz-go/setup.sh failed: ${built.stderr.split('\n')[0]}`;
}

const empty = (load: GeneratorLoad, generator: GeneratorRun['generator'], broker: GeneratorRun['broker'], error: string): GeneratorRun => ({
  load: load.id,
  generator,
  broker,
  records: 0,
  recordsPerSec: NaN,
  mbPerSec: NaN,
  avgMs: NaN,
  p50Ms: NaN,
  p99Ms: NaN,
  p999Ms: NaN,
  maxMs: NaN,
  consumeMBPerSec: NaN,
  consumeRecordsPerSec: NaN,
  error,
});

/** Runs a Kafka tool with the perf tests' heap, to its end; resolves with its stdout, throws with its stderr. */
function perfTool(tool: 'kafka-producer-perf-test' | 'kafka-consumer-perf-test', args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('java', [...kafkaJavaArgs(tool, PERF_TEST_JVM), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4096)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${tool} exited with ${code}: ${err.trim().split('\n').slice(-2).join(' ')}`));
    });
  });
}

/** kafka-producer-perf-test's last line: "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, p50 ms 50th, p95 ms 95th, p99 ms 99th, p999 ms 99.9th." */
export function parseProducerPerf(out: string): Pick<GeneratorRun, 'records' | 'recordsPerSec' | 'mbPerSec' | 'avgMs' | 'maxMs' | 'p50Ms' | 'p99Ms' | 'p999Ms'> {
  const m = /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th/.exec(out);
  if (!m) throw new Error(`kafka-producer-perf-test printed no summary: ${out.trim().split('\n').pop()}`);
  return { records: Number(m[1]), recordsPerSec: Number(m[2]), mbPerSec: Number(m[3]), avgMs: Number(m[4]), maxMs: Number(m[5]), p50Ms: Number(m[6]), p99Ms: Number(m[8]), p999Ms: Number(m[9]) };
}

/** kafka-consumer-perf-test's CSV line: its fetch.MB.sec and fetch.nMsg.sec (the fetching time, without the group join). */
export function parseConsumerPerf(out: string): { mbPerSec: number; recordsPerSec: number; records: number } {
  const lines = out.trim().split('\n');
  const header = lines.findIndex((l) => l.startsWith('start.time'));
  if (header < 0 || !lines[header + 1]) throw new Error(`kafka-consumer-perf-test printed no figures: ${lines.pop()}`);
  const names = lines[header]!.split(',').map((s) => s.trim());
  const values = lines[header + 1]!.split(',').map((s) => s.trim());
  const get = (n: string): number => Number(values[names.indexOf(n)]);
  return { mbPerSec: get('fetch.MB.sec'), recordsPerSec: get('fetch.nMsg.sec'), records: get('data.consumed.in.nMsg') };
}

async function kafkaPerfTest(bootstrap: string, topic: string, load: GeneratorLoad, broker: GeneratorRun['broker'], timeoutMs: number): Promise<GeneratorRun> {
  try {
    const produced = parseProducerPerf(
      await perfTool(
        'kafka-producer-perf-test',
        ['--bootstrap-server', bootstrap, '--topic', topic, '--num-records', String(load.records), '--record-size', String(load.recordBytes), '--throughput', '-1', '--command-property', 'acks=1', 'linger.ms=5', 'batch.size=65536', 'compression.type=none'],
        timeoutMs,
      ),
    );
    const consumed = parseConsumerPerf(await perfTool('kafka-consumer-perf-test', ['--bootstrap-server', bootstrap, '--topic', topic, '--num-records', String(load.records), '--timeout', String(timeoutMs)], timeoutMs));
    return { load: load.id, generator: 'kafka-perf-test', broker, ...produced, consumeMBPerSec: consumed.mbPerSec, consumeRecordsPerSec: consumed.recordsPerSec };
  } catch (e) {
    return empty(load, 'kafka-perf-test', broker, (e as Error).message);
  }
}

async function franzGoRun(bootstrap: string, topic: string, load: GeneratorLoad, broker: GeneratorRun['broker'], timeoutMs: number): Promise<GeneratorRun> {
  const r = await run(FRANZ_BIN, ['-bootstrap', bootstrap, '-topic', topic, '-records', String(load.records), '-record-size', String(load.recordBytes), '-acks', '1', '-timeout', `${Math.round(timeoutMs / 1000)}s`], timeoutMs + 5000);
  if (r.code !== 0) return empty(load, 'franz-go', broker, `franz-go-perf exited with ${r.code}: ${r.stderr.trim().split('\n').pop()}`);
  const f = JSON.parse(r.stdout.trim().split('\n').pop()!) as { records: number; recordsPerSec: number; mbPerSec: number; avgMs: number; p50Ms: number; p99Ms: number; p999Ms: number; maxMs: number; consumedRecords: number; consumeMBPerSec: number; consumeSeconds: number };
  return {
    load: load.id,
    generator: 'franz-go',
    broker,
    records: f.records,
    recordsPerSec: f.recordsPerSec,
    mbPerSec: f.mbPerSec,
    avgMs: f.avgMs,
    p50Ms: f.p50Ms,
    p99Ms: f.p99Ms,
    p999Ms: f.p999Ms,
    maxMs: f.maxMs,
    consumeMBPerSec: f.consumeMBPerSec,
    consumeRecordsPerSec: f.consumedRecords / f.consumeSeconds,
  };
}

/** Every load, on a fresh Spindle and then a fresh Kafka, with each generator there is. */
export async function runGenerators(loads: GeneratorLoad[], dataRoot: string, timeoutMs: number, log: (l: string) => void): Promise<GeneratorResults> {
  const skipped: string[] = [];
  const franz = await franzGo(log);
  if (franz) skipped.push(`franz-go: ${franz}`);
  const runs: GeneratorRun[] = [];
  for (const load of loads) {
    for (const broker of ['spindle', 'kafka'] as const) {
      let b: BrokerProcess | undefined;
      try {
        b =
          broker === 'kafka'
            ? await startKafkaProcess({ dataRoot, config: { 'num.partitions': load.partitions } })
            : await startBrokerProcess({ dataRoot, config: { 'num.partitions': load.partitions } });
        for (const generator of ['kafka-perf-test', 'franz-go'] as const) {
          if (generator === 'franz-go' && franz) continue;
          const topic = `${load.id}-${generator}`;
          await ensureTopic(b.bootstrap, topic, load.partitions);
          log(`  ${generator} → ${broker === 'kafka' ? 'Apache Kafka' : 'Spindle'}: ${load.records.toLocaleString('en-US')} records of ${load.recordBytes} B, ${load.partitions} partition${load.partitions === 1 ? '' : 's'}`);
          const r = generator === 'franz-go' ? await franzGoRun(b.bootstrap, topic, load, broker, timeoutMs) : await kafkaPerfTest(b.bootstrap, topic, load, broker, timeoutMs);
          log(r.error ? `    failed: ${r.error}` : `    ${Math.round(r.recordsPerSec).toLocaleString('en-US')} records/sec (${r.mbPerSec.toFixed(1)} MB/sec), p99 ${r.p99Ms.toFixed(0)} ms; consume ${r.consumeMBPerSec.toFixed(1)} MB/sec`);
          runs.push(r);
        }
      } catch (e) {
        log(`    ${broker} failed: ${(e as Error).message.split('\n')[0]}`);
        runs.push(empty(load, 'kafka-perf-test', broker, (e as Error).message.split('\n')[0]!));
      } finally {
        await b?.stop();
      }
    }
  }
  return { loads, runs, skipped };
}
