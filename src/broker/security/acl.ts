/**
 * Kafka's ACL model, as KRaft's StandardAuthorizer applies it: the enums and their wire codes,
 * bindings and binding filters, what CreateAcls / DeleteAcls / DescribeAcls accept, an in-memory
 * set of bindings indexed for authorization, `authorize` and `authorizeByResourceType`, and a
 * plain-JSON form for a durable store. Pure: no I/O, no clock; the broker persists the bindings
 * and calls in here.
 *
 * Authorization (StandardAuthorizerData.authorize / findAclRule / findResult):
 *   1. a principal listed in super.users is ALLOWED, whatever the ACLs say;
 *   2. the ACLs that apply to the resource are those of its type that are LITERAL with its exact
 *      name, LITERAL with the wildcard name "*", or PREFIXED with a prefix of its name (the name
 *      itself included); none → allow.everyone.if.no.acl.found decides (default DENIED). Any such
 *      ACL counts here, whoever it is for: one for another principal, host or operation turns
 *      the default off and the answer becomes DENIED unless an ACL below allows;
 *   3. of those, an ACL matches the request when its principal is the request's or "User:*",
 *      its host is the request's (exact string) or "*", and its operation matches: ALL matches
 *      every operation; an ALLOW for READ, WRITE, DELETE or ALTER also allows DESCRIBE, and an
 *      ALLOW for ALTER_CONFIGS also allows DESCRIBE_CONFIGS; a DENY matches only its own
 *      operation (or ALL), so DENY READ does not deny DESCRIBE, and DENY DESCRIBE does not deny
 *      READ;
 *   4. any matching DENY → DENIED; else any matching ALLOW → ALLOWED; else DENIED.
 *
 * The index. AclSet keeps, per resource type, a map of literal names (the "*" wildcard among
 * them) and a character trie of prefixed names. A check looks up the exact name and "*" and walks
 * the trie along the name, so it touches only the ACLs that can apply, and allocates nothing:
 * it runs per partition on the produce and fetch paths. (Kafka gets the same set by walking a
 * sorted set ordered by reverse name.) Describe and delete scan every binding, as Kafka does, and
 * answer in Kafka's order: resource type, then name in reverse, then pattern type, operation,
 * principal, host, permission.
 *
 * CreateAcls validation (validateAclBinding), with Kafka's error codes and messages:
 *   - resource type, pattern type, operation and permission must be specific: not UNKNOWN, not
 *     ANY, pattern not MATCH (INVALID_REQUEST "Invalid resourceType ANY", … — the controller's
 *     AclControlManager.validateNewAcl). Kafka refuses UNKNOWN codes already when it parses the
 *     request, and ANY / MATCH when it builds the binding, failing the whole request; this
 *     module answers per binding, and the handler may fail the whole request instead;
 *   - a CLUSTER resource must be named "kafka-cluster" (INVALID_REQUEST "The only valid name for
 *     the CLUSTER resource is kafka-cluster"), then the name must not be empty (INVALID_REQUEST
 *     "Invalid empty resource name") — the broker's AclApis.handleCreateAcls, in that order;
 *   - Spindle only: the principal must hold a ':' between its type and its name (INVALID_REQUEST
 *     "expected a string in format principalType:principalName but got …"). Kafka stores such an
 *     ACL and then fails every authorization that reaches it (StandardAcl.kafkaPrincipal
 *     throws). Any principal type is accepted, as in Kafka ("User", or a custom builder's type);
 *     INVALID_PRINCIPAL_TYPE is never answered here: Kafka uses it only for delegation tokens.
 *   - not checked, as in Kafka: the host (any string; one that is not "*" nor the address the
 *     broker passes for the client simply never matches), PREFIXED "*" (a prefix like any other:
 *     it matches names that start with '*'), the operation against the resource type.
 * A binding that repeats one already there is accepted and not stored twice.
 *
 * Filters (DescribeAcls, DeleteAcls): each field null/undefined or ANY matches everything; the
 * pattern type ANY matches LITERAL and PREFIXED bindings with exactly the filter's name, LITERAL
 * or PREFIXED only that pattern type with exactly that name, and MATCH every binding that would
 * apply to a resource of that name: the LITERAL one of that name, the LITERAL "*", and every
 * PREFIXED one whose name is a prefix of it (ResourcePatternFilter.matches). A filter with an
 * UNKNOWN field matches nothing; validateAclFilter refuses it (INVALID_REQUEST "Unknown
 * patternFilter." / "Unknown entryFilter.", the controller's validateFilter).
 *
 * Names. Kafka prints the enums by their constant names (TOPIC, IDEMPOTENT_WRITE, ALLOW: what
 * AclBinding.toString and kafka-acls --list show) and writes Pascal case in places (Topic,
 * IdempotentWrite, Allow: SecurityUtils, kafka-acls --help, the audit log). `…Name` gives the
 * former, `…PascalName` the latter; `parse…` accepts either, in any case, with or without the
 * underscores, and gives UNKNOWN for anything else (Kafka's fromString and SecurityUtils).
 *
 * Hosts are compared as strings, as Kafka compares the ACL's host with
 * InetAddress.getHostAddress(): the caller must pass the client address in the form ACLs are
 * written in (Java writes IPv6 uncompressed, "0:0:0:0:0:0:0:1", where Node says "::1", and
 * Node's "::ffff:10.0.0.1" for an IPv4 client on a dual-stack socket is Java's "10.0.0.1").
 *
 * Main thread.
 */
