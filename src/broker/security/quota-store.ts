/**
 * Client quotas as configuration (KIP-546): what AlterClientQuotas sets, DescribeClientQuotas
 * reads and the quota enforcer looks up per request (quotasFor). Nothing here throttles.
 *
 *   <first log dir>/__spindle_metadata/client-quotas.json     rewritten whole, atomically
 *   { "version": 1,
 *     "entities": [
 *       { "entity": { "user": "alice" }, "quotas": { "consumer_byte_rate": 2097152, "producer_byte_rate": 1048576 } },
 *       { "entity": { "user": null, "client-id": "app" }, "quotas": { "request_percentage": 12.5 } },
 *       { "entity": { "ip": null }, "quotas": { "connection_creation_rate": 100 } } ] }
 *
 * An entity maps entity types ("user", "client-id", "ip") to a name, or to null for the type's
 * default entity (Kafka's <default>); an entity is user and/or client-id, or ip alone. Keys and
 * their types are Kafka's QuotaConfig: producer_byte_rate and consumer_byte_rate (long),
 * request_percentage and controller_mutation_rate (double) for user/client-id entities,
 * connection_creation_rate (int) for ip entities. Values are kept as the doubles the protocol
 * carries. An entity left with no key is gone. A file that does not parse stops the broker at
 * start-up rather than serving with no quotas.
 *
 * As Kafka 3.9 in KRaft mode: describe() is ClientQuotasImage.describe, alter() is
 * ClientQuotaControlManager.alterClientQuotas (with QuorumController's validateOnly), quotasFor()
 * is ClientQuotaManager's DefaultQuotaCallback precedence, resolved per quota key as each of
 * Kafka's quota managers (produce, fetch, request) holds only the entities that set its key.
 *
 * Main thread. One change at a time: the lookup of an ip entity given as a host name, the
 * checks, then the file written on libuv's thread pool (temporary file, fsync, rename, fsync of
 * the directory); the quotas take effect once the file holds them.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import { fsio, writeFileDurably } from '../../core/fs.js';
import { SerialQueue } from '../../core/serial.js';
import { ErrorCode } from '../../protocol/errors.js';

export const CLIENT_QUOTAS_FILE = 'client-quotas.json';

export type QuotaEntityType = 'user' | 'client-id' | 'ip';
/** In the order entities are written and described. */
export const QUOTA_ENTITY_TYPES: readonly QuotaEntityType[] = Object.freeze(['user', 'client-id', 'ip']);

/** An entity: each type it names, with the name or null for the default entity. */
export type ClientQuotaEntity = Readonly<Partial<Record<QuotaEntityType, string | null>>>;

/** DescribeClientQuotas match types. */
export const MATCH_TYPE_EXACT = 0;
export const MATCH_TYPE_DEFAULT = 1;
export const MATCH_TYPE_SPECIFIED = 2;

type QuotaValueType = 'long' | 'int' | 'double';
/** QuotaConfig.userAndClientQuotaConfigs(). */
export const USER_CLIENT_QUOTA_KEYS: Readonly<Record<string, QuotaValueType>> = Object.freeze({
  producer_byte_rate: 'long',
  consumer_byte_rate: 'long',
  request_percentage: 'double',
  controller_mutation_rate: 'double',
});
/** QuotaConfig.ipConfigs(). */
export const IP_QUOTA_KEYS: Readonly<Record<string, QuotaValueType>> = Object.freeze({ connection_creation_rate: 'int' });

/** Wire shapes, as DescribeClientQuotas and AlterClientQuotas carry them. */
export interface QuotaEntityComponent {
  readonly entityType: string;
  readonly entityName: string | null;
}
export interface QuotaFilterComponent {
  readonly entityType: string;
  readonly matchType: number;
  readonly match: string | null;
}
export interface QuotaOp {
  readonly key: string;
  readonly value: number;
  readonly remove: boolean;
}
export interface QuotaAlteration {
  readonly entity: readonly QuotaEntityComponent[];
  readonly ops: readonly QuotaOp[];
}
export interface DescribedQuotas {
  entity: { entityType: QuotaEntityType; entityName: string | null }[];
  values: { key: string; value: number }[];
}
export interface QuotaAlterResult {
  errorCode: number;
  errorMessage: string | null;
  entity: { entityType: string; entityName: string | null }[];
}

