/**
 * The principal of a TLS client, built as Kafka's DefaultKafkaPrincipalBuilder builds it: the
 * subject of the client's certificate as a distinguished name (DN), mapped by the listener's
 * ssl.principal.mapping.rules (SslPrincipalMapper), as "User:<name>". A client that gave no
 * certificate is User:ANONYMOUS.
 *
 *   certificate ──► subject Name (DER) ──► DN as Java's X500Principal.getName() prints it
 *               ──► the first rule whose pattern matches the whole DN ──► "User:" + its result
 *
 * The DN. Kafka maps the string Java's X500Principal.getName() (RFC 2253) gives, so rules written
 * for Kafka expect exactly that string. Node's X509Certificate.subject is not it (certificate
 * order, one line per RDN, OpenSSL's escaping and keywords), so the subject Name is read from
 * the certificate's DER here, with a small reader for the few ASN.1 shapes a Name has, and
 * printed as Java 17 prints it (sun.security.x509.AVA/RDN/X500Name):
 *   - most specific RDN first (the reverse of the certificate's order), RDNs joined by ',';
 *     the attributes of a multi-valued RDN joined by '+' in their encoded order;
 *   - keywords only for CN, C, L, ST, O, OU, STREET, DC and UID; any other type as its dotted
 *     OID with the value as '#' and the lower-case hex of its whole DER encoding
 *     ("1.2.840.113549.1.9.1=#1611616c696365406578616d706c652e636f6d" for emailAddress);
 *   - a keyword's value in hex too when it is not one of PrintableString, T61String, IA5String,
 *     GeneralString, BMPString, UTF8String; otherwise its bytes decoded as UTF-8, malformed ones
 *     replaced by U+FFFD where Java replaces them (Java 17 decodes all six as UTF-8; Java 25
 *     reads BMPString as UTF-16BE and the other four as ISO-8859-1, which differs only for
 *     non-ASCII text outside UTF8String), with a backslash before each of
 *     , = + < > # ; " \ anywhere, NUL as \00, and before a space or CR at the start or the end;
 *     any other character as it is.
 * test/broker/security/principal.test.ts checks these against Java itself when Java is there.
 *
 * The rules. ssl.principal.mapping.rules is split and parsed exactly as SslPrincipalMapper
 * does (its two regular expressions, ported): items separated by commas, each DEFAULT (the DN
 * unchanged) or RULE:pattern/replacement/ with an optional L or U (lower or upper case of the
 * result); '/' inside a pattern or replacement is written "\/"; empty items are ignored. The
 * first rule whose pattern matches the whole DN gives the name: every match of the pattern in
 * the DN replaced (Java's replaceAll), $n and ${name} naming groups, \ quoting the next
 * character, and a $n beyond the pattern's groups taken as Kafka takes it ($12 with one group
 * is group 1 then "2"; an impossible one literal, including Kafka's quirk of misplacing the
 * backslash it inserts when there are two). No rule matching is NoMatchingRuleError, which in
 * Kafka fails the client's authentication: the connection is to be closed. An empty value means
 * no rules at all, so every certificate fails (as in Kafka); absent (null) means DEFAULT.
 *
 * Stricter than Kafka: a replacement Java would reject (a '$' at the end, "$x", a group that
 * does not exist) fails at parse time here, while Kafka accepts the config and then fails every
 * connection the rule matches.
 *
 * Java regular expressions in JavaScript. Patterns are Java's; they are translated to an
 * equivalent JavaScript RegExp (without the u flag) where that is exact, and refused with a
 * clear error where it is not:
 *   - translated: . (never a line terminator, U+0085 included), $ and \Z (end of input or before
 *     a final line terminator), \A, \z, \s \S (ASCII whitespace, as Java's), \h \H \v \V, \e \a,
 *     \0ooo octal, \x{h…}, \cX, \Q…\E quoting, a leading (?i) (as the i flag), a ']' first in a
 *     class (a literal in Java), Java's rule for how many digits a back reference takes;
 *   - refused: possessive quantifiers (a*+), atomic groups (?>…), inline flags other than a
 *     leading (?i), nested classes and && intersections ([a-z&&[^x]]), \p{…} \P{…} \X \R \G
 *     \N{…} \b{g}, \S \H \V inside a class, supplementary characters inside a class, back
 *     references to groups not yet opened, escapes Java does not know ('\y'), a '{' that is not
 *     a quantifier (Java's "Illegal repetition");
 *   - different and not detected (rare in DNs): with (?i) JavaScript also folds the case of
 *     non-ASCII letters, Java only ASCII ones; \b follows Java 17's Unicode letters and digits
 *     there but ASCII here; '.' and a negated class match one UTF-16 unit here but a whole
 *     supplementary character in Java; a group inside a repetition keeps its last value in Java
 *     but is reset when a later repetition skips it here.
 *
 * No I/O; any thread.
 */
