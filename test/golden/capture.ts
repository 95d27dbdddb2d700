/**
 * Captures golden request frames from real clients: `node dist/test/golden/capture.js`.
 *
 * A minimal responder on 127.0.0.1 answers just enough (ApiVersions, Metadata, CreateTopics,
 * InitProducerId, Produce, ListOffsets, Fetch) for kafkajs and kcat to send their requests,
 * and writes the first frame of each (API, version) per client to
 * test/fixtures/golden/<client>/<key>-<Name>-v<version>.bin (the bytes after the size prefix).
 * The golden tests decode those frames and re-encode them byte for byte. This is a tool run by
 * hand when a client or a declaration changes, not a test; it uses only the protocol layer.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { decodeRequest, decodeRequestHeader, encodeResponse, FrameReader, MIN_REQUEST_FRAME_BYTES } from '../../src/protocol/frame.js';
import { APIS, apiByKey } from '../../src/protocol/messages/index.js';

const require = createRequire(import.meta.url);
const TOPIC_ID = '5d1f4c3a-9b2e-4f60-8a71-0c2d3e4f5a6b';
const root = new URL('../../../test/fixtures/golden/', import.meta.url).pathname;
/** Kafka's default socket.request.max.bytes. */
const MAX_REQUEST_BYTES = 100 * 1024 * 1024;

type Obj = Record<string, any>;

function respond(apiKey: number, req: Obj, port: number): Obj | undefined {
  const broker = { nodeId: 0, host: '127.0.0.1', port, rack: null };
  switch (apiKey) {
    case 18:
      return { errorCode: 0, apiKeys: APIS.map((a) => ({ apiKey: a.key, minVersion: a.lowest, maxVersion: a.highest })), throttleTimeMs: 0 };
    case 3: {
      const names: string[] = req.topics === null || req.topics.length === 0 ? ['golden'] : req.topics.map((t: Obj) => t.name ?? 'golden');
      return {
        throttleTimeMs: 0,
        brokers: [broker],
        clusterId: 'golden-cluster',
        controllerId: 0,
        topics: names.map((name) => ({
          errorCode: 0,
          name,
          topicId: TOPIC_ID,
          isInternal: false,
          partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 0, leaderEpoch: 0, replicaNodes: [0], isrNodes: [0], offlineReplicas: [] }],
          topicAuthorizedOperations: -2147483648,
        })),
      };
    }
    case 19:
      return {
        throttleTimeMs: 0,
        topics: req.topics.map((t: Obj) => ({ name: t.name, topicId: TOPIC_ID, errorCode: 0, errorMessage: null, numPartitions: 1, replicationFactor: 1, configs: [] })),
      };
    case 22:
      return { throttleTimeMs: 0, errorCode: 0, producerId: 4242, producerEpoch: 0 };
    case 0:
      return {
        responses: req.topicData.map((t: Obj) => ({
          name: t.name,
          partitionResponses: t.partitionData.map((p: Obj) => ({ index: p.index, errorCode: 0, baseOffset: 0, logAppendTimeMs: -1, logStartOffset: 0, recordErrors: [], errorMessage: null })),
        })),
        throttleTimeMs: 0,
      };
    case 2:
      return {
        throttleTimeMs: 0,
        topics: req.topics.map((t: Obj) => ({
          name: t.name,
          partitions: t.partitions.map((p: Obj) => ({ partitionIndex: p.partitionIndex, errorCode: 0, oldStyleOffsets: [0], timestamp: -1, offset: 0, leaderEpoch: 0 })),
        })),
      };
    case 1:
      return {
        throttleTimeMs: 0,
        errorCode: 0,
        sessionId: 0,
        responses: req.topics.map((t: Obj) => ({
          topic: t.topic,
          topicId: t.topicId,
          partitions: t.partitions.map((p: Obj) => ({
            partitionIndex: p.partition,
            errorCode: 0,
            highWatermark: 0,
            lastStableOffset: 0,
            logStartOffset: 0,
            abortedTransactions: [],
            preferredReadReplica: -1,
            records: Buffer.alloc(0),
          })),
        })),
      };
    default:
      return undefined;
  }
}

async function capture(client: string, drive: (port: number) => Promise<void>): Promise<string[]> {
  const dir = join(root, client);
  mkdirSync(dir, { recursive: true });
  const seen = new Set<string>();
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // A size outside these limits throws FrameSizeError: a client bug worth stopping the capture for.
    const frames = new FrameReader({ minBytes: MIN_REQUEST_FRAME_BYTES, maxBytes: MAX_REQUEST_BYTES });
    socket.on('data', (chunk: Buffer) => {
      frames.push(chunk);
      for (let frame = frames.next(); frame !== null; frame = frames.next()) {
        const { header, bodyOffset, api } = decodeRequestHeader(frame, apiByKey);
        const version = header.requestApiVersion;
        if (!api) return void socket.destroy();
        const name = `${String(api.key).padStart(2, '0')}-${api.name}-v${version}`;
        if (!seen.has(name)) {
          seen.add(name);
          writeFileSync(join(dir, `${name}.bin`), frame);
        }
        const req = decodeRequest(api, version, frame, bodyOffset);
        const body = respond(api.key, req, port);
        if (!body) return void socket.destroy();
        if (api.key === 0 && req.acks === 0) continue;
        socket.write(encodeResponse(api, version, header.correlationId, body));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    await drive(port);
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
  }
  return [...seen].sort();
}

async function main(): Promise<void> {
  const { Kafka, CompressionTypes, logLevel } = require('kafkajs');
  const kafkajs = await capture('kafkajs', async (port) => {
    const kafka = new Kafka({ clientId: 'golden-kafkajs', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'golden', numPartitions: 1 }] });
    await admin.disconnect();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({
      topic: 'golden',
      acks: -1,
      compression: CompressionTypes.GZIP,
      messages: [
        { key: 'k0', value: 'golden-0', headers: { origin: 'kafkajs' }, timestamp: '1700000000000' },
        { key: 'k1', value: 'golden-1', timestamp: '1700000000001' },
      ],
    });
    await producer.disconnect();
  });
  console.log('kafkajs:', kafkajs.join(' '));

  if (spawnSync('which', ['kcat']).status === 0) {
    const kcat = await capture('kcat', async (port) => {
      const b = `127.0.0.1:${port}`;
      // kcat runs as a child process, so this event loop keeps serving it.
      const child = (args: string[], input?: string) =>
        new Promise<void>((resolve) => {
          const p = spawn('kcat', ['-b', b, '-X', 'client.id=golden-kcat', ...args], { stdio: ['pipe', 'ignore', 'inherit'] });
          const timer = setTimeout(() => p.kill('SIGKILL'), 15000);
          p.on('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          p.stdin.end(input ?? '');
        });
      await child(['-L']);
      // Values long and repetitive enough that librdkafka keeps the compressed form.
      const pad = 'spindle '.repeat(32);
      await child(['-P', '-t', 'golden', '-p', '0', '-z', 'snappy', '-K', ':'], `k0:golden-0 ${pad}\nk1:golden-1 ${pad}\n`);
      await child(['-C', '-t', 'golden', '-p', '0', '-o', 'beginning', '-e']);
    });
    console.log('kcat:', kcat.join(' '));
  } else {
    console.log('kcat not installed: kcat frames not captured');
  }
}

await main();
