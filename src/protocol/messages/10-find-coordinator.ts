/**
 * FindCoordinator (key 10), versions 0-6, flexible from 3.
 *
 * Versions 0-3 look up one key and answer with one coordinator at the top level; v4 (KIP-699)
 * batches keys in `coordinatorKeys` and answers with one `coordinators` entry per key, each
 * with its own error. v5 (KIP-890, TRANSACTION_ABORTABLE may be returned) and v6 (KIP-932,
 * key type 2 for share groups, key "groupId:topicId:partition") keep the v4 shape.
 * `keyType` is 0 for groups, 1 for transactional ids.
 */
import { array, arrayOf, defineApi, int16, int32, int8, string } from '../schema.js';

export const FindCoordinator = defineApi({
  key: 10,
  name: 'FindCoordinator',
  versions: '0-6',
  flexible: '3+',
  request: {
    key: string('0-3'),
    keyType: int8('1+', { default: 0 }),
    coordinatorKeys: arrayOf('string', '4+'),
  },
  response: {
    throttleTimeMs: int32('1+'),
    errorCode: int16('0-3'),
    errorMessage: string('1-3', { nullable: '1-3' }),
    nodeId: int32('0-3'),
    host: string('0-3'),
    port: int32('0-3'),
    coordinators: array('4+', {
      key: string('4+'),
      nodeId: int32('4+'),
      host: string('4+'),
      port: int32('4+'),
      errorCode: int16('4+'),
      errorMessage: string('4+', { nullable: '4+' }),
    }),
  },
});
