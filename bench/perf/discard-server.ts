/**
 * A discarding TCP server for the loopback limit (limits.ts): listens on 127.0.0.1 and a free
 * port, prints the port on stdout, reads everything each connection sends and throws it away,
 * and when the sender ends answers with the byte count as decimal text, then closes. Exits
 * when its parent closes stdin, or after `SPINDLE_DISCARD_MAX_MS` (default 120 s) whatever
 * happens, so it cannot outlive a crashed harness.
 *
 * Runs as a process of its own, so that the sender and the receiver do not share a thread,
 * as a client and the broker would not.
 */
import { createServer } from 'node:net';

const maxMs = Number(process.env.SPINDLE_DISCARD_MAX_MS ?? 120_000);
const server = createServer((socket) => {
  let bytes = 0;
  socket.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  socket.on('end', () => socket.end(String(bytes)));
  socket.on('error', () => socket.destroy());
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
const stop = (): void => {
  server.close();
  process.exit(0);
};
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
setTimeout(stop, maxMs).unref();
