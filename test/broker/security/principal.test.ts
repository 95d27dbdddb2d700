/**
 * The TLS principal: the DN as Java's X500Principal.getName() prints it, and Kafka's
 * SslPrincipalMapper rules. The mapper cases are those of Kafka's SslPrincipalMapperTest, and
 * more; DNs come from hand-built DER Names (every escaping and encoding rule) and from real
 * certificates made with openssl (skipped without it). With Java, every DN is also printed by
 * X500Principal itself, and with kafka-clients' jars (test/interop/java/setup.sh) every rule
 * set is parsed and applied by Kafka's own SslPrincipalMapper, and the answers must agree.
 */
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ANONYMOUS_PRINCIPAL,
  NoMatchingRuleError,
  PrincipalRuleError,
  distinguishedName,
  formatDistinguishedName,
  mapPrincipal,
  parsePrincipalMappingRules,
  principalFromCertificate,
} from '../../../src/broker/security/principal.js';
import { type Certs, makeCerts, opensslMissing } from '../../helpers/certs.js';
import { needs } from '../../helpers/needs.js';

// ─── DER Names by hand ───────────────────────────────────────────────────────────────────────

function tlv(tag: number, ...content: Uint8Array[]): Buffer {
  const body = Buffer.concat(content);
  const n = body.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...length]), body]);
}

function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(BigInt);
  const out: number[] = [];
  const push = (v: bigint) => {
    const groups: number[] = [Number(v & 0x7fn)];
    for (v >>= 7n; v > 0n; v >>= 7n) groups.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...groups);
  };
  push(arcs[0]! * 40n + arcs[1]!);
  for (const a of arcs.slice(2)) push(a);
  return tlv(0x06, Buffer.from(out));
}

const UTF8 = 0x0c;
const PRINTABLE = 0x13;
const T61 = 0x14;
const IA5 = 0x16;
const UNIVERSAL = 0x1c;
const BMP = 0x1e;

const OID = {
  CN: '2.5.4.3',
  C: '2.5.4.6',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  STREET: '2.5.4.9',
  DC: '0.9.2342.19200300.100.1.25',
  UID: '0.9.2342.19200300.100.1.1',
  SERIALNUMBER: '2.5.4.5',
  SURNAME: '2.5.4.4',
  GIVENNAME: '2.5.4.42',
  TITLE: '2.5.4.12',
  EMAIL: '1.2.840.113549.1.9.1',
};

/** One attribute; a string value is UTF-8 (or BMP's UTF-16BE), bytes are taken as they are. */
function attr(type: string, value: string | Uint8Array, tag = UTF8): Buffer {
  const bytes = typeof value !== 'string' ? value : tag === BMP ? Buffer.from(value, 'utf16le').swap16() : Buffer.from(value, 'utf8');
  return tlv(0x30, oid(type), tlv(tag, bytes));
}
const rdn = (...attrs: Buffer[]) => tlv(0x31, ...attrs);
/** A Name, RDNs in certificate order (least specific first). */
const name = (...rdns: Buffer[]) => tlv(0x30, ...rdns);
const cn = (value: string | Uint8Array, tag = UTF8) => name(rdn(attr(OID.CN, value, tag)));

