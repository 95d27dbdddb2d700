/**
 * TLS for SSL and SASL_SSL listeners: Kafka's ssl.* keys turned into node:tls options, and the
 * watch that reloads changed certificates without a restart.
 *
 *   ssl.keystore.type=PEM      ssl.keystore.key + ssl.keystore.certificate.chain inline, or
 *                              ssl.keystore.location, one PEM file with the key and the chain
 *   ssl.keystore.type=PKCS12   ssl.keystore.location with ssl.keystore.password
 *   ssl.truststore.*           PEM inline (ssl.truststore.certificates) or a PEM file; the CAs a
 *                              client certificate must chain to
 *   ssl.client.auth            required: mutual TLS, a client without a trusted certificate
 *                              fails the handshake; requested: a certificate is asked for and,
 *                              when given, must be trusted (as Java's "want" mode); none
 *   ssl.enabled.protocols      the range of TLS versions (1.2 and 1.3; older ones are refused by
 *   ssl.protocol               Node's OpenSSL and left out), TLS 1.3 left out when ssl.protocol is
 *                              TLSv1.2
 *   ssl.cipher.suites          Java's (IANA) names or OpenSSL's
 *
 * Kafka's JKS stores cannot be read without a JVM: the error says how to convert one. Inline
 * PEM may come from a properties file whose continuation lines lost their line breaks, as
 * Kafka's own PEM reader allows: each block is rebuilt from its base64 body.
 *
 * Reloading: the files a listener's context came from are checked every
 * TLS_RELOAD_CHECK_INTERVAL_MS; when one changed (modification time or size), the context is
 * rebuilt and set on the server, so new connections get the new certificate and connections open
 * keep theirs. A rebuild that fails (a file half-written, a key that does not match) keeps the
 * old context and logs why; the next change tries again.
 *
 * Main thread.
 */
import { readFileSync, statSync } from 'node:fs';
import { type SecureContextOptions, type TlsOptions, createSecureContext, getCiphers } from 'node:tls';
import type { Server as TlsServer } from 'node:tls';
import { ConfigError } from '../config/errors.js';
import { type BrokerConfig, type Listener, listenerValue } from '../config/load.js';
import type { ConfigKeyName } from '../config/keys.js';

/** How often the files behind a TLS listener are checked for a new certificate or trust store. */
export const TLS_RELOAD_CHECK_INTERVAL_MS = 5_000;
/**
 * A TLS handshake not finished in this time (or in connections.max.idle.ms, if shorter) is cut:
 * a client that connects and stalls holds a connection slot this long at most.
 */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

export interface TlsSetup {
  /** The options for tls.createServer (context, client authentication, versions, ciphers). */
  readonly options: TlsOptions;
  readonly clientAuth: 'required' | 'requested' | 'none';
  /** The files the context was built from, watched for changes. */
  readonly files: readonly string[];
  /** Builds the context options again from the same settings (the files re-read). */
  rebuild(): SecureContextOptions;
}

/** Java's names of the TLS 1.2 suites clients use, to OpenSSL's. TLS 1.3 suites have one name (TLS_AES_128_GCM_SHA256). */
const IANA_TO_OPENSSL: Readonly<Record<string, string>> = Object.freeze({
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_DHE_RSA_WITH_AES_128_GCM_SHA256: 'DHE-RSA-AES128-GCM-SHA256',
  TLS_DHE_RSA_WITH_AES_256_GCM_SHA384: 'DHE-RSA-AES256-GCM-SHA384',
  TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'DHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 'ECDHE-ECDSA-AES128-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384: 'ECDHE-ECDSA-AES256-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 'ECDHE-RSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384: 'ECDHE-RSA-AES256-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_RSA_WITH_AES_128_CBC_SHA256: 'AES128-SHA256',
  TLS_RSA_WITH_AES_256_CBC_SHA256: 'AES256-SHA256',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
});
const TLS13_SUITES = new Set(['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_CCM_SHA256', 'TLS_AES_128_CCM_8_SHA256']);

