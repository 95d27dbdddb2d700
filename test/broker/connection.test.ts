/**
 * What a connection does when a request cannot be served: an undecodable frame closes it as in
 * Kafka; a bug (anything else thrown while preparing or running a request) is reported to
 * onInternalError, to be logged and counted, and then closes it.
 */
import { ANONYMOUS, ConnectionAuth, plaintextSecurity } from '../../src/broker/security/authenticator.js';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Connection, type ConnectionOptions, type PreparedRequest } from '../../src/broker/connection.js';
import { SegmentFiles } from '../../src/broker/fetch-stream.js';
import { Intake } from '../../src/broker/intake.js';
import { ProtocolError } from '../../src/protocol/codec/errors.js';

interface Outcome {
  internalErrors: unknown[];
  closed: boolean;
}

/** One connection whose requests are prepared by `prepare`; sends one 8-byte frame and waits for the close. */
async function serveOne(prepare: ConnectionOptions['prepare']): Promise<Outcome> {
  const outcome: Outcome = { internalErrors: [], closed: false };
  const server = createServer((socket) => {
    new Connection(socket, {
      maxRequestBytes: 1 << 20,
      maxQueuedRequests: 500,
      idleMs: 0,
      files: new SegmentFiles(),
      intake: new Intake(-1),
      auth: new ConnectionAuth(plaintextSecurity(), ANONYMOUS),
      prepare,
      onClose: () => {},
      onInternalError: (_c, e) => outcome.internalErrors.push(e),
      log: () => {},
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client: Socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
  client.on('error', () => {});
  const frame = Buffer.alloc(12);
  frame.writeInt32BE(8, 0);
  client.write(frame);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 3000);
    client.on('close', () => {
      outcome.closed = true;
      clearTimeout(timer);
      resolve();
    });
  });
  client.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return outcome;
}

test('an undecodable frame closes the connection without counting an internal error', async () => {
  const r = await serveOne(() => {
    throw new ProtocolError('malformed request header');
  });
  assert.ok(r.closed);
  assert.is(r.internalErrors.length, 0);
});

test('anything else thrown while preparing a request is reported as an internal error, then the connection closes', async () => {
  const bug = new RangeError('a bug in decoding');
  const r = await serveOne(() => {
    throw bug;
  });
  assert.ok(r.closed);
  assert.equal(r.internalErrors, [bug]);
});

test('a request whose handler or encoder fails is reported as an internal error, then the connection closes', async () => {
  const bug = new TypeError('name is not nullable here');
  const prepared: PreparedRequest = { pipelined: false, run: () => Promise.reject(bug) };
  const r = await serveOne(() => prepared);
  assert.ok(r.closed);
  assert.equal(r.internalErrors, [bug]);
});

test.run();