/** Hand-built Names and the DN Java prints for each (checked against Java when it is here). */
const NAMES: [string, Buffer, string][] = [
  ['plain, most specific first', name(rdn(attr(OID.C, 'NO', PRINTABLE)), rdn(attr(OID.L, 'Oslo')), rdn(attr(OID.O, 'Spindle')), rdn(attr(OID.OU, 'Engineering')), rdn(attr(OID.CN, 'alice'))), 'CN=alice,OU=Engineering,O=Spindle,L=Oslo,C=NO'],
  ['comma and plus', cn('Smith, John + Co'), 'CN=Smith\\, John \\+ Co'],
  ['every escaped character', cn('a,b=c+d<e>f#g;h"i\\j'), 'CN=a\\,b\\=c\\+d\\<e\\>f\\#g\\;h\\"i\\\\j'],
  ['a leading # and spaces at both ends', cn(' #lead trail  '), 'CN=\\ \\#lead trail\\ \\ '],
  ['only spaces', cn('   '), 'CN=\\ \\ \\ '],
  ['a carriage return at the ends, a newline inside', cn('\rx\ny\r'), 'CN=\\\rx\ny\\\r'],
  ['NUL', cn('a\u0000b'), 'CN=a\\00b'],
  ['an empty value', cn(''), 'CN='],
  ['characters Java leaves alone', cn("a_b@c*d&e!f%g~h'(x):y/z?"), "CN=a_b@c*d&e!f%g~h'(x):y/z?"],
  ['non-ASCII UTF-8 and a supplementary character', cn('Ærøskøbing 😀'), 'CN=Ærøskøbing 😀'],
  ['IA5String keyword', name(rdn(attr(OID.DC, 'com', IA5)), rdn(attr(OID.DC, 'example', IA5)), rdn(attr(OID.UID, 'jsmith'))), 'UID=jsmith,DC=example,DC=com'],
  ['every keyword', name(rdn(attr(OID.C, 'US', PRINTABLE)), rdn(attr(OID.ST, 'MD')), rdn(attr(OID.L, 'Fulton')), rdn(attr(OID.STREET, '1 Main St')), rdn(attr(OID.O, 'Org')), rdn(attr(OID.OU, 'Unit')), rdn(attr(OID.CN, 'n'))), 'CN=n,OU=Unit,O=Org,STREET=1 Main St,L=Fulton,ST=MD,C=US'],
  ['emailAddress as an OID and hex', name(rdn(attr(OID.CN, 'alice')), rdn(attr(OID.EMAIL, 'alice@example.com', IA5))), '1.2.840.113549.1.9.1=#1611616c696365406578616d706c652e636f6d,CN=alice'],
  ['types without an RFC 2253 keyword', name(rdn(attr(OID.SERIALNUMBER, '42', PRINTABLE)), rdn(attr(OID.SURNAME, 'S')), rdn(attr(OID.GIVENNAME, 'G')), rdn(attr(OID.TITLE, 'T'))), '2.5.4.12=#0c0154,2.5.4.42=#0c0147,2.5.4.4=#0c0153,2.5.4.5=#13023432'],
  ['unknown OIDs, large arcs', name(rdn(attr('1.3.6.1.4.1.99999.1', 'x')), rdn(attr('2.999.123456789012345678', 'y'))), '2.999.123456789012345678=#0c0179,1.3.6.1.4.1.99999.1=#0c0178'],
  ['a keyword with a non-string value: hex', cn(Buffer.from('00000041', 'hex'), UNIVERSAL), 'CN=#1c0400000041'],
  ['a keyword with an INTEGER value: hex', name(rdn(tlv(0x30, oid(OID.CN), tlv(0x02, Buffer.from([0x05]))))), 'CN=#020105'],
  ['multi-valued RDN in encoded order', name(rdn(attr(OID.O, 'Spindle')), rdn(attr(OID.OU, 'Ops'), attr(OID.OU, 'Eng'), attr(OID.CN, 'x'))), 'OU=Ops+OU=Eng+CN=x,O=Spindle'],
  ['multi-valued RDN with a plus in a value', name(rdn(attr(OID.UID, 'js'), attr(OID.CN, 'a+b'))), 'UID=js+CN=a\\+b'],
  ['the empty Name', name(), ''],
  ['a long value (two-byte length)', cn('x'.repeat(300)), `CN=${'x'.repeat(300)}`],
];
/**
 * String types other than UTF8String with non-ASCII content: Java 17 decodes their bytes as
 * UTF-8, as we do; Java 25 would print CN=Grü, CN=Gün and CN=Gé. Compared with Java 17 only.
 */
const CHARSETS: [string, Buffer, string][] = [
  ['BMPString, its bytes as UTF-8', cn('Grü', BMP), 'CN=\\00G\\00r\\00\ufffd'],
  ['T61String with a high byte', cn(Buffer.from([0x47, 0xfc, 0x6e]), T61), 'CN=G\ufffdn'],
  ['PrintableString with a high byte', cn(Buffer.from([0x47, 0xe9]), PRINTABLE), 'CN=G\ufffd'],
];
/** Malformed text: how the replacement characters fall is compared with Java 17 only. */
const DECODING: [string, Buffer][] = [
  ['IA5String with a high byte', name(rdn(attr(OID.DC, Buffer.from([0x61, 0xe9]), IA5)))],
  ['malformed UTF-8', cn(Buffer.from([0x41, 0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0xf0, 0x9f, 0x98]))],
  ['BMPString with a lone surrogate and an odd byte', cn(Buffer.from([0x00, 0x41, 0xd8, 0x3d, 0x00, 0x42, 0x00]), BMP)],
  ...(() => {
    // Short runs of the bytes where UTF-8 decoders differ (lead bytes, continuations, limits).
    const pool = [0x41, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xef, 0xf0, 0xf1, 0xf4, 0xf5, 0xff];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    return Array.from({ length: 400 }, (_, k): [string, Buffer] => {
      const bytes = Buffer.from(Array.from({ length: 1 + (next() % 6) }, () => pool[next() % pool.length]!));
      return [`malformed UTF-8 #${k} ${bytes.toString('hex')}`, cn(bytes)];
    });
  })(),
];

test('DN: hand-built Names print as Java prints them', () => {
  for (const [what, der, dn] of [...NAMES, ...CHARSETS]) assert.is(formatDistinguishedName(der), dn, what);
  assert.is(formatDistinguishedName(cn(Buffer.from([0x41, 0xff, 0x42]))), 'CN=A\ufffdB');
});

