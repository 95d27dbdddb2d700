/**
 * Connection: one client socket — framing, the request pipeline, ordered responses,
 * backpressure and idleness.
 *
 *   bytes ──► frames (4-byte size + body; a slice of the received chunk when it fits in one)
 *         ──► router.prepare (header + body decoded; a bad frame closes the connection)
 *         ──► handler (async) ──► response parts, queued in request order
 *         ──► socket (encoded parts written, file slices streamed: fetch-stream.ts)
 *
 * Kafka answers a connection's requests in the order they came. Spindle runs most requests of a
 * connection one after the other, as Kafka does; Produce requests that follow one another
 * are started at once (their appends stay in order through the partition's ring), so a
 * producer that pipelines is not held to one round trip per request.
 *
 * Limits, each with its reason:
 *   socket.request.max.bytes   a larger (or negative) frame size closes the connection before
 *                              anything is allocated for it;
 *   MAX_QUEUED_RESPONSES (64)  reading pauses while this many requests wait for their turn
 *                              to be answered, so a client that never reads cannot make the
 *                              broker hold unbounded responses;
 *   WRITE_HIGH_WATER (4 MiB)   reading also pauses while the socket holds this much unsent;
 *   connections.max.idle.ms    an idle connection is closed.
 *
 * Main thread.
 */
import type { Socket } from 'node:net';
import { ProtocolError } from '../protocol/codec/errors.js';
import { ExternalBytes } from '../protocol/codec/writer.js';
import type { FileSlice, SegmentFiles } from './fetch-stream.js';

export const MAX_QUEUED_RESPONSES = 64;
export const WRITE_HIGH_WATER = 4 * 1024 * 1024;

export type ResponseParts = (Buffer | ExternalBytes)[];

export interface PreparedRequest {
  /** Whether it may start while earlier requests of the connection are still running. */
  pipelined: boolean;
  run(): Promise<ResponseParts | null>;
}

export interface ConnectionOptions {
  maxRequestBytes: number;
  idleMs: number;
  files: SegmentFiles;
  /** Decodes a frame; throws ProtocolError to close the connection (bad frame, unknown API). */
  prepare(connection: Connection, frame: Buffer): PreparedRequest;
  onClose(connection: Connection): void;
  /** A request's preparation, handler or encoder threw (not a ProtocolError): a programmer error, to be logged with its stack and counted. */
  onInternalError(connection: Connection, e: unknown): void;
  log(message: string): void;
}

interface Pending {
  parts: ResponseParts | null | undefined;
  ready: boolean;
}

let nextConnectionId = 1;

export class Connection {
  readonly id = nextConnectionId++;
  readonly socket: Socket;
  readonly remote: string;
  private readonly options: ConnectionOptions;
  // Framing state.
  private partial: Buffer | null = null;
  private partialFilled = 0;
  private readonly sizeBytes = Buffer.alloc(4);
  private sizeFilled = 0;
  // Pipeline state.
  private readonly queue: Pending[] = [];
  private barrier: Promise<void> = Promise.resolve();
  private runningSerial = 0;
  private writing = false;
  private paused = false;
  closed = false;
  requestsHandled = 0;

