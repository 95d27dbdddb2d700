/**
 * Connection: one client socket — framing, the request pipeline, ordered responses,
 * backpressure and idleness.
 *
 *   bytes ──► FrameReader (protocol/frame.ts: 4-byte size + body, a slice of the chunk when it
 *             fits in one) ──► router.prepare (header + body decoded; a bad frame closes the
 *             connection) ──► handler (async) ──► response parts, queued in request order
 *         ──► socket (encoded parts written, file slices streamed: fetch-stream.ts)
 *
 * Kafka answers a connection's requests in the order they came. Spindle runs most requests of a
 * connection one after the other, as Kafka does; Produce requests that follow one another
 * are started at once (their appends stay in order through the partition's ring), so a
 * producer that pipelines is not held to one round trip per request.
 *
 * Frames are pulled from the reader one at a time, and only while the connection may take
 * more (`mayRead`): when it may not, the socket is paused and whatever part of the last chunk is
 * left stays in the reader, so no frame runs past a pause. Limits, each with its reason:
 *   socket.request.max.bytes   a larger (or negative) frame size closes the connection before
 *                              anything is allocated for it;
 *   queued.max.requests        reading stops while this many requests of the connection are
 *                              read and not answered;
 *   WRITE_HIGH_WATER (256 KiB) reading stops, and the next request of the connection does not
 *                              start, while this much of its answers is unsent: a client that
 *                              never reads holds one answer beyond it, not one per request;
 *   the broker's Intake        queued.max.request.bytes across connections (intake.ts), and a
 *                              full command ring, stop reading too;
 *   connections.max.idle.ms    an idle connection is closed;
 *   a quota's throttle         reading stops for the throttle time (throttle(), KIP-219).
 * A connection that closes drops the requests it had queued and not started, and wakes (via
 * `signal`) the ones parked in a long poll, so nothing keeps running for a client that has gone.
 *
 * Main thread.
 */
import type { Socket } from 'node:net';
import type { ConnectionAuth } from './security/authenticator.js';
import { ProtocolError } from '../protocol/codec/errors.js';
import { ExternalBytes } from '../protocol/codec/writer.js';
import { FRAME_SIZE_BYTES, FrameReader, MIN_REQUEST_FRAME_BYTES } from '../protocol/frame.js';
import type { FileSlice, SegmentFiles } from './fetch-stream.js';
import type { Intake, IntakeClient } from './intake.js';

/**
 * Unsent answer bytes past which a connection stops reading and starting requests. 256 KiB is
 * four full Produce responses of a thousand partitions, or hundreds of ordinary ones; fetched
 * records are streamed past it chunk by chunk (fetch-stream.ts), so it does not limit a fetch.
 */
export const WRITE_HIGH_WATER = 256 * 1024;

export type ResponseParts = (Buffer | ExternalBytes)[];

export interface PreparedRequest {
  /** Whether it may start while earlier requests of the connection are still running. */
  pipelined: boolean;
  run(): Promise<ResponseParts | null>;
}

export interface ConnectionOptions {
  maxRequestBytes: number;
  /** queued.max.requests: requests read and not yet answered before reading pauses. */
  maxQueuedRequests: number;
  idleMs: number;
  files: SegmentFiles;
  intake: Intake;
  /** The connection's principal and SASL state (security/authenticator.ts). */
  auth: ConnectionAuth;
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
  /** Bytes of the encoded answer (file slices not included), held until written. */
  responseBytes: number;
}

let nextConnectionId = 1;

