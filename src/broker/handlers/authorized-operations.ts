/**
 * The authorized-operations fields of Metadata, DescribeCluster and DescribeGroups: bit fields
 * of Kafka's AclOperation codes. Without an authorizer Kafka grants every operation a resource
 * type supports (AuthHelper.authorizedOperations over AclEntry.supportedOperations), and a field
 * the client did not ask for holds Int.MinValue.
 */

/** Kafka's AclOperation codes (org.apache.kafka.common.acl.AclOperation). */
export const AclOperation = Object.freeze({
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

/** A field not asked for. */
export const NOT_REQUESTED = -2147483648;

const bits = (...ops: number[]): number => ops.reduce((b, op) => b | (1 << op), 0);
const A = AclOperation;

/** What a topic supports: READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS (3576). */
export const TOPIC_OPERATIONS = bits(A.READ, A.WRITE, A.CREATE, A.DELETE, A.ALTER, A.DESCRIBE, A.DESCRIBE_CONFIGS, A.ALTER_CONFIGS);
/** What a group supports in Kafka 3.9: READ, DELETE, DESCRIBE (328). */
export const GROUP_OPERATIONS = bits(A.READ, A.DELETE, A.DESCRIBE);
/**
 * What the cluster supports: CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS,
 * ALTER_CONFIGS, IDEMPOTENT_WRITE (8096). CREATE_TOKENS and DESCRIBE_TOKENS belong to the user
 * resource, not to the cluster.
 */
export const CLUSTER_OPERATIONS = bits(A.CREATE, A.ALTER, A.DESCRIBE, A.CLUSTER_ACTION, A.DESCRIBE_CONFIGS, A.ALTER_CONFIGS, A.IDEMPOTENT_WRITE);
