/**
 * FrameReader against random input, seeded so that a failure reproduces (the seed is in the
 * assertion message): valid streams cut at random places and pulled at random moments give back
 * exactly the frames put in, slices where a frame lay in one chunk and exact-size copies
 * elsewhere; garbage and mutated streams never make it throw anything but its FrameSizeError;
 * and whatever the input, it never holds more than the bound its documentation states.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FrameReader, FrameSizeError } from '../../src/protocol/frame.js';
import { rng } from './helpers/round-trip.js';

const SEEDS = 150;

/** A frame size: mostly small, sometimes around a socket read (64 KiB), now and then large. */
function randomSize(rand: () => number, maxBytes: number): number {
  const r = rand();
  const size = r < 0.6 ? Math.floor(rand() * 64) : r < 0.9 ? Math.floor(rand() * 4096) : r < 0.98 ? Math.floor(rand() * 80_000) : Math.floor(rand() * 400_000);
  return Math.min(size, maxBytes);
}

/** Cut points: one-byte drips, prefix-sized pieces, typical reads, or the whole thing at once. */
function randomCuts(rand: () => number, length: number): number[] {
  // One-byte drips over megabytes would be millions of chunks: drips are for shorter streams.
  const style = length > 200_000 ? 1 + Math.floor(rand() * 3) : Math.floor(rand() * 4);
  const cuts = [0];
  for (let at = 0; at < length; ) {
    const piece =
      style === 0 ? 1 + Math.floor(rand() * 7) : style === 1 ? 1 + Math.floor(rand() * 300) : style === 2 ? 1 + Math.floor(rand() * 70_000) : 1 + Math.floor(rand() * length);
    at = Math.min(length, at + piece);
    cuts.push(at);
  }
  return cuts;
}

const within = (inner: Buffer, outer: Buffer) =>
  inner.buffer === outer.buffer && inner.byteOffset >= outer.byteOffset && inner.byteOffset + inner.length <= outer.byteOffset + outer.length;

const overlaps = (a: Buffer, b: Buffer) => a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.length && b.byteOffset < a.byteOffset + a.length;

/** The bound of the reader's documentation, checked after every call. */
function checkBound(reader: FrameReader, pushedSinceDrained: number, where: string): void {
  assert.ok(reader.assemblingBytes <= reader.maxBytes, `${where}: assembling ${reader.assemblingBytes} > maxBytes`);
  assert.ok(reader.bufferedBytes <= pushedSinceDrained, `${where}: holds ${reader.bufferedBytes} of ${pushedSinceDrained} pushed since the last null`);
}

test('random chunkings of valid streams give back exactly the frames put in', () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    const rand = rng(seed);
    const maxBytes = rand() < 0.5 ? 1 << 20 : 100_000;
    const minBytes = Math.floor(rand() * 8);
    const count = 1 + Math.floor(rand() * 60);
    const bodies = Array.from({ length: count }, () => {
      const b = Buffer.allocUnsafe(Math.max(minBytes, randomSize(rand, maxBytes)));
      for (let i = 0; i < b.length; i += 97) b[i] = Math.floor(rand() * 256);
      return b;
    });
    const starts: number[] = [];
    const parts: Buffer[] = [];
    let length = 0;
    for (const body of bodies) {
      const prefix = Buffer.alloc(4);
      prefix.writeInt32BE(body.length, 0);
      starts.push(length);
      parts.push(prefix, body);
      length += 4 + body.length;
    }
    const stream = Buffer.concat(parts);
    const cuts = randomCuts(rand, length);
    // Each chunk a buffer of its own, as a socket delivers them.
    const chunks = cuts.slice(1).map((end, i) => Buffer.from(stream.subarray(cuts[i]!, end)));
    /** The chunk holding a stream position: a binary search over the cut points. */
    const chunkOf = (position: number) => {
      let lo = 0;
      let hi = chunks.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (cuts[mid]! <= position) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    };

    const reader = new FrameReader({ minBytes, maxBytes });
    const out: Buffer[] = [];
    let pushedSinceDrained = 0;
    const pull = (limit: number) => {
      for (let n = 0; n < limit; n++) {
        const frame = reader.next();
        checkBound(reader, pushedSinceDrained, `seed ${seed}`);
        if (frame === null) {
          assert.is(reader.bufferedBytes, 0, `seed ${seed}: null while bytes are unconsumed`);
          pushedSinceDrained = 0;
          return;
        }
        out.push(frame);
      }
    };
    for (const chunk of chunks) {
      reader.push(chunk);
      pushedSinceDrained += chunk.length;
      // Sometimes a paused caller: it pulls a few frames, or none, and leaves the rest.
      pull(rand() < 0.3 ? Math.floor(rand() * 3) : Infinity);
    }
    pull(Infinity);

    assert.is(out.length, bodies.length, `seed ${seed}: frame count`);
    for (let i = 0; i < bodies.length; i++) {
      assert.ok(out[i]!.equals(bodies[i]!), `seed ${seed}: frame ${i} differs`);
      const bodyStart = starts[i]! + 4;
      const first = chunkOf(bodyStart);
      const inOne = bodies[i]!.length === 0 || chunkOf(bodyStart + bodies[i]!.length - 1) === first;
      if (inOne && bodies[i]!.length > 0) {
        assert.ok(within(out[i]!, chunks[first]!), `seed ${seed}: frame ${i} lay in one chunk and should be a slice of it`);
      } else if (!inOne) {
        assert.is(out[i]!.length, bodies[i]!.length);
        const last = chunkOf(bodyStart + bodies[i]!.length - 1);
        for (let c = first; c <= last; c++) assert.not.ok(overlaps(out[i]!, chunks[c]!), `seed ${seed}: frame ${i} spans chunks and must be a copy`);
      }
    }
    assert.is(reader.bufferedBytes, 0);
    assert.is(reader.assemblingBytes, 0);
  }
});