import { ErrorCode } from '../../protocol/errors.js';

// ---------------------------------------------------------------------------------------------
// Enums

/** Kafka's ResourceType codes (org.apache.kafka.common.resource.ResourceType). */
export const ResourceType = Object.freeze({
  UNKNOWN: 0,
  ANY: 1,
  TOPIC: 2,
  GROUP: 3,
  CLUSTER: 4,
  TRANSACTIONAL_ID: 5,
  DELEGATION_TOKEN: 6,
  USER: 7,
} as const);
export type ResourceType = (typeof ResourceType)[keyof typeof ResourceType];

/** Kafka's PatternType codes (org.apache.kafka.common.resource.PatternType). */
export const PatternType = Object.freeze({
  UNKNOWN: 0,
  ANY: 1,
  MATCH: 2,
  LITERAL: 3,
  PREFIXED: 4,
} as const);
export type PatternType = (typeof PatternType)[keyof typeof PatternType];

/** Kafka's AclOperation codes (org.apache.kafka.common.acl.AclOperation). */
export const AclOperation = Object.freeze({
  UNKNOWN: 0,
  ANY: 1,
  ALL: 2,
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
  CREATE_TOKENS: 13,
  DESCRIBE_TOKENS: 14,
} as const);
export type AclOperation = (typeof AclOperation)[keyof typeof AclOperation];

/** Kafka's AclPermissionType codes (org.apache.kafka.common.acl.AclPermissionType). */
export const AclPermissionType = Object.freeze({
  UNKNOWN: 0,
  ANY: 1,
  DENY: 2,
  ALLOW: 3,
} as const);
export type AclPermissionType = (typeof AclPermissionType)[keyof typeof AclPermissionType];

/** The name every resource of a type matches when a LITERAL ACL carries it. */
export const WILDCARD_RESOURCE = '*';
/** The host an ACL carries to match every host. */
export const WILDCARD_HOST = '*';
/** The principal an ACL carries to match every principal (of any type). */
export const WILDCARD_PRINCIPAL = 'User:*';
/** The only name CreateAcls accepts for a CLUSTER resource. */
export const CLUSTER_RESOURCE_NAME = 'kafka-cluster';

/** Name ↔ code for one enum: constant names by code, and a lookup by normalized spelling. */
interface EnumNames<T extends number> {
  readonly names: readonly string[];
  readonly pascal: readonly string[];
  readonly byKey: ReadonlyMap<string, T>;
  readonly unknown: T;
}

function enumNames<T extends number>(table: Readonly<Record<string, T>>): EnumNames<T> {
  const names: string[] = [];
  const pascal: string[] = [];
  const byKey = new Map<string, T>();
  for (const [name, code] of Object.entries(table)) {
    names[code] = name;
    pascal[code] = name
      .split('_')
      .map((w) => w.charAt(0) + w.slice(1).toLowerCase())
      .join('');
    byKey.set(lookupKey(name), code);
  }
  return { names, pascal, byKey, unknown: 0 as T };
}

/** "IDEMPOTENT_WRITE", "IdempotentWrite", "idempotentwrite" all give the same key. */
function lookupKey(name: string): string {
  return name.trim().toUpperCase().replace(/_/g, '');
}

function codeOf<T extends number>(e: EnumNames<T>, code: number): T {
  return Number.isInteger(code) && e.names[code] !== undefined ? (code as T) : e.unknown;
}

function nameOf<T extends number>(e: EnumNames<T>, code: number): string {
  return e.names[codeOf(e, code)]!;
}

function parseName<T extends number>(e: EnumNames<T>, name: string): T {
  return e.byKey.get(lookupKey(name)) ?? e.unknown;
}

const RESOURCE_TYPES = enumNames<ResourceType>(ResourceType);
const PATTERN_TYPES = enumNames<PatternType>(PatternType);
const OPERATIONS = enumNames<AclOperation>(AclOperation);
const PERMISSIONS = enumNames<AclPermissionType>(AclPermissionType);

