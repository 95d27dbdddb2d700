/**
 * queued.max.requests bounds the requests one connection has read and not yet answered: at
 * the bound the broker stops reading that connection until an answer goes out.
 *
 * Observed from outside with a request that waits (a long-polling Fetch on an empty partition)
 * followed, a moment later, by a frame the broker refuses by closing the connection. At the
 * bound of one, the refused frame stays unread until the Fetch is answered, so the answer
 * arrives before the close; with room for more, the broker reads it at once and closes the
 * connection with the Fetch still waiting.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { Fetch, Metadata } from '../../src/protocol/messages/index.js';
import { dataDir } from '../interop/helpers.js';
import { RawClient } from '../helpers/raw-client.js';

const LONG_POLL_MS = 1_500;

/** A request frame with an API key no broker knows: the connection is closed when it is read. */
function unknownApiFrame(): Buffer {
  const frame = Buffer.alloc(14);
  frame.writeInt32BE(10, 0);
  frame.writeInt16BE(9999, 4);
  frame.writeInt16BE(0, 6);
  frame.writeInt32BE(99, 8);
  frame.writeInt16BE(-1, 12);
  return frame;
}

async function longPollThenRefused(b: RunningBroker): Promise<{ answered: boolean; closedAfterMs: number }> {
  const c = await RawClient.connect(b.bootstrap);
  await c.request(Metadata, 9, { topics: [{ name: 'quiet' }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
  const started = Date.now();
  const fetch = c
    .request(Fetch, 12, {
      replicaId: -1,
      maxWaitMs: LONG_POLL_MS,
      minBytes: 1,
      maxBytes: 1 << 20,
      topics: [{ topic: 'quiet', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
    })
    .then(
      () => true,
      () => false,
    );
  // Time for the broker to read the Fetch (and, at the bound, to stop reading) before the next frame.
  await new Promise((r) => setTimeout(r, 200));
  c.write(unknownApiFrame());
  const answered = await fetch;
  await c.waitForClose(LONG_POLL_MS * 3);
  return { answered, closedAfterMs: Date.now() - started };
}

test('at queued.max.requests=1 the next frame is not read until the waiting request is answered', async () => {
  const data = dataDir();
  const b = await startBroker({ port: 0, config: { 'log.dirs': data.dir, 'num.io.threads': 0, 'queued.max.requests': 1 } });
  try {
    const r = await longPollThenRefused(b);
    assert.ok(r.answered, 'the Fetch was answered before the refused frame was read');
    assert.ok(r.closedAfterMs >= LONG_POLL_MS - 100, `closed after ${r.closedAfterMs} ms, once the long poll ended`);
  } finally {
    await b.close();
    data.remove();
  }
});

test('with room for more requests the next frame is read at once', async () => {
  const data = dataDir();
  const b = await startBroker({ port: 0, config: { 'log.dirs': data.dir, 'num.io.threads': 0, 'queued.max.requests': 2 } });
  try {
    const r = await longPollThenRefused(b);
    assert.not.ok(r.answered, 'the connection closed with the Fetch still waiting');
    assert.ok(r.closedAfterMs < LONG_POLL_MS, `closed after ${r.closedAfterMs} ms`);
  } finally {
    await b.close();
    data.remove();
  }
});

test.run();
