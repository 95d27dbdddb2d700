/**
 * ListGroups (key 16), versions 0-5, flexible from 3.
 *
 * The request is empty up to v3. v4 adds a filter on group state (KIP-518) and the state of
 * each listed group; v5 adds a filter on group type ("classic", "consumer", ...; KIP-848) and
 * the type of each group. An empty filter matches every group. Both filters are plain fields,
 * not tagged ones.
 */
import { array, arrayOf, defineApi, int16, int32, string } from '../schema.js';

export const ListGroups = defineApi({
  key: 16,
  name: 'ListGroups',
  versions: '0-5',
  flexible: '3+',
  request: {
    statesFilter: arrayOf('string', '4+'),
    typesFilter: arrayOf('string', '5+'),
  },
  response: {
    throttleTimeMs: int32('1+'),
    errorCode: int16('0+'),
    groups: array('0+', {
      groupId: string('0+'),
      protocolType: string('0+'),
      groupState: string('4+'),
      groupType: string('5+'),
    }),
  },
});
