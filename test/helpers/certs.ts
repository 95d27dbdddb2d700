/**
 * Test certificates, made with the `openssl` command in a fresh temporary directory: a CA, a
 * server certificate it signed (subjectAltName IP:127.0.0.1, DNS:localhost), client
 * certificates for alice and bob, a second CA that nothing trusts with mallory's certificate,
 * a server certificate that expired in 2020, and, when `keytool` is on the machine, a PKCS12
 * truststore for Java clients. Every key is EC P-256 (fast to make); every certificate has its
 * own serial number. The set takes about 0.12 s (13 openssl runs), and the truststore about
 * 0.4 s more (keytool is a JVM): pass { truststore: false } when no Java client needs it.
 *
 *   const certs = makeCerts();
 *   try { tls.connect({ ca: certs.ca.cert, cert: certs.alice.cert, key: certs.alice.key, … }) }
 *   finally { certs.remove() }
 *
 * Each identity comes in every form a client or a broker config asks for: cert and key PEM
 * (PKCS#8, unencrypted and encrypted with PASSWORD, for ssl.key.password), the two in one PEM
 * file (key first, for ssl.keystore.type=PEM or librdkafka's ssl.keystore), and a PKCS12 file
 * (key, cert and the CA, protected by PASSWORD) for ssl.keystore.type=PKCS12. `issue` makes more.
 *
 * A test that needs certificates declares it with needs(opensslMissing) (test/helpers/needs.ts).
 * Generation is synchronous (execFileSync): it runs once per suite, before any server starts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** The password of every encrypted key, PKCS12 file and truststore made here. */
export const PASSWORD = 'spindle-test-secret';

/** '' when the openssl command runs, otherwise the reason to skip, for needs(). */
export const opensslMissing = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0 ? '' : 'the openssl command is not installed';

