/**
 * SCRAM credentials, kept on disk: what AlterUserScramCredentials writes and SCRAM-SHA-256 /
 * SCRAM-SHA-512 logins check.
 *
 *   <first log dir>/__spindle_metadata/scram-credentials.json     rewritten whole, atomically
 *   { "version": 1,
 *     "users": { "alice": { "SCRAM-SHA-512": { "salt": "<base64>", "iterations": 8192,
 *                                              "storedKey": "<base64>", "serverKey": "<base64>" } } } }
 *
 * As in Kafka, no password is kept, nor the salted password the client sends: only the salt,
 * the iteration count, StoredKey = H(HMAC(SaltedPassword, "Client Key")) and ServerKey =
 * HMAC(SaltedPassword, "Server Key") (RFC 5802), which verify a login and cannot log in. A
 * file that does not parse stops the broker at start-up rather than serving with no users.
 *
 * Main thread. A change is written (temporary file, fsync, rename, fsync of the directory) on
 * libuv's thread pool, one change at a time, and applied in memory once the file holds it: a
 * login never meets a credential the disk may not keep.
 */
import { createHash, createHmac } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fsio, writeFileDurably } from '../../core/fs.js';
import { SerialQueue } from '../../core/serial.js';
import { SCRAM_MAX_ITERATIONS, SCRAM_MECHANISMS, SCRAM_MIN_ITERATIONS, type ScramCredential, type ScramMechanism } from './sasl/scram.js';

export const SCRAM_CREDENTIALS_FILE = 'scram-credentials.json';

/** Kafka's ScramMechanism codes in the SCRAM credential APIs. */
export const SCRAM_MECHANISM_CODES: Readonly<Record<ScramMechanism, number>> = Object.freeze({ 'SCRAM-SHA-256': 1, 'SCRAM-SHA-512': 2 });
export { SCRAM_MAX_ITERATIONS, SCRAM_MECHANISMS, SCRAM_MIN_ITERATIONS, type ScramMechanism };

/** What a login is checked against (sasl/scram.ts's credential), frozen once stored. */
export type StoredScramCredential = Readonly<ScramCredential>;

function hashName(mechanism: ScramMechanism): 'sha256' | 'sha512' {
  return mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
}

/** The credential a salted password (Hi(password, salt, iterations)) gives. */
export function credentialFromSaltedPassword(mechanism: ScramMechanism, salt: Buffer, iterations: number, saltedPassword: Buffer): StoredScramCredential {
  const h = hashName(mechanism);
  const clientKey = createHmac(h, saltedPassword).update('Client Key').digest();
  return Object.freeze({
    mechanism,
    salt: Buffer.from(salt),
    iterations,
    storedKey: createHash(h).update(clientKey).digest(),
    serverKey: createHmac(h, saltedPassword).update('Server Key').digest(),
  });
}

interface FileShape {
  version: 1;
  users: Record<string, Partial<Record<ScramMechanism, { salt: string; iterations: number; storedKey: string; serverKey: string }>>>;
}

export class ScramStore {
  private readonly file: string;
  private readonly users: Users = new Map();
  private readonly changes = new SerialQueue();

  /** Loads `<metadataDir>/scram-credentials.json` (none yet: no users); throws on a file that does not parse. */
  constructor(metadataDir: string) {
    this.file = join(metadataDir, SCRAM_CREDENTIALS_FILE);
    if (!fsio.existsSync(this.file)) return;
    let parsed: FileShape;
    try {
      parsed = JSON.parse(fsio.readFileSync(this.file).toString('utf8')) as FileShape;
      if (parsed.version !== 1 || typeof parsed.users !== 'object' || parsed.users === null) throw new Error('not a version 1 credentials file');
      for (const [user, byMechanism] of Object.entries(parsed.users)) {
        for (const mechanism of SCRAM_MECHANISMS) {
          const c = byMechanism[mechanism];
          if (!c) continue;
          if (!Number.isInteger(c.iterations) || typeof c.salt !== 'string' || typeof c.storedKey !== 'string' || typeof c.serverKey !== 'string') throw new Error(`user ${user}: a malformed ${mechanism} credential`);
          putCredential(this.users, user, {
            mechanism,
            salt: Buffer.from(c.salt, 'base64'),
            iterations: c.iterations,
            storedKey: Buffer.from(c.storedKey, 'base64'),
            serverKey: Buffer.from(c.serverKey, 'base64'),
          });
        }
      }
    } catch (e) {
      throw new Error(`${this.file} cannot be read (${(e as Error).message}); restore it or remove it (every SCRAM user is then gone)`);
    }
  }

  get(user: string, mechanism: ScramMechanism): StoredScramCredential | undefined {
    return this.users.get(user)?.get(mechanism);
  }

  /** The users with at least one credential, sorted, each with its mechanisms and iteration counts. */
  describe(): { user: string; credentials: { mechanism: ScramMechanism; iterations: number }[] }[] {
    return [...this.users.keys()].sort().map((user) => this.describeUser(user)!);
  }

  describeUser(user: string): { user: string; credentials: { mechanism: ScramMechanism; iterations: number }[] } | undefined {
    const byMechanism = this.users.get(user);
    if (!byMechanism || byMechanism.size === 0) return undefined;
    return { user, credentials: [...byMechanism.values()].map((c) => ({ mechanism: c.mechanism, iterations: c.iterations })) };
  }

  /**
   * Applies upsertions and deletions together, writing the file once; the caller has checked
   * each (deleting a credential that does not exist is refused before this). Resolves once the
   * file holds them and logins see them; rejects when the file cannot be written, the
   * credentials left as they were.
   */
  apply(upserts: readonly { user: string; credential: StoredScramCredential }[], deletions: readonly { user: string; mechanism: ScramMechanism }[]): Promise<void> {
    return this.changes.run(async () => {
      const next: Users = new Map([...this.users].map(([u, m]) => [u, new Map(m)]));
      for (const d of deletions) {
        const byMechanism = next.get(d.user);
        byMechanism?.delete(d.mechanism);
        if (byMechanism?.size === 0) next.delete(d.user);
      }
      for (const u of upserts) putCredential(next, u.user, u.credential);
      await writeFileDurably(this.file, render(next), dirname(this.file));
      this.users.clear();
      for (const [u, m] of next) this.users.set(u, m);
    });
  }
}

type Users = Map<string, Map<ScramMechanism, StoredScramCredential>>;

function putCredential(users: Users, user: string, credential: StoredScramCredential): void {
  let byMechanism = users.get(user);
  if (!byMechanism) users.set(user, (byMechanism = new Map()));
  byMechanism.set(credential.mechanism, credential);
}

/** The file's bytes for `users`, sorted by name. */
function render(users: Users): Buffer {
  const shape: FileShape = { version: 1, users: {} };
  for (const [user, byMechanism] of [...users].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const entry: FileShape['users'][string] = {};
    for (const c of byMechanism.values()) {
      entry[c.mechanism] = { salt: c.salt.toString('base64'), iterations: c.iterations, storedKey: c.storedKey.toString('base64'), serverKey: c.serverKey.toString('base64') };
    }
    shape.users[user] = entry;
  }
  return Buffer.from(`${JSON.stringify(shape, null, 2)}\n`);
}
