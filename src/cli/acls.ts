/**
 * `spindle acls`: add, list and remove ACLs, like Kafka's kafka-acls.sh, through CreateAcls,
 * DescribeAcls and DeleteAcls (so against Spindle with authorizer.class.name set, and against
 * Apache Kafka alike). Its flags, checks, messages and output are those of Kafka 4's AclCommand:
 *
 *   --add     per resource, the ACLs already there are printed as
 *               Acl (pattern=ResourcePattern(…), entry=(…)) already exists.
 *             and the others as
 *               Adding ACLs for resource `ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)`: 
 *                	(principal=User:alice, host=*, operation=READ, permissionType=ALLOW)
 *               (blank line)
 *             then created. Every --allow-principal and --deny-principal, times every
 *             --operation (All by default), times every host (--allow-host / --deny-host, '*' by
 *             default), on every resource (--topic, --group, --cluster, --transactional-id,
 *             --delegation-token, --user-principal, each repeatable).
 *   --list    per resource, "Current ACLs for resource `ResourcePattern(…)`:", one tab-indented
 *             entry a line, a blank line; every ACL without a resource flag; with --principal
 *             (repeatable) "ACLs for principal `User:x`" and only that principal's ACLs.
 *   --remove  per resource filter, after "Are you sure you want to …? (y/n)" is answered y on
 *             standard input (or with --force), the ACLs the principals and operations name, or
 *             without principals every ACL of the resource. Prints nothing else, as Kafka 4.
 *
 * --producer (with --topic, optionally --transactional-id and --idempotent) stands for WRITE,
 * DESCRIBE and CREATE on the topics, WRITE and DESCRIBE on the transactional ids, and
 * IDEMPOTENT_WRITE on the cluster; --consumer (with --topic and --group) for READ and DESCRIBE on
 * the topics and READ on the groups. --resource-pattern-type is literal (default) or prefixed to
 * add; to list or remove also any (any pattern type, the exact name) or match (every ACL that
 * applies to the named resource).
 *
 * Where Kafka's tool iterates hash sets (an order that changes from one JVM to the next), the
 * order here is fixed: --add in the order the flags give resources, principals, operations and
 * hosts; --list sorted by resource type, name and pattern type, entries by principal, host,
 * operation and permission. Each line is otherwise Kafka's, byte for byte.
 *
 * Differences, each refusing what Kafka's tool would do silently: --cluster with
 * --resource-pattern-type prefixed (Kafka drops the cluster then, and a --list lists every
 * ACL); --allow-host or --deny-host without its principal flag, and --operation with --remove
 * but no principal (Kafka ignores them and removes every ACL of the resource). Errors are one
 * line, exit code 2 for usage (Kafka's wording), 1 for the broker's answers; without an
 * authorizer on the broker the message names authorizer.class.name. --authorizer-properties
 * and --authorizer (Kafka 3's ZooKeeper-era direct access, removed in Kafka 4) and
 * --bootstrap-controller are refused with the reason.
 *
 * Main thread.
 */
import { createInterface } from 'node:readline';
import {
  ACL_OPERATIONS,
  ACL_PATTERN_TYPES,
  ACL_PERMISSIONS,
  ACL_RESOURCE_TYPES,
  Admin,
  aclBindingText,
  aclName,
  type AclEntryBinding,
  type AclEntryFilter,
} from '../client/admin.js';
import { Client } from '../client/client.js';
import { Args, type Flags, Output, UsageError, parseArgs, runTool } from './args.js';
import { clientProperties, resolveClientProperties } from './client-config.js';