import { X509Certificate } from 'node:crypto';

export const ANONYMOUS_PRINCIPAL = 'User:ANONYMOUS';

/** ssl.principal.mapping.rules when it is not set. */
export const DEFAULT_PRINCIPAL_MAPPING_RULES = 'DEFAULT';

// ─── ASN.1 DER: just the shapes of a Certificate's subject Name ──────────────────────────────

interface Tlv {
  /** The identifier octet (class, constructed bit and tag number; multi-octet tags are refused). */
  tag: number;
  start: number;
  contentStart: number;
  end: number;
}

const SEQUENCE = 0x30;
const SET = 0x31;
const OBJECT_IDENTIFIER = 0x06;

function readTlv(der: Uint8Array, pos: number, limit: number, what: string): Tlv {
  if (pos + 2 > limit) throw new Error(`${what}: truncated DER`);
  const tag = der[pos]!;
  if ((tag & 0x1f) === 0x1f) throw new Error(`${what}: multi-octet DER tags are not supported`);
  let p = pos + 1;
  let length = der[p++]!;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0) throw new Error(`${what}: indefinite length is not DER`);
    if (octets > 4) throw new Error(`${what}: DER length too long`);
    if (p + octets > limit) throw new Error(`${what}: truncated DER`);
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + der[p++]!;
  }
  if (p + length > limit) throw new Error(`${what}: truncated DER`);
  return { tag, start: pos, contentStart: p, end: p + length };
}

function childrenOf(der: Uint8Array, parent: Tlv, what: string): Tlv[] {
  const out: Tlv[] = [];
  for (let p = parent.contentStart; p < parent.end; ) {
    const child = readTlv(der, p, parent.end, what);
    out.push(child);
    p = child.end;
  }
  return out;
}

function expect(t: Tlv, tag: number, what: string): Tlv {
  if (t.tag !== tag) throw new Error(`${what}: expected DER tag 0x${tag.toString(16)}, found 0x${t.tag.toString(16)}`);
  return t;
}

function decodeOid(bytes: Uint8Array): string {
  if (bytes.length === 0) throw new Error('empty OBJECT IDENTIFIER');
  const arcs: bigint[] = [];
  let value = 0n;
  let fresh = true;
  for (const b of bytes) {
    if (fresh && b === 0x80) throw new Error('OBJECT IDENTIFIER arc with a leading 0x80');
    value = (value << 7n) | BigInt(b & 0x7f);
    fresh = (b & 0x80) === 0;
    if (fresh) {
      arcs.push(value);
      value = 0n;
    }
  }
  if (!fresh) throw new Error('OBJECT IDENTIFIER ends inside an arc');
  const first = arcs[0]!;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join('.');
}

/** The only keywords Java's getName(RFC2253) prints; every other type is a dotted OID. */
const RFC2253_KEYWORDS: ReadonlyMap<string, string> = new Map([
  ['2.5.4.3', 'CN'],
  ['2.5.4.6', 'C'],
  ['2.5.4.7', 'L'],
  ['2.5.4.8', 'ST'],
  ['2.5.4.10', 'O'],
  ['2.5.4.11', 'OU'],
  ['2.5.4.9', 'STREET'],
  ['0.9.2342.19200300.100.1.25', 'DC'],
  ['0.9.2342.19200300.100.1.1', 'UID'],
]);

const isContinuation = (b: number | undefined) => b !== undefined && (b & 0xc0) === 0x80;

/**
 * UTF-8 as Java's `new String(bytes, UTF_8)` decodes it: malformed input becomes U+FFFD as Java
 * cuts it, which is not always as TextDecoder does (Java gives one U+FFFD for an encoded
 * surrogate, ED A0 80, where TextDecoder gives three; a sequence cut short by the end of the
 * input is one U+FFFD).
 */