/** ssl.cipher.suites as an OpenSSL cipher string; throws a ConfigError naming a suite it does not know. */
export function opensslCiphers(suites: readonly string[], key: string): string | undefined {
  if (suites.length === 0) return undefined;
  const known = new Set(getCiphers().map((c) => c.toUpperCase()));
  return suites
    .map((suite) => {
      const name = suite.trim().toUpperCase();
      if (TLS13_SUITES.has(name)) return name;
      const openssl = IANA_TO_OPENSSL[name] ?? (known.has(name) ? name : undefined);
      if (!openssl) throw new ConfigError(`Invalid value '${suites.join(',')}' for '${key}': ${suite} is not a cipher suite this platform offers; expected names such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or TLS_AES_128_GCM_SHA256.`, { key });
      return openssl;
    })
    .join(':');
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** Every PEM block of `text`, each rebuilt with 64-column lines (the base64 body freed of whatever whitespace it carries). */
export function normalizePem(text: string): string {
  const out: string[] = [];
  for (const m of text.matchAll(PEM_BLOCK)) {
    const label = m[1]!;
    const body = m[2]!.replace(/\\n/g, '').replace(/\s+/g, '');
    out.push(`-----BEGIN ${label}-----\n${body.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`);
  }
  return out.join('');
}

function pemBlocks(text: string, kind: 'key' | 'cert'): string {
  const blocks = normalizePem(text)
    .split(/(?<=-----\n)(?=-----BEGIN)/)
    .filter((b) => (kind === 'cert' ? /-----BEGIN CERTIFICATE-----/.test(b) : /-----BEGIN (ENCRYPTED |RSA |EC )?PRIVATE KEY-----/.test(b)));
  return blocks.join('');
}

/** Reads the TLS settings of `listener` (listener-scoped keys first) and builds its server options; throws ConfigError. */
export function tlsSetup(config: BrokerConfig, listener: Listener): TlsSetup {
  const get = <K extends ConfigKeyName>(key: K) => listenerValue(config, listener.name, key);
  const scopedName = (key: string): string => `listener.name.${listener.name.toLowerCase()}.${key} or ${key}`;
  const files: string[] = [];
  const readFile = (path: string, key: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (e) {
      throw new ConfigError(`Cannot read ${key} ${path} of listener ${listener.name}: ${(e as Error).message}`, { key });
    }
  };

  const build = (): SecureContextOptions => {
    files.length = 0;
    const options: SecureContextOptions = {};
    // The key store: this listener's own key and certificate chain.
    const ksType = get('ssl.keystore.type');
    const ksLocation = get('ssl.keystore.location');
    const inlineKey = get('ssl.keystore.key');
    const inlineChain = get('ssl.keystore.certificate.chain');
    if (ksType === 'JKS') {
      throw new ConfigError(
        `Listener ${listener.name} (${listener.securityProtocol}) needs a key store Spindle can read: set ${scopedName('ssl.keystore.type')} to PEM (ssl.keystore.location, or ssl.keystore.key and ssl.keystore.certificate.chain) or PKCS12; ` +
          'a JKS store converts with keytool -importkeystore -srckeystore server.jks -destkeystore server.p12 -deststoretype PKCS12.',
        { key: 'ssl.keystore.type' },
      );
    }
    if (ksType === 'PKCS12') {
      if (!ksLocation) throw new ConfigError(`Listener ${listener.name}: ssl.keystore.type=PKCS12 needs ${scopedName('ssl.keystore.location')}.`, { key: 'ssl.keystore.location' });
      options.pfx = readFile(ksLocation, 'ssl.keystore.location');
      files.push(ksLocation);
      options.passphrase = get('ssl.keystore.password') ?? undefined;
    } else {
      let keyText: string;
      let chainText: string;
      if (inlineKey !== null || inlineChain !== null) {
        if (inlineKey === null || inlineChain === null) {
          throw new ConfigError(`Listener ${listener.name}: an inline PEM key store needs both ${scopedName('ssl.keystore.key')} and ssl.keystore.certificate.chain.`, { key: 'ssl.keystore.key' });
        }
        keyText = inlineKey;
        chainText = inlineChain;
      } else if (ksLocation !== null) {
        const text = readFile(ksLocation, 'ssl.keystore.location').toString('utf8');
        files.push(ksLocation);
        keyText = text;
        chainText = text;
      } else {
        throw new ConfigError(
          `Listener ${listener.name} (${listener.securityProtocol}) has no certificate: set ${scopedName('ssl.keystore.location')} (with ssl.keystore.type=PEM or PKCS12), or ssl.keystore.key and ssl.keystore.certificate.chain.`,
          { key: 'ssl.keystore.location' },
        );
      }
      options.key = pemBlocks(keyText, 'key');
      options.cert = pemBlocks(chainText, 'cert');
      if (options.key === '') throw new ConfigError(`Listener ${listener.name}: the PEM key store holds no private key.`, { key: 'ssl.keystore.key' });
      if (options.cert === '') throw new ConfigError(`Listener ${listener.name}: the PEM key store holds no certificate.`, { key: 'ssl.keystore.certificate.chain' });
      options.passphrase = get('ssl.key.password') ?? undefined;
    }
    // The trust store: the CAs client certificates must chain to.
    const tsType = get('ssl.truststore.type');
    const tsLocation = get('ssl.truststore.location');
    const inlineTrust = get('ssl.truststore.certificates');
    if (inlineTrust !== null || tsLocation !== null) {
      if (tsType !== 'PEM') {
        throw new ConfigError(
          `Listener ${listener.name}: the trust store must be PEM (${scopedName('ssl.truststore.type')}=PEM); a ${tsType} one converts with keytool -exportcert -rfc, or openssl pkcs12 -nokeys for PKCS12.`,
          { key: 'ssl.truststore.type' },
        );
      }
      const text = inlineTrust ?? readFile(tsLocation!, 'ssl.truststore.location').toString('utf8');
      if (inlineTrust === null) files.push(tsLocation!);
      const ca = pemBlocks(text, 'cert');
      if (ca === '') throw new ConfigError(`Listener ${listener.name}: the trust store holds no certificate.`, { key: 'ssl.truststore.certificates' });
      options.ca = ca;
    }
    // Versions and ciphers.
    const enabled = new Set(get('ssl.enabled.protocols'));
    const has12 = enabled.has('TLSv1.2');
    const has13 = enabled.has('TLSv1.3');
    if (!has12 && !has13) throw new ConfigError(`Listener ${listener.name}: ssl.enabled.protocols must include TLSv1.2 or TLSv1.3.`, { key: 'ssl.enabled.protocols' });
    // ssl.protocol names the newest version the context speaks, as Java's SSLContext does:
    // TLSv1.2 leaves TLS 1.3 out even when it is enabled; TLS and TLSv1.3 leave everything in.
    const cappedAt12 = get('ssl.protocol') === 'TLSv1.2';
    if (cappedAt12 && !has12) throw new ConfigError(`Listener ${listener.name}: ssl.protocol=TLSv1.2 with ssl.enabled.protocols=${[...enabled].join(',')} leaves no version.`, { key: 'ssl.protocol' });
    options.minVersion = has12 ? 'TLSv1.2' : 'TLSv1.3';
    options.maxVersion = has13 && !cappedAt12 ? 'TLSv1.3' : 'TLSv1.2';
    const ciphers = opensslCiphers(get('ssl.cipher.suites'), 'ssl.cipher.suites');
    if (ciphers) options.ciphers = ciphers;
    // Built once here, so that a key that does not match its certificate, or a wrong password, fails at start-up.
    try {
      createSecureContext(options);
    } catch (e) {
      throw new ConfigError(`Listener ${listener.name}: the TLS key store or trust store cannot be used: ${(e as Error).message}`, { key: 'ssl.keystore.location' });
    }
    return options;
  };

  const clientAuth = get('ssl.client.auth') as TlsSetup['clientAuth'];
  const context = build();
  if (clientAuth !== 'none' && context.ca === undefined) {
    throw new ConfigError(`Listener ${listener.name}: ssl.client.auth=${clientAuth} needs a trust store (${scopedName('ssl.truststore.location')} or ssl.truststore.certificates) to check client certificates against.`, {
      key: 'ssl.client.auth',
    });
  }
  return {
    options: {
      ...context,
      requestCert: clientAuth !== 'none',
      // 'requested' lets a client without a certificate in; one with an untrusted certificate
      // is refused after the handshake (server.ts), as Java's "want" mode refuses it.
      rejectUnauthorized: clientAuth === 'required',
      // A connection idle for connections.max.idle.ms is closed; one still in its handshake too.
      handshakeTimeout: Math.min(TLS_HANDSHAKE_TIMEOUT_MS, config.values['connections.max.idle.ms'] > 0 ? config.values['connections.max.idle.ms'] : TLS_HANDSHAKE_TIMEOUT_MS),
    },
    clientAuth,
    files,
    rebuild: build,
  };
}

/** Watches the files of `setup` and sets a rebuilt context on `server` when one changes. Returns the stop function. */
export function watchTlsFiles(setup: TlsSetup, server: TlsServer, log: { info(m: string): void; error(m: string): void }, listenerName: string): () => void {
  const stamp = (): string =>
    setup.files
      .map((f) => {
        try {
          const s = statSync(f);
          return `${s.mtimeMs}:${s.size}`;
        } catch {
          return 'missing';
        }
      })
      .join('|');
  let last = stamp();
  if (setup.files.length === 0) return () => {};
  const timer = setInterval(() => {
    const now = stamp();
    if (now === last) return;
    last = now;
    try {
      server.setSecureContext(setup.rebuild());
      log.info(`Listener ${listenerName}: TLS certificates reloaded from ${setup.files.join(', ')}`);
    } catch (e) {
      log.error(`Listener ${listenerName}: the changed TLS files cannot be used, the previous certificates stay: ${(e as Error).message}`);
    }
  }, TLS_RELOAD_CHECK_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
