/**
 * What each listener asks of its clients, read once at start-up from Kafka's keys: TLS (SSL,
 * SASL_SSL), the SASL mechanisms it offers (SASL_PLAINTEXT, SASL_SSL) with what each checks
 * logins against, and how a TLS client certificate becomes a principal.
 *
 *   PLAINTEXT       no TLS, no SASL: every client is User:ANONYMOUS
 *   SSL             TLS; the principal is the client certificate's mapped name (ssl.principal.
 *                   mapping.rules), or User:ANONYMOUS without one
 *   SASL_PLAINTEXT  SASL; the principal is the authenticated user
 *   SASL_SSL        TLS, then SASL; the principal is the SASL user
 *
 * Mechanisms (sasl.enabled.mechanisms, per listener as listener.name.<l>.sasl.enabled.mechanisms):
 *   PLAIN           users from the JAAS config's user_<name>="<password>" options
 *                   (listener.name.<l>.plain.sasl.jaas.config)
 *   SCRAM-SHA-256/512  credentials from the SCRAM store (AlterUserScramCredentials)
 *   OAUTHBEARER     Kafka's unsecured-JWS validator, or signatures checked against a JWKS
 *                   endpoint when sasl.server.callback.handler.class names Kafka's
 *                   OAuthBearerValidatorCallbackHandler (or a JWKS URL is set)
 * GSSAPI (Kerberos) is not served: a listener offering nothing else refuses to start.
 *
 * Main thread.
 */
import { ConfigError } from '../config/errors.js';
import type { ConfigKeyName } from '../config/keys.js';
import { type BrokerConfig, type Listener, isLoopbackHost, listenerValue } from '../config/load.js';
import { type PrincipalRule, parsePrincipalMappingRules } from './principal.js';
import { type SaslServer, type OAuthValidator, JwksValidator, createSaslServer, parseJaasConfig, plainUsersFromJaas, unsecuredValidator } from './sasl/index.js';
import type { ScramStore } from './scram-store.js';
import { type TlsSetup, tlsSetup } from './tls.js';

export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';

/** Kafka's class for JWKS-checked OAUTHBEARER tokens, the one sasl.server.callback.handler.class may name. */
export const JWKS_VALIDATOR_CLASS = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler';
const LEGACY_JWKS_VALIDATOR_CLASS = 'org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerValidatorCallbackHandler';
const SERVED_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'];

export interface SaslSetup {
  /** The mechanisms offered, in the order configured (what SaslHandshake answers). */
  readonly mechanisms: readonly string[];
  /** connections.max.reauth.ms of a mechanism (0: sessions do not end). */
  reauthMs(mechanism: string): number;
  /** A new server side of one exchange. */
  newServer(mechanism: string): SaslServer;
  /** The PLAIN users of the listener's JAAS config (empty when it does not offer PLAIN). */
  readonly plainUsers: ReadonlyMap<string, string>;
}

export interface ListenerSecurity {
  readonly listener: Listener;
  readonly protocol: SecurityProtocol;
  readonly tls: TlsSetup | null;
  readonly sasl: SaslSetup | null;
  readonly principalRules: readonly PrincipalRule[];
  /** connection.failed.authentication.delay.ms. */
  readonly failedAuthDelayMs: number;
  /** sasl.server.max.receive.size: the largest frame a client may send before it has authenticated. */
  readonly maxUnauthenticatedFrameBytes: number;
  /** Stops what the listener's validators keep running (JWKS refreshes). */
  close(): void;
}

export interface SecurityDeps {
  readonly scram: ScramStore;
  readonly log: { warn(message: string): void };
}