/** Whether a command is on PATH, without running it (keytool would start a JVM). */
function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir || '.', command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** '' when keytool (Java's) is on PATH, otherwise the reason to skip, for needs(). */
export const keytoolMissing = onPath('keytool') ? '' : 'keytool (Java) is not installed';

/** A certificate authority. */
export interface Authority {
  /** The subject as given to openssl -subj, in certificate order (least specific first). */
  subject: string;
  serial: number;
  cert: string;
  certPath: string;
  /** PKCS#8 PEM, unencrypted. */
  key: string;
  keyPath: string;
}

/** A leaf certificate and its key in every form asked for. */
export interface Identity extends Authority {
  /** The key as encrypted PKCS#8 PEM (PBES2, AES-256-CBC), password PASSWORD. */
  encryptedKey: string;
  encryptedKeyPath: string;
  /** The unencrypted key and the certificate in one PEM file, key first. */
  combined: string;
  combinedPath: string;
  /** The encrypted key and the certificate in one PEM file, key first. */
  encryptedCombined: string;
  encryptedCombinedPath: string;
  /** PKCS12: key, certificate and the issuer's certificate, password PASSWORD, alias the name. */
  p12Path: string;
}

export interface IssueOptions {
  /** The signer: the trusted CA (the default) or the untrusted one. */
  issuer?: 'ca' | 'untrustedCa';
  /** A server certificate (extendedKeyUsage serverAuth, subjectAltName IP:127.0.0.1, DNS:localhost) rather than a client's. */
  server?: boolean;
  /** Valid only from 2020-01-01 to 2020-01-02 (signed with `openssl ca`, which can set dates in the past). */
  expired?: boolean;
}

export interface Certs {
  dir: string;
  password: string;
  /** The CA the broker and the clients trust: CN=Spindle Test CA,O=Spindle. */
  ca: Authority;
  /** CN=localhost, subjectAltName IP:127.0.0.1, DNS:localhost, signed by ca. */
  server: Identity;
  /** As server, but valid only in January 2020. */
  expiredServer: Identity;
  /** CN=alice,OU=Engineering,O=Spindle,L=Oslo,C=NO (RFC 2253 order), signed by ca. */
  alice: Identity;
  /** CN=bob,O=Spindle, signed by ca. */
  bob: Identity;
  /** A CA nobody trusts: CN=Untrusted Test CA,O=Elsewhere. */
  untrustedCa: Authority;
  /** CN=mallory,O=Elsewhere, signed by untrustedCa. */
  mallory: Identity;
  /** PKCS12 truststore (password PASSWORD) holding ca, made with keytool; undefined without keytool or when not asked for. */
  truststorePath: string | undefined;
  /**
   * Signs one more certificate: `name` names its files (and its PKCS12 alias), `subject` is in
   * openssl -subj form, least specific first, UTF-8 ("/O=Spindle/CN=carol"; '+' joins a
   * multi-valued RDN, "\+" and "\/" are literal).
   */
  issue(name: string, subject: string, options?: IssueOptions): Identity;
  /** Deletes the directory and everything in it. */
  remove(): void;
}

export interface MakeCertsOptions {
  /** Where the fresh directory is made (default: the system's temporary directory). */
  dir?: string;
  /** Make the Java truststore when keytool is present (default true); false saves the JVM's start. */
  truststore?: boolean;
}

/** openssl req with this configuration adds only the extensions given on its command line. */
const REQ_CONFIG = '[ req ]\ndistinguished_name = dn\nstring_mask = utf8only\nprompt = no\n[ dn ]\n';

/** `openssl ca` configuration for the expired certificate: the request's subject and extensions kept. */
function caConfig(dir: string): string {
  return [
    '[ ca ]',
    'default_ca = signer',
    '[ signer ]',
    `database = ${join(dir, 'ca-db', 'index.txt')}`,
    `new_certs_dir = ${join(dir, 'ca-db')}`,
    `serial = ${join(dir, 'ca-db', 'serial')}`,
    'default_md = sha256',
    'policy = anything',
    'copy_extensions = copy',
    'unique_subject = no',
    '[ anything ]',
    'commonName = optional',
    '',
  ].join('\n');
}

const CA_EXTENSIONS = ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign', 'subjectKeyIdentifier=hash'];

function leafExtensions(server: boolean, withAuthorityKeyId: boolean): string[] {
  const ext = ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', 'subjectKeyIdentifier=hash'];
  if (withAuthorityKeyId) ext.push('authorityKeyIdentifier=keyid');
  ext.push(server ? 'extendedKeyUsage=serverAuth' : 'extendedKeyUsage=clientAuth');
  if (server) ext.push('subjectAltName=IP:127.0.0.1,DNS:localhost');
  return ext;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-noenc'];

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`openssl ${args[0]} failed: ${stderr || (e as Error).message}`);
  }
}

