/**
 * The console listener: one node:http server (`console.listener`, default
 * http://127.0.0.1:9644) that serves
 *
 *   GET /metrics     Prometheus text (prometheus.ts)
 *   /api/…           the console's JSON API and its event stream (api.ts)
 *   GET /            the web console: public/index.html, app.js, app.css, served as they are
 *                    from the package; no build step, no CDN
 *
 * Every path answers only a request that console.authentication lets in (auth.ts): anyone,
 * HTTP Basic against the SASL users, or a client certificate. An https:// console has the
 * TLS setup of a listener named CONSOLE (listener.name.console.ssl.*), certificates reloaded
 * when their files change, as the Kafka listeners'.
 *
 * The console's Kafka client (src/client) connects to the broker's own listener the first time
 * an API needs it and is closed with the console. startBroker starts the console after the
 * Kafka listener is bound and closes it before the broker stops.
 *
 * Main thread.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Broker } from '../broker/broker.js';
import { Client } from '../client/client.js';
import { type TlsSetup, watchTlsFiles } from '../broker/security/tls.js';
import { authzidOf } from '../broker/security/console-client.js';
import { handleApi, sendJson } from './api.js';
import type { ConsoleAuth } from './auth.js';
import { CONTENT_TYPE, EVENT_LOOP_RESOLUTION_MS, renderMetrics } from './prometheus.js';
import { Sampler } from './sampler.js';

/**
 * Where the page's files are: src/console/public in the package (this module runs from
 * dist/src/console/, three levels below the package root).
 */
export const PUBLIC_DIR = fileURLToPath(new URL('../../../src/console/public/', import.meta.url));

const STATIC_FILES: Readonly<Record<string, { file: string; type: string }>> = Object.freeze({
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
});

/** The package's version, for the overview and spindle_build_info. */
export const VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
})();

export interface ConsoleOptions {
  broker: Broker;
  host: string;
  port: number;
  /** Where the console's Kafka client connects, and as whom. */
  kafka: ConsoleKafka;
  /** Who may in (console.authentication). */
  auth: ConsoleAuth;
  /** https: the CONSOLE listener's TLS setup; null serves http. */
  tls: TlsSetup | null;
  log: { info(m: string): void; error(m: string): void };
}

/**
 * The console's Kafka client. With `actAs`, one client per signed-in principal (at most
 * CONSOLE_CLIENTS_LIMIT, the least recently used closed first), each logged in as `actAs.user`
 * with the principal as its authzid, so the broker authorizes its requests as that principal's
 * (broker/security/console-client.ts); without, one client for everybody, User:ANONYMOUS on a
 * PLAINTEXT listener.
 */
export interface ConsoleKafka {
  bootstrap: string;
  actAs: { user: string; password: string } | null;
}

/** Kafka clients the console keeps open at once, one per principal signed in. */
export const CONSOLE_CLIENTS_LIMIT = 32;

export interface RunningConsole {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  readonly sampler: Sampler;
  close(): Promise<void>;
}

export async function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  const { broker } = options;
  const sampler = new Sampler(broker);
  const scrapeDelay = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
  scrapeDelay.enable();
  const clients = new Map<string, Client>();
  const clientOf = (principal: string): Client => {
    const { bootstrap, actAs } = options.kafka;
    const key = actAs ? principal : '';
    let c = clients.get(key);
    if (c) {
      // Most recently used last: the first is the one to close when the map is full.
      clients.delete(key);
      clients.set(key, c);
      return c;
    }
    if (clients.size >= CONSOLE_CLIENTS_LIMIT) {
      const [oldestKey, oldest] = clients.entries().next().value as [string, Client];
      clients.delete(oldestKey);
      void oldest.close();
    }
    c = new Client({
      bootstrapServers: bootstrap,
      clientId: 'spindle-console',
      ...(actAs ? { security: { protocol: 'SASL_PLAINTEXT', sasl: { mechanism: 'PLAIN', username: actAs.user, password: actAs.password, authorizationId: authzidOf(principal) } } } : {}),
    });
    clients.set(key, c);
    return c;
  };
  const authorizer = broker.security.authorizer;
  const sockets = new Set<Socket>();
  let url = '';

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    void authenticated(req, res).catch((e: Error) => {
      process.stderr.write(`console: ${req.method} ${req.url}: ${e.stack ?? e}\n`);
      if (!res.headersSent) sendJson(res, 500, { error: e.message });
      else res.destroy();
    });
  };
  let server: Server;
  let stopWatch = (): void => {};
  if (options.tls) {
    const https = createHttpsServer(options.tls.options, handler);
    stopWatch = watchTlsFiles(options.tls, https as TlsServer, options.log, 'CONSOLE');
    server = https;
  } else {
    server = createServer(handler);
  }
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function authenticated(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const principal = await options.auth.authenticate(req, res);
    if (principal === null) return;
    await serve(req, res, principal);
  }

  async function serve(req: IncomingMessage, res: ServerResponse, principal: string): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://console');
    if (u.pathname === '/metrics') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'GET /metrics' });
      const text = await renderMetrics({ broker, version: VERSION, eventLoopDelay: scrapeDelay });
      res.writeHead(200, { 'content-type': CONTENT_TYPE, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : text);
      return;
    }
    if (u.pathname.startsWith('/api/')) {
      const host = req.socket.remoteAddress ?? '';
      const authorize = authorizer.enabled ? (op: number, type: number, name: string) => authorizer.allows(principal, host, op, type, name) : () => true;
      return handleApi({ broker, client: () => clientOf(principal), principal, authorize, sampler, version: VERSION, consoleUrl: url }, req, res, u);
    }
    const file = STATIC_FILES[u.pathname];
    if (!file || (req.method !== 'GET' && req.method !== 'HEAD')) return sendJson(res, 404, { error: `not found: ${u.pathname}` });
    const body = await readFile(PUBLIC_DIR + file.file);
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache', 'content-length': body.length, 'x-content-type-options': 'nosniff' });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host === '' ? '0.0.0.0' : options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    // Nothing else was started: the sampler's timer and the delay monitor stop with it.
    stopWatch();
    sampler.close();
    scrapeDelay.disable();
    throw e;
  }
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  url = `${options.tls ? 'https' : 'http'}://${shownHost}:${address.port}`;

  let closing: Promise<void> | undefined;
  return {
    host: address.address,
    port: address.port,
    url,
    sampler,
    close: () =>
      (closing ??= (async () => {
        stopWatch();
        sampler.close();
        scrapeDelay.disable();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          // Event streams and idle keep-alive sockets would hold close() open.
          for (const s of sockets) s.destroy();
        });
        await Promise.all([...clients.values()].map((c) => c.close()));
        clients.clear();
      })()),
  };
}
