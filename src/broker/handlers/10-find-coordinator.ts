/**
 * FindCoordinator (key 10), v0-6.
 *
 * This node coordinates every group (key type 0) and every transactional id (key type 1);
 * other key types (2, share groups, KIP-932) are INVALID_REQUEST. Versions 0-3 look up one
 * key and answer at the top level; from v4 keys are batched (`coordinatorKeys`) and each gets
 * its own entry. The coordinator is the node itself, at its advertised address.
 *
 * Deviation: Kafka answers COORDINATOR_NOT_AVAILABLE while __consumer_offsets is being created
 * or loaded; Spindle loads it before it accepts connections, so there is no such window.
 *
 * Authorization (KafkaApis.getCoordinator, per key): DESCRIBE on the group
 * (GROUP_AUTHORIZATION_FAILED) or on the transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
 * a share-group key (v6) needs CLUSTER_ACTION on the cluster (CLUSTER_AUTHORIZATION_FAILED).
 * Refused keys answer node -1, host "", port -1; before v4 with Kafka's default message.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { FindCoordinator } from '../../protocol/messages/index.js';
import { type RequestContext, defineHandler } from '../router.js';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../security/acl.js';

const GROUP = 0;
const TRANSACTION = 1;
const SHARE = 2;

/** Kafka's Errors messages, which its pre-v4 answer carries. */
const DEFAULT_MESSAGES: ReadonlyMap<number, string> = new Map([
  [ErrorCode.GROUP_AUTHORIZATION_FAILED, 'Group authorization failed.'],
  [ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'Transactional Id authorization failed.'],
  [ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.'],
]);

/** The authorization failure of looking the key up, 0 when none. */
function refusal({ authorize, version }: RequestContext, keyType: number, key: string): number {
  if (keyType === GROUP) return authorize(AclOperation.DESCRIBE, ResourceType.GROUP, key) ? 0 : ErrorCode.GROUP_AUTHORIZATION_FAILED;
  if (keyType === TRANSACTION) return authorize(AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, key) ? 0 : ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
  if (keyType === SHARE && version >= 6) return authorize(AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME) ? 0 : ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
  return 0;
}

export default defineHandler({
  api: FindCoordinator,
  async handle(ctx, request) {
    const { broker, connection, version } = ctx;
    const known = request.keyType === GROUP || request.keyType === TRANSACTION;
    const { nodeId } = broker;
    const { host, port } = broker.advertisedFor(connection);
    if (version < 4) {
      const refused = refusal(ctx, request.keyType, request.key);
      if (refused) return { throttleTimeMs: 0, errorCode: refused, errorMessage: DEFAULT_MESSAGES.get(refused)!, nodeId: -1, host: '', port: -1, coordinators: [] };
      if (!known) return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Key type ${request.keyType} is not supported`, nodeId: -1, host: '', port: -1, coordinators: [] };
      return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId, host, port, coordinators: [] };
    }
    const coordinators = request.coordinatorKeys.map((key) => {
      const refused = refusal(ctx, request.keyType, key);
      if (refused) return { key, nodeId: -1, host: '', port: -1, errorCode: refused, errorMessage: null };
      return known
        ? { key, nodeId, host, port, errorCode: 0, errorMessage: null }
        : { key, nodeId: -1, host: '', port: -1, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Key type ${request.keyType} is not supported` };
    });
    return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: -1, host: '', port: -1, coordinators };
  },
});
