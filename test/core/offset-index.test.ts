import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OffsetIndex } from '../../src/core/offset-index.js';
import { TimeIndex } from '../../src/core/time-index.js';
import { tempDir } from './helpers.js';

test('lookup returns the greatest entry at or below the target offset', () => {
  const t = tempDir();
  const index = new OffsetIndex(join(t.dir, 'a.index'), 100, 1024);
  for (const [offset, position] of [
    [110, 4096],
    [120, 8200],
    [135, 12300],
  ] as const) index.append(offset, position);
  assert.equal(index.lookup(100), { offset: 100, position: 0 }, 'below the first entry: segment start');
  assert.equal(index.lookup(109), { offset: 100, position: 0 });
  assert.equal(index.lookup(110), { offset: 110, position: 4096 }, 'exactly an entry');
  assert.equal(index.lookup(119), { offset: 110, position: 4096 }, 'between entries');
  assert.equal(index.lookup(120), { offset: 120, position: 8200 });
  assert.equal(index.lookup(134), { offset: 120, position: 8200 });
  assert.equal(index.lookup(135), { offset: 135, position: 12300 });
  assert.equal(index.lookup(1_000_000), { offset: 135, position: 12300 }, 'past the last entry');
  index.close();
  t.remove();
});

test('entries survive a reopen, in Kafka’s 8-byte layout', () => {
  const t = tempDir();
  const path = join(t.dir, 'b.index');
  const index = new OffsetIndex(path, 1000, 1024);
  index.append(1005, 500);
  index.append(1010, 900);
  index.close();
  const bytes = readFileSync(path);
  assert.equal([...bytes], [0, 0, 0, 5, 0, 0, 1, 0xf4, 0, 0, 0, 10, 0, 0, 3, 0x84]);
  const again = new OffsetIndex(path, 1000, 1024);
  assert.is(again.entryCount, 2);
  assert.equal(again.lookup(1012), { offset: 1010, position: 900 });
  again.close();
  t.remove();
});

test('a damaged index keeps its longest valid prefix', () => {
  const t = tempDir();
  const path = join(t.dir, 'c.index');
  const good = Buffer.alloc(8 * 3 + 3);
  good.writeInt32BE(1, 0);
  good.writeInt32BE(100, 4);
  good.writeInt32BE(2, 8);
  good.writeInt32BE(200, 12);
  good.writeInt32BE(1, 16); // goes backwards: invalid from here
  good.writeInt32BE(300, 20);
  writeFileSync(path, good);
  const index = new OffsetIndex(path, 0, 1024);
  assert.is(index.entryCount, 2);
  assert.is(statSync(path).size, 16, 'the bad tail is cut from the file');
  index.close();
  t.remove();
});

test('the index refuses entries that do not grow and reports when full', () => {
  const t = tempDir();
  const index = new OffsetIndex(join(t.dir, 'd.index'), 0, 16);
  index.append(1, 10);
  assert.throws(() => index.append(1, 20), /does not follow/);
  assert.throws(() => index.append(2, 5), /does not follow/);
  index.append(2, 20);
  assert.ok(index.isFull);
  assert.throws(() => index.append(3, 30), /full/);
  index.truncateToOffset(2);
  assert.is(index.entryCount, 1);
  assert.not.ok(index.isFull);
  index.close();
  assert.ok(existsSync(join(t.dir, 'd.index')));
  t.remove();
});

test('the time index finds the last entry before a timestamp and only grows', () => {
  const t = tempDir();
  const index = new TimeIndex(join(t.dir, 'e.timeindex'), 50, 1200);
  index.maybeAppend(1000, 55);
  index.maybeAppend(900, 58); // older timestamp: ignored
  index.maybeAppend(2000, 60);
  assert.is(index.entryCount, 2);
  assert.equal(index.lookup(500), { timestamp: -1, offset: 50 }, 'before everything: the segment start');
  assert.equal(index.lookup(1000), { timestamp: -1, offset: 50 }, 'an entry equal to the target is not below it');
  assert.equal(index.lookup(1500), { timestamp: 1000, offset: 55 });
  assert.equal(index.lookup(5000), { timestamp: 2000, offset: 60 });
  index.close();
  const again = new TimeIndex(join(t.dir, 'e.timeindex'), 50, 1200);
  assert.equal(again.lastEntry(), { timestamp: 2000, offset: 60 });
  again.close();
  t.remove();
});

test.run();
