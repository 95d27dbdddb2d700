/**
 * AlterUserScramCredentials (key 51), v0: adds, replaces and removes users' SCRAM credentials,
 * what `kafka-configs --alter --add-config 'SCRAM-SHA-512=[password=…]' --entity-type users`
 * sends. The client salts and hashes the password (Hi(password, salt, iterations)); the broker
 * keeps StoredKey and ServerKey derived from that (security/scram-store.ts), durably, and the
 * next login checks against them.
 *
 * Each user gets one result, as Kafka's controller gives it (ScramControlManager): a user named
 * twice in the request (in either list, even for two mechanisms: kafka-configs sends one
 * request per mechanism to Kafka's controller too) DUPLICATE_RESOURCE; an empty name, or an iteration count
 * outside 4096-16384, UNACCEPTABLE_CREDENTIAL; an unknown mechanism UNSUPPORTED_SASL_MECHANISM;
 * removing a credential that does not exist RESOURCE_NOT_FOUND. The changes of the users that
 * pass are written together.
 *
 * Authorization (ControllerApis.handleAlterUserScramCredentials): ALTER on the cluster, else
 * every user named answers CLUSTER_AUTHORIZATION_FAILED (once, in name order, as
 * AlterUserScramCredentialsRequest.getErrorResponse sorts them) and nothing changes.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { AlterUserScramCredentials } from '../../protocol/messages/index.js';
import {
  SCRAM_MAX_ITERATIONS,
  SCRAM_MIN_ITERATIONS,
  type ScramMechanism,
  type StoredScramCredential,
  credentialFromSaltedPassword,
} from '../security/scram-store.js';
import { defineHandler } from '../router.js';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../security/acl.js';

const MECHANISM_BY_CODE: ReadonlyMap<number, ScramMechanism> = new Map([
  [1, 'SCRAM-SHA-256'],
  [2, 'SCRAM-SHA-512'],
]);

interface Outcome {
  errorCode: number;
  errorMessage: string | null;
}

export default defineHandler({
  api: AlterUserScramCredentials,
  async handle({ broker, authorize }, request) {
    if (!authorize(AclOperation.ALTER, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) {
      const users = [...new Set([...request.deletions, ...request.upsertions].map((u) => u.name))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return { throttleTimeMs: 0, results: users.map((user) => ({ user, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null })) };
    }
    const store = broker.security.scram;
    const order: string[] = [];
    const counts = new Map<string, number>();
    for (const item of [...request.deletions, ...request.upsertions]) {
      if (!counts.has(item.name)) order.push(item.name);
      counts.set(item.name, (counts.get(item.name) ?? 0) + 1);
    }
    const outcomes = new Map<string, Outcome>();
    const fail = (user: string, errorCode: number, errorMessage: string): void => {
      if (!outcomes.has(user)) outcomes.set(user, { errorCode, errorMessage });
    };
    for (const [user, n] of counts) if (n > 1) fail(user, ErrorCode.DUPLICATE_RESOURCE, 'A user credential cannot be altered twice in the same request');

    const deletions: { user: string; mechanism: ScramMechanism }[] = [];
    for (const d of request.deletions) {
      if (outcomes.has(d.name)) continue;
      const mechanism = MECHANISM_BY_CODE.get(d.mechanism);
      if (d.name === '') fail(d.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty');
      else if (!mechanism) fail(d.name, ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism');
      else if (!store.get(d.name, mechanism)) fail(d.name, ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist');
      else deletions.push({ user: d.name, mechanism });
    }
    const upserts: { user: string; credential: StoredScramCredential }[] = [];
    for (const u of request.upsertions) {
      if (outcomes.has(u.name)) continue;
      const mechanism = MECHANISM_BY_CODE.get(u.mechanism);
      if (u.name === '') fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty');
      else if (!mechanism) fail(u.name, ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism');
      else if (u.iterations < SCRAM_MIN_ITERATIONS) fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too few iterations');
      else if (u.iterations > SCRAM_MAX_ITERATIONS) fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too many iterations');
      else if (u.salt.length === 0 || u.saltedPassword.length === 0) fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Salt and salted password must not be empty');
      else upserts.push({ user: u.name, credential: credentialFromSaltedPassword(mechanism, u.salt, u.iterations, u.saltedPassword) });
    }
    try {
      await store.apply(upserts, deletions);
    } catch (e) {
      broker.logger.error(`writing SCRAM credentials: ${(e as Error).message}`);
      for (const item of [...upserts, ...deletions]) fail(item.user, ErrorCode.UNKNOWN_SERVER_ERROR, 'The credentials could not be stored');
    }
    return {
      throttleTimeMs: 0,
      results: order.map((user) => ({ user, ...(outcomes.get(user) ?? { errorCode: ErrorCode.NONE, errorMessage: null }) })),
    };
  },
});
