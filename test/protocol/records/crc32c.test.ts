import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { crc32c } from '../../../src/protocol/records/crc32c.js';

// Published check values: RFC 3720 (iSCSI) appendix B.4 and the common "123456789" check.
test('crc32c matches the standard check value of "123456789"', () => {
  assert.is(crc32c(Buffer.from('123456789')), 0xe3069283);
});

test('crc32c matches the RFC 3720 vectors', () => {
  assert.is(crc32c(Buffer.alloc(32, 0x00)), 0x8a9136aa);
  assert.is(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
  const up = Buffer.alloc(32);
  const down = Buffer.alloc(32);
  for (let i = 0; i < 32; i++) {
    up[i] = i;
    down[i] = 31 - i;
  }
  assert.is(crc32c(up), 0x46dd794e);
  assert.is(crc32c(down), 0x113fdb5c);
});

test('crc32c of nothing is zero', () => {
  assert.is(crc32c(Buffer.alloc(0)), 0);
});

test('crc32c agrees with a bitwise reference on every length and offset', () => {
  const reference = (b: Uint8Array): number => {
    let c = 0xffffffff;
    for (const byte of b) {
      c ^= byte;
      for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    }
    return ~c >>> 0;
  };
  const data = Buffer.alloc(300);
  for (let i = 0; i < data.length; i++) data[i] = (i * 131 + 7) & 0xff;
  for (let start = 0; start < 9; start++) {
    // Lengths from 0 past 64 cover both the bytewise and the word paths at every alignment.
    for (let end = start; end <= data.length; end += 7) {
      assert.is(crc32c(data, start, end), reference(data.subarray(start, end)), `[${start}, ${end})`);
    }
  }
});

test('crc32c continues across parts', () => {
  const a = Buffer.from('hello, ');
  const b = Buffer.from('world and more bytes than eight');
  assert.is(crc32c(b, 0, b.length, crc32c(a)), crc32c(Buffer.concat([a, b])));
});

test.run();
