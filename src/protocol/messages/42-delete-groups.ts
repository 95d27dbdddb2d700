/**
 * DeleteGroups (key 42), versions 0-2, flexible from 2.
 *
 * Deletes empty groups and their committed offsets, one result per group. The throttle time
 * is present from v0; v1 changes only throttling behaviour. The request field is Kafka's
 * `GroupsNames`, hence `groupsNames`.
 */
import { array, arrayOf, defineApi, int16, int32, string } from '../schema.js';

export const DeleteGroups = defineApi({
  key: 42,
  name: 'DeleteGroups',
  versions: '0-2',
  flexible: '2+',
  request: {
    groupsNames: arrayOf('string', '0+'),
  },
  response: {
    throttleTimeMs: int32('0+'),
    results: array('0+', {
      groupId: string('0+'),
      errorCode: int16('0+'),
    }),
  },
});