export function javaUtf8(bytes: Uint8Array): string {
  const units: number[] = [];
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b1 = bytes[i]!;
    if (b1 < 0x80) {
      units.push(b1);
      i++;
    } else if (b1 >= 0xc2 && b1 <= 0xdf) {
      if (n - i < 2) {
        units.push(0xfffd);
        break;
      }
      const b2 = bytes[i + 1]!;
      if (!isContinuation(b2)) {
        units.push(0xfffd);
        i++;
      } else {
        units.push(((b1 & 0x1f) << 6) | (b2 & 0x3f));
        i += 2;
      }
    } else if ((b1 & 0xf0) === 0xe0) {
      const b2 = bytes[i + 1];
      const b3 = bytes[i + 2];
      const badSecond = (b1 === 0xe0 && b2 !== undefined && (b2 & 0xe0) === 0x80) || (b2 !== undefined && !isContinuation(b2));
      if (n - i < 3) {
        units.push(0xfffd);
        if (n - i > 1 && badSecond) {
          i++;
          continue;
        }
        break;
      }
      if (badSecond || !isContinuation(b3)) {
        units.push(0xfffd);
        i += badSecond ? 1 : 2;
        continue;
      }
      const c = ((b1 & 0x0f) << 12) | ((b2! & 0x3f) << 6) | (b3! & 0x3f);
      units.push(c >= 0xd800 && c <= 0xdfff ? 0xfffd : c);
      i += 3;
    } else if ((b1 & 0xf8) === 0xf0) {
      const b2 = bytes[i + 1];
      const b3 = bytes[i + 2];
      const b4 = bytes[i + 3];
      const badSecond = b1 > 0xf4 || (b2 !== undefined && ((b1 === 0xf0 && (b2 < 0x90 || b2 > 0xbf)) || (b1 === 0xf4 && (b2 & 0xf0) !== 0x80) || !isContinuation(b2)));
      if (n - i < 4) {
        units.push(0xfffd);
        if (badSecond) {
          i++;
          continue;
        }
        if (n - i > 2 && !isContinuation(b3)) {
          i += 2;
          continue;
        }
        break;
      }
      if (badSecond || !isContinuation(b3) || !isContinuation(b4)) {
        units.push(0xfffd);
        i += badSecond ? 1 : !isContinuation(b3) ? 2 : 3;
        continue;
      }
      const cp = ((b1 & 0x07) << 18) | ((b2! & 0x3f) << 12) | ((b3! & 0x3f) << 6) | (b4! & 0x3f);
      units.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
      i += 4;
    } else {
      units.push(0xfffd);
      i++;
    }
  }
  let out = '';
  for (let k = 0; k < units.length; k += 4096) out += String.fromCharCode(...units.slice(k, k + 4096));
  return out;
}

/**
 * The string types Java prints as text. Java 17 decodes the bytes of every one of them as UTF-8
 * (a BMPString's zero bytes come out as \00, a T61String's 0xFC as U+FFFD); Java 25 decodes a
 * BMPString as UTF-16BE and the others but UTF8String as ISO-8859-1. The two agree on UTF8String
 * and on ASCII in the others, which is what certificates carry; Java 17's reading is kept.
 */
function decodeDirectoryString(tag: number, content: Uint8Array): string | null {
  switch (tag) {
    case 0x0c: // UTF8String
    case 0x13: // PrintableString
    case 0x14: // T61String
    case 0x16: // IA5String
    case 0x1b: // GeneralString
    case 0x1e: // BMPString
      return javaUtf8(content);
    default:
      return null;
  }
}

function derLength(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

/** Characters Java leaves unescaped and unchanged besides letters and digits (PrintableString's). */
const ESCAPED = ',=+<>#;"\\';

function escapeValue(value: string): string {
  let s = '';
  for (const c of value) s += ESCAPED.includes(c) ? `\\${c}` : c === '\u0000' ? '\\00' : c;
  // A space or CR at either end is escaped; the scan is over the string escaped so far, as Java's.
  let lead = 0;
  while (lead < s.length && (s[lead] === ' ' || s[lead] === '\r')) lead++;
  let trail = s.length - 1;
  while (trail >= 0 && (s[trail] === ' ' || s[trail] === '\r')) trail--;
  if (lead === 0 && trail === s.length - 1) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) out += i < lead || i > trail ? `\\${s[i]}` : s[i];
  return out;
}

function formatAttribute(der: Uint8Array, ava: Tlv): string {
  const parts = childrenOf(der, expect(ava, SEQUENCE, 'AttributeTypeAndValue'), 'AttributeTypeAndValue');
  if (parts.length !== 2) throw new Error(`AttributeTypeAndValue: ${parts.length} elements, expected 2`);
  const [type, value] = parts as [Tlv, Tlv];
  const oid = decodeOid(der.subarray(expect(type, OBJECT_IDENTIFIER, 'attribute type').contentStart, type.end));
  const keyword = RFC2253_KEYWORDS.get(oid);
  const content = der.subarray(value.contentStart, value.end);
  const text = keyword === undefined ? null : decodeDirectoryString(value.tag, content);
  if (text === null) {
    // The value's DER (re-encoded with the minimal length, as Java re-encodes it) in hex.
    const encoded = Buffer.concat([Buffer.from([value.tag, ...derLength(content.length)]), content]);
    return `${keyword ?? oid}=#${encoded.toString('hex')}`;
  }
  return `${keyword}=${escapeValue(text)}`;
}

/**
 * A DER-encoded X.501 Name as Java's X500Principal.getName() prints it (RFC 2253, most specific
 * RDN first). Throws on DER that is not a Name.
 */
