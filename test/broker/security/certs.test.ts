/**
 * test/helpers/certs.ts makes what it says: who signed what, validity, subjectAltName, keys that
 * match their certificates, the encrypted key and the PKCS12 files opening with the password,
 * and a TLS handshake that trusts the CA's certificates and refuses mallory's and the expired
 * one. Skipped without openssl; the truststore check also needs keytool.
 */
import { spawnSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { type TLSSocket, connect, createSecureContext, createServer } from 'node:tls';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Certs, type Identity, PASSWORD, keytoolMissing, makeCerts, opensslMissing } from '../../helpers/certs.js';
import { needs } from '../../helpers/needs.js';

const withOpenssl = needs(opensslMissing);
let certs: Certs;
let generationMs = 0;

test.before(() => {
  if (opensslMissing) return;
  const started = performance.now();
  certs = makeCerts();
  generationMs = performance.now() - started;
});
test.after(() => certs?.remove());

const x509 = (pem: string) => new X509Certificate(pem);
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

function assertLeaf(id: Identity, issuer: X509Certificate, subject: string, eku: string): X509Certificate {
  const cert = x509(id.cert);
  assert.is(cert.subject, subject);
  assert.is(cert.issuer, issuer.subject);
  assert.ok(cert.checkIssued(issuer), 'issued by its CA');
  assert.ok(cert.verify(issuer.publicKey), "signed with its CA's key");
  assert.not.ok(cert.ca);
  assert.equal(cert.keyUsage, [eku]);
  assert.ok(cert.checkPrivateKey(createPrivateKey(id.key)), 'the key is the one certified');
  assert.is(readFileSync(id.certPath, 'utf8'), id.cert);
  assert.is(readFileSync(id.keyPath, 'utf8'), id.key);
  assert.match(id.key, /^-----BEGIN PRIVATE KEY-----\n/, 'PKCS#8, unencrypted');
  assert.match(id.encryptedKey, /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/, 'PKCS#8, encrypted');
  assert.ok(cert.checkPrivateKey(createPrivateKey({ key: readFileSync(id.encryptedKeyPath, 'utf8'), passphrase: PASSWORD })), 'the encrypted key opens with the password');
  assert.throws(() => createPrivateKey({ key: id.encryptedKey, passphrase: 'wrong' }));
  assert.is(readFileSync(id.combinedPath, 'utf8'), id.key + id.cert);
  assert.is(readFileSync(id.encryptedCombinedPath, 'utf8'), id.encryptedKey + id.cert);
  // The PKCS12 file opens with the password in Node's OpenSSL, and holds the key and the chain.
  createSecureContext({ pfx: readFileSync(id.p12Path), passphrase: PASSWORD });
  assert.throws(() => createSecureContext({ pfx: readFileSync(id.p12Path), passphrase: 'wrong' }));
  return cert;
}

const inForce = (cert: X509Certificate) => new Date(cert.validFrom) <= new Date() && new Date() < new Date(cert.validTo);

withOpenssl('the CAs are self-signed CA certificates; serial numbers are all different', () => {
  const ca = x509(certs.ca.cert);
  const untrusted = x509(certs.untrustedCa.cert);
  assert.is(ca.subject, 'O=Spindle\nCN=Spindle Test CA');
  assert.is(untrusted.subject, 'O=Elsewhere\nCN=Untrusted Test CA');
  for (const c of [ca, untrusted]) {
    assert.ok(c.ca, 'basicConstraints CA:TRUE');
    assert.is(c.issuer, c.subject);
    assert.ok(c.checkIssued(c));
    assert.ok(c.verify(c.publicKey));
    assert.ok(inForce(c));
  }
  assert.not.ok(ca.checkIssued(untrusted));
  assert.ok(ca.checkPrivateKey(createPrivateKey(certs.ca.key)));
  const all = [certs.ca, certs.untrustedCa, certs.server, certs.expiredServer, certs.alice, certs.bob, certs.mallory];
  const serials = all.map((a) => x509(a.cert).serialNumber);
  assert.is(new Set(serials).size, all.length, serials.join(' '));
  assert.equal(all.map((a) => parseInt(x509(a.cert).serialNumber, 16)), all.map((a) => a.serial));
});

withOpenssl('the server certificate: CN=localhost for IP:127.0.0.1 and DNS:localhost, signed by the CA, in force', () => {
  const cert = assertLeaf(certs.server, x509(certs.ca.cert), 'CN=localhost', SERVER_AUTH);
  assert.is(cert.subjectAltName, 'IP Address:127.0.0.1, DNS:localhost');
  assert.is(cert.checkIP('127.0.0.1'), '127.0.0.1');
  assert.is(cert.checkHost('localhost'), 'localhost');
  assert.ok(inForce(cert));
  assert.is(x509(certs.ca.cert).publicKey.asymmetricKeyType, 'ec');
  assert.equal(cert.publicKey.asymmetricKeyDetails, { namedCurve: 'prime256v1' });
});

