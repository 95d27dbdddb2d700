/**
 * A raw protocol client for broker tests: one TCP connection to 127.0.0.1 that sends any
 * (api, version) the project's codec declares and decodes the answer with the same codec, for
 * the versions and APIs no outside client sends (CreateTopics v5-7, DeleteTopics v6 by id,
 * IncrementalAlterConfigs, DescribeCluster, OffsetForLeaderEpoch, SASL, …).
 *
 * Requests are answered in order on a Kafka connection, so responses are matched to requests by
 * arrival; the correlation id is checked all the same.
 */
import { connect, type Socket } from 'node:net';
import { decodeResponse, encodeRequest } from '../../../src/protocol/frame.js';
import type { ApiSpec, RequestOf, ResponseOf } from '../../../src/protocol/schema.js';

/** How long a test waits for one answer before failing, rather than hanging the suite. */
export const RESPONSE_TIMEOUT_MS = 10_000;

interface Pending {
  resolve: (frame: Buffer) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class RawClient {
  private readonly socket: Socket;
  private buffered: Buffer = Buffer.alloc(0);
  private readonly pending: Pending[] = [];
  private nextCorrelationId = 1;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => this.failAll(e));
    socket.on('close', () => this.failAll(new Error('connection closed')));
  }

  /** Connects to "host:port" (a broker's bootstrap address). */
  static connect(bootstrap: string): Promise<RawClient> {
    const at = bootstrap.lastIndexOf(':');
    const host = bootstrap.slice(0, at);
    const port = Number(bootstrap.slice(at + 1));
    return new Promise((resolve, reject) => {
      const socket = connect(port, host, () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
      socket.once('error', reject);
    });
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 4) {
      const size = this.buffered.readInt32BE(0);
      if (this.buffered.length < 4 + size) break;
      const frame = this.buffered.subarray(4, 4 + size);
      this.buffered = this.buffered.subarray(4 + size);
      const p = this.pending.shift();
      if (p) {
        clearTimeout(p.timer);
        p.resolve(frame);
      }
    }
  }

  private failAll(e: Error): void {
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(e);
    }
  }

  /** Sends one request and resolves with the decoded response body. */
  async request<A extends ApiSpec>(api: A, version: number, body: Partial<RequestOf<A>>): Promise<ResponseOf<A>> {
    const correlationId = this.nextCorrelationId++;
    const frame = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.pending.findIndex((p) => p.timer === timer);
        if (i >= 0) this.pending.splice(i, 1);
        reject(new Error(`${api.name} v${version}: no answer within ${RESPONSE_TIMEOUT_MS} ms`));
      }, RESPONSE_TIMEOUT_MS);
      this.pending.push({ resolve, reject, timer });
      this.socket.write(encodeRequest(api, version, correlationId, 'spindle-test', body as Record<string, unknown>));
    });
    const decoded = decodeResponse(api, version, frame);
    if (decoded.correlationId !== correlationId) throw new Error(`correlation id ${decoded.correlationId}, expected ${correlationId}`);
    return decoded.body as ResponseOf<A>;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Runs `fn` with a fresh connection to `bootstrap` and closes it afterwards. */
export async function withRawClient<T>(bootstrap: string, fn: (client: RawClient) => Promise<T>): Promise<T> {
  const client = await RawClient.connect(bootstrap);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}
