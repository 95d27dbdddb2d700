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
 */
import { ErrorCode } from '../../protocol/errors.js';
import { FindCoordinator } from '../../protocol/messages/index.js';
import { defineHandler } from '../router.js';

const GROUP = 0;
const TRANSACTION = 1;

export default defineHandler({
  api: FindCoordinator,
  async handle({ broker, connection, version }, request) {
    const known = request.keyType === GROUP || request.keyType === TRANSACTION;
    const { nodeId } = broker;
    const { host, port } = broker.advertisedFor(connection);
    if (version < 4) {
      if (!known) return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Key type ${request.keyType} is not supported`, nodeId: -1, host: '', port: -1, coordinators: [] };
      return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId, host, port, coordinators: [] };
    }
    const coordinators = request.coordinatorKeys.map((key) =>
      known
        ? { key, nodeId, host, port, errorCode: 0, errorMessage: null }
        : { key, nodeId: -1, host: '', port: -1, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Key type ${request.keyType} is not supported` },
    );
    return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: -1, host: '', port: -1, coordinators };
  },
});