export const ACLS_USAGE = `Usage: spindle acls [--bootstrap-server HOST:PORT] (--add | --list | --remove) [resources] [principals] [options]

Adds, lists and removes ACLs, like Kafka's kafka-acls.sh. The broker must run an authorizer
(authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer), and the
principal this client connects as must be allowed ALTER (to add, remove) or DESCRIBE (to list)
on the cluster, e.g. by super.users.

Actions (one of):
  --add                         add the ACLs: each principal × operation × host, on each resource
  --list                        print the ACLs of the resources given (every ACL without any)
  --remove                      remove the ACLs the principals and operations name, or every ACL
                                of the resources without a principal; asks first unless --force

Resources (each repeatable; '*' names every resource of the type):
  --topic TOPIC                 a topic
  --group GROUP                 a consumer group
  --cluster                     the cluster (kafka-cluster)
  --transactional-id ID         a transactional id
  --delegation-token ID         a delegation token
  --user-principal PRINCIPAL    a user, for CreateTokens and DescribeTokens
  --resource-pattern-type TYPE  literal (default) or prefixed: the names are prefixes; to list
                                or remove also any (any pattern type, the exact name) or match
                                (every ACL that applies to the resource: literal, '*', prefixes)

Principals and what they may do:
  --allow-principal TYPE:NAME   allowed (User:alice; User:* is everyone) (repeatable)
  --deny-principal TYPE:NAME    denied; denials win over allows (repeatable)
  --allow-host HOST             host the allowed principals connect from (default: '*', any)
  --deny-host HOST              host the denied principals are denied from (default: '*', any)
  --operation OP                All (default), Read, Write, Create, Delete, Alter, Describe,
                                ClusterAction, DescribeConfigs, AlterConfigs, IdempotentWrite,
                                CreateTokens, DescribeTokens, TwoPhaseCommit (repeatable)
  --producer                    with --topic (and --transactional-id, --idempotent): Write,
                                Describe, Create on the topics, Write, Describe on the
                                transactional ids
  --idempotent                  with --producer: IdempotentWrite on the cluster
  --consumer                    with --topic and --group: Read, Describe on the topics, Read on
                                the groups
  --principal TYPE:NAME         with --list: only this principal's ACLs (repeatable)
  --force                       with --remove: do not ask

Options:
  --bootstrap-server HOST:PORT  broker to connect to (default: bootstrap.servers of
                                --command-config, else $SPINDLE_BOOTSTRAP_SERVER, else
                                localhost:9092)
  --command-config FILE         admin client configs (client.id, request.timeout.ms, …)
  --version                     print Spindle's version
  -h, --help                    this help

Not supported, each refused with the reason: --bootstrap-controller (a Spindle node has no
controller listener), --authorizer and --authorizer-properties (Kafka 3's ZooKeeper-era
authorizer access, gone from Kafka 4: ACLs go through the brokers).

Examples:
  spindle acls --add --allow-principal User:alice --operation Read --operation Describe --topic orders
  spindle acls --add --allow-principal User:bob --producer --topic orders --idempotent
  spindle acls --add --allow-principal User:carol --consumer --topic orders --group billing
  spindle acls --add --allow-principal 'User:*' --deny-principal User:mallory --deny-host 10.0.0.9 --operation Read --topic logs- --resource-pattern-type prefixed
  spindle acls --list
  spindle acls --list --topic orders --resource-pattern-type match
  spindle acls --list --principal User:alice
  spindle acls --remove --allow-principal User:alice --operation Read --topic orders --force`;

export const ACLS_FLAGS: Flags = {
  add: { kind: 'boolean' },
  list: { kind: 'boolean' },
  remove: { kind: 'boolean' },
  topic: { kind: 'list' },
  group: { kind: 'list' },
  cluster: { kind: 'boolean' },
  'transactional-id': { kind: 'list' },
  'delegation-token': { kind: 'list' },
  'user-principal': { kind: 'list' },
  'resource-pattern-type': { kind: 'string' },
  'allow-principal': { kind: 'list' },
  'deny-principal': { kind: 'list' },
  'allow-host': { kind: 'list' },
  'deny-host': { kind: 'list' },
  operation: { kind: 'list' },
  producer: { kind: 'boolean' },
  consumer: { kind: 'boolean' },
  idempotent: { kind: 'boolean' },
  principal: { kind: 'list' },
  force: { kind: 'boolean' },
  'bootstrap-controller': { kind: 'string' },
  authorizer: { kind: 'string' },
  'authorizer-properties': { kind: 'list' },
};