test('DN: malformed DER is an error, not a guess', () => {
  const good = cn('x');
  assert.throws(() => formatDistinguishedName(good.subarray(0, good.length - 1)), /truncated/);
  assert.throws(() => formatDistinguishedName(Buffer.concat([good, Buffer.from([0])])), /bytes after/);
  assert.throws(() => formatDistinguishedName(tlv(0x30, tlv(0x31))), /empty/);
  assert.throws(() => formatDistinguishedName(tlv(0x30, tlv(0x30, tlv(0x30, oid(OID.CN), tlv(UTF8, Buffer.from('x')))))), /expected DER tag 0x31/);
  assert.throws(() => formatDistinguishedName(tlv(0x30, tlv(0x31, tlv(0x30, oid(OID.CN))))), /1 elements, expected 2/);
  assert.throws(() => formatDistinguishedName(Buffer.from([0x30, 0x80, 0x00, 0x00])), /indefinite/);
  assert.throws(() => distinguishedName(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01])), /TBSCertificate/);
});

// ─── Rules: Kafka's SslPrincipalMapperTest ───────────────────────────────────────────────────

const shown = (rules: string) => `[${parsePrincipalMappingRules(rules).join(', ')}]`;

test("rules: Kafka's valid rules parse", () => {
  for (const rules of [
    'DEFAULT',
    'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/',
    'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L, DEFAULT',
    'RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/',
    'RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/L',
    'RULE:^cn=(.?),ou=(.?),dc=(.?),dc=(.?)$/$1@$2/U',
    'RULE:^CN=([^,ADEFLTU,]+)(,.*|$)/$1/',
    'RULE:^CN=([^,DEFAULT,]+)(,.*|$)/$1/',
  ]) {
    parsePrincipalMappingRules(rules);
  }
});

