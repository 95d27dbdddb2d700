/**
 * The listener the console's Kafka client uses to act as whoever signed in to the console, so
 * that every request it sends for them is authorized as theirs (ACLs, super.users, quotas):
 *
 *   browser ──Basic or a client certificate──▶ console      principal User:alice
 *   console's client for alice ──SASL PLAIN───▶ this listener (127.0.0.1, a port of its own)
 *       authcid __console, password made at start-up, authzid "alice"
 *   broker: the connection's principal is User:alice
 *
 * Only the console's own user may name another principal in its authzid (sasl/plain.ts
 * proxyUser), and its password exists only in this process, drawn at random when the broker
 * starts, never written anywhere: whoever reaches the port without it gets Kafka's failed
 * login. The listener is not one of the configured ones: it is bound only while a console
 * acts for signed-in users (security/console... startBroker decides), it is advertised only to
 * connections that arrive on it, and nothing else logs in on it.
 *
 * Main thread.
 */
import { randomBytes } from 'node:crypto';
import type { BrokerConfig, Listener } from '../config/load.js';
import type { ListenerSecurity } from './listener-security.js';
import { createPlainServer, PLAIN_MECHANISM } from './sasl/plain.js';

/** The listener's name: two underscores first, which no listener of Kafka's keys is named. */
export const CONSOLE_CLIENT_LISTENER = '__CONSOLE_CLIENT';
/** The user the console's client logs in as, on behalf of the principal in its authzid. */
export const CONSOLE_PROXY_USER = '__console';

export interface ConsoleClientListener {
  readonly listener: Listener;
  readonly security: ListenerSecurity;
  /** The console's password, for its client (never logged, never stored). */
  readonly password: string;
}

export function consoleClientListener(config: BrokerConfig): ConsoleClientListener {
  const password = randomBytes(32).toString('base64url');
  const users = new Map([[CONSOLE_PROXY_USER, password]]);
  const listener: Listener = { name: CONSOLE_CLIENT_LISTENER, securityProtocol: 'SASL_PLAINTEXT', host: '127.0.0.1', port: 0 };
  const security: ListenerSecurity = {
    listener,
    protocol: 'SASL_PLAINTEXT',
    tls: null,
    sasl: {
      mechanisms: [PLAIN_MECHANISM],
      reauthMs: () => 0,
      newServer: () => createPlainServer(users, CONSOLE_PROXY_USER),
      // Not a user of the console's Basic login: nobody signs in to the console as __console.
      plainUsers: new Map(),
    },
    principalRules: [],
    failedAuthDelayMs: config.values['connection.failed.authentication.delay.ms'],
    maxUnauthenticatedFrameBytes: config.values['sasl.server.max.receive.size'],
    close: () => {},
  };
  return { listener, security, password };
}

/** The authzid that makes the console's client `principal` ("User:alice" → "alice"). */
export function authzidOf(principal: string): string {
  return principal.startsWith('User:') ? principal.slice('User:'.length) : principal;
}