/** A filter describe() refuses as a whole: the response's top-level error. */
export class ClientQuotaFilterError extends Error {
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** The quotas that apply to a (user principal, client-id): each key from the most specific entity that sets it. */
export interface ClientQuotas {
  readonly producerByteRate?: number;
  readonly consumerByteRate?: number;
  readonly requestPercentage?: number;
  readonly controllerMutationRate?: number;
}

const RESOLVED_KEYS = [
  ['producer_byte_rate', 'producerByteRate'],
  ['consumer_byte_rate', 'consumerByteRate'],
  ['request_percentage', 'requestPercentage'],
  ['controller_mutation_rate', 'controllerMutationRate'],
] as const;

/** Resolutions kept at most; client-ids come from clients, so the cache is emptied when full. */
const RESOLUTION_CACHE_LIMIT = 10_000;
const HOST_LOOKUP_TIMEOUT_MS = 5000;
/** Java's Long.MAX_VALUE and Integer.MAX_VALUE as the doubles ClientQuotaControlManager compares with. */
const LONG_MAX = 9223372036854775807;
const INT_MAX = 2147483647;
const NO_QUOTAS: ClientQuotas = Object.freeze({});

function isQuotaEntityType(t: string): t is QuotaEntityType {
  return t === 'user' || t === 'client-id' || t === 'ip';
}

/** The map key of an entity: its three slots (false when absent), unambiguous as names are strings. */
function keyOf(user: string | null | undefined, clientId: string | null | undefined, ip: string | null | undefined): string {
  return JSON.stringify([user === undefined ? false : user, clientId === undefined ? false : clientId, ip === undefined ? false : ip]);
}
function entityKey(e: ClientQuotaEntity): string {
  return keyOf(e.user, e['client-id'], e.ip);
}

/** Kafka's ClientQuotaEntity.toString, for messages (a two-entry HashMap lists client-id first). */
function describeEntity(components: readonly QuotaEntityComponent[]): string {
  const m = new Map<string, string | null>();
  for (const c of components) m.set(c.entityType, c.entityName);
  const order = (t: string): number => (t === 'client-id' ? 0 : t === 'user' ? 1 : t === 'ip' ? 2 : 3);
  const parts = [...m].sort(([a], [b]) => order(a) - order(b)).map(([t, n]) => `${t}=${n}`);
  return `ClientQuotaEntity(entries={${parts.join(', ')}})`;
}

const HOST_LABEL = /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/** An ip entity name as InetAddress.getByName takes it: an address literal, or a host name that resolves. */
async function validIpEntity(name: string): Promise<boolean> {
  if (isIP(name) !== 0) return true;
  if (name.startsWith('[') && name.endsWith(']')) return isIP(name.slice(1, -1)) === 6;
  const host = name.endsWith('.') ? name.slice(0, -1) : name;
  if (host.length === 0 || host.length > 253 || !host.split('.').every((l) => HOST_LABEL.test(l))) return false;
  if (/^[0-9.]+$/.test(host)) return false; // a malformed dotted address, never a host name
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), HOST_LOOKUP_TIMEOUT_MS)));
  try {
    return await Promise.race([lookup(host).then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** ClientQuotaControlManager.validateQuotaKeyValue for a value being set; null when it is acceptable. */
function valueProblem(validKeys: Readonly<Record<string, QuotaValueType>>, key: string, value: number): string | null {
  const type = Object.hasOwn(validKeys, key) ? validKeys[key] : undefined;
  if (!type) return `Invalid configuration key ${key}`;
  if (value <= 0) return `Quota ${key} must be greater than 0`;
  if (type === 'long' && value > LONG_MAX) return `Proposed value for ${key} is too large for a LONG.`;
  if (type === 'int' && value > INT_MAX) return `Proposed value for ${key} is too large for an INT.`;
  // Kafka lets NaN through every check and infinity through a double key; neither is a quota.
  if (!Number.isFinite(value)) return `Quota ${key} must be a finite number`;
  if (type !== 'double' && Math.abs(value % 1) > 1e-6) return `${key} cannot be a fractional value.`;
  return null;
}

interface FileShape {
  version: 1;
  entities: { entity: Partial<Record<QuotaEntityType, string | null>>; quotas: Record<string, number> }[];
}

export class ClientQuotaStore {
  private readonly file: string;
  /** By entityKey(); each entity has at least one key. */
  private readonly entities: Entities = new Map();
  private readonly resolved = new Map<string, ClientQuotas>();
  private readonly changes = new SerialQueue();

  /** Loads `<metadataDir>/client-quotas.json` (none yet: no quotas); throws on a file that does not parse. */
  constructor(metadataDir: string) {
    this.file = join(metadataDir, CLIENT_QUOTAS_FILE);
    if (!fsio.existsSync(this.file)) return;
    try {
      const parsed = JSON.parse(fsio.readFileSync(this.file).toString('utf8')) as FileShape;
      if (parsed.version !== 1 || !Array.isArray(parsed.entities)) throw new Error('not a version 1 client quotas file');
      for (const item of parsed.entities) {
        if (typeof item !== 'object' || item === null || typeof item.entity !== 'object' || item.entity === null || typeof item.quotas !== 'object' || item.quotas === null) {
          throw new Error('a malformed entity');
        }
        const entity: Partial<Record<QuotaEntityType, string | null>> = {};
        for (const [t, n] of Object.entries(item.entity)) {
          if (!isQuotaEntityType(t) || (n !== null && (typeof n !== 'string' || n === ''))) throw new Error(`an entity with ${t}=${JSON.stringify(n)}`);
          entity[t] = n;
        }
        const text = JSON.stringify(item.entity);
        const keys = this.keysFor(entity);
        if (!keys) throw new Error(`entity ${text}: not a user/client-id or ip entity`);
        if (this.entities.has(entityKey(entity))) throw new Error(`entity ${text} listed twice`);
        const quotas = new Map<string, number>();
        for (const [key, value] of Object.entries(item.quotas)) {
          if (typeof value !== 'number' || valueProblem(keys, key, value) !== null) throw new Error(`entity ${text}: ${key}=${JSON.stringify(value)}`);
          quotas.set(key, value);
        }
        if (quotas.size > 0) this.entities.set(entityKey(entity), { entity: Object.freeze(entity), quotas });
      }
    } catch (e) {
      throw new Error(`${this.file} cannot be read (${(e as Error).message}); restore it or remove it (every client quota is then gone)`);
    }
  }

  /** The keys an entity takes (ClientQuotaControlManager.configKeysForEntityType), or undefined for a combination Kafka refuses. */
  private keysFor(entity: ClientQuotaEntity): Readonly<Record<string, QuotaValueType>> | undefined {
    const hasUserOrClient = entity.user !== undefined || entity['client-id'] !== undefined;
    if (entity.ip !== undefined) return hasUserOrClient ? undefined : IP_QUOTA_KEYS;
    return hasUserOrClient ? USER_CLIENT_QUOTA_KEYS : undefined;
  }

  /**
   * ClientQuotasImage.describe: the entities matching every component (EXACT the name in
   * `match`, DEFAULT the default entity, SPECIFIED any entity of the type, named or default),
   * and with `strict` naming no other type; no components match every entity (strict: none).
   * Throws ClientQuotaFilterError (INVALID_REQUEST, or UNSUPPORTED_VERSION for an unknown
   * entity type) on a filter Kafka refuses.
   */
  describe(components: readonly QuotaFilterComponent[], strict: boolean): DescribedQuotas[] {
    const exact = new Map<QuotaEntityType, string | null>();
    const specified = new Set<QuotaEntityType>();
    for (const c of components) {
      const t = c.entityType;
      if (t === '') throw new ClientQuotaFilterError(ErrorCode.INVALID_REQUEST, 'Invalid empty entity type.');
      if (isQuotaEntityType(t) && (exact.has(t) || specified.has(t))) {
        throw new ClientQuotaFilterError(ErrorCode.INVALID_REQUEST, `Entity type ${t} cannot appear more than once in the filter.`);
      }
      if (!isQuotaEntityType(t)) throw new ClientQuotaFilterError(ErrorCode.UNSUPPORTED_VERSION, `Unsupported entity type ${t}`);
      if (c.matchType === MATCH_TYPE_EXACT) {
        if (c.match === null) throw new ClientQuotaFilterError(ErrorCode.INVALID_REQUEST, 'Request specified MATCH_TYPE_EXACT, but set match string to null.');
        exact.set(t, c.match);
      } else if (c.matchType === MATCH_TYPE_DEFAULT) {
        if (c.match !== null) throw new ClientQuotaFilterError(ErrorCode.INVALID_REQUEST, 'Request specified MATCH_TYPE_DEFAULT, but also specified a match string.');
        exact.set(t, null);
      } else if (c.matchType === MATCH_TYPE_SPECIFIED) {
        if (c.match !== null) throw new ClientQuotaFilterError(ErrorCode.INVALID_REQUEST, 'Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.');
        specified.add(t);
      } else {
        throw new ClientQuotaFilterError(ErrorCode.INVALID_REQUEST, `Unknown match type ${c.matchType}`);
      }
    }
    const mentions = (t: QuotaEntityType): boolean => exact.has(t) || specified.has(t);
    if (mentions('ip') && (mentions('user') || mentions('client-id'))) {
      throw new ClientQuotaFilterError(
        ErrorCode.INVALID_REQUEST,
        'Invalid entity filter component combination. IP filter component should not be used with user or clientId filter component.',
      );
    }
    const out: DescribedQuotas[] = [];
    for (const { entity, quotas } of sortedEntities(this.entities)) {
      const types = QUOTA_ENTITY_TYPES.filter((t) => entity[t] !== undefined);
      if (strict && types.length !== exact.size + specified.size) continue;
      if (![...exact].every(([t, name]) => entity[t] === name)) continue;
      if (![...specified].every((t) => entity[t] !== undefined)) continue;
      out.push({
        entity: types.map((t) => ({ entityType: t, entityName: entity[t] as string | null })),
        values: [...quotas].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, value]) => ({ key, value })),
      });
    }
    return out;
  }

  /**
   * ClientQuotaControlManager.alterClientQuotas: one result per distinct entity, in the order
   * they first appear. An entity is refused whole (INVALID_REQUEST, nothing of it applied) when
   * it is empty, names a type twice or a type Kafka does not know, has an empty name, mixes ip
   * with user/client-id, names an ip that is no address nor resolvable host, appears in more than
   * one entry or sets a key twice, or when a value being set has an unknown key, is not above 0,
   * is fractional for an integral key or too large for its type. Removing a key that is not set
   * does nothing (its name is not checked, as in Kafka). The entities that pass are applied
   * together and the file written once, unless `validateOnly`; when the file cannot be written
   * the quotas stay as they were, those entities answer UNKNOWN_SERVER_ERROR and `writeError`
   * says why.
   */
  alter(entries: readonly QuotaAlteration[], validateOnly: boolean): Promise<{ entries: QuotaAlterResult[]; writeError: Error | null }> {
    return this.changes.run(() => this.alterNow(entries, validateOnly));
  }

  private async alterNow(entries: readonly QuotaAlteration[], validateOnly: boolean): Promise<{ entries: QuotaAlterResult[]; writeError: Error | null }> {
    // Host names first, the only wait: everything after it runs without yielding.
    const ipValid = new Map<string, boolean>();
    for (const e of entries) {
      for (const c of e.entity) {
        if (c.entityType === 'ip' && c.entityName !== null && c.entityName !== '' && !ipValid.has(c.entityName)) ipValid.set(c.entityName, false);
      }
    }
    await Promise.all([...ipValid.keys()].map(async (name) => ipValid.set(name, await validIpEntity(name))));

    // As Kafka's AlterClientQuotasRequest.entries(), an entry's entity is a map: the last name given for a type.
    const collapsedKey = (components: readonly QuotaEntityComponent[]): string => {
      const m = new Map<string, string | null>();
      for (const c of components) m.set(c.entityType, c.entityName);
      return JSON.stringify([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    };
    const results = new Map<string, QuotaAlterResult>();
    const seenTwice = new Set<string>();
    const order: string[] = [];
    for (const e of entries) {
      const k = collapsedKey(e.entity);
      if (results.has(k)) seenTwice.add(k);
      else {
        order.push(k);
        results.set(k, { errorCode: ErrorCode.NONE, errorMessage: null, entity: e.entity.map((c) => ({ entityType: c.entityType, entityName: c.entityName })) });
      }
    }

    const planned: { key: string; entity: ClientQuotaEntity; changes: Map<string, number | null> }[] = [];
    const refuse = (k: string, message: string): void => {
      const r = results.get(k)!;
      r.errorCode = ErrorCode.INVALID_REQUEST;
      r.errorMessage = message;
    };
    for (const e of entries) {
      const k = collapsedKey(e.entity);
      if (seenTwice.has(k)) {
        refuse(k, `Ignoring duplicate entity ${describeEntity(e.entity)}`);
        continue;
      }
      const problem = this.entityProblem(e, ipValid);
      if (typeof problem === 'string') {
        refuse(k, problem);
        continue;
      }
      const { entity, keys } = problem;
      const current = this.entities.get(entityKey(entity))?.quotas;
      const changes = new Map<string, number | null>();
      let refused: string | null = null;
      const opKeys = new Set<string>();
      for (const op of e.ops) {
        if (opKeys.has(op.key)) {
          refused = `Duplicate quota key ${op.key} not updating quota for this entity ${describeEntity(e.entity)}`;
          break;
        }
        opKeys.add(op.key);
      }
      for (const op of refused === null ? e.ops : []) {
        if (op.remove) {
          if (current?.has(op.key)) changes.set(op.key, null);
          continue;
        }
        refused = valueProblem(keys, op.key, op.value);
        if (refused !== null) break;
        if (current?.get(op.key) !== op.value) changes.set(op.key, op.value);
      }
      if (refused !== null) refuse(k, refused);
      else if (changes.size > 0) planned.push({ key: k, entity, changes });
    }

    let writeError: Error | null = null;
    if (!validateOnly && planned.length > 0) {
      const next: Entities = new Map([...this.entities].map(([k, v]) => [k, { entity: v.entity, quotas: new Map(v.quotas) }]));
      for (const p of planned) {
        const ek = entityKey(p.entity);
        let stored = next.get(ek);
        if (!stored) next.set(ek, (stored = { entity: p.entity, quotas: new Map() }));
        for (const [key, value] of p.changes) {
          if (value === null) stored.quotas.delete(key);
          else stored.quotas.set(key, value);
        }
        if (stored.quotas.size === 0) next.delete(ek);
      }
      try {
        await writeFileDurably(this.file, render(next), dirname(this.file));
        this.entities.clear();
        for (const [k, v] of next) this.entities.set(k, v);
      } catch (err) {
        writeError = err as Error;
        for (const p of planned) {
          const r = results.get(p.key)!;
          r.errorCode = ErrorCode.UNKNOWN_SERVER_ERROR;
          r.errorMessage = 'The quotas could not be stored';
        }
      }
      this.resolved.clear();
    }
    return { entries: order.map((k) => results.get(k)!), writeError };
  }

  /** ClientQuotaControlManager.validateEntity and configKeysForEntityType: the message refusing the entity, or it with its keys. */
  private entityProblem(e: QuotaAlteration, ipValid: ReadonlyMap<string, boolean>): string | { entity: ClientQuotaEntity; keys: Readonly<Record<string, QuotaValueType>> } {
    if (e.entity.length === 0) return 'Invalid empty client quota entity';
    const entity: Partial<Record<QuotaEntityType, string | null>> = {};
    for (const c of e.entity) {
      const t = c.entityType;
      if (isQuotaEntityType(t) && entity[t] !== undefined) return `Invalid client quota entity, duplicate entity entry ${t}`;
      if (!isQuotaEntityType(t)) return `Unhandled client quota entity type: ${t}`;
      entity[t] = c.entityName;
      if (c.entityName === '') return `Empty ${t} not supported`;
    }
    const keys = this.keysFor(entity);
    if (!keys) return 'Invalid quota entity combination, IP entity should not be combined with User or ClientId';
    if (entity.ip !== undefined && entity.ip !== null && !ipValid.get(entity.ip)) return `${entity.ip} is not a valid IP or resolvable host.`;
    return { entity: Object.freeze(entity), keys };
  }

  /**
   * The user/client-id quotas for a request from `user` (the principal's name) with `clientId`:
   * for each key, the first of these entities that sets it (ClientQuotaManager's precedence,
   * KIP-55):
   *   /users/<user>/clients/<client-id>, /users/<user>/clients/<default>, /users/<user>,
   *   /users/<default>/clients/<client-id>, /users/<default>/clients/<default>, /users/<default>,
   *   /clients/<client-id>, /clients/<default>.
   * As DefaultQuotaCallback.quotaLimit, an empty client-id leaves only /users/<user> and
   * /users/<default>, an empty user only /clients/<client-id> and /clients/<default>. Cached per
   * (user, client-id) until the next change; the object returned is frozen and shared.
   */
  /** Whether any quota is set: without one, nothing on the request path asks the store. */
  get hasQuotas(): boolean {
    return this.entities.size > 0;
  }

  quotasFor(user: string, clientId: string): ClientQuotas {
    if (this.entities.size === 0) return NO_QUOTAS;
    const cacheKey = `${user.length}:${user}${clientId}`;
    const hit = this.resolved.get(cacheKey);
    if (hit) return hit;
    let chain: string[];
    if (user !== '' && clientId !== '') {
      chain = [
        keyOf(user, clientId, undefined),
        keyOf(user, null, undefined),
        keyOf(user, undefined, undefined),
        keyOf(null, clientId, undefined),
        keyOf(null, null, undefined),
        keyOf(null, undefined, undefined),
        keyOf(undefined, clientId, undefined),
        keyOf(undefined, null, undefined),
      ];
    } else if (user !== '') chain = [keyOf(user, undefined, undefined), keyOf(null, undefined, undefined)];
    else if (clientId !== '') chain = [keyOf(undefined, clientId, undefined), keyOf(undefined, null, undefined)];
    else chain = [];
    const found: { -readonly [K in keyof ClientQuotas]: number } = {};
    for (const [key, field] of RESOLVED_KEYS) {
      for (const k of chain) {
        const v = this.entities.get(k)?.quotas.get(key);
        if (v !== undefined) {
          found[field] = v;
          break;
        }
      }
    }
    const result = Object.keys(found).length === 0 ? NO_QUOTAS : Object.freeze(found);
    if (this.resolved.size >= RESOLUTION_CACHE_LIMIT) this.resolved.clear();
    this.resolved.set(cacheKey, result);
    return result;
  }

}

type Entities = Map<string, { readonly entity: ClientQuotaEntity; readonly quotas: Map<string, number> }>;

function sortedEntities(entities: Entities): { entity: ClientQuotaEntity; quotas: Map<string, number> }[] {
  return [...entities].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}

/** The file's bytes for `entities`, sorted by entity and by key. */
function render(entities: Entities): Buffer {
  const shape: FileShape = { version: 1, entities: [] };
  for (const { entity, quotas } of sortedEntities(entities)) {
    const e: FileShape['entities'][number]['entity'] = {};
    for (const t of QUOTA_ENTITY_TYPES) if (entity[t] !== undefined) e[t] = entity[t];
    const q: Record<string, number> = {};
    for (const [key, value] of [...quotas].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) q[key] = value;
    shape.entities.push({ entity: e, quotas: q });
  }
  return Buffer.from(`${JSON.stringify(shape, null, 2)}\n`);
}