export class Connection implements IntakeClient {
  readonly id = nextConnectionId++;
  readonly socket: Socket;
  readonly remote: string;
  private readonly options: ConnectionOptions;
  private readonly reader: FrameReader;
  private readonly aborted = new AbortController();
  // Pipeline state.
  private readonly queue: Pending[] = [];
  private barrier: Promise<void> = Promise.resolve();
  private runningSerial = 0;
  /** Requests read that wait for their turn, not started yet (at most one: reading stops behind it). */
  private waitingToStart = 0;
  /** A request waiting for its turn to start (`turn`), re-checked as answers go out. */
  private turnWaiter: (() => void) | undefined;
  /** Requests read whose handler has not finished. */
  private unanswered = 0;
  private writing = false;
  private paused = false;
  private closeWhenIdle = false;
  /** Bytes charged to the intake: received and unanswered, encoded and unsent. */
  heldBytes = 0;
  /** The part of heldBytes that is encoded answers not yet handed to the kernel. */
  private unsentBytes = 0;
  closed = false;
  requestsHandled = 0;
  readonly auth: ConnectionAuth;
  /** While a quota throttles the connection (KIP-219), no request is read; 0 when not throttled. */
  private mutedUntil = 0;
  private muteTimer: NodeJS.Timeout | undefined;

