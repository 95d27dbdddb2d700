/**
 * Test helper, run as a worker by ring.test.ts: the far end of a pair of rings. It echoes
 * every message of its command ring onto its answer ring, byte for byte and in order, until
 * the command ring is closed and empty, then closes the answer ring and ends.
 *
 * It waits as a partition worker does, blocking its own thread: Atomics.wait for commands
 * (waitForMessagesSync) and for room on the answer ring (waitForSpaceSync). Each answer is
 * copied once, from the command's view straight into a reservation on the answer ring.
 *
 * Worker thread only.
 */
import { workerData } from 'node:worker_threads';
import { RingConsumer, RingProducer } from '../../src/workers/ring.js';

export interface EchoWorkerData {
  commands: SharedArrayBuffer;
  answers: SharedArrayBuffer;
}

const { commands, answers } = workerData as EchoWorkerData;
const inbound = new RingConsumer(commands);
const outbound = new RingProducer(answers);

function echo(message: Buffer): void {
  let view = outbound.tryReserve(message.length);
  while (view === null) {
    outbound.waitForSpaceSync(message.length);
    view = outbound.tryReserve(message.length);
  }
  message.copy(view);
  outbound.commit();
}

do inbound.drain(echo);
while (inbound.waitForMessagesSync());
outbound.close();