  constructor(socket: Socket, options: ConnectionOptions) {
    this.socket = socket;
    this.options = options;
    this.remote = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.setNoDelay(true);
    if (options.idleMs > 0) socket.setTimeout(options.idleMs, () => this.close('idle'));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.maybeResume());
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      options.onClose(this);
    });
  }

  private closeWhenIdle = false;

  /** Stops reading new requests and closes once every request read so far is answered. */
  drainAndClose(): void {
    this.closeWhenIdle = true;
    this.socket.pause();
    if (this.queue.length === 0 && !this.writing) this.close('shutdown');
  }

  close(why: string): void {
    if (this.closed) return;
    this.closed = true;
    if (why !== 'idle' && why !== 'shutdown') this.options.log(`closing connection ${this.remote}: ${why}`);
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    let at = 0;
    try {
      while (at < chunk.length && !this.closed) {
        if (this.partial) {
          const take = Math.min(this.partial.length - this.partialFilled, chunk.length - at);
          chunk.copy(this.partial, this.partialFilled, at, at + take);
          this.partialFilled += take;
          at += take;
          if (this.partialFilled === this.partial.length) {
            const frame = this.partial;
            this.partial = null;
            this.onFrame(frame);
          }
          continue;
        }
        if (this.sizeFilled > 0 || chunk.length - at < 4) {
          const take = Math.min(4 - this.sizeFilled, chunk.length - at);
          chunk.copy(this.sizeBytes, this.sizeFilled, at, at + take);
          this.sizeFilled += take;
          at += take;
          if (this.sizeFilled < 4) return;
          this.sizeFilled = 0;
          const size = this.sizeBytes.readInt32BE(0);
          if (!this.sizeOk(size)) return;
          this.partial = Buffer.allocUnsafe(size);
          this.partialFilled = 0;
          continue;
        }
        const size = chunk.readInt32BE(at);
        if (!this.sizeOk(size)) return;
        if (chunk.length - at - 4 >= size) {
          const frame = chunk.subarray(at + 4, at + 4 + size);
          at += 4 + size;
          this.onFrame(frame);
        } else {
          this.partial = Buffer.allocUnsafe(size);
          this.partialFilled = chunk.length - at - 4;
          chunk.copy(this.partial, 0, at + 4);
          at = chunk.length;
        }
      }
    } catch (e) {
      // An undecodable frame closes the connection, as in Kafka; anything else thrown while
      // preparing a request is a bug, counted as one before the connection goes.
      if (e instanceof ProtocolError) {
        this.close(`bad request: ${e.message}`);
      } else {
        this.options.onInternalError(this, e);
        this.close('internal error');
      }
    }
  }

  private sizeOk(size: number): boolean {
    if (size < 8 || size > this.options.maxRequestBytes) {
      this.close(`frame size ${size} outside [8, socket.request.max.bytes=${this.options.maxRequestBytes}]`);
      return false;
    }
    return true;
  }

  private onFrame(frame: Buffer): void {
    const prepared = this.options.prepare(this, frame);
    const slot: Pending = { parts: undefined, ready: false };
    this.queue.push(slot);
    const run = (): Promise<void> =>
      prepared.run().then(
        (parts) => {
          slot.parts = parts;
          slot.ready = true;
          this.requestsHandled++;
          this.pump();
        },
        (e: unknown) => {
          this.options.onInternalError(this, e);
          this.close('internal error');
        },
      );
    let handled: Promise<void>;
    if (prepared.pipelined && this.runningSerial === 0) {
      handled = run();
    } else {
      this.runningSerial++;
      handled = this.barrier.then(run).finally(() => this.runningSerial--);
    }
    this.barrier = Promise.all([this.barrier, handled]).then(() => undefined);
    this.maybePause();
  }

  private maybePause(): void {
    if (!this.paused && (this.queue.length >= MAX_QUEUED_RESPONSES || this.socket.writableLength > WRITE_HIGH_WATER)) {
      this.paused = true;
      this.socket.pause();
    }
  }

  private maybeResume(): void {
    if (this.paused && this.queue.length < MAX_QUEUED_RESPONSES / 2 && this.socket.writableLength <= WRITE_HIGH_WATER / 2) {
      this.paused = false;
      this.socket.resume();
    }
  }

  /** Writes ready responses in request order; file slices are streamed one at a time. */
  private pump(): void {
    if (this.writing || this.closed) return;
    this.socket.cork();
    try {
      while (this.queue.length > 0 && this.queue[0]!.ready) {
        const { parts } = this.queue.shift()!;
        if (!parts) continue;
        const streamFrom = parts.findIndex((p) => p instanceof ExternalBytes);
        if (streamFrom < 0) {
          for (const p of parts) this.socket.write(p as Buffer);
          continue;
        }
        for (let i = 0; i < streamFrom; i++) this.socket.write(parts[i] as Buffer);
        this.writing = true;
        void this.streamRest(parts.slice(streamFrom));
        return;
      }
    } finally {
      process.nextTick(() => this.socket.uncork());
    }
    if (this.closeWhenIdle) {
      if (this.queue.length === 0) this.socket.end(() => this.close('shutdown'));
      return;
    }
    this.maybeResume();
  }

  private async streamRest(parts: ResponseParts): Promise<void> {
    try {
      for (const p of parts) {
        if (p instanceof ExternalBytes) await this.options.files.streamSlice(this.socket, p.source as FileSlice);
        else this.socket.write(p);
      }
    } catch (e) {
      this.close(`fetch stream failed: ${(e as Error).message}`);
      return;
    }
    this.writing = false;
    this.pump();
  }
}
