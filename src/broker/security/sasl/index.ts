/**
 * The SASL mechanisms Spindle serves, and the one place that makes a mechanism's server side
 * for an exchange: createSaslServer(name, deps), with deps saying what each mechanism checks
 * logins against.
 *
 *   PLAIN           plainUsers: name → password (plainUsersFromJaas of the JAAS config)
 *   SCRAM-SHA-256   scramCredential(user, mechanism): the stored credential, or undefined
 *   SCRAM-SHA-512
 *   OAUTHBEARER     oauthValidator: unsecuredValidator(jaasOptions) or a JwksValidator
 *
 * GSSAPI (Kerberos) is not among them.
 *
 * Main thread.
 */
import { type SaslServer } from './mechanism.js';
import { OAUTHBEARER_MECHANISM, type OAuthValidator, createOAuthBearerServer } from './oauthbearer.js';
import { PLAIN_MECHANISM, type PlainUsers, createPlainServer } from './plain.js';
import { type ScramCredential, type ScramMechanism, type ScramServerOptions, createScramServer } from './scram.js';

export * from './mechanism.js';
export * from './oauthbearer.js';
export * from './plain.js';
export * from './scram.js';

export const SUPPORTED_MECHANISMS = Object.freeze(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const);
export type SupportedMechanism = (typeof SUPPORTED_MECHANISMS)[number];

export function isSupportedMechanism(mechanism: string): mechanism is SupportedMechanism {
  return (SUPPORTED_MECHANISMS as readonly string[]).includes(mechanism);
}

/** What the mechanisms check against; a mechanism whose dependency is missing cannot be made. */
export interface SaslServerDeps {
  readonly plainUsers?: PlainUsers | null;
  readonly scramCredential?: ((user: string, mechanism: ScramMechanism) => ScramCredential | undefined) | null;
  readonly oauthValidator?: OAuthValidator | null;
  /** SCRAM's test hooks (server nonce) and the iterations shown to unknown users. */
  readonly scramOptions?: ScramServerOptions;
}

/**
 * The server side of one exchange of `mechanism` (a name of SUPPORTED_MECHANISMS, as the
 * client sent it in SaslHandshake: exact, upper case). Throws an Error for a mechanism not
 * served, or one whose dependency `deps` lacks: the caller offers only mechanisms it set up.
 */
export function createSaslServer(mechanism: string, deps: SaslServerDeps): SaslServer {
  switch (mechanism) {
    case PLAIN_MECHANISM:
      if (!deps.plainUsers) throw new Error('SASL/PLAIN is not set up: no users');
      return createPlainServer(deps.plainUsers);
    case 'SCRAM-SHA-256':
    case 'SCRAM-SHA-512': {
      const lookup = deps.scramCredential;
      if (!lookup) throw new Error(`SASL/${mechanism} is not set up: no credential store`);
      return createScramServer(mechanism, (user) => lookup(user, mechanism), deps.scramOptions);
    }
    case OAUTHBEARER_MECHANISM:
      if (!deps.oauthValidator) throw new Error('SASL/OAUTHBEARER is not set up: no token validator');
      return createOAuthBearerServer(deps.oauthValidator);
    default:
      throw new Error(`Unsupported SASL mechanism ${mechanism}; supported: ${SUPPORTED_MECHANISMS.join(', ')}`);
  }
}
