/**
 * Client configuration for the command line, as Kafka's tools take it: a properties file
 * (`--command-config`, and the older `--producer.config` / `--consumer.config`) and `key=value`
 * pairs (`--command-property`, `--producer-property`, `--consumer-property`), the pairs winning
 * over the file, and a command's own flags winning over both (`--acks` over `acks=`), as
 * Kafka's CommandLineUtils.maybeMergeOptions does.
 *
 * The keys are Kafka's client configs. Those Spindle's client has a meaning for are turned into
 * its options (ClientOptions, ProducerOptions, ConsumerOptions); the rest are named on stderr
 * and ignored, as Kafka's clients log "supplied but isn't a known config". The exceptions are the
 * keys that would make the connection unlike what was asked for: a transactional id, or a
 * security setting that cannot be honoured, stop the command with one line, since going on would
 * talk to the broker in the clear, unverified or without transactions while the user believes
 * otherwise.
 *
 * Security (resolveSecurity; ClientOptions.security, see src/client/connection.ts):
 *
 *   security.protocol                 PLAINTEXT (the default), SSL, SASL_PLAINTEXT, SASL_SSL
 *   sasl.mechanism                    PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER; Kafka's
 *                                     default GSSAPI (Kerberos) is refused
 *   sasl.jaas.config                  PlainLoginModule or ScramLoginModule with username= and
 *                                     password= (either module for PLAIN and SCRAM, as Kafka's
 *                                     callback handler takes either); OAuthBearerLoginModule with
 *                                     Kafka's unsecured login (unsecuredLoginStringClaim_sub=…,
 *                                     an unsigned JWT); parsed with Kafka's JAAS grammar
 *   ssl.truststore.*                  PEM: ssl.truststore.location or ssl.truststore.certificates
 *                                     (none: Node's root CAs, as Java's cacerts)
 *   ssl.keystore.*, ssl.key.password  PEM: ssl.keystore.location (key and chain in one file), or
 *                                     ssl.keystore.key with ssl.keystore.certificate.chain;
 *                                     PKCS12: ssl.keystore.location with ssl.keystore.password
 *   ssl.endpoint.identification.algorithm   https (the default) checks the broker's host name,
 *                                     empty turns the check off
 *   ssl.enabled.protocols, ssl.protocol, ssl.cipher.suites   as the broker reads them
 *
 * A store type left unset is told from the file (Kafka's default JKS type reads PKCS12 too).
 * Refused, each with what to do: JKS and JCEKS stores (the keytool command converting them), a
 * PKCS12 trust store, GSSAPI, token-endpoint OAUTHBEARER logins (sasl.oauthbearer.token.
 * endpoint.url, sasl.login.callback.handler.class), delegation tokens (tokenauth), and Java
 * classes (sasl.client.callback.handler.class, ssl.engine.factory.class, sasl.login.class).
 * ssl.* keys with a protocol that has no TLS, and sasl.* keys with one that has no SASL, are
 * named on stderr and ignored, as Kafka ignores them. Messages never repeat a password or the
 * JAAS text.
 *
 * Main thread.
 */
import { readFileSync } from 'node:fs';
import { type ConnectionOptions as TlsOptions, createSecureContext } from 'node:tls';
import { ConfigError } from '../broker/config/errors.js';
import { parseProperties } from '../broker/config/properties.js';
import { type JaasConfigEntry, parseJaasConfig } from '../broker/security/sasl/plain.js';
import { normalizePem, opensslCiphers } from '../broker/security/tls.js';
import type { ClientOptions } from '../client/client.js';
import type { ClientSecurity, SecurityProtocol } from '../client/connection.js';
import { ClientError } from '../client/errors.js';
import { type SaslMechanismName, type SaslOptions, unsecuredLoginToken } from '../client/sasl.js';
import type { ConsumerOptions } from '../client/consumer.js';
import type { CompressionName, ProducerOptions } from '../client/producer.js';
import { type Args, UsageError, parseKeyValues } from './args.js';

