/**
 * librdkafka's own SASL tests (its tests/ directory), every client logging in with
 * SCRAM-SHA-512 on a SASL_PLAINTEXT listener: KIP-368 re-authentication every
 * connections.max.reauth.ms while producing, inside transactions and with credentials made
 * wrong (0142), credentials set at run time with sasl_set_credentials (0135), and
 * Describe/AlterUserScramCredentials through the admin API (0081) (test/interop/librdkafka/tests.ts).
 *
 * Needs the test-runner `bash test/interop/librdkafka/setup.sh` builds; skipped otherwise.
 */
import { deriveScramCredential } from '../../src/broker/security/sasl/scram.js';
import { startBroker } from '../../src/broker/server.js';
import { checkList, librdkafkaSuite } from './librdkafka/suite.js';
import { SASL } from './librdkafka/tests.js';

const USER = 'librdkafka';
const PASSWORD = 'librdkafka-secret';
/** Short, so that 0142's sub-tests (each about 1.2 × this) see re-authentications in seconds. */
const REAUTH_MS = 5000;

checkList('sasl', SASL);
librdkafkaSuite({
  title: 'sasl',
  tests: SASL,
  config: { 'connections.max.reauth.ms': REAUTH_MS },
  clientConfig: { 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.username': USER, 'sasl.password': PASSWORD },
  start: async (dir, config) => {
    const b = await startBroker({
      config: {
        'log.dirs': dir,
        'num.io.threads': 0,
        'console.listener': 'none',
        listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
        'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
        ...config,
      },
    });
    await b.broker.security.scram.apply([{ user: USER, credential: deriveScramCredential('SCRAM-SHA-512', PASSWORD, null, 4096) }], []);
    return b;
  },
  concurrency: 2,
});