withOpenssl('the expired server certificate was valid only on 2020-01-01', () => {
  const cert = assertLeaf(certs.expiredServer, x509(certs.ca.cert), 'CN=localhost', SERVER_AUTH);
  assert.is(new Date(cert.validFrom).toISOString(), '2020-01-01T00:00:00.000Z');
  assert.is(new Date(cert.validTo).toISOString(), '2020-01-02T00:00:00.000Z');
  assert.is(cert.subjectAltName, 'IP Address:127.0.0.1, DNS:localhost', 'expired is all that is wrong with it');
});

withOpenssl('client certificates: alice and bob by the CA, mallory by the untrusted CA', () => {
  const ca = x509(certs.ca.cert);
  const untrusted = x509(certs.untrustedCa.cert);
  const alice = assertLeaf(certs.alice, ca, 'C=NO\nL=Oslo\nO=Spindle\nOU=Engineering\nCN=alice', CLIENT_AUTH);
  const bob = assertLeaf(certs.bob, ca, 'O=Spindle\nCN=bob', CLIENT_AUTH);
  const mallory = assertLeaf(certs.mallory, untrusted, 'O=Elsewhere\nCN=mallory', CLIENT_AUTH);
  for (const c of [alice, bob, mallory]) {
    assert.ok(inForce(c));
    assert.is(c.subjectAltName, undefined);
  }
  assert.not.ok(mallory.checkIssued(ca));
  assert.not.ok(mallory.verify(ca.publicKey));
});

withOpenssl('issue: one more certificate with any subject, multi-valued RDNs and escapes included', () => {
  const carol = certs.issue('carol', '/O=Spindle/OU=Ops+OU=Eng/CN=Smith, John \\+ Co/emailAddress=carol@example.com');
  const cert = assertLeaf(carol, x509(certs.ca.cert), 'O=Spindle\nOU=Eng + OU=Ops\nCN=Smith\\, John \\+ Co\nemailAddress=carol@example.com', CLIENT_AUTH);
  assert.is(carol.serial, certs.mallory.serial + 1);
  assert.is(parseInt(cert.serialNumber, 16), carol.serial);
  assert.throws(() => certs.issue('../escape', '/CN=x'), /letters, digits/);
});

/** A TLS handshake against a server with the given identity that asks for a client certificate. */
async function handshake(serverId: Identity, client: { cert?: string; key?: string }): Promise<{ clientError: string | null; serverSawAuthorized: boolean | null; peerSubject: string | null }> {
  let serverSawAuthorized: boolean | null = null;
  let peerSubject: string | null = null;
  const server = createServer({ cert: serverId.cert, key: serverId.key, ca: [certs.ca.cert], requestCert: true, rejectUnauthorized: false }, (socket: TLSSocket) => {
    serverSawAuthorized = socket.authorized;
    peerSubject = socket.getPeerX509Certificate()?.subject ?? null;
    socket.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const clientError = await new Promise<string | null>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, ca: [certs.ca.cert], ...client });
    socket.once('secureConnect', () => {
      socket.once('end', () => resolve(null));
      socket.resume();
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { clientError, serverSawAuthorized, peerSubject };
}

withOpenssl('TLS: the server certificate is trusted at 127.0.0.1; the CA vouches for alice but not for mallory; the expired one is refused', async () => {
  const alice = await handshake(certs.server, { cert: certs.alice.cert, key: certs.alice.key });
  assert.equal(alice, { clientError: null, serverSawAuthorized: true, peerSubject: 'C=NO\nL=Oslo\nO=Spindle\nOU=Engineering\nCN=alice' });
  const mallory = await handshake(certs.server, { cert: certs.mallory.cert, key: certs.mallory.key });
  assert.equal(mallory, { clientError: null, serverSawAuthorized: false, peerSubject: 'O=Elsewhere\nCN=mallory' });
  const expired = await handshake(certs.expiredServer, { cert: certs.bob.cert, key: certs.bob.key });
  assert.is(expired.clientError, 'CERT_HAS_EXPIRED');
});

needs(opensslMissing || keytoolMissing)("Java's view: the truststore holds the CA as a trusted entry; alice's PKCS12 a private key entry", () => {
  assert.ok(certs.truststorePath && existsSync(certs.truststorePath), 'made when keytool is present');
  const list = (path: string) => spawnSync('keytool', ['-list', '-keystore', path, '-storetype', 'PKCS12', '-storepass', PASSWORD], { encoding: 'utf8' });
  const trust = list(certs.truststorePath!);
  assert.is(trust.status, 0, trust.stderr);
  assert.match(trust.stdout, /spindle-test-ca, .*trustedCertEntry/);
  const alice = list(certs.alice.p12Path);
  assert.is(alice.status, 0, alice.stderr);
  assert.match(alice.stdout, /alice, .*PrivateKeyEntry/);
});

withOpenssl('generation is quick; remove() deletes everything', () => {
  assert.ok(generationMs < 10_000, `${generationMs.toFixed(0)} ms`);
  const started = performance.now();
  const more = makeCerts({ truststore: false });
  const ms = performance.now() - started;
  assert.ok(ms < 5_000, `${ms.toFixed(0)} ms without the truststore`);
  assert.is(more.truststorePath, undefined);
  assert.ok(existsSync(more.server.p12Path));
  more.remove();
  assert.not.ok(existsSync(more.dir));
});

test.run();