export function listenerSecurity(config: BrokerConfig, listener: Listener, deps: SecurityDeps): ListenerSecurity {
  const protocol = listener.securityProtocol as SecurityProtocol;
  const get = <K extends ConfigKeyName>(key: K, mechanism: string | null = null) => listenerValue(config, listener.name, key, mechanism);
  const tls = protocol === 'SSL' || protocol === 'SASL_SSL' ? tlsSetup(config, listener) : null;
  let principalRules: readonly PrincipalRule[];
  try {
    principalRules = parsePrincipalMappingRules(get('ssl.principal.mapping.rules'));
  } catch (e) {
    throw new ConfigError(`Invalid value for 'ssl.principal.mapping.rules' of listener ${listener.name}: ${(e as Error).message}`, { key: 'ssl.principal.mapping.rules' });
  }
  const validators: JwksValidator[] = [];
  const sasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL' ? saslSetup(config, listener, deps, get, validators) : null;
  return {
    listener,
    protocol,
    tls,
    sasl,
    principalRules,
    failedAuthDelayMs: config.values['connection.failed.authentication.delay.ms'],
    maxUnauthenticatedFrameBytes: get('sasl.server.max.receive.size'),
    close: () => {
      for (const v of validators) v.close();
    },
  };
}

function saslSetup(
  config: BrokerConfig,
  listener: Listener,
  deps: SecurityDeps,
  get: <K extends ConfigKeyName>(key: K, mechanism?: string | null) => BrokerConfig['values'][K],
  validators: JwksValidator[],
): SaslSetup {
  const enabled = get('sasl.enabled.mechanisms').map((m) => m.trim().toUpperCase());
  const served = enabled.filter((m) => SERVED_MECHANISMS.includes(m));
  const notServed = enabled.filter((m) => !SERVED_MECHANISMS.includes(m));
  const scopedKey = `listener.name.${listener.name.toLowerCase()}.sasl.enabled.mechanisms`;
  if (served.length === 0) {
    throw new ConfigError(
      `Listener ${listener.name} (${listener.securityProtocol}) offers no SASL mechanism Spindle serves: sasl.enabled.mechanisms is ${enabled.join(',') || 'empty'}; set it (or ${scopedKey}) to some of ${SERVED_MECHANISMS.join(', ')}.`,
      { key: 'sasl.enabled.mechanisms' },
    );
  }
  if (notServed.length > 0) deps.log.warn(`Listener ${listener.name}: SASL mechanism${notServed.length > 1 ? 's' : ''} ${notServed.join(', ')} not served (GSSAPI needs Kerberos); offering ${served.join(', ')}`);

  const jaasOf = (mechanism: string) => {
    const text = get('sasl.jaas.config', mechanism);
    if (text === null) return null;
    try {
      return parseJaasConfig(text);
    } catch (e) {
      throw new ConfigError(`Invalid value for 'listener.name.${listener.name.toLowerCase()}.${mechanism.toLowerCase()}.sasl.jaas.config': ${(e as Error).message}`, { key: 'sasl.jaas.config' });
    }
  };

  let plainUsers: ReadonlyMap<string, string> = new Map();
  if (served.includes('PLAIN')) {
    const jaas = jaasOf('PLAIN');
    if (!jaas) {
      throw new ConfigError(
        `Listener ${listener.name} offers PLAIN but has no users: set listener.name.${listener.name.toLowerCase()}.plain.sasl.jaas.config to org.apache.kafka.common.security.plain.PlainLoginModule required user_<name>="<password>" …;`,
        { key: 'sasl.jaas.config' },
      );
    }
    plainUsers = plainUsersFromJaas(jaas);
    if (plainUsers.size === 0) deps.log.warn(`Listener ${listener.name}: the PLAIN JAAS config names no user_<name> option, so no PLAIN login can succeed`);
  }

  let oauth: OAuthValidator | null = null;
  if (served.includes('OAUTHBEARER')) {
    const handler = get('sasl.server.callback.handler.class', 'OAUTHBEARER');
    const jwksUrl = get('sasl.oauthbearer.jwks.endpoint.url', 'OAUTHBEARER');
    if (handler !== null && handler !== JWKS_VALIDATOR_CLASS && handler !== LEGACY_JWKS_VALIDATOR_CLASS) {
      throw new ConfigError(`Listener ${listener.name}: sasl.server.callback.handler.class ${handler} cannot run here; leave it unset (Kafka's unsecured validator, for development) or name ${JWKS_VALIDATOR_CLASS} with sasl.oauthbearer.jwks.endpoint.url.`, {
        key: 'sasl.server.callback.handler.class',
      });
    }
    if (handler !== null || jwksUrl !== null) {
      if (jwksUrl === null) throw new ConfigError(`Listener ${listener.name}: ${JWKS_VALIDATOR_CLASS} needs sasl.oauthbearer.jwks.endpoint.url.`, { key: 'sasl.oauthbearer.jwks.endpoint.url' });
      const v = new JwksValidator({
        jwksUrl,
        refreshMs: get('sasl.oauthbearer.jwks.endpoint.refresh.ms', 'OAUTHBEARER'),
        retryBackoffMs: get('sasl.oauthbearer.jwks.endpoint.retry.backoff.ms', 'OAUTHBEARER'),
        retryBackoffMaxMs: get('sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms', 'OAUTHBEARER'),
        expectedIssuer: get('sasl.oauthbearer.expected.issuer', 'OAUTHBEARER'),
        expectedAudience: get('sasl.oauthbearer.expected.audience', 'OAUTHBEARER'),
        clockSkewSeconds: get('sasl.oauthbearer.clock.skew.seconds', 'OAUTHBEARER'),
        subClaimName: get('sasl.oauthbearer.sub.claim.name', 'OAUTHBEARER'),
        scopeClaimName: get('sasl.oauthbearer.scope.claim.name', 'OAUTHBEARER'),
      });
      validators.push(v);
      oauth = v;
    } else {
      deps.log.warn(`Listener ${listener.name}: OAUTHBEARER tokens are checked by Kafka's unsecured validator (unsigned tokens accepted), for development only; set sasl.server.callback.handler.class=${JWKS_VALIDATOR_CLASS} for real use`);
      oauth = unsecuredValidator(jaasOf('OAUTHBEARER')?.options ?? new Map());
    }
  }

  return {
    mechanisms: served,
    plainUsers,
    reauthMs: (mechanism) => get('connections.max.reauth.ms', mechanism),
    newServer: (mechanism) =>
      createSaslServer(mechanism, {
        plainUsers,
        scramCredential: (user, m) => deps.scram.get(user, m),
        oauthValidator: oauth,
      }),
  };
}