/** The code as a ResourceType; UNKNOWN for a code Kafka does not define (ResourceType.fromCode). */
export const resourceTypeFromCode = (code: number): ResourceType => codeOf(RESOURCE_TYPES, code);
/** Kafka's constant name: "TOPIC", "TRANSACTIONAL_ID"; "UNKNOWN" for an undefined code. */
export const resourceTypeName = (code: number): string => nameOf(RESOURCE_TYPES, code);
/** Pascal case, as SecurityUtils.resourceTypeName: "Topic", "TransactionalId". */
export const resourceTypePascalName = (code: number): string => RESOURCE_TYPES.pascal[codeOf(RESOURCE_TYPES, code)]!;
/** "Topic", "TOPIC", "topic", "TransactionalId", "transactional_id" … → code; UNKNOWN otherwise. */
export const parseResourceType = (name: string): ResourceType => parseName(RESOURCE_TYPES, name);

/** The code as a PatternType; UNKNOWN for a code Kafka does not define. */
export const patternTypeFromCode = (code: number): PatternType => codeOf(PATTERN_TYPES, code);
/** Kafka's constant name: "LITERAL", "PREFIXED", "MATCH", "ANY". */
export const patternTypeName = (code: number): string => nameOf(PATTERN_TYPES, code);
/** "LITERAL", "literal", "Prefixed" … → code; UNKNOWN otherwise. */
export const parsePatternType = (name: string): PatternType => parseName(PATTERN_TYPES, name);

/** The code as an AclOperation; UNKNOWN for a code Kafka does not define. */
export const operationFromCode = (code: number): AclOperation => codeOf(OPERATIONS, code);
/** Kafka's constant name: "READ", "IDEMPOTENT_WRITE". */
export const operationName = (code: number): string => nameOf(OPERATIONS, code);
/** Pascal case, as kafka-acls lists them: "Read", "IdempotentWrite", "DescribeConfigs". */
export const operationPascalName = (code: number): string => OPERATIONS.pascal[codeOf(OPERATIONS, code)]!;
/** "Read", "READ", "IdempotentWrite", "idempotent_write" … → code; UNKNOWN otherwise. */
export const parseOperation = (name: string): AclOperation => parseName(OPERATIONS, name);

/** The code as an AclPermissionType; UNKNOWN for a code Kafka does not define. */
export const permissionTypeFromCode = (code: number): AclPermissionType => codeOf(PERMISSIONS, code);
/** Kafka's constant name: "ALLOW", "DENY". */
export const permissionTypeName = (code: number): string => nameOf(PERMISSIONS, code);
/** Pascal case: "Allow", "Deny". */
export const permissionTypePascalName = (code: number): string => PERMISSIONS.pascal[codeOf(PERMISSIONS, code)]!;
/** "Allow", "ALLOW", "deny" … → code; UNKNOWN otherwise. */
export const parsePermissionType = (name: string): AclPermissionType => parseName(PERMISSIONS, name);

// ---------------------------------------------------------------------------------------------
// Bindings and filters

/** One ACL: a resource pattern and an access control entry, flattened. */
export interface AclBinding {
  readonly resourceType: ResourceType;
  readonly resourceName: string;
  /** LITERAL or PREFIXED once valid. */
  readonly patternType: PatternType;
  /** "Type:name": "User:alice", or "User:*" for every principal. */
  readonly principal: string;
  /** "*" or a client address. */
  readonly host: string;
  readonly operation: AclOperation;
  readonly permission: AclPermissionType;
}

/**
 * Which bindings DescribeAcls reports and DeleteAcls removes. A field left out, null, or ANY
 * (for the enums) matches every value; patternType MATCH as described at the top.
 */
export interface AclBindingFilter {
  readonly resourceType?: ResourceType | null;
  readonly resourceName?: string | null;
  readonly patternType?: PatternType | null;
  readonly principal?: string | null;
  readonly host?: string | null;
  readonly operation?: AclOperation | null;
  readonly permission?: AclPermissionType | null;
}

/** The filter that matches every binding (AclBindingFilter.ANY). */
export const ACL_FILTER_ANY: AclBindingFilter = Object.freeze({
  resourceType: ResourceType.ANY,
  resourceName: null,
  patternType: PatternType.ANY,
  principal: null,
  host: null,
  operation: AclOperation.ANY,
  permission: AclPermissionType.ANY,
});

/** The filter that matches exactly this binding (AclBinding.toFilter). */
export function aclFilterFor(binding: AclBinding): AclBindingFilter {
  return {
    resourceType: binding.resourceType,
    resourceName: binding.resourceName,
    patternType: binding.patternType,
    principal: binding.principal,
    host: binding.host,
    operation: binding.operation,
    permission: binding.permission,
  };
}