test("rules: Kafka's invalid rules are refused with the reason", () => {
  for (const rules of [
    'default',
    'DEFAUL',
    'DEFAULT/L',
    'DEFAULT/U',
    'RULE:CN=(.*?),OU=ServiceUsers.*/$1',
    'rule:^CN=(.*?),OU=ServiceUsers.*$/$1/',
    'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L/U',
    'RULE:^CN=(.*?),OU=ServiceUsers.*$/L',
    'RULE:^CN=(.*?),OU=ServiceUsers.*$/U',
    'RULE:^CN=(.*?),OU=ServiceUsers.*$/LU',
  ]) {
    assert.throws(() => parsePrincipalMappingRules(rules), (e: unknown) => e instanceof PrincipalRuleError && /^Invalid rule: `/.test(e.message), rules);
  }
  try {
    parsePrincipalMappingRules('RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L/U');
    assert.unreachable();
  } catch (e) {
    assert.is((e as Error).message, 'Invalid rule: `RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L/U`, unmatched substring: `/U`');
  }
});

test("rules: Kafka's mapper test — several rules, L and U, DEFAULT last", () => {
  const rules = parsePrincipalMappingRules(
    [
      'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L',
      'RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/L',
      'RULE:^cn=(.*?),ou=(.*?),dc=(.*?),dc=(.*?)$/$1@$2/U',
      'RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/U',
      'DEFAULT',
    ].join(', '),
  );
  assert.is(mapPrincipal(rules, 'CN=Duke,OU=ServiceUsers,O=Org,C=US'), 'duke');
  assert.is(mapPrincipal(rules, 'CN=Duke,OU=SME,O=mycp,L=Fulton,ST=MD,C=US'), 'duke@sme');
  assert.is(mapPrincipal(rules, 'cn=duke,ou=sme,dc=mycp,dc=com'), 'DUKE@SME');
  assert.is(mapPrincipal(rules, 'cN=duke,OU=JavaSoft,O=Sun Microsystems'), 'DUKE');
  assert.is(mapPrincipal(rules, 'OU=JavaSoft,O=Sun Microsystems,C=US'), 'OU=JavaSoft,O=Sun Microsystems,C=US');
});

/** Kafka's testRulesSplitting: how a value splits into rules, shown as Kafka prints them. */
const SPLITTING: [string, string][] = [
  ['[]', ''],
  ['[DEFAULT]', 'DEFAULT'],
  ['[RULE:/]', 'RULE://'],
  ['[RULE:/.*]', 'RULE:/.*/'],
  ['[RULE:/.*/L]', 'RULE:/.*/L'],
  ['[RULE:/, DEFAULT]', 'RULE://,DEFAULT'],
  ['[RULE:/, DEFAULT]', '  RULE:// ,  DEFAULT  '],
  ['[RULE:   /     , DEFAULT]', '  RULE:   /     / ,  DEFAULT  '],
  ['[RULE:  /     /U, DEFAULT]', '  RULE:  /     /U   ,DEFAULT  '],
  ['[RULE:([A-Z]*)/$1/U, RULE:([a-z]+)/$1, DEFAULT]', '  RULE:([A-Z]*)/$1/U   ,RULE:([a-z]+)/$1/,   DEFAULT  '],
  ['[]', ',   , , ,      , , ,   '],
  ['[RULE:/, DEFAULT]', ',,RULE://,,,DEFAULT,,'],
  ['[RULE: /   , DEFAULT]', ',  , RULE: /   /    ,,,   DEFAULT, ,   '],
  ['[RULE:   /  /U, DEFAULT]', '     ,  , RULE:   /  /U    ,,  ,DEFAULT, ,'],
  ['[RULE:\\/\\\\\\(\\)\\n\\t/\\/\\/]', 'RULE:\\/\\\\\\(\\)\\n\\t/\\/\\//'],
  ['[RULE:\\**\\/+/*/L, RULE:\\/*\\**/**]', 'RULE:\\**\\/+/*/L,RULE:\\/*\\**/**/'],
  [
    '[RULE:,RULE:,/,RULE:,\\//U, RULE:,/RULE:,, RULE:,RULE:,/L,RULE:,/L, RULE:, DEFAULT, /DEFAULT, DEFAULT]',
    'RULE:,RULE:,/,RULE:,\\//U,RULE:,/RULE:,/,RULE:,RULE:,/L,RULE:,/L,RULE:, DEFAULT, /DEFAULT/,DEFAULT',
  ],
];

test("rules: Kafka's splitting cases — spaces, empty items, escapes, commas inside rules", () => {
  for (const [expected, rules] of SPLITTING) assert.is(shown(rules), expected, JSON.stringify(rules));
});

test("rules: Kafka's comma-with-whitespace case (an escaped comma inside a CN)", () => {
  const rules = parsePrincipalMappingRules('RULE:^CN=((\\\\, *|\\w)+)(,.*|$)/$1/,DEFAULT');
  assert.is(mapPrincipal(rules, 'CN=Tkac\\, Adam,OU=ITZ,DC=geodis,DC=cz'), 'Tkac\\, Adam');
});

// ─── Rules: beyond Kafka's test ──────────────────────────────────────────────────────────────

test('rules: no rule matching is NoMatchingRuleError; no rules at all match nothing; null is DEFAULT', () => {
  const rules = parsePrincipalMappingRules('RULE:^CN=(.*?),O=Spindle$/$1/');
  assert.is(mapPrincipal(rules, 'CN=alice,O=Spindle'), 'alice');
  assert.throws(() => mapPrincipal(rules, 'CN=alice,O=Other'), (e: unknown) => e instanceof NoMatchingRuleError && e.message === 'No rules apply to CN=alice,O=Other, rules [RULE:^CN=(.*?),O=Spindle$/$1]');
  assert.throws(() => mapPrincipal(parsePrincipalMappingRules(''), 'CN=x'), (e: unknown) => e instanceof NoMatchingRuleError);
  assert.throws(() => mapPrincipal(parsePrincipalMappingRules(' , '), 'CN=x'), (e: unknown) => e instanceof NoMatchingRuleError);
  assert.is(mapPrincipal(parsePrincipalMappingRules(null), 'CN=x,O=y'), 'CN=x,O=y');
  assert.is(mapPrincipal(parsePrincipalMappingRules(undefined), ''), '');
});

test('rules: the pattern must match the whole DN, and then every match in it is replaced', () => {
  assert.throws(() => mapPrincipal(parsePrincipalMappingRules('RULE:CN=alice/x/'), 'CN=alice,O=Spindle'), (e: unknown) => e instanceof NoMatchingRuleError);
  // Java's replaceAll: "abc".replaceAll(".*?", "-") is "-a-b-c-".
  assert.is(mapPrincipal(parsePrincipalMappingRules('RULE:.*?/-/'), 'abc'), '-a-b-c-');
  assert.is(mapPrincipal(parsePrincipalMappingRules('RULE:.*/[$0]/'), 'abc'), '[abc][]');
});

test('rules: group references as Kafka and Java read them', () => {
  const one = (replacement: string, dn = 'CN=alice,O=Spindle') => mapPrincipal(parsePrincipalMappingRules(`RULE:^CN=([^,]+),.*$/${replacement}/`), dn);
  assert.is(one('$1'), 'alice');
  assert.is(one('$0'), 'CN=alice,O=Spindle', '$0 is the whole match');
  assert.is(one('$12'), 'alice2', 'more digits than groups: group 1, then "2"');
  assert.is(one('$2'), '$2', 'a group that does not exist is literal, as Kafka escapes it');
  assert.is(one('x$2y$1'), 'x$2yalice');
  assert.is(one('\\$1'), '$1', 'an escaped $');
  assert.is(one('a\\/b\\\\$1'), 'a/b\\alice');
  assert.is(mapPrincipal(parsePrincipalMappingRules('RULE:^CN=(?<user>[^,]+),.*$/${user}@x/U'), 'CN=alice,O=S'), 'ALICE@X');
  assert.is(mapPrincipal(parsePrincipalMappingRules('RULE:^CN=(a)?(b)$/[$1][$2]/'), 'CN=b'), '[][b]', 'a group that took no part is empty');
});

test('rules: replacements Java would fail on are refused when parsed (Kafka fails each matching connection instead)', () => {
  for (const [rules, reason] of [
    ['RULE:^CN=(.*)$/$/', /'\$' at the end/],
    ['RULE:^CN=(.*)$/$x/', /'\$x' is not a group reference/],
    ['RULE:^CN=(.*)$/${nope}/', /no group named \{nope\}/],
    ['RULE:^CN=.*$/$1/', /\$1 names a group the pattern does not have \(it has 0\)/],
    // Kafka's back-reference escaping misplaces its second backslash: Java then fails on $6.
    ['RULE:^CN=(.*?),O=(.*)$/$5@$6/', /\$6 names a group/],
  ] as const) {
    assert.throws(() => parsePrincipalMappingRules(rules), (e: unknown) => e instanceof PrincipalRuleError && reason.test(e.message) && e.message.startsWith(`Invalid rule: \`${rules}\``), rules);
  }
});