export function formatDistinguishedName(name: Uint8Array): string {
  const top = expect(readTlv(name, 0, name.length, 'Name'), SEQUENCE, 'Name');
  if (top.end !== name.length) throw new Error('Name: bytes after the end');
  const rdns = childrenOf(name, top, 'Name').map((rdn) => {
    const avas = childrenOf(name, expect(rdn, SET, 'RelativeDistinguishedName'), 'RelativeDistinguishedName');
    if (avas.length === 0) throw new Error('RelativeDistinguishedName: empty');
    return avas.map((ava) => formatAttribute(name, ava)).join('+');
  });
  return rdns.reverse().join(',');
}

/** The DER of a certificate's subject Name. */
function subjectName(cert: Uint8Array): Uint8Array {
  const certificate = expect(readTlv(cert, 0, cert.length, 'Certificate'), SEQUENCE, 'Certificate');
  const [tbs] = childrenOf(cert, certificate, 'Certificate');
  if (!tbs) throw new Error('Certificate: empty');
  const fields = childrenOf(cert, expect(tbs, SEQUENCE, 'TBSCertificate'), 'TBSCertificate');
  // [0] version (absent in v1), serialNumber, signature, issuer, validity, subject, …
  const subject = fields[fields[0]?.tag === 0xa0 ? 5 : 4];
  if (!subject) throw new Error('TBSCertificate: no subject');
  return cert.subarray(expect(subject, SEQUENCE, 'subject').start, subject.end);
}

/**
 * The subject of a certificate (a node:crypto X509Certificate, or its DER) as the DN Kafka's
 * principal builder maps: Java's X500Principal.getName().
 */
export function distinguishedName(cert: X509Certificate | Uint8Array): string {
  return formatDistinguishedName(subjectName(cert instanceof X509Certificate ? cert.raw : cert));
}

// ─── Java regular expressions, translated ────────────────────────────────────────────────────

const LINE_TERMINATORS = String.raw`\n\r\u0085\u2028\u2029`;
const JAVA_DOT = `[^${LINE_TERMINATORS}]`;
/** Java's $ without MULTILINE: the end of input, or before a line terminator that ends it ("\r\n" one terminator). */
const JAVA_DOLLAR = String.raw`(?=(?:\r\n|(?<!\r)\n|[\r\u0085\u2028\u2029])?$)`;
const SPACE = String.raw` \t\n\x0B\f\r`;
const HORIZONTAL_SPACE = String.raw` \t\xA0\u1680\u180E\u2000-\u200A\u202F\u205F\u3000`;
const VERTICAL_SPACE = String.raw`\n\x0B\f\r\x85\u2028\u2029`;

class Unsupported extends Error {}