export type ClientRole = 'admin' | 'producer' | 'consumer';

/** Values by key, each with where it came from, for messages. */
export type ClientProperties = Map<string, { value: string; origin: string }>;

/** Reads a properties file given to `flag`; an unreadable file is one line, exit code 1. */
export function readPropertiesFile(file: string, flag: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ClientError(`${flag}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    return new Map(parseProperties(text, file).entries.map((e) => [e.key, e.value.trim()]));
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(`${flag}: ${e.message}`);
    throw e;
  }
}

/** The file of --command-config, then the pairs of `propertyFlag` (--command-property), later winning. */
export function clientProperties(args: Args, propertyFlag?: string): ClientProperties {
  const out: ClientProperties = new Map();
  const file = args.string('command-config');
  if (file !== undefined) for (const [k, v] of readPropertiesFile(file, '--command-config')) out.set(k, { value: v, origin: file });
  if (propertyFlag !== undefined) {
    for (const pair of args.list(propertyFlag)) for (const [k, v] of parseKeyValues(pair, `--${propertyFlag}`)) out.set(k, { value: v.trim(), origin: `--${propertyFlag}` });
  }
  return out;
}


/** Keys every Kafka client accepts that mean nothing for Spindle's client: quietly accepted. */
const QUIET: ReadonlySet<string> = new Set([
  'key.serializer',
  'value.serializer',
  'key.deserializer',
  'value.deserializer',
  'client.dns.lookup',
  'metric.reporters',
  'metrics.num.samples',
  'metrics.recording.level',
  'metrics.sample.window.ms',
  'auto.include.jmx.reporter',
  'enable.metrics.push',
]);

interface Known {
  /** Applies the value; throws UsageError for a bad one. */
  apply: (value: string, key: string, origin: string) => void;
}

function integer(value: string, key: string, origin: string, min = 0): number {
  if (!/^-?\d+$/.test(value) || Number(value) < min) throw new UsageError(`${key}=${value} (${origin}) must be an integer of at least ${min}`);
  return Number(value);
}

function bool(value: string, key: string, origin: string): boolean {
  const v = value.toLowerCase();
  if (v !== 'true' && v !== 'false') throw new UsageError(`${key}=${value} (${origin}) must be true or false`);
  return v === 'true';
}

export interface ResolvedClient {
  client: ClientOptions;
  /** bootstrap.servers from the properties, for Args.bootstrap. */
  bootstrap: string | undefined;
}

/**
 * Turns the properties into the client's options for `role`, filling `producer` or `consumer`
 * (which the caller then overrides with its flags). `warn` gets one line per ignored key.
 */
export function resolveClientProperties(
  props: ClientProperties,
  role: ClientRole,
  defaultClientId: string,
  sink: { producer?: ProducerOptions; consumer?: ConsumerOptions & { allowAutoCreateTopics?: boolean; excludeInternalTopics?: boolean } },
  warn: (line: string) => void,
): ResolvedClient {
  const client: ClientOptions = { bootstrapServers: '', clientId: defaultClientId };
  let bootstrap: string | undefined;
  const common: Record<string, Known> = {
    'bootstrap.servers': { apply: (v) => (bootstrap = v) },
    'client.id': { apply: (v) => (client.clientId = v) },
    'request.timeout.ms': { apply: (v, k, o) => (client.requestTimeoutMs = integer(v, k, o, 1)) },
    'socket.connection.setup.timeout.ms': { apply: (v, k, o) => (client.connectTimeoutMs = integer(v, k, o, 1)) },
  };
  const p = sink.producer;
  const producer: Record<string, Known> = p
    ? {
        acks: { apply: (v) => (p.acks = parseAcks(v, 'acks')) },
        'linger.ms': { apply: (v, k, o) => (p.lingerMs = integer(v, k, o)) },
        'batch.size': { apply: (v, k, o) => (p.batchSize = integer(v, k, o, 1)) },
        'buffer.memory': { apply: (v, k, o) => (p.bufferMemory = integer(v, k, o, 1)) },
        'compression.type': { apply: (v) => (p.compression = parseCompression(v, 'compression.type')) },
        retries: { apply: (v, k, o) => (p.retries = integer(v, k, o)) },
        'max.in.flight.requests.per.connection': { apply: (v, k, o) => (p.maxInFlightRequests = integer(v, k, o, 1)) },
        'transactional.id': {
          apply: (_v, k, o) => {
            throw new ClientError(`${k} (${o}) is not supported: spindle produce sends no transactions`);
          },
        },
      }
    : {};
  const c = sink.consumer;
  const consumer: Record<string, Known> = c
    ? {
        'group.id': { apply: (v) => (c.groupId = v) },
        'group.instance.id': { apply: (v) => (c.groupInstanceId = v) },
        'auto.offset.reset': {
          apply: (v, k, o) => {
            if (v !== 'earliest' && v !== 'latest') throw new UsageError(`${k}=${v} (${o}) must be earliest or latest`);
            c.autoOffsetReset = v;
          },
        },
        'enable.auto.commit': { apply: (v, k, o) => (c.autoCommit = bool(v, k, o)) },
        'auto.commit.interval.ms': { apply: (v, k, o) => (c.autoCommitIntervalMs = integer(v, k, o)) },
        'fetch.min.bytes': { apply: (v, k, o) => (c.minBytes = integer(v, k, o)) },
        'fetch.max.bytes': { apply: (v, k, o) => (c.maxBytes = integer(v, k, o)) },
        'fetch.max.wait.ms': { apply: (v, k, o) => (c.maxWaitMs = integer(v, k, o)) },
        'max.partition.fetch.bytes': { apply: (v, k, o) => (c.maxPartitionBytes = integer(v, k, o, 1)) },
        'max.poll.records': { apply: (v, k, o) => (c.maxPollRecords = integer(v, k, o, 1)) },
        'isolation.level': {
          apply: (v, k, o) => {
            if (v !== 'read_uncommitted' && v !== 'read_committed') throw new UsageError(`${k}=${v} (${o}) must be read_uncommitted or read_committed`);
            c.isolationLevel = v === 'read_committed' ? 1 : 0;
          },
        },
        'session.timeout.ms': { apply: (v, k, o) => (c.sessionTimeoutMs = integer(v, k, o, 1)) },
        'heartbeat.interval.ms': { apply: (v, k, o) => (c.heartbeatIntervalMs = integer(v, k, o, 1)) },
        'max.poll.interval.ms': { apply: (v, k, o) => (c.rebalanceTimeoutMs = integer(v, k, o, 1)) },
        'allow.auto.create.topics': { apply: (v, k, o) => (c.allowAutoCreateTopics = bool(v, k, o)) },
        'exclude.internal.topics': { apply: (v, k, o) => (c.excludeInternalTopics = bool(v, k, o)) },
      }
    : {};
  const known: Record<string, Known> = { ...common, ...producer, ...consumer };
  const security: ClientProperties = new Map();
  for (const [key, entry] of props) {
    const k = known[key];
    if (k) k.apply(entry.value, key, entry.origin);
    else if (isSecurityKey(key)) security.set(key, entry);
    else if (!QUIET.has(key)) warn(`ignoring ${key} (${entry.origin}): not a ${role} config Spindle's client has a use for`);
  }
  const resolved = resolveSecurity(security, warn);
  if (resolved) client.security = resolved;
  return { client, bootstrap };
}

