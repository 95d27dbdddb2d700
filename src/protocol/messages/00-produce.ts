/**
 * Produce (key 0), versions 0-12, flexible from 9. v12 (Kafka 4.0, KIP-890 part 2) has v11's
 * fields: a transactional batch in it adds its partition to the transaction implicitly.
 *
 * Versions 0-2 carry the old message formats (magic 0 and 1). They are declared so that they
 * can be advertised and answered: librdkafka up to 2.11 turns compression off when Produce v0
 * is missing from the advertised range (KAFKA-18659), so the broker lists them and answers
 * them with UNSUPPORTED_VERSION, as Kafka 4.0 does.
 *
 * `records` is the partition's record data, left as a slice of the request frame.
 */
import { array, defineApi, int16, int32, int64, records, string, struct } from '../schema.js';

export const Produce = defineApi({
  key: 0,
  name: 'Produce',
  versions: '0-12',
  flexible: '9+',
  request: {
    transactionalId: string('3+', { nullable: '0+', default: null }),
    acks: int16('0+'),
    timeoutMs: int32('0+'),
    topicData: array('0+', {
      name: string('0+'),
      partitionData: array('0+', {
        index: int32('0+'),
        records: records('0+', { nullable: '0+' }),
      }),
    }),
  },
  response: {
    responses: array('0+', {
      name: string('0+'),
      partitionResponses: array('0+', {
        index: int32('0+'),
        errorCode: int16('0+'),
        baseOffset: int64('0+'),
        logAppendTimeMs: int64('2+', { default: -1 }),
        logStartOffset: int64('5+', { default: -1 }),
        recordErrors: array('8+', {
          batchIndex: int32('8+'),
          batchIndexErrorMessage: string('8+', { nullable: '8+', default: null }),
        }),
        errorMessage: string('8+', { nullable: '8+', default: null }),
        currentLeader: struct(
          '10+',
          { leaderId: int32('10+', { default: -1 }), leaderEpoch: int32('10+', { default: -1 }) },
          { tag: 0, tagged: '10+' },
        ),
      }),
    }),
    throttleTimeMs: int32('1+'),
    nodeEndpoints: array(
      '10+',
      {
        nodeId: int32('10+'),
        host: string('10+'),
        port: int32('10+'),
        rack: string('10+', { nullable: '10+', default: null }),
      },
      { tag: 0, tagged: '10+' },
    ),
  },
});
