import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERRORS, ErrorCode, errorByCode, errorName } from '../../src/protocol/errors.js';

const HIGHEST = 127; // VOTER_NOT_FOUND, the last code Apache Kafka 3.9 defines

test('codes are unique and contiguous from -1 to the highest', () => {
  const codes = ERRORS.map((e) => e.code);
  assert.is(codes.length, HIGHEST + 2);
  codes.forEach((code, i) => assert.is(code, i - 1, `entry ${i} has code ${code}`));
  assert.is(new Set(codes).size, codes.length);
  assert.is(ERRORS[ERRORS.length - 1]!.name, 'VOTER_NOT_FOUND');
});

test('names are unique, upper snake case, and every entry has a message', () => {
  const names = ERRORS.map((e) => e.name);
  assert.is(new Set(names).size, names.length);
  for (const e of ERRORS) {
    assert.match(e.name, /^[A-Z][A-Z0-9_]*$/);
    assert.type(e.retriable, 'boolean');
    assert.ok(e.message.length > 0, `${e.name} has no message`);
  }
});

test('the table and its entries are frozen', () => {
  assert.ok(Object.isFrozen(ERRORS));
  assert.ok(ERRORS.every((e) => Object.isFrozen(e)));
  assert.ok(Object.isFrozen(ErrorCode));
});

test('ErrorCode maps every name to its code and nothing else', () => {
  assert.is(Object.keys(ErrorCode).length, ERRORS.length);
  for (const e of ERRORS) {
    assert.is((ErrorCode as Record<string, number>)[e.name], e.code, e.name);
  }
  assert.is(ErrorCode.UNKNOWN_SERVER_ERROR, -1);
  assert.is(ErrorCode.NONE, 0);
  assert.is(ErrorCode.OFFSET_OUT_OF_RANGE, 1);
  assert.is(ErrorCode.UNSUPPORTED_VERSION, 35);
  assert.is(ErrorCode.VOTER_NOT_FOUND, 127);
});

test('known codes have the names and retriable flags Kafka gives them', () => {
  const expect = (code: number, name: string, retriable: boolean) => {
    const e = errorByCode(code);
    assert.ok(e, `code ${code} is missing`);
    assert.is(e.name, name, `name of ${code}`);
    assert.is(e.retriable, retriable, `retriable of ${name}`);
  };
  expect(-1, 'UNKNOWN_SERVER_ERROR', false);
  expect(0, 'NONE', false);
  // Kafka's OffsetOutOfRangeException is not a RetriableException (protocol guide: False):
  // the client has to reset its position rather than retry the same fetch.
  expect(1, 'OFFSET_OUT_OF_RANGE', false);
  expect(2, 'CORRUPT_MESSAGE', true);
  expect(3, 'UNKNOWN_TOPIC_OR_PARTITION', true);
  expect(6, 'NOT_LEADER_OR_FOLLOWER', true);
  expect(10, 'MESSAGE_TOO_LARGE', false);
  expect(35, 'UNSUPPORTED_VERSION', false);
  expect(51, 'CONCURRENT_TRANSACTIONS', true);
  expect(87, 'INVALID_RECORD', false);
  expect(90, 'PRODUCER_FENCED', false);
  expect(100, 'UNKNOWN_TOPIC_ID', true);
  expect(122, 'SHARE_SESSION_NOT_FOUND', true);
  expect(127, 'VOTER_NOT_FOUND', false);
});

test('errorByCode and errorName handle codes outside the table', () => {
  assert.is(errorByCode(128), undefined);
  assert.is(errorByCode(-2), undefined);
  assert.is(errorByCode(1.5), undefined);
  assert.is(errorName(3), 'UNKNOWN_TOPIC_OR_PARTITION');
  assert.is(errorName(-1), 'UNKNOWN_SERVER_ERROR');
  assert.is(errorName(128), 'UNKNOWN_CODE_128');
  assert.is(errorName(-7), 'UNKNOWN_CODE_-7');
});

interface KafkajsError {
  type: string;
  code: number;
  retriable: boolean;
}

// Where kafkajs (2.2.x) and Kafka 3.9 disagree on purpose. Kafka renamed these constants; the
// codes and their meaning did not change, and we use Kafka's current names.
const KAFKAJS_NAME_DIFFERENCES: Readonly<Record<number, string>> = {
  [-1]: 'UNKNOWN', // renamed UNKNOWN_SERVER_ERROR
  6: 'NOT_LEADER_FOR_PARTITION', // renamed NOT_LEADER_OR_FOLLOWER (KIP-392)
  14: 'GROUP_LOAD_IN_PROGRESS', // renamed COORDINATOR_LOAD_IN_PROGRESS (transactions share it)
  15: 'GROUP_COORDINATOR_NOT_AVAILABLE', // renamed COORDINATOR_NOT_AVAILABLE
  16: 'NOT_COORDINATOR_FOR_GROUP', // renamed NOT_COORDINATOR
};
// Retriable flags where kafkajs differs from Kafka 3.9's own marking. None at present.
const KAFKAJS_RETRIABLE_DIFFERENCES: ReadonlySet<number> = new Set<number>();

test('agrees with kafkajs on every code kafkajs knows, except the listed renames', () => {
  const require = createRequire(import.meta.url);
  const { errorCodes } = require('kafkajs/src/protocol/error.js') as { errorCodes: KafkajsError[] };
  assert.ok(errorCodes.length > 80, 'kafkajs error table looks empty');
  const seenNameDifferences = new Set<number>();
  for (const k of errorCodes) {
    const ours = errorByCode(k.code);
    assert.ok(ours, `kafkajs knows code ${k.code} (${k.type}) but we do not`);
    if (k.code in KAFKAJS_NAME_DIFFERENCES) {
      assert.is(k.type, KAFKAJS_NAME_DIFFERENCES[k.code], `kafkajs name of ${k.code}`);
      seenNameDifferences.add(k.code);
    } else {
      assert.is(ours.name, k.type, `name of ${k.code}`);
    }
    if (!KAFKAJS_RETRIABLE_DIFFERENCES.has(k.code)) {
      assert.is(ours.retriable, k.retriable, `retriable of ${ours.name}`);
    }
  }
  // Every listed difference must still be a real one.
  assert.equal(
    [...seenNameDifferences].sort((a, b) => a - b),
    Object.keys(KAFKAJS_NAME_DIFFERENCES).map(Number).sort((a, b) => a - b),
  );
});

test.run();
