import { test } from 'uvu';
import { ApiVersions } from '../../../src/protocol/messages/18-api-versions.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

test('ApiVersions round-trips every version, request and response', () => {
  assertRoundTrips(ApiVersions);
});

test('ApiVersions refuses truncated and corrupted input with a protocol error', () => {
  assertRefusesMalformed(ApiVersions);
});

test.run();