/** Whether the filter selects the binding (ResourcePatternFilter + AccessControlEntryFilter). */
export function aclFilterMatches(filter: AclBindingFilter, binding: AclBinding): boolean {
  const type = filter.resourceType ?? ResourceType.ANY;
  if (type !== ResourceType.ANY && type !== binding.resourceType) return false;
  const pattern = filter.patternType ?? PatternType.ANY;
  if (pattern !== PatternType.ANY && pattern !== PatternType.MATCH && pattern !== binding.patternType) return false;
  const name = filter.resourceName;
  if (name !== null && name !== undefined) {
    if (pattern === PatternType.ANY || pattern === binding.patternType) {
      if (name !== binding.resourceName) return false;
    } else if (binding.patternType === PatternType.LITERAL) {
      if (name !== binding.resourceName && binding.resourceName !== WILDCARD_RESOURCE) return false;
    } else if (binding.patternType === PatternType.PREFIXED) {
      if (!name.startsWith(binding.resourceName)) return false;
    } else {
      return false;
    }
  }
  if (filter.principal !== null && filter.principal !== undefined && filter.principal !== binding.principal) return false;
  if (filter.host !== null && filter.host !== undefined && filter.host !== binding.host) return false;
  const op = filter.operation ?? AclOperation.ANY;
  if (op !== AclOperation.ANY && op !== binding.operation) return false;
  const permission = filter.permission ?? AclPermissionType.ANY;
  return permission === AclPermissionType.ANY || permission === binding.permission;
}

/** Kafka's AclBinding.toString, as logs and kafka-acls show a binding. */
export function aclBindingToString(b: AclBinding): string {
  return (
    `(pattern=ResourcePattern(resourceType=${resourceTypeName(b.resourceType)}, name=${b.resourceName}, ` +
    `patternType=${patternTypeName(b.patternType)}), entry=(principal=${b.principal}, host=${b.host}, ` +
    `operation=${operationName(b.operation)}, permissionType=${permissionTypeName(b.permission)}))`
  );
}

// ---------------------------------------------------------------------------------------------
// Validation

/** A refused binding or filter: the code and message of its CreateAcls / DeleteAcls result. */
export interface AclError {
  readonly errorCode: number;
  readonly errorMessage: string;
}

const invalid = (errorMessage: string): AclError => ({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage });

/** The four enums must be specific: the controller's checks, in its order. */
function enumError(b: AclBinding): AclError | null {
  const type = resourceTypeFromCode(b.resourceType);
  if (type === ResourceType.UNKNOWN || type === ResourceType.ANY) return invalid(`Invalid resourceType ${resourceTypeName(type)}`);
  const pattern = patternTypeFromCode(b.patternType);
  if (pattern !== PatternType.LITERAL && pattern !== PatternType.PREFIXED) return invalid(`Invalid patternType ${patternTypeName(pattern)}`);
  const op = operationFromCode(b.operation);
  if (op === AclOperation.UNKNOWN || op === AclOperation.ANY) return invalid(`Invalid operation ${operationName(op)}`);
  const permission = permissionTypeFromCode(b.permission);
  if (permission !== AclPermissionType.ALLOW && permission !== AclPermissionType.DENY) {
    return invalid(`Invalid permissionType ${permissionTypeName(permission)}`);
  }
  return null;
}

/** The strings: a name that is a string, a host that is a string, a "Type:name" principal. */
function fieldError(b: AclBinding): AclError | null {
  if (typeof b.resourceName !== 'string') return invalid('Resource name should be a string');
  if (typeof b.host !== 'string') return invalid('Host should be a string');
  if (typeof b.principal !== 'string' || !isPrincipal(b.principal)) return invalid(principalMessage(b.principal));
  return null;
}

/** What every stored binding must be: specific enums, a non-empty name, the strings. */
function structuralError(b: AclBinding): AclError | null {
  return enumError(b) ?? fieldError(b) ?? (b.resourceName === '' ? invalid('Resource name should not be empty') : null);
}

/** Whether the string parses as a principal the way Kafka splits one: "Type:name". */
function isPrincipal(s: string): boolean {
  return s.length > 0 && s.includes(':');
}

const principalMessage = (s: unknown): string => `expected a string in format principalType:principalName but got ${String(s)}`;

/**
 * CreateAcls' verdict on one binding: null when it may be created, otherwise Kafka's error code
 * (always INVALID_REQUEST) and message. Order: the enums, the CLUSTER name, an empty name, then
 * the principal.
 */
export function validateAclBinding(b: AclBinding): AclError | null {
  const error = enumError(b);
  if (error) return error;
  if (typeof b.resourceName === 'string') {
    if (b.resourceType === ResourceType.CLUSTER && b.resourceName !== CLUSTER_RESOURCE_NAME) {
      return invalid(`The only valid name for the CLUSTER resource is ${CLUSTER_RESOURCE_NAME}`);
    }
    if (b.resourceName === '') return invalid('Invalid empty resource name');
  }
  return fieldError(b);
}

