/**
 * DescribeCluster (key 60), versions 0-1, flexible in every version.
 *
 * Version 1 adds `endpointType` (KIP-919) to both sides: 1 asks for brokers, 2 for
 * controllers, and the answer repeats the type it describes.
 */
import { array, bool, defineApi, int16, int32, int8, string } from '../schema.js';

export const DescribeCluster = defineApi({
  key: 60,
  name: 'DescribeCluster',
  versions: '0-1',
  flexible: '0+',
  request: {
    includeClusterAuthorizedOperations: bool('0+'),
    endpointType: int8('1+', { default: 1 }),
  },
  response: {
    throttleTimeMs: int32('0+'),
    errorCode: int16('0+'),
    errorMessage: string('0+', { nullable: '0+', default: null }),
    endpointType: int8('1+', { default: 1 }),
    clusterId: string('0+'),
    controllerId: int32('0+', { default: -1 }),
    brokers: array('0+', {
      brokerId: int32('0+'),
      host: string('0+'),
      port: int32('0+'),
      rack: string('0+', { nullable: '0+', default: null }),
    }),
    clusterAuthorizedOperations: int32('0+', { default: -2147483648 }),
  },
});
