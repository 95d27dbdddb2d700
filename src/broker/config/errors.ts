/**
 * ConfigError: the one error the configuration module throws.
 *
 * Thrown at start-up (and when a topic's overrides are checked) for a value that does not parse,
 * is out of range, is not among the allowed values, or contradicts another key; also for a
 * properties file that cannot be read or holds a malformed escape. The message is meant to be
 * printed as it is: it names the key, the value, where the value came from (file and line,
 * environment variable, flag, embedded overrides, topic override) and what would be accepted.
 * The same facts are kept as fields for callers that answer INVALID_CONFIG on the wire.
 *
 * No I/O; any thread may use it.
 */

export interface ConfigErrorDetails {
  /** The key at fault, or null for a file-level problem. */
  readonly key?: string | null;
  /** The offending value as given, or null when there is none to show (or it is a password). */
  readonly value?: string | null;
  /** Where the value came from: "file /etc/spindle/server.properties:12", "env SPINDLE_LISTENERS". */
  readonly origin?: string | null;
  /** What would have been accepted, in words: "an int of at least 14". */
  readonly allowed?: string | null;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly key: string | null;
  readonly value: string | null;
  readonly origin: string | null;
  readonly allowed: string | null;

  constructor(message: string, details: ConfigErrorDetails = {}) {
    super(message);
    this.key = details.key ?? null;
    this.value = details.value ?? null;
    this.origin = details.origin ?? null;
    this.allowed = details.allowed ?? null;
  }
}