function hex4(unit: number): string {
  return `\\u${unit.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** One code point as a JavaScript regex atom outside a class. */
function literal(cp: number): string {
  if (cp > 0xffff) {
    const v = cp - 0x10000;
    return `(?:${hex4(0xd800 + (v >> 10))}${hex4(0xdc00 + (v & 0x3ff))})`;
  }
  const c = String.fromCharCode(cp);
  if ('\\^$.*+?()[]{}|/-'.includes(c)) return `\\${c}`;
  return cp >= 0x20 && cp < 0x7f ? c : hex4(cp);
}

/** One code point as a member of a JavaScript class. */
function classLiteral(cp: number): string {
  if (cp > 0xffff) throw new Unsupported('supplementary characters inside a character class');
  const c = String.fromCharCode(cp);
  if ('\\]^-['.includes(c)) return `\\${c}`;
  return cp >= 0x20 && cp < 0x7f ? c : hex4(cp);
}

const isOctal = (c: string | undefined) => c !== undefined && c >= '0' && c <= '7';
const isHex = (s: string) => /^[0-9a-fA-F]+$/.test(s);

interface Escape {
  /** A single character, or null when the escape was a class or an assertion. */
  cp: number | null;
  text: string;
  next: number;
}

/**
 * Escapes that stand for one character, the same inside and outside a class: \0ooo \xhh
 * \x{h…} \uhhhh \cX \t \n \r \f \a \e and a non-alphanumeric character quoted. Null for others.
 */
function characterEscape(src: string, at: number): { cp: number; next: number } | null {
  const c = src[at + 1]!;
  switch (c) {
    case '0': {
      let i = at + 2;
      if (!isOctal(src[i])) throw new Error(`illegal octal escape at index ${at}`);
      let v = 0;
      const max = src[i]! <= '3' ? 3 : 2;
      for (let n = 0; n < max && isOctal(src[i]); n++, i++) v = v * 8 + Number(src[i]);
      return { cp: v, next: i };
    }
    case 'x': {
      if (src[at + 2] === '{') {
        const close = src.indexOf('}', at + 3);
        const digits = close < 0 ? '' : src.slice(at + 3, close);
        if (!isHex(digits) || parseInt(digits, 16) > 0x10ffff) throw new Error(`illegal hexadecimal escape at index ${at}`);
        return { cp: parseInt(digits, 16), next: close + 1 };
      }
      const digits = src.slice(at + 2, at + 4);
      if (digits.length !== 2 || !isHex(digits)) throw new Error(`illegal hexadecimal escape at index ${at}`);
      return { cp: parseInt(digits, 16), next: at + 4 };
    }
    case 'u': {
      const digits = src.slice(at + 2, at + 6);
      if (digits.length !== 4 || !isHex(digits)) throw new Error(`illegal Unicode escape at index ${at}`);
      return { cp: parseInt(digits, 16), next: at + 6 };
    }
    case 'c':
      if (at + 2 >= src.length) throw new Error(`illegal control escape at index ${at}`);
      return { cp: src.charCodeAt(at + 2) ^ 64, next: at + 3 };
    case 't':
      return { cp: 0x09, next: at + 2 };
    case 'n':
      return { cp: 0x0a, next: at + 2 };
    case 'r':
      return { cp: 0x0d, next: at + 2 };
    case 'f':
      return { cp: 0x0c, next: at + 2 };
    case 'a':
      return { cp: 0x07, next: at + 2 };
    case 'e':
      return { cp: 0x1b, next: at + 2 };
  }
  if (/[A-Za-z0-9]/.test(c)) return null;
  const cp = src.codePointAt(at + 1)!;
  return { cp, next: at + 1 + (cp > 0xffff ? 2 : 1) };
}

interface Translation {
  source: string;
  flags: string;
}

/** A Java regular expression as an equivalent JavaScript one, or an error saying why not. */
export function translateJavaRegex(java: string): Translation {
  let out = '';
  let flags = '';
  let i = 0;
  let groupsOpened = 0;
  const names = new Set<string>();
  if (java.startsWith('(?i)')) {
    flags = 'i';
    i = 4;
  }
  /** After a quantifier: lazy is fine, possessive is refused. */
  const quantifierSuffix = () => {
    if (java[i] === '?') {
      out += '?';
      i++;
    } else if (java[i] === '+') {
      throw new Unsupported(`possessive quantifier at index ${i - 1}`);
    }
  };
  while (i < java.length) {
    const c = java[i]!;
    const code = java.charCodeAt(i);
    if (c === '\\') {
      const e = escapeOutside(java, i, groupsOpened, names);
      out += e.text;
      i = e.next;
    } else if (c === '[') {
      const cls = characterClass(java, i);
      out += cls.text;
      i = cls.next;
    } else if (c === '.') {
      out += JAVA_DOT;
      i++;
    } else if (c === '$') {
      out += JAVA_DOLLAR;
      i++;
    } else if (c === '(') {
      if (java[i + 1] !== '?') {
        groupsOpened++;
        out += '(';
        i++;
      } else {
        const rest = java.slice(i + 2);
        if (rest.startsWith(':') || rest.startsWith('=') || rest.startsWith('!')) {
          out += java.slice(i, i + 3);
          i += 3;
        } else if (rest.startsWith('<=') || rest.startsWith('<!')) {
          out += java.slice(i, i + 4);
          i += 4;
        } else if (rest.startsWith('<')) {
          const m = /^<([a-zA-Z][a-zA-Z0-9]*)>/.exec(rest);
          if (!m) throw new Error(`named group at index ${i}: a name is a letter followed by letters and digits`);
          if (names.has(m[1]!)) throw new Error(`named group <${m[1]}> is defined twice`);
          names.add(m[1]!);
          groupsOpened++;
          out += `(?<${m[1]}>`;
          i += 2 + m[0].length;
        } else if (rest.startsWith('>')) {
          throw new Unsupported(`atomic group (?>…) at index ${i}`);
        } else {
          throw new Unsupported(`inline flags at index ${i} (only a leading (?i) is supported)`);
        }
      }
    } else if (c === '*' || c === '+' || c === '?') {
      out += c;
      i++;
      quantifierSuffix();
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(java.slice(i));
      if (!m) throw new Error(`illegal repetition at index ${i}`);
      out += m[0];
      i += m[0].length;
      quantifierSuffix();
    } else if (code >= 0xd800 && code <= 0xdbff && i + 1 < java.length) {
      // A supplementary character is one atom in Java: keep a quantifier after it on the pair.
      out += literal(java.codePointAt(i)!);
      i += 2;
    } else {
      out += c;
      i++;
    }
  }
  return { source: out, flags };
}

function escapeOutside(src: string, at: number, groupsOpened: number, names: ReadonlySet<string>): Escape {
  if (at + 1 >= src.length) throw new Error('pattern ends with a backslash');
  const c = src[at + 1]!;
  const simple = (text: string): Escape => ({ cp: null, text, next: at + 2 });
  switch (c) {
    case 'A':
      return simple('^');
    case 'z':
      return simple('$');
    case 'Z':
      return simple(JAVA_DOLLAR);
    case 'b':
      if (src[at + 2] === '{') throw new Unsupported(`\\b{…} at index ${at}`);
      return simple('\\b');
    case 'B':
    case 'd':
    case 'D':
    case 'w':
    case 'W':
      return simple(`\\${c}`);
    case 's':
      return simple(`[${SPACE}]`);
    case 'S':
      return simple(`[^${SPACE}]`);
    case 'h':
      return simple(`[${HORIZONTAL_SPACE}]`);
    case 'H':
      return simple(`[^${HORIZONTAL_SPACE}]`);
    case 'v':
      return simple(`[${VERTICAL_SPACE}]`);
    case 'V':
      return simple(`[^${VERTICAL_SPACE}]`);
    case 'Q': {
      const end = src.indexOf('\\E', at + 2);
      const quoted = src.slice(at + 2, end < 0 ? src.length : end);
      let text = '';
      for (const ch of quoted) text += literal(ch.codePointAt(0)!);
      return { cp: null, text: `(?:${text})`, next: end < 0 ? src.length : end + 2 };
    }
    case 'k': {
      const m = /^<([a-zA-Z][a-zA-Z0-9]*)>/.exec(src.slice(at + 2));
      if (!m) throw new Error(`\\k at index ${at} is not followed by <name>`);
      if (!names.has(m[1]!)) throw new Error(`named capturing group <${m[1]}> does not exist`);
      return { cp: null, text: `\\k<${m[1]}>`, next: at + 2 + m[0].length };
    }
    case 'p':
    case 'P':
    case 'X':
    case 'R':
    case 'G':
    case 'N':
      throw new Unsupported(`\\${c} at index ${at}`);
  }
  if (c >= '1' && c <= '9') {
    // Java takes more digits while the number names a group already opened.
    let ref = Number(c);
    let next = at + 2;
    while (next < src.length && src[next]! >= '0' && src[next]! <= '9' && ref * 10 + Number(src[next]) <= groupsOpened) {
      ref = ref * 10 + Number(src[next]);
      next++;
    }
    if (ref > groupsOpened) throw new Unsupported(`back reference \\${ref} at index ${at} to a group not yet opened`);
    return { cp: null, text: `(?:\\${ref})`, next };
  }
  const ch = characterEscape(src, at);
  if (!ch) throw new Error(`illegal or unsupported escape sequence \\${c} at index ${at}`);
  return { cp: ch.cp, text: literal(ch.cp), next: ch.next };
}

function characterClass(src: string, at: number): { text: string; next: number } {
  let out = '[';
  let i = at + 1;
  if (src[i] === '^') {
    out += '^';
    i++;
  }
  let first = true;
  for (;;) {
    if (i >= src.length) throw new Error(`unclosed character class at index ${at}`);
    const c = src[i]!;
    const code = src.charCodeAt(i);
    if (c === ']' && !first) return { text: `${out}]`, next: i + 1 };
    first = false;
    if (c === ']') {
      out += '\\]'; // first in a Java class, a literal
      i++;
    } else if (c === '[') {
      throw new Unsupported(`nested character class at index ${i}`);
    } else if (c === '&' && src[i + 1] === '&') {
      throw new Unsupported(`character class intersection (&&) at index ${i}`);
    } else if (code >= 0xd800 && code <= 0xdfff) {
      throw new Unsupported(`supplementary character inside a character class at index ${i}`);
    } else if (c === '\\') {
      if (i + 1 >= src.length) throw new Error('pattern ends with a backslash');
      const e = src[i + 1]!;
      if (e === 'd' || e === 'D' || e === 'w' || e === 'W') {
        out += `\\${e}`;
        i += 2;
      } else if (e === 's') {
        out += SPACE;
        i += 2;
      } else if (e === 'h') {
        out += HORIZONTAL_SPACE;
        i += 2;
      } else if (e === 'v') {
        out += VERTICAL_SPACE;
        i += 2;
      } else if (e === 'S' || e === 'H' || e === 'V' || e === 'p' || e === 'P') {
        throw new Unsupported(`\\${e} inside a character class at index ${i}`);
      } else if (e === 'Q') {
        const end = src.indexOf('\\E', i + 2);
        for (const ch of src.slice(i + 2, end < 0 ? src.length : end)) out += classLiteral(ch.codePointAt(0)!);
        i = end < 0 ? src.length : end + 2;
      } else {
        const ch = characterEscape(src, i);
        if (!ch) throw new Error(`illegal or unsupported escape sequence \\${e} inside a character class at index ${i}`);
        out += classLiteral(ch.cp);
        i = ch.next;
      }
    } else {
      out += c;
      i++;
    }
  }
}

// ─── ssl.principal.mapping.rules ─────────────────────────────────────────────────────────────

/** SslPrincipalMapper's rule syntax, Java's '.' and '\s' spelled out. */
const RULE = String.raw`(DEFAULT)|RULE:((\\${JAVA_DOT}|[^\\/])*)/((\\${JAVA_DOT}|[^\\/])*)/([LU]?)${JAVA_DOT}*?|(${JAVA_DOT}*?)`;
const RULE_SPLITTER = new RegExp(String.raw`[${SPACE}]*(${RULE})[${SPACE}]*(,[${SPACE}]*|${JAVA_DOLLAR})`, 'g');
const RULE_PARSER = new RegExp(`^(?:${RULE})`);

/** A replacement, compiled: literal text, a group by number, or a group by name. */
type ReplacementPart = string | number | { name: string };

export class PrincipalRuleError extends Error {
  override readonly name = 'PrincipalRuleError';
}

export class NoMatchingRuleError extends Error {
  override readonly name = 'NoMatchingRuleError';
}

/** One item of ssl.principal.mapping.rules: DEFAULT, or RULE:pattern/replacement/[LU]. */
export class PrincipalRule {
  readonly isDefault: boolean;
  /** The pattern as written (a Java regular expression); '' for DEFAULT. */
  readonly pattern: string;
  readonly replacement: string;
  readonly toLowerCase: boolean;
  readonly toUpperCase: boolean;
  private readonly whole: RegExp | null;
  private readonly every: RegExp | null;
  private readonly parts: readonly ReplacementPart[];

  /** DEFAULT without arguments; otherwise a RULE. Throws PrincipalRuleError for a pattern or replacement that cannot work. */
  constructor(rule?: { pattern: string; replacement: string; toLowerCase?: boolean; toUpperCase?: boolean }) {
    this.isDefault = rule === undefined;
    this.pattern = rule?.pattern ?? '';
    this.replacement = rule?.replacement ?? '';
    this.toLowerCase = rule?.toLowerCase ?? false;
    this.toUpperCase = !this.toLowerCase && (rule?.toUpperCase ?? false);
    if (rule === undefined) {
      this.whole = this.every = null;
      this.parts = [];
      return;
    }
    let t: Translation;
    try {
      t = translateJavaRegex(rule.pattern);
      this.whole = new RegExp(`^(?:${t.source})$`, t.flags);
      this.every = new RegExp(t.source, `${t.flags}g`);
    } catch (e) {
      const what = e instanceof Unsupported ? 'a Java regular expression feature Spindle does not support' : 'an invalid regular expression';
      throw new PrincipalRuleError(`pattern ${JSON.stringify(rule.pattern)} has ${what}: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`);
    }
    const probe = new RegExp(`${t.source}|`, t.flags).exec('')!;
    const groups = probe.length - 1;
    const names = new Set(Object.keys(probe.groups ?? {}));
    try {
      this.parts = compileReplacement(kafkaEscapeBackReferences(rule.replacement, groups), groups, names);
    } catch (e) {
      throw new PrincipalRuleError(`replacement ${JSON.stringify(rule.replacement)} of pattern ${JSON.stringify(rule.pattern)}: ${(e as Error).message}`);
    }
  }

  /** The name this rule gives the DN, or null when its pattern does not match all of it. */
  apply(dn: string): string | null {
    if (this.isDefault) return dn;
    if (!this.whole!.test(dn)) return null;
    let out = '';
    let last = 0;
    for (const m of dn.matchAll(this.every!)) {
      out += dn.slice(last, m.index);
      for (const part of this.parts) {
        if (typeof part === 'string') out += part;
        else if (typeof part === 'number') out += m[part] ?? '';
        else out += m.groups?.[part.name] ?? '';
      }
      last = m.index! + m[0].length;
    }
    out += dn.slice(last);
    if (this.toLowerCase) return out.toLowerCase();
    if (this.toUpperCase) return out.toUpperCase();
    return out;
  }

  /** As Kafka prints a rule: DEFAULT, or RULE:pattern/replacement with /L or /U. */
  toString(): string {
    if (this.isDefault) return 'DEFAULT';
    return `RULE:${this.pattern}/${this.replacement}${this.toLowerCase ? '/L' : this.toUpperCase ? '/U' : ''}`;
  }
}

/** The name Kafka's SslPrincipalMapper uses for a rule. */
export type Rule = PrincipalRule;

/**
 * Kafka turns each $n that names no group into a literal "\$n" before Java's replaceAll sees the
 * replacement, truncating digits first ($12 with one group is group 1 then "2"). Its positions
 * come from the original text, so after the first insertion later ones land one character
 * early per insertion before them; kept, since the result is what Kafka's brokers produce.
 */
function kafkaEscapeBackReferences(replacement: string, groups: number): string {
  if (groups === 0) return replacement;
  let value = replacement;
  for (const m of replacement.matchAll(/\$(\d+)/g)) {
    const digits = m[1]!;
    if (digits.startsWith('0')) continue;
    if (digits.length > 10 || Number(digits) > 2 ** 31 - 1) throw new Error(`group reference $${digits} is too large`);
    let index = Number(digits);
    while (index > groups && index >= 10) index = Math.trunc(index / 10);
    if (index > groups) {
      const at = m.index!; // where the '$' is in the original text, not in `value`
      value = `${value.slice(0, at)}\\${value.slice(at)}`;
    }
  }
  return value;
}

/** Java's Matcher replacement syntax: \x is x, $n (as many digits as name a group) and ${name}. */
function compileReplacement(replacement: string, groups: number, names: ReadonlySet<string>): ReplacementPart[] {
  const parts: ReplacementPart[] = [];
  let text = '';
  const flush = () => {
    if (text) parts.push(text);
    text = '';
  };
  for (let i = 0; i < replacement.length; ) {
    const c = replacement[i]!;
    if (c === '\\') {
      if (i + 1 >= replacement.length) throw new Error('a backslash at the end has no character to escape');
      text += replacement[i + 1];
      i += 2;
    } else if (c === '$') {
      i++;
      if (i >= replacement.length) throw new Error("a '$' at the end names no group");
      if (replacement[i] === '{') {
        const m = /^\{([A-Za-z0-9]*)/.exec(replacement.slice(i))!;
        const name = m[1]!;
        if (name === '') throw new Error('${} names no group');
        if (replacement[i + m[0].length] !== '}') throw new Error(`\${${name} is missing its '}'`);
        if (/^[0-9]/.test(name)) throw new Error(`group name {${name}} starts with a digit`);
        if (!names.has(name)) throw new Error(`no group named {${name}}`);
        flush();
        parts.push({ name });
        i += m[0].length + 1;
      } else {
        const first = replacement.charCodeAt(i) - 48;
        if (first < 0 || first > 9) throw new Error(`'$${replacement[i]}' is not a group reference`);
        let ref = first;
        i++;
        while (i < replacement.length) {
          const d = replacement.charCodeAt(i) - 48;
          if (d < 0 || d > 9 || ref * 10 + d > groups) break;
          ref = ref * 10 + d;
          i++;
        }
        if (ref > groups) throw new Error(`$${ref} names a group the pattern does not have (it has ${groups})`);
        flush();
        parts.push(ref);
      }
    } else {
      text += c;
      i++;
    }
  }
  flush();
  return parts;
}

/** Java's String.trim(): every character up to U+0020 off both ends. */
function javaTrim(s: string): string {
  return s.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
}

/**
 * ssl.principal.mapping.rules as Kafka's SslPrincipalMapper reads it. null or undefined is the
 * default, DEFAULT; '' is no rules. Throws PrincipalRuleError naming the rule at fault.
 */
export function parsePrincipalMappingRules(text: string | null | undefined): PrincipalRule[] {
  const rules: PrincipalRule[] = [];
  for (const split of javaTrim(text ?? DEFAULT_PRINCIPAL_MAPPING_RULES).matchAll(RULE_SPLITTER)) {
    const rule = split[1]!;
    const m = RULE_PARSER.exec(rule)!; // the last alternative matches anything, even ''
    if (m[0].length !== rule.length) throw new PrincipalRuleError(`Invalid rule: \`${rule}\`, unmatched substring: \`${rule.slice(m[0].length)}\``);
    if (m[1] !== undefined) {
      rules.push(new PrincipalRule());
    } else if (m[2] !== undefined) {
      try {
        rules.push(new PrincipalRule({ pattern: m[2], replacement: m[4]!, toLowerCase: m[6] === 'L', toUpperCase: m[6] === 'U' }));
      } catch (e) {
        throw new PrincipalRuleError(`Invalid rule: \`${rule}\`: ${(e as Error).message}`);
      }
    } // an empty item is ignored
  }
  return rules;
}

/** The name the first applicable rule gives a DN; NoMatchingRuleError when none applies. */
export function mapPrincipal(rules: readonly PrincipalRule[], dn: string): string {
  for (const rule of rules) {
    const name = rule.apply(dn);
    if (name !== null) return name;
  }
  throw new NoMatchingRuleError(`No rules apply to ${dn}, rules [${rules.join(', ')}]`);
}

const DEFAULT_RULES: readonly PrincipalRule[] = Object.freeze([new PrincipalRule()]);

/**
 * "User:<name>" for a TLS client: its certificate's DN mapped by the rules (DEFAULT when not
 * given), or User:ANONYMOUS without a certificate. Throws NoMatchingRuleError when no rule
 * applies (Kafka then fails the authentication and closes the connection), and an Error for a
 * certificate whose subject is not a well-formed Name.
 */
export function principalFromCertificate(cert: X509Certificate | Uint8Array | null | undefined, rules: readonly PrincipalRule[] = DEFAULT_RULES): string {
  if (cert === null || cert === undefined) return ANONYMOUS_PRINCIPAL;
  return `User:${mapPrincipal(rules, distinguishedName(cert))}`;
}
