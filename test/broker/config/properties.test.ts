import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../../src/broker/config/errors.js';
import { parseProperties } from '../../../src/broker/config/properties.js';

function asMap(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of parseProperties(text).entries) out[e.key] = e.value;
  return out;
}

test('equals, colon and a blank all separate key from value, with blanks around them skipped', () => {
  const parsed = asMap(['a=1', 'b: 2', 'c 3', '  d   =   4', 'e\t:\t5', 'f  ==6', 'g:=7'].join('\n'));
  assert.equal(parsed, { a: '1', b: '2', c: '3', d: '4', e: '5', f: '=6', g: '=7' });
});

test('a key alone has an empty value', () => {
  assert.equal(asMap('lonely\nalso.lonely=\nblank.after=   '), { lonely: '', 'also.lonely': '', 'blank.after': '' });
});

test('lines starting with # or ! are comments, even after leading blanks', () => {
  const parsed = asMap(['# comment=1', '! other=2', '   # indented=3', '\t! tabbed=4', 'real=5'].join('\n'));
  assert.equal(parsed, { real: '5' });
});

test('a # inside a value is part of the value', () => {
  assert.equal(asMap('url=http://h/#frag'), { url: 'http://h/#frag' });
});

test('a trailing backslash continues the value and drops the next line\'s leading blanks', () => {
  const text = ['listeners=PLAINTEXT://a:1,\\', '          CLIENT://b:2,\\', '\tOTHER://c:3', 'next=x'].join('\n');
  assert.equal(asMap(text), { listeners: 'PLAINTEXT://a:1,CLIENT://b:2,OTHER://c:3', next: 'x' });
});

test('an even number of trailing backslashes is an escaped backslash, not a continuation', () => {
  assert.equal(asMap('path=C:\\\\dir\\\\\nnext=1'), { path: 'C:\\dir\\', next: '1' });
});

test('a continuation line that starts with # is data, not a comment', () => {
  assert.equal(asMap('a=one \\\n  #two'), { a: 'one #two' });
});

test('a comment ending in a backslash does not swallow the next line', () => {
  assert.equal(asMap('# note \\\nkept=yes'), { kept: 'yes' });
});

test('a continuation into an empty line ends the value', () => {
  assert.equal(asMap('a=x\\\n\nb=y'), { a: 'x', b: 'y' });
});

test('a backslash on the last line of the text continues into nothing', () => {
  assert.equal(asMap('a=end\\'), { a: 'end' });
});

test('escapes \\t \\n \\r \\f and \\uXXXX are decoded in values', () => {
  assert.equal(asMap('v=a\\tb\\nc\\rd\\fe\\u00e9\\u0041'), { v: 'a\tb\nc\rd\fe\u00e9A' });
});

test('escaped separators stay inside the key', () => {
  const parsed = asMap('key\\=with\\:colon\\ space=value\\=x');
  assert.equal(parsed, { 'key=with:colon space': 'value=x' });
});

test('a backslash before an ordinary character stands for that character', () => {
  assert.equal(asMap('v=\\q\\#\\!\\\\'), { v: 'q#!\\' });
});

test('trailing blanks of a value are kept, as Java keeps them', () => {
  assert.equal(asMap('v=abc  '), { v: 'abc  ' });
});

test('CRLF and lone CR line ends both separate lines', () => {
  assert.equal(asMap('a=1\r\nb=2\rc=3\n'), { a: '1', b: '2', c: '3' });
});

test('entries carry the line they start on, counting comments and continuations', () => {
  const { entries } = parseProperties(['# header', '', 'a=1', 'b=long \\', '  value', 'c=3'].join('\n'));
  assert.equal(
    entries.map((e) => [e.key, e.line]),
    [
      ['a', 3],
      ['b', 4],
      ['c', 6],
    ],
  );
});

test('a key given twice keeps its last value and the earlier line is reported as a duplicate', () => {
  const parsed = parseProperties('a=1\nb=2\na=3');
  assert.equal(asMap('a=1\nb=2\na=3'), { a: '3', b: '2' });
  assert.equal(
    parsed.duplicates.map((d) => [d.key, d.line]),
    [['a', 1]],
  );
});

test('a malformed \\u escape is a ConfigError naming the file and line', () => {
  try {
    parseProperties('ok=1\nbad=\\u12G4', '/etc/x.properties');
    assert.unreachable('should have thrown');
  } catch (err) {
    assert.instance(err, ConfigError);
    assert.match((err as Error).message, '/etc/x.properties:2');
  }
});

test.run();