/**
 * DeleteAcls' (and DescribeAcls') verdict on one filter: null when usable, otherwise
 * INVALID_REQUEST for a filter with an UNKNOWN field (or a code Kafka does not define).
 */
export function validateAclFilter(f: AclBindingFilter): AclError | null {
  if (
    (f.resourceType !== null && f.resourceType !== undefined && resourceTypeFromCode(f.resourceType) === ResourceType.UNKNOWN) ||
    (f.patternType !== null && f.patternType !== undefined && patternTypeFromCode(f.patternType) === PatternType.UNKNOWN)
  ) {
    return invalid('Unknown patternFilter.');
  }
  if (
    (f.operation !== null && f.operation !== undefined && operationFromCode(f.operation) === AclOperation.UNKNOWN) ||
    (f.permission !== null && f.permission !== undefined && permissionTypeFromCode(f.permission) === AclPermissionType.UNKNOWN)
  ) {
    return invalid('Unknown entryFilter.');
  }
  return null;
}

/** Thrown by AclSet.add and fromJson for a binding that cannot be stored. */
export class AclValidationError extends Error {
  readonly errorCode: number;
  constructor(error: AclError) {
    super(error.errorMessage);
    this.name = 'AclValidationError';
    this.errorCode = error.errorCode;
  }
}

// ---------------------------------------------------------------------------------------------
// The set and its index

/** A node of the prefix trie: the PREFIXED bindings whose name ends here, and the longer ones. */
interface PrefixNode {
  children: Map<number, PrefixNode> | null;
  acls: AclBinding[] | null;
}

/** The bindings of one resource type. */
interface TypeIndex {
  /** LITERAL bindings by name, "*" included. */
  readonly literal: Map<string, AclBinding[]>;
  /** PREFIXED bindings, by their names' characters (UTF-16 units, as Java's startsWith). */
  readonly prefixed: PrefixNode;
  count: number;
}

const newNode = (): PrefixNode => ({ children: null, acls: null });

function keyOf(b: AclBinding): string {
  return JSON.stringify([b.resourceType, b.resourceName, b.patternType, b.principal, b.host, b.operation, b.permission]);
}

/** Kafka's order (StandardAcl.compareTo): type, name reversed, pattern, operation, principal, host, permission. */
function compareBindings(a: AclBinding, b: AclBinding): number {
  if (a.resourceType !== b.resourceType) return a.resourceType - b.resourceType;
  if (a.resourceName !== b.resourceName) return a.resourceName < b.resourceName ? 1 : -1;
  if (a.patternType !== b.patternType) return a.patternType - b.patternType;
  if (a.operation !== b.operation) return a.operation - b.operation;
  if (a.principal !== b.principal) return a.principal < b.principal ? -1 : 1;
  if (a.host !== b.host) return a.host < b.host ? -1 : 1;
  return a.permission - b.permission;
}

/** The index of one resource type in a set: for authorize, which lives outside the class. */
let typeIndex: (set: AclSet, type: number) => TypeIndex | undefined;

/** The ACLs in force, in memory. The broker loads it from its store and mirrors every change. */
export class AclSet {
  private readonly byKey = new Map<string, AclBinding>();
  /** Indexed by ResourceType code. */
  private readonly types: (TypeIndex | undefined)[] = [];
  private sorted: AclBinding[] | null = null;

  /** How many bindings the set holds. */
  get size(): number {
    return this.byKey.size;
  }

  /**
   * Adds a binding; false when an equal one is there already. Throws AclValidationError for one
   * that cannot be stored (see structural checks: enums, name, principal); the CLUSTER-name rule
   * of CreateAcls is the handler's, through validateAclBinding.
   */
  add(binding: AclBinding): boolean {
    const error = structuralError(binding);
    if (error) throw new AclValidationError(error);
    const b: AclBinding = Object.freeze({
      resourceType: binding.resourceType,
      resourceName: binding.resourceName,
      patternType: binding.patternType,
      principal: binding.principal,
      host: binding.host,
      operation: binding.operation,
      permission: binding.permission,
    });
    const key = keyOf(b);
    if (this.byKey.has(key)) return false;
    this.byKey.set(key, b);
    this.sorted = null;
    let index = this.types[b.resourceType];
    if (!index) this.types[b.resourceType] = index = { literal: new Map(), prefixed: newNode(), count: 0 };
    index.count++;
    if (b.patternType === PatternType.LITERAL) {
      const list = index.literal.get(b.resourceName);
      if (list) list.push(b);
      else index.literal.set(b.resourceName, [b]);
    } else {
      let node = index.prefixed;
      for (let i = 0; i < b.resourceName.length; i++) {
        const c = b.resourceName.charCodeAt(i);
        node.children ??= new Map();
        let next = node.children.get(c);
        if (!next) node.children.set(c, (next = newNode()));
        node = next;
      }
      (node.acls ??= []).push(b);
    }
    return true;
  }