test('rules: Java regular expressions translated to what they mean in Java', () => {
  const map = (rule: string, dn: string) => {
    try {
      return mapPrincipal(parsePrincipalMappingRules(rule), dn);
    } catch (e) {
      if (e instanceof NoMatchingRuleError) return null;
      throw e;
    }
  };
  assert.is(map('RULE:(?i)^cn=([a-z]+),.*$/$1/L', 'CN=Alice,O=S'), 'alice', 'a leading (?i)');
  assert.is(map('RULE:^CN=\\Qa.b$\\E,.*$/quoted/', 'CN=a.b$,O=S'), 'quoted');
  assert.is(map('RULE:^CN=\\Qa.b\\E,.*$/quoted/', 'CN=axb,O=S'), null, '\\Q…\\E is literal');
  assert.is(map('RULE:^CN=(\\w+)\\s(\\w+)$/$2/', 'CN=a b'), 'b');
  assert.is(map('RULE:^CN=(\\S+)$/$1/', 'CN=a\u00a0b'), 'a\u00a0b', "\\s is ASCII whitespace, as Java's (JavaScript's includes U+00A0)");
  assert.is(map('RULE:^CN=(.+)$/$1/', 'CN=a\u0085b'), null, ". never matches U+0085 in Java");
  assert.is(map('RULE:CN=(\\w+)$\\n?/[$1]/', 'CN=x\n'), '[x]', '$ also matches before a final line terminator');
  assert.is(map('RULE:^CN=([]a]+)$/$1/', 'CN=a]a'), 'a]a', "']' first in a class is a literal");
  assert.is(map('RULE:^CN=(\\x41\\u0042\\0103\\x{44})$/$1/', 'CN=ABCD'), 'ABCD');
  assert.is(map('RULE:\\ACN=(a)\\1\\z/$1/', 'CN=aa'), 'a');
  assert.is(map('RULE:^CN=a{2}$/two/', 'CN=aa'), 'two');
  assert.is(map('RULE:^CN=[\\s,]+$/blank/', 'CN= ,\t'), 'blank');
  assert.is(map('RULE:^CN=a\\/b\\.c$/slash/', 'CN=a/b.c'), 'slash');
});

test('rules: Java features without an exact JavaScript equivalent are refused, clearly', () => {
  for (const rule of [
    'RULE:^CN=a*+$/x/',
    'RULE:^CN=(?>a)$/x/',
    'RULE:^CN=(?i)a$/x/',
    'RULE:^(?s)CN=.$/x/',
    'RULE:^CN=[a-z&&[^x]]$/x/',
    'RULE:^CN=[a[b]]$/x/',
    'RULE:^CN=\\p{Lower}$/x/',
    'RULE:^CN=\\R$/x/',
    'RULE:^CN=[\\S]$/x/',
    'RULE:^CN=(a)\\2$/x/',
  ]) {
    assert.throws(() => parsePrincipalMappingRules(rule), (e: unknown) => e instanceof PrincipalRuleError && /feature Spindle does not support/.test(e.message), rule);
  }
  for (const rule of ['RULE:^CN=a{$/x/', 'RULE:^CN=a{,2}$/x/', 'RULE:^CN=\\y$/x/', 'RULE:^CN=(a$/x/', 'RULE:^CN=[a$/x/', 'RULE:*/x/', 'RULE:^CN=\\0$/x/']) {
    assert.throws(() => parsePrincipalMappingRules(rule), (e: unknown) => e instanceof PrincipalRuleError && /invalid regular expression/.test(e.message), rule);
  }
});

