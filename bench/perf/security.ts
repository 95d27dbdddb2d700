/**
 * The secured rows: the base row's load over a TLS listener (`tls`), and over SASL_SSL with a
 * SCRAM-SHA-512 login on every connection (`sasl-ssl`), given to Spindle and to Apache Kafka
 * with the same keys, so that what TLS and SASL cost shows next to the plaintext base row and
 * next to Kafka paying the same.
 *
 *   certificates   one set per run (test/helpers/certs.ts: a CA and a server certificate for
 *                  IP:127.0.0.1, EC P-256), made in the data root, removed at the end of the run
 *   broker keys    listener.security.protocol.map with the row's listener (SSL or SASL_SSL) and
 *                  a PLAINTEXT listener named SETUP; the server certificate as a PKCS12 key store
 *                  (ssl.keystore.type=PKCS12, which both brokers read); for SASL_SSL,
 *                  sasl.enabled.mechanisms=SCRAM-SHA-512 with Kafka's ScramLoginModule
 *   the SETUP      where the harness adds the SCRAM user (AlterUserScramCredentials, salted by
 *   listener       Spindle's Admin client as Kafka's Admin client salts) before the row starts;
 *                  every timed request goes through the row's secured listener
 *   clients        the load generator's connections trust the CA, and on SASL_SSL log in once
 *                  as they open, before the agreed start (wire.ts WireConnection.open)
 *
 * Main thread of the harness.
 */
import { Admin } from '../../src/client/admin.js';
import { Client } from '../../src/client/client.js';
import { type Certs, makeCerts, opensslMissing, PASSWORD } from '../../test/helpers/certs.js';
import type { RowSpec } from './matrix.js';
import { type Endpoint, WireConnection, type WireSecurity } from './wire.js';

/** The listener name of the plaintext listener a secured row's setup goes through. */
export const SETUP_LISTENER = 'SETUP';
export const PERF_USER = 'perf';
export const PERF_PASSWORD = 'perf-secret';
export const PERF_MECHANISM = 'SCRAM-SHA-512';
/** Kafka's ScramLoginModule: a SCRAM listener's server side needs it in Kafka, and Spindle takes the same key. */
const SCRAM_JAAS = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
/** How long a new SCRAM user gets to become usable (Kafka applies it through its metadata log). */
const LOGIN_READY_MS = 15_000;

export type RowSecurity = NonNullable<RowSpec['security']>;

/** '' when secured rows can run here (their certificates need the openssl command), otherwise why not. */
export const securedRowsMissing = opensslMissing;

/** The run's certificates, made on first use. */
export class RowCertificates {
  private certs: Certs | undefined;
  constructor(private readonly dir: string) {}

  get(): Certs {
    this.certs ??= makeCerts({ dir: this.dir, truststore: false });
    return this.certs;
  }

  remove(): void {
    this.certs?.remove();
    this.certs = undefined;
  }
}

/**
 * The broker keys a secured row gives both brokers beside their listeners: the protocol map
 * (which the caller extends with its own listeners, such as Kafka's CONTROLLER), the key
 * store, and for SASL_SSL the mechanism and its login module.
 */
export function securityKeys(protocol: RowSecurity, certs: Certs): Record<string, string> {
  return {
    'listener.security.protocol.map': `${protocol}:${protocol},${SETUP_LISTENER}:PLAINTEXT`,
    'ssl.keystore.type': 'PKCS12',
    'ssl.keystore.location': certs.server.p12Path,
    'ssl.keystore.password': PASSWORD,
    'ssl.key.password': PASSWORD,
    ...(protocol === 'SASL_SSL'
      ? { 'sasl.enabled.mechanisms': PERF_MECHANISM, [`listener.name.sasl_ssl.${PERF_MECHANISM.toLowerCase()}.sasl.jaas.config`]: SCRAM_JAAS }
      : {}),
  };
}

/** What the load generator's connections use on a row of `protocol`. */
export function clientSecurity(protocol: RowSecurity, certs: Certs): WireSecurity {
  return {
    protocol,
    ca: certs.ca.cert,
    ...(protocol === 'SASL_SSL' ? { sasl: { mechanism: PERF_MECHANISM, username: PERF_USER, password: PERF_PASSWORD } } : {}),
  };
}

/**
 * Prepares a started broker for a secured row: on SASL_SSL adds the SCRAM user through the
 * plaintext `setupBootstrap` and waits until it can log in. Resolves with the negotiated TLS
 * version and cipher, read from a connection to the row's endpoint.
 */
export async function prepareSecuredBroker(endpoint: Endpoint, setupBootstrap: string): Promise<string> {
  if (endpoint.security?.sasl) {
    const client = new Client({ bootstrapServers: setupBootstrap, clientId: 'spindle-perf-setup' });
    try {
      await new Admin(client).alterUserScramCredentials([{ user: PERF_USER, mechanism: PERF_MECHANISM, password: PERF_PASSWORD }]);
    } finally {
      await client.close();
    }
  }
  const deadline = performance.now() + LOGIN_READY_MS;
  for (;;) {
    try {
      const c = await WireConnection.open(endpoint.bootstrap, endpoint.security);
      const cipher = c.tlsCipher ?? 'plaintext';
      c.close();
      return cipher;
    } catch (e) {
      if (performance.now() > deadline) throw new Error(`the secured listener at ${endpoint.bootstrap} did not take a login within ${LOGIN_READY_MS} ms: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
