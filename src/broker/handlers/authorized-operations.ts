/**
 * The authorized-operations fields of Metadata, DescribeCluster and DescribeGroups: bit fields
 * of Kafka's AclOperation codes, one bit per operation the resource type supports
 * (AclEntry.supportedOperations) that the principal may do on the resource, as Kafka's
 * AuthHelper.authorizedOperations computes them. Without an authorizer every supported
 * operation is granted; with one, each is asked of it (an ALLOW for READ also grants DESCRIBE,
 * and so on, as acl.ts decides). A field the client did not ask for holds Int.MinValue.
 *
 * Also partitionByAuthorized, Kafka's AuthHelper.partitionSeqByAuthorized, which the handlers
 * use to split a request's topics or groups; without an authorizer it copies nothing.
 */
import type { RequestContext } from '../router.js';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../security/acl.js';

/** A field not asked for. */
export const NOT_REQUESTED = -2147483648;

const A = AclOperation;

/** What each resource type supports in Kafka 3.9 (AclEntry.supportedOperations). */
const SUPPORTED: ReadonlyMap<number, readonly number[]> = new Map([
  [ResourceType.TOPIC, [A.READ, A.WRITE, A.CREATE, A.DELETE, A.ALTER, A.DESCRIBE, A.DESCRIBE_CONFIGS, A.ALTER_CONFIGS]],
  [ResourceType.GROUP, [A.READ, A.DELETE, A.DESCRIBE]],
  // CREATE_TOKENS and DESCRIBE_TOKENS belong to the USER resource, not to the cluster.
  [ResourceType.CLUSTER, [A.CREATE, A.ALTER, A.DESCRIBE, A.CLUSTER_ACTION, A.DESCRIBE_CONFIGS, A.ALTER_CONFIGS, A.IDEMPOTENT_WRITE]],
  [ResourceType.TRANSACTIONAL_ID, [A.WRITE, A.DESCRIBE]],
]);

const bits = (ops: readonly number[]): number => ops.reduce((b, op) => b | (1 << op), 0);

/** Every supported operation of each type, as a bit field. */
const ALL: ReadonlyMap<number, number> = new Map([...SUPPORTED].map(([type, ops]) => [type, bits(ops)]));

/** What a topic supports: READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS (3576). */
export const TOPIC_OPERATIONS = ALL.get(ResourceType.TOPIC)!;
/** What a group supports in Kafka 3.9: READ, DELETE, DESCRIBE (328). */
export const GROUP_OPERATIONS = ALL.get(ResourceType.GROUP)!;
/** What the cluster supports: CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE (8096). */
export const CLUSTER_OPERATIONS = ALL.get(ResourceType.CLUSTER)!;

/**
 * The operations of the resource (TOPIC, GROUP, CLUSTER or TRANSACTIONAL_ID) that the request's
 * principal may do, as a bit field. Without an authorizer: every supported one, a constant.
 */
export function authorizedOperations(ctx: Pick<RequestContext, 'broker' | 'authorize'>, resourceType: number, resourceName: string): number {
  const supported = SUPPORTED.get(resourceType);
  if (!supported) throw new Error(`no authorized operations for resource type ${resourceType}`);
  if (!ctx.broker.security.authorizer.enabled) return ALL.get(resourceType)!;
  let granted = 0;
  for (const op of supported) if (ctx.authorize(op, resourceType, resourceName)) granted |= 1 << op;
  return granted;
}

/** The denied list without an authorizer: shared, frozen, never to be added to. */
/**
 * The cluster's authorized-operations field (Metadata v8-10, DescribeCluster): Kafka computes it
 * only for a principal with DESCRIBE on the cluster, and answers 0 to the others.
 */
export function clusterOperations(ctx: Pick<RequestContext, 'broker' | 'authorize'>): number {
  if (!ctx.authorize(AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) return 0;
  return authorizedOperations(ctx, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME);
}

const NONE = Object.freeze([]) as unknown as never[];

/**
 * Kafka's AuthHelper.partitionSeqByAuthorized: the items whose resource (named by `nameOf`) the
 * principal may do `operation` on, and the others, each in request order; a name is asked once.
 * Without an authorizer: the items themselves and no others, nothing copied.
 */
export function partitionByAuthorized<T>(
  ctx: Pick<RequestContext, 'broker' | 'authorize'>,
  operation: number,
  resourceType: number,
  items: T[],
  nameOf: (item: T) => string,
): [allowed: T[], denied: T[]] {
  if (!ctx.broker.security.authorizer.enabled) return [items, NONE];
  const verdicts = new Map<string, boolean>();
  const allowed: T[] = [];
  const denied: T[] = [];
  for (const item of items) {
    const name = nameOf(item);
    let ok = verdicts.get(name);
    if (ok === undefined) verdicts.set(name, (ok = ctx.authorize(operation, resourceType, name)));
    (ok ? allowed : denied).push(item);
  }
  return [allowed, denied];
}