// ─── principals ──────────────────────────────────────────────────────────────────────────────

test('principal: no certificate is User:ANONYMOUS; the DN comes from the DER subject', () => {
  assert.is(principalFromCertificate(undefined, parsePrincipalMappingRules('DEFAULT')), 'User:ANONYMOUS');
  assert.is(principalFromCertificate(null, []), ANONYMOUS_PRINCIPAL);
});

const withOpenssl = needs(opensslMissing);
let certs: Certs | undefined;
/** DER of certificates made for these tests, by name, with the DN Java gives each. */
const CERTS: [string, string, string][] = [];
test.before(() => {
  if (opensslMissing) return;
  certs = makeCerts({ truststore: false });
  const carol = certs.issue('carol', '/C=NO/O=Spindle/OU=Ops+OU=Eng/CN=Smith, John \\+ Co/emailAddress=carol@example.com');
  const dave = certs.issue('dave', '/DC=com/DC=example/O=Spindle \\/ Øst/CN= #dave=admin; "x" <y> ');
  CERTS.push(
    ['alice', certs.alice.cert, 'CN=alice,OU=Engineering,O=Spindle,L=Oslo,C=NO'],
    ['bob', certs.bob.cert, 'CN=bob,O=Spindle'],
    ['mallory', certs.mallory.cert, 'CN=mallory,O=Elsewhere'],
    ['server', certs.server.cert, 'CN=localhost'],
    ['carol', carol.cert, '1.2.840.113549.1.9.1=#16116361726f6c406578616d706c652e636f6d,CN=Smith\\, John \\+ Co,OU=Eng+OU=Ops,O=Spindle,C=NO'],
    ['dave', dave.cert, 'CN=\\ \\#dave\\=admin\\; \\"x\\" \\<y\\>\\ ,O=Spindle / Øst,DC=example,DC=com'],
  );
});
test.after(() => certs?.remove());

withOpenssl('DN: certificates made by openssl, as Java prints their subjects (emailAddress as hex, multi-valued RDN, escapes)', () => {
  for (const [what, pem, dn] of CERTS) {
    const cert = new X509Certificate(pem);
    assert.is(distinguishedName(cert), dn, what);
    assert.is(distinguishedName(cert.raw), dn, `${what} (DER)`);
  }
});

withOpenssl('principal: from a certificate, through the rules', () => {
  const alice = new X509Certificate(certs!.alice.cert);
  const bob = new X509Certificate(certs!.bob.cert);
  assert.is(principalFromCertificate(alice), 'User:CN=alice,OU=Engineering,O=Spindle,L=Oslo,C=NO', 'DEFAULT when no rules are given');
  const rules = parsePrincipalMappingRules('RULE:^CN=([^,]+),OU=([^,]+),O=Spindle,.*$/$1@$2/L, RULE:^CN=([^,]+),O=Spindle$/$1/U');
  assert.is(principalFromCertificate(alice, rules), 'User:alice@engineering');
  assert.is(principalFromCertificate(bob, rules), 'User:BOB');
  assert.throws(() => principalFromCertificate(new X509Certificate(certs!.mallory.cert), rules), (e: unknown) => e instanceof NoMatchingRuleError);
});

// ─── Against Java and Kafka's own SslPrincipalMapper ─────────────────────────────────────────

const JAVA_CHECK = `
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.security.cert.*;
import java.util.HexFormat;
import javax.security.auth.x500.X500Principal;

public class PrincipalCheck {
  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    HexFormat hex = HexFormat.of();
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    String line;
    while ((line = in.readLine()) != null) {
      String[] f = line.split("\\t", -1);
      String out;
      try {
        byte[] a = hex.parseHex(f[1]);
        switch (f[0]) {
          case "name": out = new X500Principal(a).getName(); break;
          case "cert": out = ((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(a))).getSubjectX500Principal().getName(); break;
          case "rules": out = mapper(new String(a, StandardCharsets.UTF_8)).toString(); break;
          case "map": {
            Object m = mapper(new String(a, StandardCharsets.UTF_8));
            out = (String) m.getClass().getMethod("getName", String.class).invoke(m, new String(hex.parseHex(f[2]), StandardCharsets.UTF_8));
            break;
          }
          default: throw new IllegalArgumentException(f[0]);
        }
        System.out.println("OK\\t" + hex.formatHex(out.getBytes(StandardCharsets.UTF_8)));
      } catch (Throwable t) {
        while (t instanceof java.lang.reflect.InvocationTargetException) t = t.getCause();
        System.out.println("ERR\\t" + hex.formatHex((t.getClass().getSimpleName() + ": " + t.getMessage()).getBytes(StandardCharsets.UTF_8)));
      }
    }
  }

  static Object mapper(String rules) throws Throwable {
    try {
      return Class.forName("org.apache.kafka.common.security.ssl.SslPrincipalMapper").getMethod("fromRules", String.class).invoke(null, rules);
    } catch (java.lang.reflect.InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
`;

