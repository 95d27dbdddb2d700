/**
 * Flag parsing and the shared habits of the client subcommands (topics, produce, consume,
 * groups, configs):
 *
 * - flags as Kafka's tools spell them (`--bootstrap-server`, `--topic`), `--flag value` or
 *   `--flag=value`; a flag a command does not know, a missing value or a bad number is a
 *   UsageError, printed as one line, exit code 2; a few of Kafka's flags take an optional value
 *   (`--state`, `--state stable,empty`; `--compression-codec` alone means gzip);
 * - `--bootstrap-server` defaults to the `bootstrap.servers` of --command-config, then
 *   $SPINDLE_BOOTSTRAP_SERVER, then localhost:9092;
 * - every command answers `--help` (its usage and examples) and `--version` (Spindle's version,
 *   alone on a line as Kafka's tools print theirs), exit code 0;
 * - errors from the client (broker unreachable, unknown topic, a broker error code) print as
 *   one line `spindle <command>: <what went wrong>`, exit code 1; anything else is a bug and
 *   crashes with its stack;
 * - data goes to stdout through Output (buffered, honouring backpressure, quiet on a closed
 *   pipe); progress, notes and errors go to stderr.
 *
 * Main thread.
 */
import { readFileSync } from 'node:fs';
import { ProtocolError } from '../protocol/codec/errors.js';
import { ClientError, ConnectionError, KafkaError, TimeoutError, UnsupportedApiError } from '../client/errors.js';

export const DEFAULT_BOOTSTRAP_SERVER = 'localhost:9092';
export const BOOTSTRAP_ENV = 'SPINDLE_BOOTSTRAP_SERVER';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** 'optional': a string whose value may be left out (`--state`), then `implied` ('' by default). */
export type FlagKind = 'boolean' | 'string' | 'integer' | 'list' | 'optional';

export interface FlagSpec {
  kind: FlagKind;
  /** Other spellings (`-h`, Kafka's older names such as `--producer.config`). */
  aliases?: string[];
  /** For 'optional': the value when the flag comes without one. */
  implied?: string;
}

export type Flags = Record<string, FlagSpec>;

export type ParsedValue = boolean | string | number | string[];

export interface Parsed {
  /** Values by flag name without the dashes; lists collect repeated flags. */
  values: Map<string, ParsedValue>;
  positionals: string[];
}

/** The flags every client subcommand takes, as every one of Kafka's five tools does. */
export const COMMON_FLAGS: Flags = {
  'bootstrap-server': { kind: 'string' },
  'command-config': { kind: 'string' },
  help: { kind: 'boolean', aliases: ['-h'] },
  version: { kind: 'boolean' },
};

/** Every spelling a command accepts, with the dashes: its flags, their aliases and the common ones. */
export function flagNames(flags: Flags): string[] {
  const all: Flags = { ...COMMON_FLAGS, ...flags };
  return Object.entries(all).flatMap(([name, spec]) => [`--${name}`, ...(spec.aliases ?? [])]);
}

export function parseArgs(argv: string[], flags: Flags): Parsed {
  const all: Flags = { ...COMMON_FLAGS, ...flags };
  const byName = new Map<string, [string, FlagSpec]>();
  for (const [name, spec] of Object.entries(all)) {
    byName.set(`--${name}`, [name, spec]);
    for (const a of spec.aliases ?? []) byName.set(a, [name, spec]);
  }
  const values = new Map<string, ParsedValue>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const found = byName.get(flag);
    if (!found) throw new UsageError(`unknown option '${flag}'`);
    const [name, spec] = found;
    if (spec.kind === 'boolean') {
      if (eq > 0) {
        const v = arg.slice(eq + 1);
        if (v !== 'true' && v !== 'false') throw new UsageError(`${flag} takes no value`);
        values.set(name, v === 'true');
      } else {
        values.set(name, true);
      }
      continue;
    }
    let raw: string | undefined;
    if (eq > 0) raw = arg.slice(eq + 1);
    else if (spec.kind === 'optional') {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('-')) raw = spec.implied ?? '';
      else {
        raw = next;
        i++;
      }
    } else {
      raw = argv[i + 1];
      // A value may start with '-' only when it is a number (--shift-by -5).
      if (raw === undefined || (raw.startsWith('--') && !/^-?\d/.test(raw))) throw new UsageError(`${flag} needs a value`);
      i++;
    }
    if (spec.kind === 'integer') {
      if (!/^-?\d+$/.test(raw)) throw new UsageError(`${flag} must be an integer, not '${raw}'`);
      values.set(name, Number(raw));
    } else if (spec.kind === 'list') {
      const list = (values.get(name) as string[] | undefined) ?? [];
      list.push(raw);
      values.set(name, list);
    } else {
      if (values.has(name)) throw new UsageError(`${flag} given twice`);
      values.set(name, raw);
    }
  }
  return { values, positionals };
}

/** Typed access to parsed values. */
export class Args {
  constructor(readonly parsed: Parsed) {}

  has(name: string): boolean {
    return this.parsed.values.has(name);
  }

  flag(name: string): boolean {
    return this.parsed.values.get(name) === true;
  }

  string(name: string): string | undefined {
    return this.parsed.values.get(name) as string | undefined;
  }

  integer(name: string): number | undefined {
    return this.parsed.values.get(name) as number | undefined;
  }

  list(name: string): string[] {
    return (this.parsed.values.get(name) as string[] | undefined) ?? [];
  }