  /** Whether an equal binding is in the set. */
  has(binding: AclBinding): boolean {
    return this.byKey.has(keyOf(binding));
  }

  /** Every binding, in Kafka's order. */
  all(): AclBinding[] {
    return this.ordered().slice();
  }

  /** The bindings the filter selects, in Kafka's order (DescribeAcls). */
  describe(filter: AclBindingFilter): AclBinding[] {
    return this.ordered().filter((b) => aclFilterMatches(filter, b));
  }

  /** Removes the bindings the filter selects and returns them, in Kafka's order. */
  remove(filter: AclBindingFilter): AclBinding[] {
    return this.removeAll([filter])[0]!;
  }

  /**
   * DeleteAcls: per filter, the bindings it selects in the set as it was before the request (a
   * binding two filters select is reported under both), then all of them removed.
   */
  removeAll(filters: readonly AclBindingFilter[]): AclBinding[][] {
    const results = filters.map((f) => this.describe(f));
    for (const list of results) for (const b of list) this.delete(b);
    return results;
  }

  private delete(b: AclBinding): void {
    const key = keyOf(b);
    const stored = this.byKey.get(key);
    if (!stored) return;
    this.byKey.delete(key);
    this.sorted = null;
    const index = this.types[stored.resourceType]!;
    index.count--;
    if (stored.patternType === PatternType.LITERAL) {
      const list = index.literal.get(stored.resourceName)!;
      list.splice(list.indexOf(stored), 1);
      if (list.length === 0) index.literal.delete(stored.resourceName);
    } else {
      const path: PrefixNode[] = [index.prefixed];
      let node = index.prefixed;
      for (let i = 0; i < stored.resourceName.length; i++) {
        node = node.children!.get(stored.resourceName.charCodeAt(i))!;
        path.push(node);
      }
      const list = node.acls!;
      list.splice(list.indexOf(stored), 1);
      if (list.length === 0) node.acls = null;
      // Prune the nodes that now lead nowhere.
      for (let i = path.length - 1; i > 0; i--) {
        const n = path[i]!;
        if (n.acls || (n.children && n.children.size > 0)) break;
        const parent = path[i - 1]!;
        parent.children!.delete(stored.resourceName.charCodeAt(i - 1));
        if (parent.children!.size === 0) parent.children = null;
      }
    }
    if (index.count === 0) this.types[stored.resourceType] = undefined;
  }

  private ordered(): AclBinding[] {
    return (this.sorted ??= [...this.byKey.values()].sort(compareBindings));
  }

  static {
    typeIndex = (set, type) => set.types[type];
  }
}

// ---------------------------------------------------------------------------------------------
// Authorization

export type AuthorizationResult = 'ALLOWED' | 'DENIED';

/** One action to authorize: who, from where, what, on which (literal) resource. */
export interface AuthorizeRequest {
  /** "Type:name", as the listener's principal builder made it: "User:alice". */
  readonly principal: string;
  /** The client's address, in the form ACL hosts are written in. */
  readonly host: string;
  readonly operation: AclOperation;
  readonly resourceType: ResourceType;
  readonly resourceName: string;
}

/** The authorizer's configuration. */
export interface AuthorizerOptions {
  /** super.users: principals ("User:admin") allowed everything. */
  readonly superUsers?: ReadonlySet<string>;
  /** allow.everyone.if.no.acl.found: the answer when no ACL applies to the resource (default false). */
  readonly allowEveryoneIfNoAclFound?: boolean;
}

const NO_OPTIONS: AuthorizerOptions = Object.freeze({});

const NO_MATCH = 0;
const MATCH_ALLOW = 1;
const MATCH_DENY = 2;

/** Whether one ACL, already known to apply to the resource, decides the request, and how. */
function matchAcl(acl: AclBinding, principal: string, host: string, op: number): number {
  if (acl.principal !== principal && acl.principal !== WILDCARD_PRINCIPAL) return NO_MATCH;
  if (acl.host !== WILDCARD_HOST && acl.host !== host) return NO_MATCH;
  const aclOp = acl.operation;
  if (aclOp !== AclOperation.ALL) {
    if (acl.permission === AclPermissionType.ALLOW) {
      if (op === AclOperation.DESCRIBE) {
        if (
          aclOp !== AclOperation.DESCRIBE &&
          aclOp !== AclOperation.READ &&
          aclOp !== AclOperation.WRITE &&
          aclOp !== AclOperation.DELETE &&
          aclOp !== AclOperation.ALTER
        ) {
          return NO_MATCH;
        }
      } else if (op === AclOperation.DESCRIBE_CONFIGS) {
        if (aclOp !== AclOperation.DESCRIBE_CONFIGS && aclOp !== AclOperation.ALTER_CONFIGS) return NO_MATCH;
      } else if (aclOp !== op) {
        return NO_MATCH;
      }
    } else if (aclOp !== op) {
      return NO_MATCH;
    }
  }
  return acl.permission === AclPermissionType.ALLOW ? MATCH_ALLOW : MATCH_DENY;
}