export function makeCerts(options: MakeCertsOptions = {}): Certs {
  const dir = mkdtempSync(join(options.dir ?? tmpdir(), 'spindle-certs-'));
  try {
    return generate(dir, options.truststore ?? true);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

function generate(dir: string, truststore: boolean): Certs {
  const reqConfig = join(dir, 'req.cnf');
  writeFileSync(reqConfig, REQ_CONFIG);
  let serial = 0;
  const read = (path: string) => readFileSync(path, 'utf8');

  const authority = (name: string, subject: string): Authority => {
    const certPath = join(dir, `${name}.crt`);
    const keyPath = join(dir, `${name}.key`);
    serial += 1;
    openssl(['req', '-x509', '-config', reqConfig, ...EC_KEY, '-keyout', keyPath, '-out', certPath, '-utf8', '-subj', subject, '-set_serial', String(serial), '-days', '3650', ...CA_EXTENSIONS.flatMap((e) => ['-addext', e])]);
    return { subject, serial, cert: read(certPath), certPath, key: read(keyPath), keyPath };
  };

  const ca = authority('ca', '/O=Spindle/CN=Spindle Test CA');
  const untrustedCa = authority('untrusted-ca', '/O=Elsewhere/CN=Untrusted Test CA');
  let caDbReady = false;

  const issue = (name: string, subject: string, opts: IssueOptions = {}): Identity => {
    if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`certificate name ${JSON.stringify(name)}: letters, digits, '.', '_' and '-' only`);
    const issuer = opts.issuer === 'untrustedCa' ? untrustedCa : ca;
    const server = opts.server ?? false;
    const certPath = join(dir, `${name}.crt`);
    const keyPath = join(dir, `${name}.key`);
    serial += 1;
    if (!opts.expired) {
      openssl(['req', '-x509', '-config', reqConfig, '-CA', issuer.certPath, '-CAkey', issuer.keyPath, ...EC_KEY, '-keyout', keyPath, '-out', certPath, '-utf8', '-subj', subject, '-set_serial', String(serial), '-days', '30', ...leafExtensions(server, true).flatMap((e) => ['-addext', e])]);
    } else {
      // openssl x509 and req count validity from now; openssl ca takes explicit dates.
      const db = join(dir, 'ca-db');
      if (!caDbReady) {
        mkdirSync(db);
        writeFileSync(join(db, 'index.txt'), '');
        writeFileSync(join(dir, 'ca.cnf'), caConfig(dir));
        caDbReady = true;
      }
      writeFileSync(join(db, 'serial'), `${serial.toString(16).padStart(2, '0')}\n`);
      const csrPath = join(dir, `${name}.csr`);
      openssl(['req', '-new', '-config', reqConfig, ...EC_KEY, '-keyout', keyPath, '-out', csrPath, '-utf8', '-subj', subject, ...leafExtensions(server, false).flatMap((e) => ['-addext', e])]);
      openssl(['ca', '-batch', '-notext', '-preserveDN', '-utf8', '-config', join(dir, 'ca.cnf'), '-cert', issuer.certPath, '-keyfile', issuer.keyPath, '-in', csrPath, '-out', certPath, '-startdate', '20200101000000Z', '-enddate', '20200102000000Z']);
    }
    const cert = read(certPath);
    const key = read(keyPath);
    const encryptedKey = createPrivateKey(key).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSWORD }) as string;
    const encryptedKeyPath = join(dir, `${name}.enc.key`);
    writeFileSync(encryptedKeyPath, encryptedKey);
    const combined = key + cert;
    const combinedPath = join(dir, `${name}.pem`);
    writeFileSync(combinedPath, combined);
    const encryptedCombined = encryptedKey + cert;
    const encryptedCombinedPath = join(dir, `${name}.enc.pem`);
    writeFileSync(encryptedCombinedPath, encryptedCombined);
    const p12Path = join(dir, `${name}.p12`);
    openssl(['pkcs12', '-export', '-in', certPath, '-inkey', keyPath, '-certfile', issuer.certPath, '-name', name, '-passout', `pass:${PASSWORD}`, '-out', p12Path]);
    return { subject, serial, cert, certPath, key, keyPath, encryptedKey, encryptedKeyPath, combined, combinedPath, encryptedCombined, encryptedCombinedPath, p12Path };
  };

  const server = issue('server', '/CN=localhost', { server: true });
  const expiredServer = issue('expired-server', '/CN=localhost', { server: true, expired: true });
  const alice = issue('alice', '/C=NO/L=Oslo/O=Spindle/OU=Engineering/CN=alice');
  const bob = issue('bob', '/O=Spindle/CN=bob');
  const mallory = issue('mallory', '/O=Elsewhere/CN=mallory', { issuer: 'untrustedCa' });

  let truststorePath: string | undefined;
  if (truststore && !keytoolMissing) {
    const path = join(dir, 'truststore.p12');
    const r = spawnSync('keytool', ['-importcert', '-noprompt', '-alias', 'spindle-test-ca', '-file', ca.certPath, '-keystore', path, '-storetype', 'PKCS12', '-storepass', PASSWORD], { encoding: 'utf8' });
    if (r.error === undefined) {
      if (r.status !== 0) throw new Error(`keytool -importcert failed: ${r.stderr || r.stdout}`);
      truststorePath = path;
    } else if ((r.error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw r.error;
    }
  }

  return {
    dir,
    password: PASSWORD,
    ca,
    server,
    expiredServer,
    alice,
    bob,
    untrustedCa,
    mallory,
    truststorePath,
    issue,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