/**
 * Safe defaults: a listener that lets anyone in (PLAINTEXT, or SSL without
 * ssl.client.auth=required), and a console without console.authentication, may bind loopback
 * only, unless allow.plaintext.non.loopback says otherwise. Throws the ConfigError that stops
 * the start, saying why.
 */
export function checkListenerExposure(config: BrokerConfig): void {
  if (config.values['allow.plaintext.non.loopback']) return;
  for (const l of config.derived.listeners) {
    const authenticates = l.securityProtocol.startsWith('SASL_') || (l.securityProtocol === 'SSL' && listenerValue(config, l.name, 'ssl.client.auth') === 'required');
    if (authenticates || isLoopbackHost(l.host)) continue;
    throw new ConfigError(
      `Listener ${l.name} (${l.securityProtocol}) would bind ${l.host === '' ? 'every interface' : l.host} without authenticating clients: anyone who reaches it could read, write and delete every topic. ` +
        'Use SASL_SSL (or SSL with ssl.client.auth=required), bind 127.0.0.1, or set allow.plaintext.non.loopback=true to accept that.',
      { key: 'listeners' },
    );
  }
  const console = config.derived.consoleListener;
  if (console && !isLoopbackHost(console.host) && config.values['console.authentication'] === 'none') {
    throw new ConfigError(
      `The console and /metrics would serve ${console.host === '' ? 'every interface' : console.host} without authenticating anyone: whoever reaches them could delete every topic. ` +
        'Set console.authentication=basic (the SASL users) or mtls (with https://), bind 127.0.0.1, or set allow.plaintext.non.loopback=true to accept that.',
      { key: 'console.listener' },
    );
  }
}