// --- Security ------------------------------------------------------------------------------

const isSecurityKey = (key: string): boolean => key === 'security.protocol' || key.startsWith('ssl.') || key.startsWith('sasl.');

const PROTOCOLS: readonly SecurityProtocol[] = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];
const MECHANISMS: readonly SaslMechanismName[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'];

const PLAIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule';
const SCRAM_MODULE = 'org.apache.kafka.common.security.scram.ScramLoginModule';
const OAUTHBEARER_MODULE = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule';
const TOKEN_ENDPOINT_HANDLERS = new Set([
  'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler',
  'org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerLoginCallbackHandler',
]);

/** The ssl.* keys used; any other is named and ignored. */
const SSL_KEYS = new Set([
  'ssl.truststore.type',
  'ssl.truststore.location',
  'ssl.truststore.certificates',
  'ssl.truststore.password',
  'ssl.keystore.type',
  'ssl.keystore.location',
  'ssl.keystore.password',
  'ssl.keystore.key',
  'ssl.keystore.certificate.chain',
  'ssl.key.password',
  'ssl.endpoint.identification.algorithm',
  'ssl.enabled.protocols',
  'ssl.protocol',
  'ssl.cipher.suites',
]);
/** The sasl.* keys used; any other is named and ignored. */
const SASL_KEYS = new Set(['sasl.mechanism', 'sasl.jaas.config']);
/** Keys whose value names something that cannot run here: refused when given. */
const REFUSED: Readonly<Record<string, string>> = Object.freeze({
  'ssl.engine.factory.class': 'names a Java class, which Spindle\'s client cannot run; use the ssl.keystore.* and ssl.truststore.* settings',
  'sasl.client.callback.handler.class': 'names a Java class, which Spindle\'s client cannot run',
  'sasl.login.class': 'names a Java class, which Spindle\'s client cannot run',
  'sasl.oauthbearer.token.endpoint.url':
    'is not supported: Spindle\'s client does not fetch OAUTHBEARER tokens from a token endpoint (client credentials); it logs in with Kafka\'s unsecured login (OAuthBearerLoginModule with unsecuredLoginStringClaim_sub=…), or with PLAIN or SCRAM',
});

const JKS_MAGIC = 0xfeedfeed;
const JCEKS_MAGIC = 0xcececece;

type StoreType = 'PEM' | 'PKCS12' | 'JKS' | 'JCEKS';

/** A store's type: the one given, else told from its bytes (Kafka's default JKS type reads PKCS12 too). */
function storeType(given: string | undefined, bytes: Buffer): StoreType | string {
  if (given !== undefined && given !== '') return given.toUpperCase();
  if (bytes.length >= 4 && bytes.readUInt32BE(0) === JKS_MAGIC) return 'JKS';
  if (bytes.length >= 4 && bytes.readUInt32BE(0) === JCEKS_MAGIC) return 'JCEKS';
  if (bytes.subarray(0, 65536).toString('latin1').includes('-----BEGIN ')) return 'PEM';
  return 'PKCS12';
}

const pemBlocks = (text: string, kind: 'key' | 'cert'): string =>
  normalizePem(text)
    .split(/(?<=-----\n)(?=-----BEGIN)/)
    .filter((b) => (kind === 'cert' ? b.startsWith('-----BEGIN CERTIFICATE-----') : /^-----BEGIN (ENCRYPTED |RSA |EC )?PRIVATE KEY-----/.test(b)))
    .join('');

/**
 * The ClientSecurity that the security keys of `props` ask for; undefined for PLAINTEXT (the
 * connection's path unchanged). Throws ClientError, one line, for what cannot be honoured.
 */
export function resolveSecurity(props: ClientProperties, warn: (line: string) => void): ClientSecurity | undefined {
  const used = new Set<string>();
  const get = (key: string): string | undefined => {
    used.add(key);
    return props.get(key)?.value;
  };
  const where = (key: string): string => `${key} (${props.get(key)?.origin ?? 'default'})`;
  const refuse = (key: string, why: string): ClientError => new ClientError(`${where(key)} ${why}`);

  const protocolText = get('security.protocol') ?? 'PLAINTEXT';
  const protocol = protocolText.trim().toUpperCase() as SecurityProtocol;
  if (!PROTOCOLS.includes(protocol)) throw new ClientError(`security.protocol=${protocolText} (${props.get('security.protocol')!.origin}) is not one of ${PROTOCOLS.join(', ')}`);
  const usesTls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const usesSasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
  const protocolWords = props.has('security.protocol') ? `security.protocol is ${protocol}` : 'security.protocol is PLAINTEXT (the default)';
  for (const [key, why] of Object.entries(REFUSED)) {
    if (props.has(key) && ((key.startsWith('ssl.') && usesTls) || (key.startsWith('sasl.') && usesSasl))) throw refuse(key, why);
  }

  const security: ClientSecurity = { protocol };
  if (usesTls) security.tls = resolveTls(get, where, refuse, props);
  if (usesSasl) security.sasl = resolveSasl(get, where, refuse);

  for (const [key, { origin }] of props) {
    if (used.has(key) || key === 'security.protocol') continue;
    if (key.startsWith('ssl.') && !usesTls && SSL_KEYS.has(key)) warn(`ignoring ${key} (${origin}): ${protocolWords}, which does not use TLS (SSL or SASL_SSL does)`);
    else if (key.startsWith('sasl.') && !usesSasl && (SASL_KEYS.has(key) || key.startsWith('sasl.login.') || key.startsWith('sasl.oauthbearer.'))) {
      warn(`ignoring ${key} (${origin}): ${protocolWords}, which does not use SASL (SASL_SSL or SASL_PLAINTEXT does)`);
    } else if (key === 'ssl.truststore.password' || key === 'ssl.keystore.password' || key === 'ssl.key.password') {
      // A password the chosen store does not need: Kafka's PEM stores take none either.
    } else warn(`ignoring ${key} (${origin}): not a security config Spindle's client has a use for`);
  }
  return protocol === 'PLAINTEXT' ? undefined : security;
}

type Getter = (key: string) => string | undefined;
type Where = (key: string) => string;
type Refuse = (key: string, why: string) => ClientError;

function readStore(path: string, key: string, where: Where): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new ClientError(`${where(key)}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

function resolveTls(get: Getter, where: Where, refuse: Refuse, props: ClientProperties): TlsOptions {
  const tls: TlsOptions = {};
  // The trust store: the CAs the broker's certificate must chain to.
  const tsType = get('ssl.truststore.type');
  const tsLocation = get('ssl.truststore.location');
  const tsInline = get('ssl.truststore.certificates');
  get('ssl.truststore.password');
  if (tsInline !== undefined || tsLocation !== undefined) {
    let text: string;
    let key: string;
    if (tsInline !== undefined) {
      key = 'ssl.truststore.certificates';
      if (tsType !== undefined && tsType.toUpperCase() !== 'PEM') throw refuse(key, `needs ssl.truststore.type=PEM, not ${tsType}`);
      text = tsInline;
    } else {
      key = 'ssl.truststore.location';
      const bytes = readStore(tsLocation!, key, where);
      const type = storeType(tsType, bytes);
      if ((type === 'JKS' || type === 'JCEKS') && storeType(undefined, bytes) === 'PEM') throw refuse('ssl.truststore.type', `is ${type}, but ${tsLocation} is PEM: set ssl.truststore.type=PEM`);
      if (type === 'JKS' || type === 'JCEKS') {
        throw refuse(key, `is a ${type} trust store, which Spindle's client cannot read: convert it with keytool -exportcert -rfc -keystore ${tsLocation} -alias <alias> -file ca.pem, then set ssl.truststore.type=PEM and ssl.truststore.location=ca.pem`);
      }
      if (type === 'PKCS12') {
        throw refuse(key, `is a PKCS12 trust store, which Spindle's client cannot read: convert it with openssl pkcs12 -in ${tsLocation} -nokeys -out ca.pem, then set ssl.truststore.type=PEM and ssl.truststore.location=ca.pem`);
      }
      if (type !== 'PEM') throw refuse('ssl.truststore.type', `${type} is not a trust store type Spindle's client reads (PEM)`);
      text = bytes.toString('utf8');
    }
    const ca = pemBlocks(text, 'cert');
    if (ca === '') throw refuse(key, 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)');
    tls.ca = ca;
  } else if (tsType !== undefined && !['PEM', 'JKS', 'PKCS12'].includes(tsType.toUpperCase())) {
    throw refuse('ssl.truststore.type', `${tsType} is not a trust store type Spindle's client reads (PEM)`);
  }

  // The key store: the client's own certificate, for brokers that ask for one (mutual TLS).
  const ksType = get('ssl.keystore.type');
  const ksLocation = get('ssl.keystore.location');
  const ksKey = get('ssl.keystore.key');
  const ksChain = get('ssl.keystore.certificate.chain');
  const ksPassword = get('ssl.keystore.password');
  const keyPassword = get('ssl.key.password');
  if (ksKey !== undefined || ksChain !== undefined) {
    if (ksKey === undefined || ksChain === undefined) throw refuse(ksKey === undefined ? 'ssl.keystore.certificate.chain' : 'ssl.keystore.key', 'needs ssl.keystore.key and ssl.keystore.certificate.chain both');
    if (ksType !== undefined && ksType.toUpperCase() !== 'PEM') throw refuse('ssl.keystore.key', `needs ssl.keystore.type=PEM, not ${ksType}`);
    tls.key = pemBlocks(ksKey, 'key');
    tls.cert = pemBlocks(ksChain, 'cert');
    if (tls.key === '') throw refuse('ssl.keystore.key', 'holds no PEM private key (-----BEGIN PRIVATE KEY----- or ENCRYPTED PRIVATE KEY)');
    if (tls.cert === '') throw refuse('ssl.keystore.certificate.chain', 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)');
    const passphrase = keyPassword ?? ksPassword;
    if (passphrase !== undefined) tls.passphrase = passphrase;
  } else if (ksLocation !== undefined) {
    const key = 'ssl.keystore.location';
    const bytes = readStore(ksLocation, key, where);
    let type = storeType(ksType, bytes);
    const content = storeType(undefined, bytes);
    // Java's JKS key store type reads PKCS12 files too (keystore.type.compat), so Kafka's does.
    if (type === 'JKS' && content === 'PKCS12') type = 'PKCS12';
    if ((type === 'JKS' || type === 'JCEKS') && content === 'PEM') throw refuse('ssl.keystore.type', `is ${type}, but ${ksLocation} is PEM: set ssl.keystore.type=PEM`);
    if (type === 'JKS' || type === 'JCEKS') {
      throw refuse(
        key,
        `is a ${type} key store, which Spindle's client cannot read: convert it with keytool -importkeystore -srckeystore ${ksLocation} -destkeystore client.p12 -deststoretype PKCS12, then set ssl.keystore.type=PKCS12 and ssl.keystore.location=client.p12`,
      );
    }
    if (type === 'PKCS12') {
      tls.pfx = bytes;
      const passphrase = ksPassword ?? keyPassword;
      if (passphrase !== undefined) tls.passphrase = passphrase;
    } else if (type === 'PEM') {
      const text = bytes.toString('utf8');
      tls.key = pemBlocks(text, 'key');
      tls.cert = pemBlocks(text, 'cert');
      if (tls.key === '') throw refuse(key, 'holds no PEM private key: a PEM key store is the key and its certificate chain in one file');
      if (tls.cert === '') throw refuse(key, 'holds no PEM certificate: a PEM key store is the key and its certificate chain in one file');
      const passphrase = keyPassword ?? ksPassword;
      if (passphrase !== undefined) tls.passphrase = passphrase;
    } else {
      throw refuse('ssl.keystore.type', `${type} is not a key store type Spindle's client reads (PEM, PKCS12)`);
    }
  } else if (ksType !== undefined && !['PEM', 'JKS', 'PKCS12'].includes(ksType.toUpperCase())) {
    throw refuse('ssl.keystore.type', `${ksType} is not a key store type Spindle's client reads (PEM, PKCS12)`);
  }

  // The broker's host name, checked against its certificate unless turned off.
  const identification = get('ssl.endpoint.identification.algorithm');
  if (identification !== undefined) {
    if (identification.trim() === '') tls.checkServerIdentity = () => undefined;
    else if (identification.trim().toLowerCase() !== 'https') throw refuse('ssl.endpoint.identification.algorithm', `must be https (check the broker's host name) or empty (do not), not ${identification}`);
  }

  // Versions and ciphers, as the broker's listeners read them (src/broker/security/tls.ts).
  const enabledText = get('ssl.enabled.protocols');
  const enabled = new Set((enabledText ?? 'TLSv1.2,TLSv1.3').split(',').map((p) => p.trim()).filter((p) => p !== ''));
  const has12 = enabled.has('TLSv1.2');
  const has13 = enabled.has('TLSv1.3');
  if (!has12 && !has13) throw refuse('ssl.enabled.protocols', 'must include TLSv1.2 or TLSv1.3 (older versions are not offered)');
  const protocolVersion = get('ssl.protocol');
  if (protocolVersion !== undefined && !['TLS', 'TLSv1.2', 'TLSv1.3'].includes(protocolVersion.trim())) throw refuse('ssl.protocol', `must be TLSv1.3, TLSv1.2 or TLS, not ${protocolVersion}`);
  const cappedAt12 = protocolVersion?.trim() === 'TLSv1.2';
  if (cappedAt12 && !has12) throw refuse('ssl.protocol', `TLSv1.2 with ssl.enabled.protocols=${[...enabled].join(',')} leaves no version`);
  tls.minVersion = has12 ? 'TLSv1.2' : 'TLSv1.3';
  tls.maxVersion = has13 && !cappedAt12 ? 'TLSv1.3' : 'TLSv1.2';
  const suites = get('ssl.cipher.suites');
  if (suites !== undefined && suites.trim() !== '') {
    try {
      const ciphers = opensslCiphers(suites.split(',').map((c) => c.trim()).filter((c) => c !== ''), 'ssl.cipher.suites');
      if (ciphers) tls.ciphers = ciphers;
    } catch (e) {
      throw new ClientError(`${where('ssl.cipher.suites')}: ${(e as Error).message.replace(/^Invalid value '[^']*' for 'ssl.cipher.suites': /, '')}`);
    }
  }

  // Built once here, so that a key that does not match its certificate, or a wrong password, stops the command now.
  try {
    createSecureContext(tls);
  } catch (e) {
    const key = props.has('ssl.keystore.location') ? 'ssl.keystore.location' : props.has('ssl.keystore.key') ? 'ssl.keystore.key' : props.has('ssl.truststore.location') ? 'ssl.truststore.location' : 'ssl.truststore.certificates';
    throw new ClientError(`${where(key)}: the key store or trust store cannot be used (${(e as Error).message}); is the password (ssl.keystore.password, ssl.key.password) right?`);
  }
  return tls;
}

