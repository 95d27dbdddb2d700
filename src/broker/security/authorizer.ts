/**
 * The broker's authorizer: Kafka's ACLs (acl.ts decides), kept on disk, and the one call every
 * handler makes, `allows`.
 *
 *   authorizer.class.name     unset: no authorizer, every request allowed and the ACL APIs
 *                             answer SECURITY_DISABLED, as in Kafka; Kafka's StandardAuthorizer
 *                             (or the ZooKeeper-era AclAuthorizer) names it on; other classes
 *                             refuse to start
 *   super.users               principals allowed everything ("User:admin;User:ops")
 *   allow.everyone.if.no.acl.found   a resource no ACL names is open to all (default false)
 *
 *   <first log dir>/__spindle_metadata/acls.json      rewritten whole, atomically
 *   { "version": 1, "acls": [ { "resourceType": "TOPIC", "resourceName": "orders",
 *       "patternType": "LITERAL", "principal": "User:alice", "host": "*",
 *       "operation": "READ", "permissionType": "ALLOW" } ] }
 *
 * Hosts are compared as Kafka compares them, the client's address as Java prints it: an IPv4
 * address mapped into IPv6 (::ffff:10.0.0.1) is the IPv4 address.
 *
 * Main thread. A change is written on libuv's thread pool (temporary file, fsync, rename, fsync of
 * the directory), one change at a time.
 */
import { dirname, join } from 'node:path';
import { fsio, writeFileDurably } from '../../core/fs.js';
import { SerialQueue } from '../../core/serial.js';
import { ConfigError } from '../config/errors.js';
import type { BrokerConfig } from '../config/load.js';
import {
  type AclBinding,
  type AclBindingFilter,
  AclSet,
  type AuthorizerOptions,
  ResourceType,
  authorize,
  authorizeByResourceType,
  fromJson,
  parseSuperUsers,
  toJson,
} from './acl.js';

export const ACLS_FILE = 'acls.json';

/** The authorizer classes Kafka users name, each meaning Kafka's ACL model. */
export const KNOWN_AUTHORIZERS = Object.freeze([
  'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
  'kafka.security.authorizer.AclAuthorizer',
  'kafka.security.auth.SimpleAclAuthorizer',
]);

export class Authorizer {
  /** Whether an authorizer is configured; without one everything is allowed. */
  readonly enabled: boolean;
  private readonly acls = new AclSet();
  private readonly changes = new SerialQueue();
  private readonly options: AuthorizerOptions;
  private readonly file: string;

  constructor(config: BrokerConfig, metadataDir: string) {
    const cls = config.values['authorizer.class.name'];
    if (cls !== '' && !KNOWN_AUTHORIZERS.includes(cls)) {
      throw new ConfigError(`Invalid value '${cls}' for 'authorizer.class.name': Spindle authorizes with Kafka's ACLs; name ${KNOWN_AUTHORIZERS[0]}, or leave it empty for no authorization.`, {
        key: 'authorizer.class.name',
      });
    }
    this.enabled = cls !== '';
    this.options = { superUsers: parseSuperUsers(config.values['super.users']), allowEveryoneIfNoAclFound: config.values['allow.everyone.if.no.acl.found'] };
    this.file = join(metadataDir, ACLS_FILE);
    if (fsio.existsSync(this.file)) {
      try {
        const parsed = JSON.parse(fsio.readFileSync(this.file).toString('utf8')) as { version: number; acls: unknown[] };
        if (parsed.version !== 1 || !Array.isArray(parsed.acls)) throw new Error('not a version 1 ACL file');
        for (const a of parsed.acls) this.acls.add(fromJson(a));
      } catch (e) {
        throw new Error(`${this.file} cannot be read (${(e as Error).message}); restore it, or remove it (every ACL is then gone)`);
      }
    }
  }

  /** Whether `principal`, connected from `host`, may do `operation` on the resource. */
  allows(principal: string, host: string, operation: number, resourceType: number, resourceName: string): boolean {
    if (!this.enabled) return true;
    return authorize(this.acls, { principal, host: javaHost(host), operation: operation as never, resourceType: resourceType as never, resourceName }, this.options) === 'ALLOWED';
  }

  /** Whether the principal may do `operation` on at least one resource of the type (KIP-679's idempotent-write rule). */
  allowsSomeOf(principal: string, host: string, operation: number, resourceType: number): boolean {
    if (!this.enabled) return true;
    return authorizeByResourceType(this.acls, { principal, host: javaHost(host), operation: operation as never, resourceType: resourceType as never }, this.options) === 'ALLOWED';
  }

  describe(filter: AclBindingFilter): AclBinding[] {
    return this.acls.describe(filter);
  }

  /**
   * Adds the bindings and writes the file (on libuv's thread pool, one change at a time);
   * rejects when it cannot be written, the ACLs then as they were. They take effect as they are
   * added, before the file is written: the failed write takes them back.
   */
  create(bindings: readonly AclBinding[]): Promise<void> {
    return this.changes.run(async () => {
      const added = bindings.filter((b) => this.acls.add(b));
      if (added.length === 0) return;
      try {
        await this.write();
      } catch (e) {
        for (const b of added) this.acls.remove({ ...b });
        throw e;
      }
    });
  }

  /** Removes what each filter matches (one list per filter) and writes the file once; as create() when that fails. */
  delete(filters: readonly AclBindingFilter[]): Promise<AclBinding[][]> {
    return this.changes.run(async () => {
      const removed = this.acls.removeAll(filters);
      if (removed.some((r) => r.length > 0)) {
        try {
          await this.write();
        } catch (e) {
          for (const list of removed) for (const b of list) this.acls.add(b);
          throw e;
        }
      }
      return removed;
    });
  }

  private write(): Promise<void> {
    const bytes = Buffer.from(`${JSON.stringify({ version: 1, acls: this.acls.all().map(toJson) }, null, 2)}\n`);
    return writeFileDurably(this.file, bytes, dirname(this.file));
  }
}

/** A client address as Java's InetAddress.getHostAddress() gives it, which Kafka's ACL hosts are compared with. */
export function javaHost(address: string): string {
  if (address.startsWith('::ffff:') && address.includes('.')) return address.slice(7);
  if (!address.includes(':')) return address;
  // IPv6: eight groups, no '::' shortening, each without leading zeros ("0:0:0:0:0:0:0:1").
  const [head, tail] = address.split('%')[0]!.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.map((g) => (g === '' ? '0' : Number.parseInt(g, 16).toString(16))).join(':');
}

export { ResourceType };