  required(name: string, why = ''): string {
    const v = this.string(name);
    if (v === undefined || v === '') throw new UsageError(`--${name} is required${why ? ` ${why}` : ''}`);
    return v;
  }

  /** --bootstrap-server, else `fromConfig` (bootstrap.servers of --command-config), else the environment, else localhost:9092. */
  bootstrap(fromConfig?: string): string {
    return this.string('bootstrap-server') ?? fromConfig ?? process.env[BOOTSTRAP_ENV] ?? DEFAULT_BOOTSTRAP_SERVER;
  }

  /** Exactly one of the action flags, or a UsageError. */
  action<T extends string>(names: readonly T[]): T {
    const given = names.filter((n) => this.flag(n));
    if (given.length === 0) throw new UsageError(`one of ${names.map((n) => `--${n}`).join(', ')} is required`);
    if (given.length > 1) throw new UsageError(`${given.map((n) => `--${n}`).join(' and ')} cannot be combined`);
    return given[0]!;
  }

  noPositionals(): void {
    const p = this.parsed.positionals[0];
    if (p !== undefined) throw new UsageError(`unexpected argument '${p}'`);
  }
}

/** Splits `k=v`, `k=v,k2=v2` or `k=[a,b],k2=v` (Kafka's list syntax) into pairs. */
export function parseKeyValues(text: string, flag: string): [string, string][] {
  const out: [string, string][] = [];
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new UsageError(`${flag} wants key=value, not '${text.slice(i)}'`);
    const key = text.slice(i, eq).trim();
    if (key === '' || key.includes(',')) throw new UsageError(`${flag} wants key=value, not '${text.slice(i)}'`);
    let value: string;
    let next: number;
    if (text[eq + 1] === '[') {
      const close = text.indexOf(']', eq + 2);
      if (close < 0) throw new UsageError(`${flag}: '[' without ']' in '${text}'`);
      value = text.slice(eq + 2, close);
      next = close + 1;
      if (next < text.length && text[next] !== ',') throw new UsageError(`${flag}: expected ',' after ']' in '${text}'`);
      next++;
    } else {
      const comma = text.indexOf(',', eq + 1);
      next = comma < 0 ? text.length : comma + 1;
      value = text.slice(eq + 1, comma < 0 ? text.length : comma);
    }
    out.push([key, value]);
    i = next;
  }
  return out;
}

/** Spindle's version (package.json), what `--version` prints. */
export function spindleVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** Runs a subcommand: usage errors exit 2, client errors exit 1, each as one line on stderr. */
export async function runTool(command: string, usage: string, argv: string[], body: (argv: string[]) => Promise<number>): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (argv.includes('--version')) {
    process.stdout.write(`${spindleVersion()}\n`);
    return 0;
  }
  try {
    return await body(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`spindle ${command}: ${oneLine(e.message)} (see 'spindle ${command} --help')\n`);
      return 2;
    }
    if (isOperatingError(e)) {
      process.stderr.write(`spindle ${command}: ${oneLine((e as Error).message)}\n`);
      return 1;
    }
    throw e;
  }
}

export function isOperatingError(e: unknown): boolean {
  return (
    e instanceof KafkaError ||
    e instanceof ConnectionError ||
    e instanceof ClientError ||
    e instanceof TimeoutError ||
    e instanceof UnsupportedApiError ||
    e instanceof ProtocolError ||
    (e instanceof Error && 'code' in e && typeof (e as NodeJS.ErrnoException).code === 'string' && (e as NodeJS.ErrnoException).syscall !== undefined)
  );
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ');
}

/**
 * Buffered stdout that waits when the pipe is full and goes quiet when the reader has gone
 * (`spindle consume … | head`): `closed` turns true and writes are dropped.
 */
export class Output {
  private parts: (string | Buffer)[] = [];
  private size = 0;
  closed = false;
  /** Flush once this much is gathered: large enough to make writes few, small enough to stream. */
  static readonly FLUSH_BYTES = 64 * 1024;

  constructor(private readonly stream: NodeJS.WriteStream = process.stdout) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') this.closed = true;
      else throw e;
    });
    stream.on('close', () => {
      this.closed = true;
    });
  }

  write(s: string | Buffer): void {
    if (this.closed) return;
    this.parts.push(s);
    this.size += s.length;
  }

  line(s = ''): void {
    this.write(`${s}\n`);
  }

  get pending(): number {
    return this.size;
  }

  /** Writes what is gathered; resolves when the stream can take more. */
  async flush(): Promise<void> {
    // A stream destroyed by a failed write emits nothing more: no drain, no second close.
    if (this.stream.destroyed) this.closed = true;
    if (this.parts.length === 0 || this.closed) return;
    const chunk = Buffer.concat(this.parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
    this.parts = [];
    this.size = 0;
    if (!this.stream.write(chunk) && !this.stream.destroyed) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.stream.off('drain', done);
          this.stream.off('close', done);
          this.stream.off('error', done);
          resolve();
        };
        this.stream.once('drain', done);
        this.stream.once('close', done);
        this.stream.once('error', done);
      });
    }
  }

  async maybeFlush(): Promise<void> {
    if (this.size >= Output.FLUSH_BYTES) await this.flush();
  }
}

/** Left-aligns columns, like printf's %-Ns with each width at least `min`. */
export function padRight(s: string, width: number): string {
  return s.length >= width ? s : s + ' '.repeat(width - s.length);
}