function resolveSasl(get: Getter, where: Where, refuse: Refuse): SaslOptions {
  const mechanismText = get('sasl.mechanism');
  const mechanism = (mechanismText ?? 'GSSAPI').trim().toUpperCase();
  if (mechanism === 'GSSAPI') {
    throw new ClientError(
      mechanismText === undefined
        ? `security.protocol=${get('security.protocol')!.trim().toUpperCase()} needs sasl.mechanism: Kafka's default, GSSAPI (Kerberos), is not supported by Spindle's client; set sasl.mechanism to ${MECHANISMS.join(', ')}`
        : `${where('sasl.mechanism')} GSSAPI (Kerberos) is not supported by Spindle's client; it logs in with ${MECHANISMS.join(', ')}`,
    );
  }
  if (!MECHANISMS.includes(mechanism as SaslMechanismName)) throw refuse('sasl.mechanism', `${mechanismText} is not a SASL mechanism Spindle's client logs in with (${MECHANISMS.join(', ')})`);
  const m = mechanism as SaslMechanismName;
  const handler = get('sasl.login.callback.handler.class');
  if (handler !== undefined && handler.trim() !== '') {
    throw refuse(
      'sasl.login.callback.handler.class',
      TOKEN_ENDPOINT_HANDLERS.has(handler.trim())
        ? 'is not supported: Spindle\'s client does not fetch OAUTHBEARER tokens from a token endpoint (client credentials); it logs in with Kafka\'s unsecured login (OAuthBearerLoginModule with unsecuredLoginStringClaim_sub=…), or with PLAIN or SCRAM'
        : 'names a Java class, which Spindle\'s client cannot run',
    );
  }
  const jaasText = get('sasl.jaas.config');
  if (jaasText === undefined || jaasText.trim() === '') {
    const module = m === 'PLAIN' ? PLAIN_MODULE : m === 'OAUTHBEARER' ? OAUTHBEARER_MODULE : SCRAM_MODULE;
    const example = m === 'OAUTHBEARER' ? 'unsecuredLoginStringClaim_sub="<user>"' : 'username="<user>" password="<password>"';
    throw new ClientError(`security.protocol=${get('security.protocol')!.trim().toUpperCase()} with sasl.mechanism=${m} needs sasl.jaas.config (${module} required ${example};)`);
  }
  let jaas: JaasConfigEntry;
  try {
    jaas = parseJaasConfig(jaasText);
  } catch (e) {
    // The parser's messages may quote the text, passwords included: keep only what it says is wrong.
    throw new ClientError(`${where('sasl.jaas.config')} does not parse: ${(e as Error).message.replace(/: .*$/, '')}`);
  }
  if (m === 'OAUTHBEARER') {
    if (jaas.loginModule !== OAUTHBEARER_MODULE) throw refuse('sasl.jaas.config', `names ${jaas.loginModule}; sasl.mechanism=OAUTHBEARER logs in with ${OAUTHBEARER_MODULE}`);
    if (jaas.options.has('clientId') || jaas.options.has('clientSecret')) {
      throw refuse('sasl.jaas.config', 'has clientId/clientSecret, a token-endpoint login, which Spindle\'s client does not support: it logs in with Kafka\'s unsecured login (unsecuredLoginStringClaim_sub=…)');
    }
    let login;
    try {
      login = unsecuredLoginToken(jaas.options);
    } catch (e) {
      throw new ClientError(`${where('sasl.jaas.config')}: ${(e as Error).message}`);
    }
    const sasl: SaslOptions = { mechanism: m, token: login.token };
    if (Object.keys(login.extensions).length > 0) sasl.extensions = login.extensions;
    return sasl;
  }
  if (jaas.loginModule !== PLAIN_MODULE && jaas.loginModule !== SCRAM_MODULE) {
    throw refuse('sasl.jaas.config', `names ${jaas.loginModule}; sasl.mechanism=${m} logs in with ${m === 'PLAIN' ? PLAIN_MODULE : SCRAM_MODULE} (username=, password=)`);
  }
  if ((jaas.options.get('tokenauth') ?? '').toLowerCase() === 'true') {
    throw refuse('sasl.jaas.config', 'asks for delegation-token authentication (tokenauth=true), which Spindle\'s client does not support');
  }
  const username = jaas.options.get('username');
  const password = jaas.options.get('password');
  if (!username) throw refuse('sasl.jaas.config', `has no username="…" for ${m}`);
  if (!password) throw refuse('sasl.jaas.config', `has no password="…" for ${m}`);
  return { mechanism: m, username, password };
}

/** Kafka's acks values: all, -1, 0, 1. */
export function parseAcks(text: string, flag: string): -1 | 0 | 1 {
  if (text === 'all' || text === '-1') return -1;
  if (text === '0') return 0;
  if (text === '1') return 1;
  throw new UsageError(`${flag} must be all, -1, 0 or 1, not '${text}'`);
}

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

export function parseCompression(text: string, flag: string): CompressionName {
  if (!CODECS.includes(text)) throw new UsageError(`${flag} must be one of ${CODECS.join(', ')}, not '${text}'`);
  return text as CompressionName;
}
