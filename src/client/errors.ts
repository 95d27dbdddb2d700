/**
 * The client's errors: a small closed set, each saying what failed in one line, so that the
 * command line can print `err.message` as it is.
 *
 * - KafkaError: the broker answered with an error code (errors.ts), for a named resource.
 * - ConnectionError: no connection to a broker, or it closed with requests in flight.
 * - UnsupportedApiError: the broker does not serve an API (or no version both sides know).
 * - TimeoutError: a request got no answer within its time limit.
 * - ClientError: a misuse the caller can correct (an unknown topic, a partition out of range).
 *
 * Protocol-level breakage (a frame that does not decode) stays a ProtocolError from the codec.
 */
import { errorByCode, errorName } from '../protocol/errors.js';

export class KafkaError extends Error {
  override readonly name = 'KafkaError';
  readonly code: number;
  readonly errorName: string;
  readonly retriable: boolean;

  /** `what` names the resource: "topic 'orders'", "group 'billing'", "orders-2". */
  constructor(code: number, what?: string, brokerMessage?: string | null) {
    const info = errorByCode(code);
    const detail = brokerMessage ?? info?.message ?? '';
    super(`${what ? `${what}: ` : ''}${errorName(code)}${detail ? ` (${detail})` : ''}`);
    this.code = code;
    this.errorName = errorName(code);
    this.retriable = info?.retriable ?? false;
  }
}

export class ConnectionError extends Error {
  override readonly name = 'ConnectionError';
  /** "host:port" of the broker. */
  readonly address: string;
  constructor(address: string, message: string) {
    super(message);
    this.address = address;
  }
}

export class UnsupportedApiError extends Error {
  override readonly name = 'UnsupportedApiError';
}

export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

export class ClientError extends Error {
  override readonly name = 'ClientError';
}

/** Throws a KafkaError for a non-zero code. */
export function check(code: number, what?: string, brokerMessage?: string | null): void {
  if (code !== 0) throw new KafkaError(code, what, brokerMessage);
}

/** Words for a socket error code, for one-line messages. */
export function describeSocketError(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset by the broker';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    case 'ETIMEDOUT':
      return 'timed out';
    default:
      return e.code ? `${e.code}: ${e.message}` : e.message;
  }
}
