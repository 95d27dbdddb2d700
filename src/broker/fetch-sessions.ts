/**
 * Incremental fetch sessions (KIP-227).
 *
 * A client opens a session with a full fetch at epoch 0 and gets a session id; later fetches
 * send only the partitions whose position or limits changed (and "forgotten" ones to drop),
 * with the epoch counting up. The broker keeps each session's partitions and what it last
 * told the client, and answers an incremental fetch with only the partitions that have
 * something new: records, a moved high watermark or log start offset, or an error.
 *
 *   sessionId 0,  epoch -1   full fetch, no session
 *   sessionId 0,  epoch 0    full fetch, open a session
 *   sessionId N,  epoch 0    close N, open a new session with this full fetch
 *   sessionId N,  epoch -1   close N; full fetch, no session
 *   sessionId N,  epoch k>0  incremental fetch on N; k must be the epoch expected next
 *
 * Sessions are kept at most MAX_SESSIONS (Kafka's max.incremental.fetch.session.cache.slots
 * default); the least recently used is evicted, and its client gets FETCH_SESSION_ID_NOT_FOUND
 * and starts over with a full fetch. An unused session expires after SESSION_IDLE_MS.
 *
 * Main thread.
 */
import { randomInt } from 'node:crypto';
import { ErrorCode } from '../protocol/errors.js';

export const MAX_SESSIONS = 1000;
export const SESSION_IDLE_MS = 120_000;

export interface SessionPartition {
  /** The topic's name (always known here, also for requests by topic ID). */
  topic: string;
  topicId: string;
  partition: number;
  fetchOffset: number;
  partitionMaxBytes: number;
  /** What the last answer said; -1 before any. */
  lastHighWatermark: number;
  lastLogStartOffset: number;
}

export interface FetchSession {
  id: number;
  nextEpoch: number;
  lastUsedMs: number;
  /** Keyed "topicId:partition" when the client speaks IDs (v13+), else "name:partition". */
  partitions: Map<string, SessionPartition>;
}

export type SessionOutcome =
  | { kind: 'sessionless' }
  | { kind: 'new'; session: FetchSession }
  | { kind: 'incremental'; session: FetchSession }
  | { kind: 'error'; errorCode: number };

export class FetchSessions {
  private readonly sessions = new Map<number, FetchSession>();

  /** Decides what a fetch's (sessionId, epoch) asks for, creating or closing sessions. */
  begin(sessionId: number, epoch: number, now = Date.now()): SessionOutcome {
    this.expire(now);
    if (sessionId !== 0 && (epoch === 0 || epoch === -1)) this.sessions.delete(sessionId);
    if (epoch === -1) return { kind: 'sessionless' };
    if (epoch === 0) {
      if (this.sessions.size >= MAX_SESSIONS) this.evictOldest();
      let id = 0;
      while (id === 0 || this.sessions.has(id)) id = randomInt(1, 2 ** 31 - 1);
      const session: FetchSession = { id, nextEpoch: 1, lastUsedMs: now, partitions: new Map() };
      this.sessions.set(id, session);
      return { kind: 'new', session };
    }
    const session = this.sessions.get(sessionId);
    if (!session) return { kind: 'error', errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND };
    if (epoch !== session.nextEpoch) return { kind: 'error', errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH };
    session.nextEpoch = session.nextEpoch === 2 ** 31 - 1 ? 1 : session.nextEpoch + 1;
    session.lastUsedMs = now;
    return { kind: 'incremental', session };
  }

  /** Forgets a session a full fetch opened but never told the client of (its answer was throttled). */
  discard(session: FetchSession): void {
    if (this.sessions.get(session.id) === session) this.sessions.delete(session.id);
  }

  /** After a full fetch opened a session: its epoch 0 was used, the next is 1. */
  get size(): number {
    return this.sessions.size;
  }

  private evictOldest(): void {
    let oldest: FetchSession | undefined;
    for (const s of this.sessions.values()) if (!oldest || s.lastUsedMs < oldest.lastUsedMs) oldest = s;
    if (oldest) this.sessions.delete(oldest.id);
  }

  private expire(now: number): void {
    for (const s of this.sessions.values()) if (now - s.lastUsedMs > SESSION_IDLE_MS) this.sessions.delete(s.id);
  }
}
