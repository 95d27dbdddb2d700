/**
 * `spindle broker` as an operator meets it, two processes at a time: a second broker on a taken
 * port, or on log directories another broker holds, exits 1 with one line (and the first keeps
 * serving); a broker configured by the apache/kafka image's environment starts, and its node id
 * is the same in the start-up log, Metadata, DescribeConfigs, the console and /metrics; a data
 * directory written as another node refuses a changed node.id.
 */
import { get } from 'node:http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dataDir } from '../interop/helpers.js';
import { brokerProcess, lines, spindle, stopChild } from './helpers.js';

const lastLine = (text: string): string => text.trimEnd().split('\n').at(-1) ?? '';

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${url} timed out`)));
  });
}

test('a second broker on a port the first holds exits 1 with one line; the first keeps serving', async () => {
  const a = dataDir();
  const b = dataDir();
  const first = brokerProcess({ SPINDLE_LISTENERS: 'PLAINTEXT://127.0.0.1:0', SPINDLE_LOG_DIRS: a.dir });
  try {
    const port = await first.port;
    const second = brokerProcess({ SPINDLE_LISTENERS: `PLAINTEXT://127.0.0.1:${port}`, SPINDLE_LOG_DIRS: b.dir });
    assert.is(await second.exited, 1, second.stderr());
    assert.is(lastLine(second.stderr()), `spindle broker: cannot listen on 127.0.0.1:${port}: the address is already in use; is another broker running?`);
    assert.not.match(second.stderr(), /\n\s+at /, 'no stack trace');
    const list = await spindle(['topics', '--list', '--bootstrap-server', `127.0.0.1:${port}`]);
    assert.is(list.code, 0, list.stderr);
  } finally {
    await stopChild(first);
    a.remove();
    b.remove();
  }
});

test('a second broker on the log directories the first holds exits 1 naming the directory and its holder', async () => {
  const data = dataDir();
  // Configured the way the apache/kafka image is, to show that those names reach the lock too.
  const env = { KAFKA_LISTENERS: 'PLAINTEXT://127.0.0.1:0', KAFKA_LOG_DIRS: data.dir };
  const first = brokerProcess(env);
  try {
    await first.port;
    const second = brokerProcess(env);
    assert.is(await second.exited, 1, second.stderr());
    assert.match(lastLine(second.stderr()), new RegExp(`^spindle broker: log directory ${data.dir} is in use by another broker \\(pid ${first.child.pid} `));
    assert.not.match(second.stderr(), /\n\s+at /, 'no stack trace');
  } finally {
    await stopChild(first);
    data.remove();
  }
});

test("configured by the image's KAFKA_ names, the node id is one everywhere: log, Metadata, DescribeConfigs, console, /metrics", async () => {
  const data = dataDir();
  const p = brokerProcess({
    KAFKA_NODE_ID: '3',
    KAFKA_LISTENERS: 'PLAINTEXT://127.0.0.1:0',
    KAFKA_LOG_DIRS: data.dir,
    KAFKA_HEAP_OPTS: '-Xmx1G',
    SPINDLE_CONSOLE_LISTENER: 'http://127.0.0.1:0',
  });
  try {
    const port = await p.port;
    const flag = ['--bootstrap-server', `127.0.0.1:${port}`];
    const log = p.stderr();
    assert.ok(lines(log).includes('Node id: 3'), log);
    assert.ok(lines(log).includes('  broker.id = 3  [env KAFKA_NODE_ID]'), log);
    assert.ok(lines(log).includes("Environment for Kafka's JVM and logging, not broker keys, ignored: KAFKA_HEAP_OPTS"), log);
    assert.not.match(log, /Warnings:/);

    assert.is((await spindle(['topics', '--create', '--topic', 'ids', ...flag])).code, 0);
    const d = await spindle(['topics', '--describe', '--topic', 'ids', ...flag]);
    assert.match(d.stdout, /\tLeader: 3\tReplicas: 3\tIsr: 3\t/);
    const brokers = await spindle(['configs', '--describe', '--entity-type', 'brokers', ...flag]);
    assert.is(lines(brokers.stdout)[0], 'Dynamic configs for broker 3 are:');
    const all = lines((await spindle(['configs', '--describe', '--broker', '3', '--all', ...flag])).stdout);
    assert.ok(all.some((l) => l.startsWith('  node.id=3 ')) && all.some((l) => l.startsWith('  broker.id=3 ')), all.join('\n'));

    const consoleUrl = /Console and \/metrics at (http:\/\/\S+)/.exec(log)?.[1];
    assert.ok(consoleUrl, log);
    const overview = JSON.parse(await httpGet(`${consoleUrl!.replace(/\/$/, '')}/api/overview`)) as { broker: { nodeId: number } };
    assert.is(overview.broker.nodeId, 3);
    assert.match(await httpGet(`${consoleUrl!.replace(/\/$/, '')}/metrics`), /spindle_build_info\{[^}]*node_id="3"/);
  } finally {
    if (p.child.exitCode === null) process.kill(p.child.pid!, 'SIGTERM');
    assert.is(await p.exited, 0, p.stderr());
  }
  // The data directory now belongs to node 3: another id is refused, as Kafka refuses it.
  const again = brokerProcess({ KAFKA_NODE_ID: '4', KAFKA_LISTENERS: 'PLAINTEXT://127.0.0.1:0', KAFKA_LOG_DIRS: data.dir });
  try {
    assert.is(await again.exited, 1, again.stderr());
    assert.is(lastLine(again.stderr()), `spindle broker: ${data.dir}/meta.properties says node 3, but node.id is 4: set node.id=3, or give this node other log directories`);
  } finally {
    await stopChild(again);
    data.remove();
  }
});

test.run();