/** MATCH_DENY at the first deny, otherwise MATCH_ALLOW if any allows, otherwise NO_MATCH. */
function scan(list: readonly AclBinding[], principal: string, host: string, op: number): number {
  let result = NO_MATCH;
  for (let i = 0; i < list.length; i++) {
    const m = matchAcl(list[i]!, principal, host, op);
    if (m === MATCH_DENY) return MATCH_DENY;
    if (m === MATCH_ALLOW) result = MATCH_ALLOW;
  }
  return result;
}

/**
 * Kafka's answer for one action (StandardAuthorizerData.authorize): super users first, then the
 * ACLs that apply to the resource, deny over allow, and allow.everyone.if.no.acl.found only when
 * no ACL at all applies to the resource. Allocates nothing.
 */
export function authorize(acls: AclSet, request: AuthorizeRequest, options: AuthorizerOptions = NO_OPTIONS): AuthorizationResult {
  const { principal, host, operation, resourceName } = request;
  if (options.superUsers !== undefined && options.superUsers.has(principal)) return 'ALLOWED';
  const index = typeIndex(acls, request.resourceType);
  let found = false;
  let allowed = false;
  if (index !== undefined) {
    let list = index.literal.get(resourceName);
    if (list !== undefined) {
      found = true;
      const m = scan(list, principal, host, operation);
      if (m === MATCH_DENY) return 'DENIED';
      if (m === MATCH_ALLOW) allowed = true;
    }
    let node: PrefixNode | undefined = index.prefixed;
    for (let i = 0; i < resourceName.length && node.children !== null; i++) {
      node = node.children.get(resourceName.charCodeAt(i));
      if (node === undefined) break;
      if (node.acls !== null) {
        found = true;
        const m = scan(node.acls, principal, host, operation);
        if (m === MATCH_DENY) return 'DENIED';
        if (m === MATCH_ALLOW) allowed = true;
      }
    }
    if (resourceName !== WILDCARD_RESOURCE) {
      list = index.literal.get(WILDCARD_RESOURCE);
      if (list !== undefined) {
        found = true;
        const m = scan(list, principal, host, operation);
        if (m === MATCH_DENY) return 'DENIED';
        if (m === MATCH_ALLOW) allowed = true;
      }
    }
  }
  if (allowed) return 'ALLOWED';
  if (found) return 'DENIED';
  return options.allowEveryoneIfNoAclFound === true ? 'ALLOWED' : 'DENIED';
}

/** The action authorizeByResourceType asks about: no resource name. */
export interface AuthorizeByResourceTypeRequest {
  readonly principal: string;
  readonly host: string;
  readonly operation: AclOperation;
  readonly resourceType: ResourceType;
}

/**
 * KIP-679 (Authorizer.authorizeByResourceType): whether the principal may do the operation on
 * at least one resource of the type — for InitProducerId, whether a producer without
 * IDEMPOTENT_WRITE on the cluster may still be idempotent because it may WRITE some topic.
 *   1. ALLOWED if authorize() allows the operation on a resource of the type named "hardcode"
 *      (this lets super users through, and allow.everyone.if.no.acl.found when no ACL applies
 *      to that name);
 *   2. otherwise, over the type's ACLs whose host and principal match (exact or wildcard) and
 *      whose operation is the operation itself or ALL — no implication here, unlike authorize:
 *      a DENY on the LITERAL "*" → DENIED; an ALLOW on the LITERAL "*" → ALLOWED; an ALLOW on a
 *      LITERAL name → ALLOWED unless a DENY holds that LITERAL name or a PREFIXED prefix of it
 *      (itself included); an ALLOW on a PREFIXED name → ALLOWED unless a PREFIXED DENY holds a
 *      prefix of it (a LITERAL DENY of the same name does not count); else DENIED.
 * Throws RangeError for a resource type or operation that is ANY or UNKNOWN, as Kafka does.
 */
