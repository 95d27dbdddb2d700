import { test } from 'uvu';
import { Produce } from '../../../src/protocol/messages/00-produce.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

test('Produce round-trips every version, request and response', () => {
  assertRoundTrips(Produce);
});

test('Produce refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(Produce);
});

test.run();
