/**
 * A reader for Java `.properties` text, as Kafka's `server.properties` is written.
 *
 * It follows the rules of java.util.Properties.load that real files rely on:
 *
 *   # comment            a line whose first non-blank character is # or ! is a comment,
 *   ! comment            and a comment never continues onto the next line
 *   key=value            the key ends at the first unescaped '=', ':' or blank; blanks around
 *   key : value          the separator are skipped; a blank alone also separates
 *   key value
 *   key=first \          a line ending in an odd number of backslashes continues on the next
 *       second           line, whose leading blanks are dropped ("first second")
 *   key=a\tb\u00e9\=     escapes: \t \n \r \f, \uXXXX, and a backslash before any other character
 *                        stands for that character (\= \: \# \! \\ and "\ " for a space)
 *
 * Blanks are space, tab and form feed. Leading blanks of a value are dropped; trailing ones are
 * kept, as Java keeps them (Kafka trims values when it parses them, and so does load.ts). A key
 * given twice keeps its last value; `duplicates` reports the earlier lines. Unlike Java's
 * InputStream form, which reads ISO-8859-1, the text here is whatever the caller decoded
 * (load.ts reads UTF-8, a superset for every file written with \u escapes).
 *
 * No I/O; any thread may call it.
 */
import { ConfigError } from './errors.js';

export interface PropertyEntry {
  readonly key: string;
  readonly value: string;
  /** 1-based line on which the entry starts. */
  readonly line: number;
}

const BLANKS = ' \t\f';

function isBlank(c: string | undefined): boolean {
  return c !== undefined && BLANKS.includes(c);
}

function stripLeadingBlanks(s: string): string {
  let i = 0;
  while (i < s.length && isBlank(s[i])) i++;
  return s.slice(i);
}

function trailingBackslashes(s: string): number {
  let n = 0;
  for (let i = s.length - 1; i >= 0 && s[i] === '\\'; i--) n++;
  return n;
}

/** Resolves escapes the way Properties.loadConvert does; `where` names the line for errors. */
function unescape(s: string, where: string): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    i++;
    if (i >= s.length) break; // a lone backslash at the very end stands for nothing
    const e = s[i]!;
    switch (e) {
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 'f':
        out += '\f';
        break;
      case 'u': {
        const hex = s.slice(i + 1, i + 5);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
          throw new ConfigError(`Malformed \\uXXXX escape in ${where}: '\\u${hex}' needs four hexadecimal digits.`, {
            origin: where,
            allowed: 'four hexadecimal digits after \\u',
          });
        }
        out += String.fromCharCode(parseInt(hex, 16));
        i += 4;
        break;
      }
      default:
        out += e;
    }
  }
  return out;
}

/** Splits one logical line into key and raw value as Properties.load0 does. */
function splitLogicalLine(line: string): { rawKey: string; rawValue: string } {
  let keyEnd = 0;
  let valueStart = line.length;
  let hasSeparator = false;
  let precedingBackslash = false;
  while (keyEnd < line.length) {
    const c = line[keyEnd]!;
    if ((c === '=' || c === ':') && !precedingBackslash) {
      valueStart = keyEnd + 1;
      hasSeparator = true;
      break;
    }
    if (isBlank(c) && !precedingBackslash) {
      valueStart = keyEnd + 1;
      break;
    }
    precedingBackslash = c === '\\' ? !precedingBackslash : false;
    keyEnd++;
  }
  while (valueStart < line.length) {
    const c = line[valueStart]!;
    if (!isBlank(c)) {
      if (!hasSeparator && (c === '=' || c === ':')) hasSeparator = true;
      else break;
    }
    valueStart++;
  }
  return { rawKey: line.slice(0, keyEnd), rawValue: line.slice(valueStart) };
}

export interface ParsedProperties {
  /** Entries in file order; a key given twice appears twice. */
  readonly entries: readonly PropertyEntry[];
  /** Keys given more than once, with the line of every earlier (overridden) occurrence. */
  readonly duplicates: readonly PropertyEntry[];
}

/**
 * Parses properties text. `label` names the source in error messages (a file path).
 * Throws ConfigError only for a malformed \uXXXX escape, which Java refuses too.
 */
export function parseProperties(text: string, label = 'properties'): ParsedProperties {
  const lines = text.split(/\r\n|\r|\n/);
  const entries: PropertyEntry[] = [];
  let i = 0;
  while (i < lines.length) {
    const startLine = i + 1;
    let natural = stripLeadingBlanks(lines[i]!);
    i++;
    if (natural === '' || natural[0] === '#' || natural[0] === '!') continue;
    let logical = '';
    for (;;) {
      if (trailingBackslashes(natural) % 2 === 1) {
        logical += natural.slice(0, -1);
        if (i >= lines.length) break;
        // A continuation line loses its leading blanks and is never a comment; an empty one
        // ends the logical line, as in Java.
        natural = stripLeadingBlanks(lines[i]!);
        i++;
        continue;
      }
      logical += natural;
      break;
    }
    const where = `${label}:${startLine}`;
    const { rawKey, rawValue } = splitLogicalLine(logical);
    entries.push({ key: unescape(rawKey, where), value: unescape(rawValue, where), line: startLine });
  }
  const lastLine = new Map<string, number>();
  for (const e of entries) lastLine.set(e.key, e.line);
  const duplicates = entries.filter((e) => lastLine.get(e.key) !== e.line);
  return { entries, duplicates };
}