const javaVersion = spawnSync('java', ['-version'], { encoding: 'utf8' });
const hasJava = javaVersion.status === 0;
/** The major version of the java on PATH (17 here), from `java -version`'s first line. */
const javaMajor = Number(/version "(?:1\.)?(\d+)/.exec(javaVersion.stderr ?? '')?.[1] ?? 0);
const javaDir = new URL('../../../../test/interop/java/', import.meta.url).pathname;
const kafkaJar = (() => {
  if (!existsSync(join(javaDir, 'VERSIONS'))) return null;
  for (const v of readFileSync(join(javaDir, 'VERSIONS'), 'utf8').split('\n').map((s) => s.trim()).filter(Boolean)) {
    const jar = join(javaDir, `lib-${v}`, `kafka-clients-${v}.jar`);
    if (existsSync(join(javaDir, `lib-${v}`, '.complete')) && existsSync(jar)) return jar;
  }
  return null;
})();

type Outcome = { ok: string } | { error: string };

/** Runs each request line through one JVM; answers in order. */
function java(requests: string[][], classpath: string | null): Outcome[] {
  const dir = mkdtempSync(join(tmpdir(), 'spindle-principal-'));
  try {
    writeFileSync(join(dir, 'PrincipalCheck.java'), JAVA_CHECK);
    const input = requests.map((r) => [r[0], ...r.slice(1).map((s) => Buffer.from(s, r[0] === 'name' || r[0] === 'cert' ? 'hex' : 'utf8').toString('hex'))].join('\t')).join('\n');
    const r = spawnSync('java', [...(classpath ? ['-cp', classpath] : []), join(dir, 'PrincipalCheck.java')], { input: `${input}\n`, encoding: 'utf8', maxBuffer: 1 << 26 });
    assert.is(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.is(lines.length, requests.length, r.stdout + r.stderr);
    return lines.map((l) => {
      const [status, h] = l.split('\t') as [string, string];
      const text = Buffer.from(h, 'hex').toString('utf8');
      return status === 'OK' ? { ok: text } : { error: text };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ours = (f: () => string): Outcome => {
  try {
    return { ok: f() };
  } catch (e) {
    return { error: (e as Error).message };
  }
};

needs(hasJava ? '' : 'Java is not installed')("DN: Java's X500Principal.getName() prints every hand-built Name (and every test certificate) as we do", () => {
  const cases: [string, Buffer][] = [...NAMES, ...(javaMajor === 17 ? [...CHARSETS, ...DECODING] : [])].map(([w, d]) => [w, d]);
  const requests = cases.map(([, der]) => ['name', der.toString('hex')]);
  for (const [, pem] of CERTS) requests.push(['cert', new X509Certificate(pem).raw.toString('hex')]);
  const answers = java(requests, null);
  cases.forEach(([what, der], i) => assert.equal(ours(() => formatDistinguishedName(der)), answers[i], what));
  CERTS.forEach(([what, pem], i) => assert.equal(ours(() => distinguishedName(new X509Certificate(pem))), answers[cases.length + i], what));
});

/** Rule sets and DNs for Kafka's mapper and ours to agree on. */
const MAPPINGS: [string, string][] = [
  ['DEFAULT', 'CN=alice,O=Spindle'],
  ['', 'CN=alice'],
  ['RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L, DEFAULT', 'CN=Duke,OU=ServiceUsers,O=Org,C=US'],
  ['RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L', 'CN=Duke,OU=Other,O=Org,C=US'],
  ['RULE:^CN=((\\\\, *|\\w)+)(,.*|$)/$1/,DEFAULT', 'CN=Tkac\\, Adam,OU=ITZ,DC=geodis,DC=cz'],
  ['RULE:.*?/-/', 'abc'],
  ['RULE:.*/[$0]/', 'abc'],
  ['RULE:^CN=([^,]+),.*$/$12/', 'CN=alice,O=S'],
  ['RULE:^CN=([^,]+),.*$/$2/', 'CN=alice,O=S'],
  ['RULE:^CN=([^,]+),.*$/x$2y$1/', 'CN=alice,O=S'],
  ['RULE:^CN=([^,]+),.*$/$0/', 'CN=alice,O=S'],
  ['RULE:^CN=([^,]+),.*$/\\$1/', 'CN=alice,O=S'],
  ['RULE:^CN=([^,]+),.*$/a\\/b\\\\$1/', 'CN=alice,O=S'],
  ['RULE:^CN=(?<user>[^,]+),.*$/${user}@x/U', 'CN=alice,O=S'],
  ['RULE:^CN=(a)?(b)$/[$1][$2]/', 'CN=b'],
  ['RULE:^CN=(.*?),O=(.*)$/$5@$6/', 'CN=a,O=b'],
  ['RULE:^CN=(.*)$/$/', 'CN=a'],
  ['RULE:^CN=.*$/$1/', 'CN=a'],
  ['RULE:(?i)^cn=([a-z]+),.*$/$1/L', 'CN=Alice,O=S'],
  ['RULE:^CN=\\Qa.b$\\E,.*$/quoted/', 'CN=a.b$,O=S'],
  ['RULE:^CN=\\Qa.b\\E,.*$/quoted/', 'CN=axb,O=S'],
  ['RULE:^CN=(\\S+)$/$1/', 'CN=a\u00a0b'],
  ['RULE:^CN=(.+)$/$1/', 'CN=a\u0085b'],
  ['RULE:CN=(\\w+)$\\n?/[$1]/', 'CN=x\n'],
  ['RULE:CN=(\\w+)$/[$1]/', 'CN=x\r\n'],
  ['RULE:CN=(\\w+)\\r$\\n/[$1]/', 'CN=x\r\n'],
  ['RULE:^CN=([]a]+)$/$1/', 'CN=a]a'],
  ['RULE:^CN=([^]a]+)$/$1/', 'CN=bc'],
  ['RULE:^CN=(\\x41\\u0042\\0103\\x{44})$/$1/', 'CN=ABCD'],
  ['RULE:\\ACN=(a)\\1\\z/$1/', 'CN=aa'],
  ['RULE:^CN=a{2}$/two/', 'CN=aa'],
  ['RULE:^CN=[\\s,]+$/blank/', 'CN= ,\t'],
  ['RULE:^CN=a\\/b\\.c$/slash/', 'CN=a/b.c'],
  ['RULE:^CN=\\h\\v$/hv/', 'CN=\u3000\u2028'],
  ['RULE:^CN=a{$/x/', 'CN=a'],
  ['RULE:^CN=\\y$/x/', 'CN=y'],
  ['RULE:^CN=([a-z]+)(,.*|$)/$1/L, RULE:^O=(.*)$/org-$1/, DEFAULT', 'O=Spindle'],
  ['RULE:^CN=([a-z]+)(,.*|$)/$1/L, RULE:^O=(.*)$/org-$1/, DEFAULT', 'CN=bob,O=Spindle'],
  ['RULE:^CN=([a-z]+)(,.*|$)/$1/L, RULE:^O=(.*)$/org-$1/, DEFAULT', 'OU=x'],
  ['RULE:^CN=(.*)$/$1/U', 'CN=straße'],
  ['RULE:^CN=(.*)$/$1/L', 'CN=İSTANBUL ΟΔΟΣ'],
  ['RULE:^CN=a\\b$/x/', 'CN=a'],
];

needs(!hasJava ? 'Java is not installed' : !kafkaJar ? 'kafka-clients not copied: run test/interop/java/setup.sh' : '')("rules: Kafka's own SslPrincipalMapper splits, prints and maps as we do", () => {
  const splitting = [...SPLITTING.map(([, rules]) => rules), 'RULE:^CN=(.*)$/$1/L/U', 'DEFAULT/L', 'RULE:a/b/Lxyz, DEFAULT', 'RULE:a/b/\n,DEFAULT\n'];
  const requests = [...splitting.map((r) => ['rules', r]), ...MAPPINGS.map(([rules, dn]) => ['map', rules, dn])];
  const answers = java(requests, kafkaJar);
  splitting.forEach((rules, i) => {
    const theirs = answers[i]!;
    const mine = ours(() => `SslPrincipalMapper(rules = ${shown(rules)})`);
    if ('error' in theirs) assert.ok('error' in mine, `${JSON.stringify(rules)}: Kafka refuses it (${theirs.error}), we gave ${JSON.stringify(mine)}`);
    else assert.equal(mine, theirs, JSON.stringify(rules));
  });
  MAPPINGS.forEach(([rules, dn], i) => {
    const theirs = answers[splitting.length + i]!;
    let mine: Outcome;
    try {
      mine = { ok: mapPrincipal(parsePrincipalMappingRules(rules), dn) };
    } catch (e) {
      mine = { error: e instanceof NoMatchingRuleError ? 'no match' : 'invalid' };
    }
    const theirsNormal = 'ok' in theirs ? theirs : { error: /^NoMatchingRule/.test(theirs.error) ? 'no match' : 'invalid' };
    assert.equal(mine, theirsNormal, `${JSON.stringify(rules)} on ${JSON.stringify(dn)} (Kafka: ${JSON.stringify(theirs)})`);
  });
});

test.run();