/** Feeds `stream` in random pieces; returns the frames and the error, which must be the reader's own. */
function feed(reader: FrameReader, stream: Buffer, rand: () => number, seed: number): { frames: Buffer[]; error: FrameSizeError | null } {
  const cuts = randomCuts(rand, stream.length);
  const frames: Buffer[] = [];
  let pushedSinceDrained = 0;
  for (let i = 1; i < cuts.length; i++) {
    const chunk = Buffer.from(stream.subarray(cuts[i - 1]!, cuts[i]!));
    reader.push(chunk);
    pushedSinceDrained += chunk.length;
    try {
      for (let f = reader.next(); f !== null; f = reader.next()) {
        assert.ok(f.length >= reader.minBytes && f.length <= reader.maxBytes, `seed ${seed}: frame of ${f.length} outside the limits`);
        frames.push(f);
        checkBound(reader, pushedSinceDrained, `seed ${seed}`);
      }
      assert.is(reader.bufferedBytes, 0);
      pushedSinceDrained = 0;
    } catch (e) {
      if (!(e instanceof FrameSizeError)) throw new Error(`seed ${seed}: threw ${String(e)}`);
      assert.ok(e.size < reader.minBytes || e.size > reader.maxBytes, `seed ${seed}: refused ${e.size}, which is within the limits`);
      assert.is(reader.bufferedBytes, 0, `seed ${seed}: a failed reader holds nothing`);
      assert.is(reader.assemblingBytes, 0);
      assert.throws(() => reader.next(), (again: unknown) => again === e);
      return { frames, error: e };
    }
    checkBound(reader, pushedSinceDrained, `seed ${seed}`);
  }
  return { frames, error: null };
}

test('garbage never throws anything but FrameSizeError, and never allocates past the limit', () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    const rand = rng(1000 + seed);
    const garbage = Buffer.allocUnsafe(4 + Math.floor(rand() * 20_000));
    for (let i = 0; i < garbage.length; i++) garbage[i] = Math.floor(rand() * 256);
    // Small sizes here and there, so that some garbage gets through as frames.
    for (let i = 0; i < 8 && rand() < 0.5; i++) garbage.writeInt32BE(Math.floor(rand() * 40), Math.floor(rand() * (garbage.length - 3)));
    feed(new FrameReader({ minBytes: 4, maxBytes: 4 + Math.floor(rand() * 70_000) }), garbage, rand, seed);
  }
});

test('mutated valid streams give the frames before the damage, then frames or the reader error', () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    const rand = rng(5000 + seed);
    const bodies = Array.from({ length: 1 + Math.floor(rand() * 30) }, () => Buffer.alloc(8 + Math.floor(rand() * 2000), seed & 0xff));
    const stream = Buffer.concat(
      bodies.flatMap((b) => {
        const prefix = Buffer.alloc(4);
        prefix.writeInt32BE(b.length, 0);
        return [prefix, b];
      }),
    );
    const damagedAt = Math.floor(rand() * stream.length);
    const mutated = Buffer.from(stream);
    mutated[damagedAt] = (mutated[damagedAt]! ^ (1 + Math.floor(rand() * 255))) & 0xff;
    const { frames } = feed(new FrameReader({ minBytes: 8, maxBytes: 4096 }), mutated, rand, seed);
    // Frames that end before the damaged byte are unaffected.
    let end = 0;
    for (let i = 0; i < bodies.length; i++) {
      end += 4 + bodies[i]!.length;
      if (end > damagedAt) break;
      assert.ok(frames[i]?.equals(bodies[i]!), `seed ${seed}: frame ${i} before the damage`);
    }
  }
});

test.run();
