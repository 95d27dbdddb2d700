/**
 * `spindle configs` for the entity types without configs of their own: users (client quotas and
 * SCRAM credentials), clients (client quotas) and ips (connection quotas), as Kafka's
 * kafka-configs.sh manages them through DescribeClientQuotas / AlterClientQuotas and
 * Describe/AlterUserScramCredentials, with its output:
 *
 *   Quota configs for user-principal 'alice', client-id 'app' are producer_byte_rate=1048576.0
 *   Quota configs for the default client-id are consumer_byte_rate=2097152.0
 *   SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-512=iterations=8192
 *   Completed updating config for user alice.
 *   Completed updating default config for clients in the cluster.
 *
 * An entity is one --entity-type with its --entity-name or --entity-default, or users with
 * clients (a user's quotas for one client id); the names pair with the types in the order they
 * are given. Without a name, --describe lists every entity of the type. Quota values print as
 * Java prints a double. SCRAM credentials are added as SCRAM-SHA-256=[password=…] or
 * SCRAM-SHA-512=[iterations=8192,password=…] (4096 iterations by default) and deleted by
 * mechanism name; the password is salted and hashed before it leaves (admin.ts).
 *
 * Main thread.
 */
import type { Admin, ClientQuotaEntry } from '../client/admin.js';
import { type Args, UsageError } from './args.js';

type Mechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
const MECHANISMS: readonly string[] = ['SCRAM-SHA-256', 'SCRAM-SHA-512'];

interface QuotaType {
  /** The entity type in the quota APIs. */
  entityType: string;
  /** How Kafka's tool names it in "Quota configs for …". */
  shown: string;
  /** How it names one in "Completed updating config for …". */
  singular: string;
  /** The quota keys it takes. */
  keys: readonly string[];
}

const CLIENT_QUOTA_KEYS = ['producer_byte_rate', 'consumer_byte_rate', 'request_percentage', 'controller_mutation_rate'];

export const QUOTA_TYPES: Readonly<Record<string, QuotaType>> = Object.freeze({
  users: { entityType: 'user', shown: 'user-principal', singular: 'user', keys: CLIENT_QUOTA_KEYS },
  clients: { entityType: 'client-id', shown: 'client-id', singular: 'client', keys: CLIENT_QUOTA_KEYS },
  ips: { entityType: 'ip', shown: 'ip', singular: 'ip', keys: ['connection_creation_rate'] },
});

/** One part of the entity: its type (users, clients, ips) and name; null is the default entity, undefined any. */
export interface EntityPart {
  type: string;
  name: string | null | undefined;
}

/**
 * The --entity-name and --entity-default values in the order given (a default as null), read
 * from argv itself: the parsed flags keep each flag's values but not how the two interleave.
 */
export function entityNamesInOrder(argv: readonly string[]): (string | null)[] {
  const out: (string | null)[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a === '--entity-default') out.push(null);
    else if (a === '--entity-name') out.push(argv[++i] ?? '');
    else if (a.startsWith('--entity-name=')) out.push(a.slice('--entity-name='.length));
  }
  return out;
}

/** Kafka's shortcuts: --user NAME, --user-defaults, --client NAME, --client-defaults, --ip NAME, --ip-defaults. */
export const QUOTA_SHORTCUT_FLAGS = ['user', 'user-defaults', 'client', 'client-defaults', 'ip', 'ip-defaults'] as const;

/** The types and names the shortcuts give, users first; undefined when none is used. */
export function quotaShortcuts(args: Args): { types: string[]; names: (string | null)[] } | undefined {
  const used = QUOTA_SHORTCUT_FLAGS.filter((f) => args.has(f));
  if (used.length === 0) return undefined;
  if (args.has('entity-type') || args.has('entity-name') || args.has('entity-default')) throw new UsageError(`--${used[0]} cannot be combined with --entity-type, --entity-name or --entity-default`);
  const types: string[] = [];
  const names: (string | null)[] = [];
  for (const [type, flag] of [
    ['users', 'user'],
    ['clients', 'client'],
    ['ips', 'ip'],
  ] as const) {
    if (args.has(flag) && args.has(`${flag}-defaults`)) throw new UsageError(`--${flag} and --${flag}-defaults cannot be combined`);
    if (args.has(flag)) {
      types.push(type);
      names.push(args.string(flag)!);
    } else if (args.flag(`${flag}-defaults`)) {
      types.push(type);
      names.push(null);
    }
  }
  return { types, names };
}

/** The entity the flags name, users before clients as Kafka orders them; throws UsageError. */
export function quotaEntity(types: readonly string[], names: readonly (string | null)[], alter: boolean): EntityPart[] {
  for (const t of types) if (QUOTA_TYPES[t] === undefined) throw new UsageError(`--entity-type ${t} cannot be combined with ${types.filter((x) => x !== t).join(', ')}`);
  const ok = types.length === 1 || (types.length === 2 && types.includes('users') && types.includes('clients'));
  if (!ok) throw new UsageError('give one --entity-type, or users with clients');
  if (names.length > types.length) throw new UsageError('more --entity-name/--entity-default than --entity-type');
  if (alter && names.length !== types.length) throw new UsageError('--entity-name or --entity-default must be specified with each --entity-type for --alter');
  const parts = types.map((type, i) => ({ type, name: names[i] === undefined ? undefined : names[i] === '' ? null : names[i] }));
  return types[0] === 'clients' && types.length === 2 ? [parts[1]!, parts[0]!] : parts;
}