export function authorizeByResourceType(
  acls: AclSet,
  request: AuthorizeByResourceTypeRequest,
  options: AuthorizerOptions = NO_OPTIONS,
): AuthorizationResult {
  const { principal, host, operation: op, resourceType: type } = request;
  if (type === ResourceType.ANY) throw new RangeError('Must specify a non-filter resource type for authorizeByResourceType');
  if (resourceTypeFromCode(type) === ResourceType.UNKNOWN) throw new RangeError('Unknown resource type');
  if (op === AclOperation.ANY) throw new RangeError('Must specify a non-filter operation type for authorizeByResourceType');
  if (operationFromCode(op) === AclOperation.UNKNOWN) throw new RangeError('Unknown operation type');

  if (authorize(acls, { principal, host, operation: op, resourceType: type, resourceName: 'hardcode' }, options) === 'ALLOWED') {
    return 'ALLOWED';
  }
  const index = typeIndex(acls, type);
  if (index === undefined) return 'DENIED';

  const denyLiteral = new Set<string>();
  const denyPrefixed = new Set<string>();
  const allowLiteral = new Set<string>();
  const allowPrefixed = new Set<string>();
  let wildcardAllow = false;
  const applies = (b: AclBinding): boolean =>
    (b.host === host || b.host === WILDCARD_HOST) &&
    (b.principal === principal || b.principal === WILDCARD_PRINCIPAL) &&
    (b.operation === op || b.operation === AclOperation.ALL);

  for (const [name, list] of index.literal) {
    for (const b of list) {
      if (!applies(b)) continue;
      if (b.permission === AclPermissionType.DENY) {
        if (name === WILDCARD_RESOURCE) return 'DENIED';
        denyLiteral.add(name);
      } else if (name === WILDCARD_RESOURCE) {
        wildcardAllow = true;
      } else {
        allowLiteral.add(name);
      }
    }
  }
  const walk = (node: PrefixNode): void => {
    if (node.acls) {
      for (const b of node.acls) {
        if (!applies(b)) continue;
        (b.permission === AclPermissionType.DENY ? denyPrefixed : allowPrefixed).add(b.resourceName);
      }
    }
    if (node.children) for (const child of node.children.values()) walk(child);
  };
  walk(index.prefixed);

  if (wildcardAllow) return 'ALLOWED';
  const dominated = (name: string): boolean => {
    for (let i = 1; i <= name.length; i++) if (denyPrefixed.has(name.slice(0, i))) return true;
    return false;
  };
  for (const name of allowLiteral) if (!denyLiteral.has(name) && !dominated(name)) return 'ALLOWED';
  for (const name of allowPrefixed) if (!dominated(name)) return 'ALLOWED';
  return 'DENIED';
}

// ---------------------------------------------------------------------------------------------
// Configuration

/**
 * super.users as StandardAuthorizer reads it: entries separated by ';', each trimmed, empty ones
 * skipped. Throws an Error for an entry that is not "Type:name".
 */
export function parseSuperUsers(value: string | null | undefined): Set<string> {
  const users = new Set<string>();
  if (value === null || value === undefined) return users;
  for (const part of value.split(';')) {
    const v = part.trim();
    if (v === '') continue;
    if (!isPrincipal(v)) throw new Error(principalMessage(v));
    users.add(v);
  }
  return users;
}

/** allow.everyone.if.no.acl.found as Kafka reads it: true only for "true" in any case (trimmed). */
export function parseAllowEveryoneIfNoAclFound(value: string | boolean | null | undefined): boolean {
  if (typeof value === 'boolean') return value;
  return typeof value === 'string' && value.trim().toLowerCase() === 'true';
}

// ---------------------------------------------------------------------------------------------
// JSON

/** A binding as the durable store keeps it: Kafka's names, not codes. */
export interface AclJson {
  resourceType: string;
  resourceName: string;
  patternType: string;
  principal: string;
  host: string;
  operation: string;
  permissionType: string;
}

/** The binding as plain JSON: {"resourceType":"TOPIC","patternType":"LITERAL","operation":"READ","permissionType":"ALLOW",…}. */
export function toJson(b: AclBinding): AclJson {
  return {
    resourceType: resourceTypeName(b.resourceType),
    resourceName: b.resourceName,
    patternType: patternTypeName(b.patternType),
    principal: b.principal,
    host: b.host,
    operation: operationName(b.operation),
    permissionType: permissionTypeName(b.permission),
  };
}

/**
 * A binding back from its JSON (parsed, not text). Names are read as parse… reads them; throws
 * AclValidationError for anything that is not a storable binding. Other properties are ignored.
 */
export function fromJson(obj: unknown): AclBinding {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new AclValidationError(invalid('An ACL must be a JSON object'));
  }
  const o = obj as Record<string, unknown>;
  const str = (key: keyof AclJson): string => {
    const v = o[key];
    if (typeof v !== 'string') throw new AclValidationError(invalid(`ACL field ${key} must be a string`));
    return v;
  };
  const binding: AclBinding = {
    resourceType: parseResourceType(str('resourceType')),
    resourceName: str('resourceName'),
    patternType: parsePatternType(str('patternType')),
    principal: str('principal'),
    host: str('host'),
    operation: parseOperation(str('operation')),
    permission: parsePermissionType(str('permissionType')),
  };
  const error = structuralError(binding);
  if (error) throw new AclValidationError(error);
  return Object.freeze(binding);
}