  constructor(socket: Socket, options: ConnectionOptions) {
    this.socket = socket;
    this.options = options;
    this.auth = options.auth;
    this.remote = `${socket.remoteAddress}:${socket.remotePort}`;
    this.reader = new FrameReader({ minBytes: MIN_REQUEST_FRAME_BYTES, maxBytes: this.frameLimit() });
    socket.setNoDelay(true);
    if (options.idleMs > 0) socket.setTimeout(options.idleMs, () => this.close('idle'));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => {
      this.pump();
      this.readFrames();
    });
    socket.on('error', () => {});
    socket.on('close', () => this.onClosed());
  }

  /** The largest frame accepted now: sasl.server.max.receive.size until the client has authenticated. */
  private frameLimit(): number {
    const max = Math.max(MIN_REQUEST_FRAME_BYTES, this.options.maxRequestBytes);
    return this.auth.authenticated ? max : Math.min(max, this.auth.security.maxUnauthenticatedFrameBytes);
  }

  /**
   * The frame limits follow the SASL state: after a SaslHandshake v0 the client's bare tokens may
   * be shorter than a request header, and after authentication frames may be as large as
   * socket.request.max.bytes. Applies to the frames after the one just read.
   */
  authChanged(): void {
    this.reader.setLimits({ minBytes: this.auth.stage === 'raw-token' ? 0 : MIN_REQUEST_FRAME_BYTES, maxBytes: this.frameLimit() });
  }

  /** The IP address of the client, for ACL host matching and per-address limits. */
  get clientAddress(): string {
    return this.socket.remoteAddress ?? '';
  }

  /**
   * A client quota's throttle (KIP-219): the connection's next requests are not read for `ms`
   * (answers already due still go out). The client is told the same time in throttle_time_ms;
   * one that ignores it waits all the same.
   */
  throttle(ms: number): void {
    if (ms <= 0 || this.closed) return;
    const until = performance.now() + ms;
    if (until <= this.mutedUntil) return;
    this.mutedUntil = until;
    clearTimeout(this.muteTimer);
    this.muteTimer = setTimeout(() => {
      this.mutedUntil = 0;
      if (!this.closed) this.readFrames();
    }, ms);
    this.muteTimer.unref();
  }

  /** Aborted when the connection closes: long polls and parked requests end early. */
  get signal(): AbortSignal {
    return this.aborted.signal;
  }

  /** Stops reading new requests and closes once every request read so far is answered. */
  drainAndClose(): void {
    this.closeWhenIdle = true;
    this.pause();
    if (this.queue.length === 0 && !this.writing) this.close('shutdown');
  }

  close(why: string): void {
    if (this.closed) return;
    if (why !== 'idle' && why !== 'shutdown') this.options.log(`closing connection ${this.remote}: ${why}`);
    this.socket.destroy();
    this.onClosed();
  }

  private onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.muteTimer);
    this.turnWaiter?.();
    this.aborted.abort();
    // Whatever is held is given back: unanswered requests and unsent answers are dropped.
    this.queue.length = 0;
    this.charge(-this.heldBytes);
    this.options.intake.forget(this);
    this.options.onClose(this);
  }

  private charge(bytes: number): void {
    if (bytes === 0) return;
    this.heldBytes += bytes;
    if (bytes > 0) this.options.intake.charge(this, bytes);
    else this.options.intake.release(this, -bytes);
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.charge(chunk.length);
    this.reader.push(chunk);
    this.readFrames();
  }

  /** Whether another frame may be read now (each limit of the header). */
  private mayRead(): boolean {
    return (
      !this.closed &&
      !this.closeWhenIdle &&
      this.mutedUntil === 0 &&
      this.unanswered < this.options.maxQueuedRequests &&
      // Behind a request waiting its turn nothing could start anyway: reading further would
      // only hold decoded requests in memory.
      this.waitingToStart === 0 &&
      this.socket.writableLength <= WRITE_HIGH_WATER &&
      this.options.intake.mayRead(this)
    );
  }

  /** Pulls and starts frames while the connection may take them; pauses the socket when it may not. */
  private readFrames(): void {
    for (;;) {
      if (!this.mayRead()) {
        if (!this.closed && !this.closeWhenIdle) this.pause();
        return;
      }
      let frame: Buffer | null;
      try {
        frame = this.reader.next();
      } catch (e) {
        this.close(`bad request: ${(e as Error).message}`);
        return;
      }
      if (frame === null) break;
      this.onFrame(frame);
    }
    this.resume();
  }

  /** The gate opened again (intake.ts). */
  resumeReading(): void {
    this.turnWaiter?.();
    if (!this.closed) this.readFrames();
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.socket.pause();
  }

  private resume(): void {
    if (!this.paused || this.closeWhenIdle || this.closed) return;
    this.paused = false;
    this.socket.resume();
  }

  private onFrame(frame: Buffer): void {
    let prepared: PreparedRequest;
    try {
      prepared = this.options.prepare(this, frame);
    } catch (e) {
      // An undecodable frame closes the connection, as in Kafka; anything else thrown while
      // preparing a request is a bug, counted as one before the connection goes.
      if (e instanceof ProtocolError) this.close(`bad request: ${e.message}`);
      else {
        this.options.onInternalError(this, e);
        this.close('internal error');
      }
      return;
    }
    const frameBytes = frame.length + FRAME_SIZE_BYTES;
    const slot: Pending = { parts: undefined, ready: false, responseBytes: 0 };
    this.queue.push(slot);
    this.unanswered++;
    const answered = (): void => {
      this.unanswered--;
      // A closed connection gave back everything it held when it closed.
      if (!this.closed) this.charge(-frameBytes);
    };
    const run = (): Promise<void> => {
      // The client went away while this waited its turn: nothing runs for it.
      if (this.closed) return Promise.resolve();
      return prepared.run().then(
        (parts) => {
          answered();
          if (this.closed) return;
          slot.parts = parts;
          slot.ready = true;
          if (parts) for (const p of parts) if (!(p instanceof ExternalBytes)) slot.responseBytes += p.length;
          this.charge(slot.responseBytes);
          this.unsentBytes += slot.responseBytes;
          this.options.intake.served(this, slot.responseBytes);
          this.requestsHandled++;
          this.pump();
          this.readFrames();
        },
        (e: unknown) => {
          answered();
          this.options.onInternalError(this, e);
          this.close('internal error');
        },
      );
    };
    let handled: Promise<void>;
    if (prepared.pipelined && this.runningSerial === 0) {
      handled = run();
    } else {
      this.runningSerial++;
      this.waitingToStart++;
      // A serial request starts once every answer before it is out (Kafka's one request at a
      // time per connection): a client that does not read holds one answer, never a queue.
      handled = this.barrier
        .then(() => this.startInTurn(slot, run))
        .finally(() => {
          this.runningSerial--;
          this.readFrames();
        });
    }
    this.barrier = Promise.all([this.barrier, handled]).then(() => undefined);
  }

  /**
   * Starts `slot`'s request (`run`) once it may: every answer before it handed to the socket
   * (none queued, none streaming), at most WRITE_HIGH_WATER of them unsent, and the intake
   * letting this connection take more. It is then started by the intake's scheduler (least
   * served connection first, from the check phase), inside the scheduler's own call, so that
   * the scheduler's time slice counts the handler's work: never straight on in the same
   * microtask run, which would let a client that pipelines keep the microtask queue busy and
   * starve every other socket of the poll phase. Resolves when the request is done (or the
   * connection closed).
   */
  private startInTurn(slot: Pending, run: () => Promise<void>): Promise<void> {
    return new Promise((done) => {
      const ready = (): boolean =>
        this.closed || (this.queue[0] === slot && !this.writing && this.socket.writableLength <= WRITE_HIGH_WATER && this.options.intake.mayRead(this));
      const go = (): void => {
        this.waitingToStart--;
        if (this.closed) return done();
        void run().then(done, done);
        // Nothing waits its turn any more: what comes next may be read (a long poll runs now).
        this.readFrames();
      };
      const schedule = (): void => {
        if (this.closed) go();
        else this.options.intake.requestStart(this, go);
      };
      if (ready()) return schedule();
      const check = (): void => {
        if (!ready()) return;
        this.turnWaiter = undefined;
        this.socket.off('drain', check);
        this.socket.off('close', check);
        schedule();
      };
      this.turnWaiter = check;
      this.socket.on('drain', check);
      this.socket.on('close', check);
    });
  }

  /** Writes ready responses in request order; file slices are streamed one at a time. */
  private pump(): void {
    if (this.writing || this.closed) return;
    this.socket.cork();
    try {
      while (this.queue.length > 0 && this.queue[0]!.ready) {
        const slot = this.queue.shift()!;
        const { parts } = slot;
        // The socket holds what it still has to write; the slot (still referenced by its
        // request's closure until that settles) must not keep the answer alive.
        slot.parts = null;
        if (!parts) continue;
        const streamFrom = parts.findIndex((p) => p instanceof ExternalBytes);
        if (streamFrom < 0) {
          // Held until the kernel has taken the last part.
          const held = slot.responseBytes;
          parts.forEach((p, i) => this.socket.write(p as Buffer, i === parts.length - 1 ? () => this.writtenOut(held) : undefined));
          if (parts.length === 0) this.writtenOut(held);
          continue;
        }
        for (let i = 0; i < streamFrom; i++) this.socket.write(parts[i] as Buffer);
        this.writing = true;
        void this.streamRest(parts.slice(streamFrom), slot);
        return;
      }
    } finally {
      process.nextTick(() => this.socket.uncork());
    }
    this.turnWaiter?.();
    if (this.closeWhenIdle && this.queue.length === 0) this.socket.end(() => this.close('shutdown'));
  }

  /** An answer's bytes left for the kernel: given back (a closed connection gave everything back already). */
  private writtenOut(bytes: number): void {
    if (this.closed) return;
    this.charge(-bytes);
    this.unsentBytes -= bytes;
    // Nothing unsent may be what let it past the budget (holdsOnlyRequests).
    if (this.paused && this.unsentBytes === 0) this.readFrames();
  }

  /**
   * Whether all this connection holds is requests it received and has not started: none of its
   * requests runs and none of its answers is unsent. The intake lets such a connection read and
   * start its next request past the budget, as Kafka reads a request whose memory it has taken:
   * what it holds is given back only by reading the rest of its frame and running it, so
   * stopping it could leave the budget spent for good (one request larger than what is left of
   * the budget). It goes one request at a time: the next waits for this one's answer to be out.
   */
  get holdsOnlyRequests(): boolean {
    return this.unanswered === this.waitingToStart && this.unsentBytes === 0 && !this.writing;
  }

  private async streamRest(parts: ResponseParts, slot: Pending): Promise<void> {
    try {
      for (const p of parts) {
        if (p instanceof ExternalBytes) await this.options.files.streamSlice(this.socket, p.source as FileSlice);
        else this.socket.write(p);
      }
    } catch (e) {
      this.close(`fetch stream failed: ${(e as Error).message}`);
      return;
    }
    // What this answer held beyond its streamed records: written by now.
    this.writtenOut(slot.responseBytes);
    this.writing = false;
    this.pump();
    this.readFrames();
  }
}
