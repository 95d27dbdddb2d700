/**
 * DescribeCluster (key 60), v0-1.
 *
 * On a single node this node is the whole cluster: the only broker and the controller; in a
 * cluster the answer comes from the metadata cache (cluster/metadata-cache.ts). Answered as Kafka's
 * broker answers (AuthHelper.computeDescribeClusterResponse): endpointType 1 (brokers, the only
 * type before v1) lists this node with its advertised address; a request for controllers (2)
 * sent to this broker listener is MISMATCHED_ENDPOINT_TYPE, and an unknown type
 * UNSUPPORTED_ENDPOINT_TYPE (INVALID_REQUEST in v0, which cannot name another type anyway).
 * Without includeClusterAuthorizedOperations the field is Int.MinValue.
 *
 * Authorization (AuthHelper.computeDescribeClusterResponse): none for the answer itself, as on
 * a Kafka broker; the cluster's authorized operations, when asked, are those the authorizer
 * grants (every supported one without an authorizer), and 0 without DESCRIBE on the cluster.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { DescribeCluster } from '../../protocol/messages/index.js';
import { defineHandler } from '../router.js';
import { NOT_REQUESTED, clusterOperations } from './authorized-operations.js';

const BROKER_ENDPOINTS = 1;
const CONTROLLER_ENDPOINTS = 2;

export default defineHandler({
  api: DescribeCluster,
  async handle(ctx, request) {
    const { broker, connection, version } = ctx;
    const advertised = broker.advertisedFor(connection);
    const refused = (errorCode: number, errorMessage: string) => ({
      throttleTimeMs: 0,
      errorCode: version === 0 ? ErrorCode.INVALID_REQUEST : errorCode,
      errorMessage,
      endpointType: BROKER_ENDPOINTS,
      clusterId: '',
      controllerId: -1,
      brokers: [],
      clusterAuthorizedOperations: NOT_REQUESTED,
    });
    if (request.endpointType === CONTROLLER_ENDPOINTS) {
      return refused(ErrorCode.MISMATCHED_ENDPOINT_TYPE, 'The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER');
    }
    if (request.endpointType !== BROKER_ENDPOINTS) {
      return refused(ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, `Unsupported endpoint type ${request.endpointType}`);
    }
    // In a cluster: every live broker at its endpoint on this listener, and the elected controller.
    const cache = broker.cluster?.metadata;
    const listener = connection.auth.security.listener.name;
    const brokers = cache
      ? cache.brokers.flatMap((b) => {
          const e = b.endpoints.find((x) => x.listener === listener);
          return e ? [{ brokerId: b.id, host: e.host, port: e.port, rack: b.rack }] : [];
        })
      : [{ brokerId: broker.nodeId, host: advertised.host, port: advertised.port, rack: null }];
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      endpointType: BROKER_ENDPOINTS,
      clusterId: broker.clusterId,
      controllerId: cache ? cache.controllerId : broker.nodeId,
      brokers,
      clusterAuthorizedOperations: request.includeClusterAuthorizedOperations ? clusterOperations(ctx) : NOT_REQUESTED,
    };
  },
});