/** A number as Java's Double.toString prints it: 1048576.0, 1.048576E7, 1.0E-4. */
export function javaDouble(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(v);
  if (abs >= 1e-3 && abs < 1e7) {
    const text = String(v);
    return text.includes('.') ? text : `${text}.0`;
  }
  const [mantissa, exponent] = v.toExponential().split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

function partText(t: QuotaType, name: string | null): string {
  return name === null ? `the default ${t.shown}` : `${t.shown} '${name}'`;
}

/** "user-principal 'alice', client-id 'app'" for an entity of the quota APIs. */
function entityText(entity: Record<string, string | null>): string {
  const parts: string[] = [];
  for (const t of [QUOTA_TYPES.users!, QUOTA_TYPES.clients!, QUOTA_TYPES.ips!]) {
    if (t.entityType in entity) parts.push(partText(t, entity[t.entityType] ?? null));
  }
  return parts.join(', ');
}

/** The lines of --describe. */
export async function describeQuotaEntity(admin: Admin, parts: EntityPart[]): Promise<string[]> {
  const lines: string[] = [];
  const quotas: ClientQuotaEntry[] = await admin.describeClientQuotas(
    parts.map((p) => ({ entityType: QUOTA_TYPES[p.type]!.entityType, name: p.name })),
    true,
  );
  for (const q of quotas) {
    const values = Object.entries(q.values).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (values.length === 0) continue;
    lines.push(`Quota configs for ${entityText(q.entity)} are ${values.map(([k, v]) => `${k}=${javaDouble(v)}`).join(', ')}`);
  }
  const [only] = parts;
  if (parts.length === 1 && only!.type === 'users' && only!.name !== null) {
    const users = await admin.describeUserScramCredentials(only!.name === undefined ? undefined : [only!.name]);
    for (const u of users) {
      if (u.credentials.length === 0) continue;
      lines.push(`SCRAM credential configs for user-principal '${u.user}' are ${u.credentials.map((c) => `${c.mechanism}=iterations=${c.iterations}`).join(', ')}`);
    }
  }
  return lines;
}

/** --alter: quota keys set and removed, SCRAM credentials added and deleted; the line Kafka's tool prints. */
export async function alterQuotaEntity(admin: Admin, parts: EntityPart[], adds: [string, string][], deletes: string[]): Promise<string> {
  const head = parts[0]!;
  const withScram = parts.length === 1 && head.type === 'users';
  const allowed = new Set([...parts.flatMap((p) => QUOTA_TYPES[p.type]!.keys), ...(withScram ? MECHANISMS : [])]);
  const unexpected = [...adds.map(([k]) => k), ...deletes].filter((k) => !allowed.has(k));
  if (unexpected.length > 0) {
    const what = withScram ? 'quota and SCRAM credential configs' : 'quota configs';
    throw new UsageError(`Only ${what} can be ${adds.some(([k]) => unexpected.includes(k)) ? 'added' : 'deleted'} for '${parts.map((p) => p.type).join("' and '")}' using --bootstrap-server. Unexpected config names: ${unexpected.join(',')}`);
  }
  if (withScram && head.name === null && [...adds.map(([k]) => k), ...deletes].some((k) => MECHANISMS.includes(k))) {
    throw new UsageError('SCRAM credentials belong to a named user, not the default entity: give --entity-name');
  }
  const ops: Record<string, number | null> = {};
  const upsertions: { user: string; mechanism: Mechanism; password: string; iterations?: number }[] = [];
  for (const [key, value] of adds) {
    if (MECHANISMS.includes(key)) {
      upsertions.push({ user: head.name!, mechanism: key as Mechanism, ...scramSpec(key, value) });
      continue;
    }
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${key} wants a number, not '${value}'`);
    ops[key] = n;
  }
  const deletions: { user: string; mechanism: Mechanism }[] = [];
  for (const key of deletes) {
    if (MECHANISMS.includes(key)) deletions.push({ user: head.name!, mechanism: key as Mechanism });
    else ops[key] = null;
  }
  if (Object.keys(ops).length > 0) {
    const entity: Record<string, string | null> = {};
    for (const p of parts) entity[QUOTA_TYPES[p.type]!.entityType] = p.name ?? null;
    await admin.alterClientQuotas(entity, ops);
  }
  if (upsertions.length > 0 || deletions.length > 0) await admin.alterUserScramCredentials(upsertions, deletions);
  const t = QUOTA_TYPES[head.type]!;
  return head.name === null ? `Completed updating default config for ${head.type} in the cluster.` : `Completed updating config for ${t.singular} ${head.name}.`;
}

/** SCRAM-SHA-256=[iterations=8192,password=secret]: the password and the iterations asked for. */
function scramSpec(mechanism: string, value: string): { password: string; iterations?: number } {
  let password: string | undefined;
  let iterations: number | undefined;
  for (const item of value.split(',')) {
    const eq = item.indexOf('=');
    const k = eq < 0 ? item.trim() : item.slice(0, eq).trim();
    const v = eq < 0 ? '' : item.slice(eq + 1);
    if (k === 'password') password = v;
    else if (k === 'iterations') {
      iterations = Number(v);
      if (!Number.isInteger(iterations)) throw new UsageError(`${mechanism}: iterations wants a whole number, not '${v}'`);
    } else throw new UsageError(`${mechanism} takes [iterations=N,password=SECRET], not '${value}'`);
  }
  if (password === undefined || password === '') throw new UsageError(`${mechanism} needs a password: ${mechanism}=[password=SECRET]`);
  return iterations === undefined ? { password } : { password, iterations };
}