/** Flags taken only to be refused, with why. */
const REFUSED: Record<string, string> = {
  'bootstrap-controller': "Spindle's client reaches the cluster through brokers, and a Spindle node has no controller listener apart from its broker one: give --bootstrap-server",
  authorizer: "it named the authorizer class Kafka 3's tool loaded to edit ACLs in ZooKeeper directly; Kafka 4 removed it, and ACLs go through the brokers: give --bootstrap-server",
  'authorizer-properties': "it configured Kafka 3's ZooKeeper-era direct authorizer access (zookeeper.connect=…); Kafka 4 removed it, and ACLs go through the brokers: give --bootstrap-server",
};

// Kafka's codes (the ACL_* tables of the admin client).
const RT = { TOPIC: 2, GROUP: 3, CLUSTER: 4, TRANSACTIONAL_ID: 5, DELEGATION_TOKEN: 6, USER: 7 } as const;
const PT = { ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const;
const OP = { ALL: 2, READ: 3, WRITE: 4, CREATE: 5, DELETE: 6, ALTER: 7, DESCRIBE: 8, CLUSTER_ACTION: 9, DESCRIBE_CONFIGS: 10, ALTER_CONFIGS: 11, IDEMPOTENT_WRITE: 12, CREATE_TOKENS: 13, DESCRIBE_TOKENS: 14, TWO_PHASE_COMMIT: 15 } as const;
const DENY = 2;
const ALLOW = 3;
const CLUSTER_NAME = 'kafka-cluster';
const WILDCARD_HOST = '*';

/** The operations each resource type takes besides ALL (Kafka 4.4's AclEntry.supportedOperations). */
const SUPPORTED: Record<number, readonly number[]> = {
  [RT.TOPIC]: [OP.READ, OP.WRITE, OP.CREATE, OP.DELETE, OP.ALTER, OP.DESCRIBE, OP.DESCRIBE_CONFIGS, OP.ALTER_CONFIGS],
  [RT.GROUP]: [OP.READ, OP.DELETE, OP.DESCRIBE, OP.DESCRIBE_CONFIGS, OP.ALTER_CONFIGS],
  [RT.CLUSTER]: [OP.CREATE, OP.ALTER, OP.DESCRIBE, OP.CLUSTER_ACTION, OP.DESCRIBE_CONFIGS, OP.ALTER_CONFIGS, OP.IDEMPOTENT_WRITE],
  [RT.TRANSACTIONAL_ID]: [OP.WRITE, OP.DESCRIBE, OP.TWO_PHASE_COMMIT],
  [RT.DELEGATION_TOKEN]: [OP.DESCRIBE],
  [RT.USER]: [OP.CREATE_TOKENS, OP.DESCRIBE_TOKENS],
};

/** A resource pattern (type, name, specific pattern type) or pattern filter (pattern type ANY or MATCH too). */
export interface ResourcePattern {
  resourceType: number;
  name: string;
  patternType: number;
}

/** An access control entry: who, from where, what, allowed or denied. */
export interface AccessEntry {
  principal: string;
  host: string;
  operation: number;
  permission: number;
}

const patternKey = (p: ResourcePattern): string => JSON.stringify([p.resourceType, p.name, p.patternType]);
const entryKey = (e: AccessEntry): string => JSON.stringify([e.principal, e.host, e.operation, e.permission]);

/** Kafka's ResourcePattern.toString (and ResourcePatternFilter's). */
export function patternText(p: ResourcePattern): string {
  return `ResourcePattern(resourceType=${aclName(ACL_RESOURCE_TYPES, p.resourceType)}, name=${p.name}, patternType=${aclName(ACL_PATTERN_TYPES, p.patternType)})`;
}

/** Kafka's AccessControlEntry.toString. */
export function entryText(e: AccessEntry): string {
  return `(principal=${e.principal}, host=${e.host}, operation=${aclName(ACL_OPERATIONS, e.operation)}, permissionType=${aclName(ACL_PERMISSIONS, e.permission)})`;
}

/** "Adding ACLs for resource `…`: " and the entries, as Kafka's tool prints them (its blank line included). */
export function addingText(p: ResourcePattern, entries: AccessEntry[]): string {
  return `Adding ACLs for resource \`${patternText(p)}\`: \n ${entries.map((e) => `\t${entryText(e)}`).join('\n')}\n\n`;
}

/** "Current ACLs for resource `…`:" and the entries, as Kafka's --list prints them. */
export function currentText(p: ResourcePattern, entries: AccessEntry[]): string {
  return `Current ACLs for resource \`${patternText(p)}\`:\n${entries.map((e) => `\t${entryText(e)}`).join('\n')}\n\n`;
}

/** Operation names as Kafka's SecurityUtils.operation reads them (Pascal case or upper case, any case), underscores also allowed. */
const OPERATION_BY_KEY = new Map<string, number>(Object.entries(OP).map(([name, code]) => [name.replace(/_/g, ''), code]));

/** Pascal case, as kafka-acls --help lists them: "IdempotentWrite". */
const pascal = (name: string): string =>
  name
    .split('_')
    .map((w) => w.charAt(0) + w.slice(1).toLowerCase())
    .join('');

function parseOperationName(text: string): number {
  const code = OPERATION_BY_KEY.get(text.trim().toUpperCase().replace(/_/g, ''));
  if (code === undefined) {
    throw new UsageError(`--operation: unknown operation '${text.trim()}'; valid operations are: ${Object.keys(OP).map(pascal).join(', ')}`);
  }
  return code;
}

function parsePatternType(text: string | undefined): number {
  if (text === undefined) return PT.LITERAL;
  const code = (PT as Record<string, number>)[text.trim().toUpperCase()];
  if (code === undefined) throw new UsageError(`Unknown resource-pattern-type: ${text} (valid: ANY, MATCH, LITERAL, PREFIXED)`);
  return code;
}

/** SecurityUtils.parseKafkaPrincipal: "Type:name", split at the first ':'. */
function parsePrincipal(text: string, flag: string): string {
  const p = text.trim();
  if (!p.includes(':')) throw new UsageError(`${flag}: expected a string in format principalType:principalName but got ${p}`);
  return p;
}

const unique = <T>(items: T[], key: (t: T) => string): T[] => {
  const seen = new Set<string>();
  return items.filter((t) => {
    const k = key(t);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
};

/** Kafka's CommandLineUtils.checkInvalidArgs: none of `others` may go with `used`. */
function checkInvalidArgs(args: Args, used: string, others: string[]): void {
  if (!args.has(used)) return;
  for (const o of others) if (args.has(o)) throw new UsageError(`Option "[${used}]" can't be used with option "[${o}]"`);
}

/** Kafka's checkArgs, in its order, and Spindle's refusals first. */
function checkArgs(args: Args): 'add' | 'list' | 'remove' {
  for (const [flag, why] of Object.entries(REFUSED)) if (args.has(flag)) throw new UsageError(`--${flag} is not supported: ${why}`);
  const actions = (['add', 'remove', 'list'] as const).filter((a) => args.flag(a));
  if (actions.length !== 1) throw new UsageError('Command must include exactly one action: --list, --add, --remove.');
  checkInvalidArgs(args, 'list', ['producer', 'consumer', 'allow-host', 'allow-principal', 'deny-host', 'deny-principal']);
  checkInvalidArgs(args, 'producer', ['operation', 'deny-principal', 'deny-host']);
  checkInvalidArgs(args, 'consumer', ['operation', 'deny-principal', 'deny-host']);
  if (args.has('principal') && !args.flag('list')) throw new UsageError('The --principal option is only available if --list is set');
  if (args.flag('producer') && !args.has('topic')) throw new UsageError('With --producer you must specify a --topic');
  if (args.flag('idempotent') && !args.flag('producer')) throw new UsageError('The --idempotent option is only available if --producer is set');
  if (args.flag('consumer') && (!args.has('topic') || !args.has('group') || (!args.flag('producer') && (args.flag('cluster') || args.has('transactional-id'))))) {
    throw new UsageError('With --consumer you must specify a --topic and a --group and no --cluster or --transactional-id option should be specified.');
  }
  // Spindle's: what Kafka's tool would drop silently.
  if (args.has('allow-host') && !args.has('allow-principal')) throw new UsageError('--allow-host goes with --allow-principal (the hosts it is allowed from)');
  if (args.has('deny-host') && !args.has('deny-principal')) throw new UsageError('--deny-host goes with --deny-principal (the hosts it is denied from)');
  if (args.flag('remove') && args.has('operation') && !args.has('allow-principal') && !args.has('deny-principal')) {
    throw new UsageError('--operation with --remove needs --allow-principal or --deny-principal: without a principal every ACL of the resource is removed');
  }
  return actions[0]!;
}

/** The resources (or resource filters) the flags name, in Kafka's order: topics, cluster, groups, transactional ids, tokens, users. */
function resourceFilters(args: Args, patternType: number, dieIfNone: boolean): ResourcePattern[] {
  if (args.flag('cluster') && patternType === PT.PREFIXED) {
    throw new UsageError(`--cluster names the literal resource ${CLUSTER_NAME}: it cannot go with --resource-pattern-type prefixed`);
  }
  const out: ResourcePattern[] = [];
  for (const t of args.list('topic')) out.push({ resourceType: RT.TOPIC, name: t.trim(), patternType });
  if (args.flag('cluster')) out.push({ resourceType: RT.CLUSTER, name: CLUSTER_NAME, patternType });
  for (const g of args.list('group')) out.push({ resourceType: RT.GROUP, name: g.trim(), patternType });
  // Not trimmed, as in Kafka's tool.
  for (const id of args.list('transactional-id')) out.push({ resourceType: RT.TRANSACTIONAL_ID, name: id, patternType });
  for (const t of args.list('delegation-token')) out.push({ resourceType: RT.DELEGATION_TOKEN, name: t.trim(), patternType });
  for (const u of args.list('user-principal')) out.push({ resourceType: RT.USER, name: u.trim(), patternType });
  if (out.length === 0 && dieIfNone) {
    throw new UsageError('You must provide at least one resource: --topic <topic> or --cluster or --group <group> or --delegation-token <Delegation Token ID>');
  }
  return unique(out, patternKey);
}

/** Every allowed principal × operation × host, then every denied one (Kafka's getAcl). */
function accessEntries(args: Args, operations: readonly number[]): AccessEntry[] {
  const principals = (flag: string): string[] => unique(args.list(flag).map((p) => parsePrincipal(p, `--${flag}`)), (p) => p);
  const hosts = (hostFlag: string, principalFlag: string): string[] =>
    args.has(hostFlag) ? unique(args.list(hostFlag).map((h) => h.trim()), (h) => h) : args.has(principalFlag) ? [WILDCARD_HOST] : [];
  const out: AccessEntry[] = [];
  const add = (who: string[], where: string[], permission: number): void => {
    for (const principal of who) for (const operation of operations) for (const host of where) out.push({ principal, host, operation, permission });
  };
  add(principals('allow-principal'), hosts('allow-host', 'allow-principal'), ALLOW);
  add(principals('deny-principal'), hosts('deny-host', 'deny-principal'), DENY);
  return unique(out, entryKey);
}

/** The entries per resource filter the flags ask to add or remove (Kafka's getResourceFilterToAcls), operations checked. */
function filterToEntries(args: Args, patternType: number): { filter: ResourcePattern; entries: AccessEntry[] }[] {
  const result = new Map<string, { filter: ResourcePattern; entries: AccessEntry[] }>();
  const put = (filter: ResourcePattern, entries: AccessEntry[], merge: boolean): void => {
    const k = patternKey(filter);
    const existing = result.get(k);
    if (existing && merge) existing.entries = unique([...existing.entries, ...entries], entryKey);
    else result.set(k, { filter, entries });
  };
  const producer = args.flag('producer');
  const consumer = args.flag('consumer');
  if (!producer && !consumer) {
    const operations = unique((args.has('operation') ? args.list('operation') : ['All']).map(parseOperationName), String);
    const entries = accessEntries(args, operations);
    for (const f of resourceFilters(args, patternType, true)) put(f, entries, false);
  }
  if (producer) {
    const filters = resourceFilters(args, patternType, true);
    for (const f of filters.filter((x) => x.resourceType === RT.TOPIC)) put(f, accessEntries(args, [OP.WRITE, OP.DESCRIBE, OP.CREATE]), false);
    for (const f of filters.filter((x) => x.resourceType === RT.TRANSACTIONAL_ID)) put(f, accessEntries(args, [OP.WRITE, OP.DESCRIBE]), false);
    if (args.flag('idempotent')) put({ resourceType: RT.CLUSTER, name: CLUSTER_NAME, patternType: PT.LITERAL }, accessEntries(args, [OP.IDEMPOTENT_WRITE]), false);
  }
  if (consumer) {
    const filters = resourceFilters(args, patternType, true);
    for (const f of filters.filter((x) => x.resourceType === RT.TOPIC)) put(f, accessEntries(args, [OP.READ, OP.DESCRIBE]), true);
    for (const f of filters.filter((x) => x.resourceType === RT.GROUP)) put(f, accessEntries(args, [OP.READ]), true);
  }
  for (const { filter, entries } of result.values()) {
    const valid = [OP.ALL, ...(SUPPORTED[filter.resourceType] ?? [])];
    if (entries.some((e) => !valid.includes(e.operation as (typeof valid)[number]))) {
      throw new UsageError(`ResourceType ${aclName(ACL_RESOURCE_TYPES, filter.resourceType)} only supports operations [${valid.map((o) => aclName(ACL_OPERATIONS, o)).join(', ')}]`);
    }
  }
  return [...result.values()];
}

const binding = (p: ResourcePattern, e: AccessEntry): AclEntryBinding => ({
  resourceType: p.resourceType,
  resourceName: p.name,
  patternType: p.patternType,
  principal: e.principal,
  host: e.host,
  operation: e.operation,
  permission: e.permission,
});

const patternFilter = (p: ResourcePattern): AclEntryFilter => ({ resourceType: p.resourceType, resourceName: p.name, patternType: p.patternType });

const compare = (a: string | number, b: string | number): number => (a < b ? -1 : a > b ? 1 : 0);

/** The ACLs by resource pattern, each pattern once, sorted as --list prints them. */
export function groupByPattern(bindings: AclEntryBinding[]): { pattern: ResourcePattern; entries: AccessEntry[] }[] {
  const groups = new Map<string, { pattern: ResourcePattern; entries: AccessEntry[] }>();
  for (const b of bindings) {
    const pattern = { resourceType: b.resourceType, name: b.resourceName, patternType: b.patternType };
    const k = patternKey(pattern);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { pattern, entries: [] }));
    g.entries.push({ principal: b.principal, host: b.host, operation: b.operation, permission: b.permission });
  }
  const out = [...groups.values()].map((g) => ({
    pattern: g.pattern,
    entries: unique(g.entries, entryKey).sort((a, b) => compare(a.principal, b.principal) || compare(a.host, b.host) || a.operation - b.operation || a.permission - b.permission),
  }));
  return out.sort((a, b) => a.pattern.resourceType - b.pattern.resourceType || compare(a.pattern.name, b.pattern.name) || a.pattern.patternType - b.pattern.patternType);
}

/** Lines of standard input, one per question; null once it has ended. */
function answers(): { next: () => Promise<string | null>; close: () => void } {
  let rl: ReturnType<typeof createInterface> | undefined;
  let it: AsyncIterator<string> | undefined;
  return {
    next: async () => {
      rl ??= createInterface({ input: process.stdin, terminal: false });
      it ??= rl[Symbol.asyncIterator]();
      const r = await it.next();
      return r.done ? null : r.value;
    },
    close: () => rl?.close(),
  };
}

export function runAcls(argv: string[]): Promise<number> {
  return runTool('acls', ACLS_USAGE, argv, async () => {
    const args = new Args(parseArgs(argv, ACLS_FLAGS));
    args.noPositionals();
    const action = checkArgs(args);
    const patternType = parsePatternType(args.string('resource-pattern-type'));
    if (action === 'add' && patternType !== PT.LITERAL && patternType !== PT.PREFIXED) {
      throw new UsageError(`A '--resource-pattern-type' value of '${aclName(ACL_PATTERN_TYPES, patternType)}' is not valid when adding acls.`);
    }
    // Everything the flags say is checked before connecting.
    const plan = action === 'list' ? [] : filterToEntries(args, patternType);
    if (action === 'add' && plan.some((p) => p.entries.length === 0)) throw new UsageError('You must specify one of: --allow-principal, --deny-principal when trying to add ACLs.');
    const listFilters = action === 'list' ? resourceFilters(args, patternType, false) : [];
    const listPrincipals = unique(args.list('principal').map((p) => parsePrincipal(p, '--principal')), (p) => p);

    const resolved = resolveClientProperties(clientProperties(args), 'admin', 'spindle-acls', {}, (l) => process.stderr.write(`spindle acls: ${l}\n`));
    const client = new Client({ ...resolved.client, bootstrapServers: args.bootstrap(resolved.bootstrap) });
    const admin = new Admin(client);
    const out = new Output();
    const stdin = answers();
    try {
      if (action === 'add') {
        for (const { filter: pattern, entries } of plan) {
          const existing = new Set((await admin.describeAcls(patternFilter(pattern))).map((b) => entryKey({ principal: b.principal, host: b.host, operation: b.operation, permission: b.permission })));
          const fresh: AccessEntry[] = [];
          for (const e of entries) {
            if (existing.has(entryKey(e))) out.line(`Acl ${aclBindingText(binding(pattern, e))} already exists.`);
            else fresh.push(e);
          }
          if (fresh.length === 0) continue;
          out.write(addingText(pattern, fresh));
          await out.flush();
          await admin.createAcls(fresh.map((e) => binding(pattern, e)));
        }
      } else if (action === 'list') {
        const bindings = listFilters.length === 0 ? await admin.describeAcls({}) : (await Promise.all(listFilters.map((f) => admin.describeAcls(patternFilter(f))))).flat();
        const groups = groupByPattern(bindings);
        if (listPrincipals.length === 0) {
          for (const g of groups) out.write(currentText(g.pattern, g.entries));
        } else {
          for (const principal of listPrincipals) {
            out.line(`ACLs for principal \`${principal}\``);
            for (const g of groups) {
              const mine = g.entries.filter((e) => e.principal === principal);
              if (mine.length > 0) out.write(currentText(g.pattern, mine));
            }
          }
        }
      } else {
        const force = args.flag('force');
        for (const { filter, entries } of plan) {
          if (!force) {
            out.line(
              entries.length === 0
                ? `Are you sure you want to delete all ACLs for resource filter \`${patternText(filter)}\`? (y/n)`
                : `Are you sure you want to remove ACLs: \n ${entries.map((e) => `\t${entryText(e)}`).join('\n')}\n from resource filter \`${patternText(filter)}\`? (y/n)`,
            );
            await out.flush();
            const answer = await stdin.next();
            if (answer === null || answer.trim().toLowerCase() !== 'y') continue;
          }
          await admin.deleteAcls(entries.length === 0 ? [patternFilter(filter)] : entries.map((e) => ({ ...patternFilter(filter), ...e })));
        }
      }
      await out.flush();
      return 0;
    } finally {
      stdin.close();
      await client.close();
    }
  });
}
