/**
 * Kafka protocol error codes.
 *
 * This module owns the table of every error code Apache Kafka 3.9 defines, from -1
 * (UNKNOWN_SERVER_ERROR) and 0 (NONE) up to 127 (VOTER_NOT_FOUND): each code's number, its
 * Kafka constant name, whether Kafka marks it retriable, and a short description.
 *
 * Protocol outcomes are data, not exceptions: a handler that refuses or fails part of a
 * request puts the code (for example `ErrorCode.UNKNOWN_TOPIC_OR_PARTITION`) into the
 * per-partition (or per-resource) result of its response and carries on with the rest.
 * Thrown errors are for broken frames and bugs, never for answers a client expects.
 *
 * Codes are part of the wire format and never change meaning; names are Kafka's current ones
 * (older clients may know code 6 as NOT_LEADER_FOR_PARTITION, for instance). `retriable` is
 * what Kafka says: whether the matching client exception is a retriable one.
 */

export interface KafkaErrorInfo {
  readonly code: number;
  readonly name: string;
  readonly retriable: boolean;
  readonly message: string;
}

// One row per code, in code order: [code, name, retriable, message].
const ROWS = [
  [-1, 'UNKNOWN_SERVER_ERROR', false, 'The broker hit an unexpected failure while handling the request.'],
  [0, 'NONE', false, 'Success: no error.'],
  [1, 'OFFSET_OUT_OF_RANGE', false, 'The requested offset lies outside the range the log currently holds.'],
  [2, 'CORRUPT_MESSAGE', true, 'A record or batch failed its checksum, has an invalid size, or is otherwise malformed.'],
  [3, 'UNKNOWN_TOPIC_OR_PARTITION', true, 'This broker has no such topic or partition.'],
  [4, 'INVALID_FETCH_SIZE', false, 'The fetch size in the request is not valid.'],
  [5, 'LEADER_NOT_AVAILABLE', true, 'The partition has no leader right now, for example during an election.'],
  [6, 'NOT_LEADER_OR_FOLLOWER', true, 'This broker is not the leader (or not a replica) for the partition.'],
  [7, 'REQUEST_TIMED_OUT', true, 'The request did not complete within its time limit.'],
  [8, 'BROKER_NOT_AVAILABLE', false, 'The broker cannot serve requests at the moment.'],
  [9, 'REPLICA_NOT_AVAILABLE', true, 'A replica of the partition is not available.'],
  [10, 'MESSAGE_TOO_LARGE', false, 'A record batch is larger than the broker or topic allows.'],
  [11, 'STALE_CONTROLLER_EPOCH', false, 'The request came from a controller that is no longer current.'],
  [12, 'OFFSET_METADATA_TOO_LARGE', false, 'The metadata string attached to a committed offset is too long.'],
  [13, 'NETWORK_EXCEPTION', true, 'The connection closed before a response arrived.'],
  [14, 'COORDINATOR_LOAD_IN_PROGRESS', true, 'The coordinator is still loading its state and cannot serve yet.'],
  [15, 'COORDINATOR_NOT_AVAILABLE', true, 'No coordinator can serve the group or transaction right now.'],
  [16, 'NOT_COORDINATOR', true, 'This broker is not the coordinator for the group or transaction.'],
  [17, 'INVALID_TOPIC_EXCEPTION', false, 'The topic name is not valid, or the topic cannot be used this way.'],
  [18, 'RECORD_LIST_TOO_LARGE', false, 'A record batch is larger than the log segment size.'],
  [19, 'NOT_ENOUGH_REPLICAS', true, 'Too few in-sync replicas to accept the write.'],
  [20, 'NOT_ENOUGH_REPLICAS_AFTER_APPEND', true, 'The write was appended, but fewer in-sync replicas than required acknowledged it.'],
  [21, 'INVALID_REQUIRED_ACKS', false, 'The acks value of the produce request is not allowed.'],
  [22, 'ILLEGAL_GENERATION', false, 'The group generation in the request is not the current one.'],
  [23, 'INCONSISTENT_GROUP_PROTOCOL', false, "The member's protocol type or protocols do not fit the group's."],
  [24, 'INVALID_GROUP_ID', false, 'The group id is not valid.'],
  [25, 'UNKNOWN_MEMBER_ID', false, 'The coordinator does not know this member id.'],
  [26, 'INVALID_SESSION_TIMEOUT', false, "The session timeout is outside the broker's allowed range."],
  [27, 'REBALANCE_IN_PROGRESS', false, 'The group is rebalancing; the member has to rejoin.'],
  [28, 'INVALID_COMMIT_OFFSET_SIZE', false, 'The offset commit is not of a valid size.'],
  [29, 'TOPIC_AUTHORIZATION_FAILED', false, 'Not authorized for this topic.'],
  [30, 'GROUP_AUTHORIZATION_FAILED', false, 'Not authorized for this group.'],
  [31, 'CLUSTER_AUTHORIZATION_FAILED', false, 'Not authorized for this cluster operation.'],
  [32, 'INVALID_TIMESTAMP', false, 'A record timestamp is outside the accepted range.'],
  [33, 'UNSUPPORTED_SASL_MECHANISM', false, 'The broker does not offer the requested SASL mechanism.'],
  [34, 'ILLEGAL_SASL_STATE', false, 'The request is not allowed at this point of the SASL exchange.'],
  [35, 'UNSUPPORTED_VERSION', false, 'The broker does not support this API version.'],
  [36, 'TOPIC_ALREADY_EXISTS', false, 'The topic being created exists already.'],
  [37, 'INVALID_PARTITIONS', false, 'The partition count is not valid.'],
  [38, 'INVALID_REPLICATION_FACTOR', false, 'The replication factor is not valid for this cluster.'],
  [39, 'INVALID_REPLICA_ASSIGNMENT', false, 'The replica assignment is not valid.'],
  [40, 'INVALID_CONFIG', false, 'A configuration value is not valid.'],
  [41, 'NOT_CONTROLLER', true, 'This broker is not the active controller.'],
  [42, 'INVALID_REQUEST', false, 'The request is malformed or not acceptable to this broker.'],
  [43, 'UNSUPPORTED_FOR_MESSAGE_FORMAT', false, 'The message format on the broker cannot serve this request.'],
  [44, 'POLICY_VIOLATION', false, 'The request breaks a policy configured on the broker.'],
  [45, 'OUT_OF_ORDER_SEQUENCE_NUMBER', false, 'The producer sequence number is not the one expected next.'],
  [46, 'DUPLICATE_SEQUENCE_NUMBER', false, 'The producer sequence number was already written.'],
  [47, 'INVALID_PRODUCER_EPOCH', false, 'The producer epoch is older than the current one.'],
  [48, 'INVALID_TXN_STATE', false, 'The transaction is not in a state that allows this operation.'],
  [49, 'INVALID_PRODUCER_ID_MAPPING', false, 'The producer id is not the one assigned to this transactional id.'],
  [50, 'INVALID_TRANSACTION_TIMEOUT', false, 'The transaction timeout exceeds the broker maximum.'],
  [51, 'CONCURRENT_TRANSACTIONS', true, 'Another operation on the same transaction is still in progress.'],
  [52, 'TRANSACTION_COORDINATOR_FENCED', false, 'The transaction coordinator that sent this is no longer current.'],
  [53, 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', false, 'Not authorized for this transactional id.'],
  [54, 'SECURITY_DISABLED', false, 'Security features are turned off on the broker.'],
  [55, 'OPERATION_NOT_ATTEMPTED', false, 'The broker skipped this operation because another part of the batch failed.'],
  [56, 'KAFKA_STORAGE_ERROR', true, 'A disk error occurred while accessing the log.'],
  [57, 'LOG_DIR_NOT_FOUND', false, 'The log directory named in the request is not configured on the broker.'],
  [58, 'SASL_AUTHENTICATION_FAILED', false, 'The SASL exchange did not authenticate the client.'],
  [59, 'UNKNOWN_PRODUCER_ID', false, 'The broker holds no state for this producer id, e.g. after its records expired.'],
  [60, 'REASSIGNMENT_IN_PROGRESS', false, 'A partition reassignment is already under way.'],
  [61, 'DELEGATION_TOKEN_AUTH_DISABLED', false, 'Delegation tokens are not enabled.'],
  [62, 'DELEGATION_TOKEN_NOT_FOUND', false, 'No such delegation token.'],
  [63, 'DELEGATION_TOKEN_OWNER_MISMATCH', false, 'The principal is not the owner or a renewer of the token.'],
  [64, 'DELEGATION_TOKEN_REQUEST_NOT_ALLOWED', false, 'Delegation token requests are not allowed on this kind of connection.'],
  [65, 'DELEGATION_TOKEN_AUTHORIZATION_FAILED', false, 'Not authorized for this delegation token operation.'],
  [66, 'DELEGATION_TOKEN_EXPIRED', false, 'The delegation token has expired.'],
  [67, 'INVALID_PRINCIPAL_TYPE', false, 'The principal type is not supported.'],
  [68, 'NON_EMPTY_GROUP', false, 'The group still has members.'],
  [69, 'GROUP_ID_NOT_FOUND', false, 'No such group.'],
  [70, 'FETCH_SESSION_ID_NOT_FOUND', true, 'No fetch session with this id exists.'],
  [71, 'INVALID_FETCH_SESSION_EPOCH', true, 'The fetch session epoch is not the expected one.'],
  [72, 'LISTENER_NOT_FOUND', true, 'The leader has no listener matching the one this request arrived on.'],
  [73, 'TOPIC_DELETION_DISABLED', false, 'Deleting topics is turned off.'],
  [74, 'FENCED_LEADER_EPOCH', true, "The request's leader epoch is older than the broker's."],
  [75, 'UNKNOWN_LEADER_EPOCH', true, "The request's leader epoch is newer than the broker's."],
  [76, 'UNSUPPORTED_COMPRESSION_TYPE', false, "The client cannot handle the partition's compression type."],
  [77, 'STALE_BROKER_EPOCH', false, 'The broker epoch in the request is out of date.'],
  [78, 'OFFSET_NOT_AVAILABLE', true, 'The new leader cannot yet guarantee monotonic offsets.'],
  [79, 'MEMBER_ID_REQUIRED', false, 'The member must rejoin with the member id the coordinator assigned.'],
  [80, 'PREFERRED_LEADER_NOT_AVAILABLE', true, 'The preferred replica cannot take leadership right now.'],
  [81, 'GROUP_MAX_SIZE_REACHED', false, 'The group already has the maximum number of members.'],
  [82, 'FENCED_INSTANCE_ID', false, 'Another member has taken over this static group instance id.'],
  [83, 'ELIGIBLE_LEADERS_NOT_AVAILABLE', true, 'No eligible leader is available for the partition.'],
  [84, 'ELECTION_NOT_NEEDED', true, 'The partition already has the leader the election would choose.'],
  [85, 'NO_REASSIGNMENT_IN_PROGRESS', false, 'There is no partition reassignment to act on.'],
  [86, 'GROUP_SUBSCRIBED_TO_TOPIC', false, 'Offsets cannot be deleted for a topic the group is subscribed to.'],
  [87, 'INVALID_RECORD', false, 'A record failed broker-side validation and was rejected.'],
  [88, 'UNSTABLE_OFFSET_COMMIT', true, 'Pending transactional offsets must be resolved first.'],
  [89, 'THROTTLING_QUOTA_EXCEEDED', true, 'The request exceeds a throttling quota.'],
  [90, 'PRODUCER_FENCED', false, 'A newer producer with the same transactional id has fenced this one.'],
  [91, 'RESOURCE_NOT_FOUND', false, 'The request names a resource that does not exist.'],
  [92, 'DUPLICATE_RESOURCE', false, 'The request names the same resource more than once.'],
  [93, 'UNACCEPTABLE_CREDENTIAL', false, 'The credential does not meet the acceptance criteria.'],
  [94, 'INCONSISTENT_VOTER_SET', false, 'The sender or receiver of a voter-only request is not an expected voter.'],
  [95, 'INVALID_UPDATE_VERSION', false, 'The update version is not valid.'],
  [96, 'FEATURE_UPDATE_FAILED', false, 'The finalized features could not be updated because of a server error.'],
  [97, 'PRINCIPAL_DESERIALIZATION_FAILURE', false, 'A forwarded request principal could not be deserialized.'],
  [98, 'SNAPSHOT_NOT_FOUND', false, 'No such snapshot.'],
  [99, 'POSITION_OUT_OF_RANGE', false, 'The position is negative or beyond the end of the snapshot.'],
  [100, 'UNKNOWN_TOPIC_ID', true, 'This broker has no topic with this id.'],
  [101, 'DUPLICATE_BROKER_REGISTRATION', false, 'This broker id is already registered.'],
  [102, 'BROKER_ID_NOT_REGISTERED', false, 'This broker id is not registered.'],
  [103, 'INCONSISTENT_TOPIC_ID', true, "The topic id in the request does not match the log's."],
  [104, 'INCONSISTENT_CLUSTER_ID', false, 'The cluster id in the request does not match this cluster.'],
  [105, 'TRANSACTIONAL_ID_NOT_FOUND', false, 'No such transactional id.'],
  [106, 'FETCH_SESSION_TOPIC_ID_ERROR', true, 'The fetch session mixed topic ids inconsistently.'],
  [107, 'INELIGIBLE_REPLICA', false, 'The proposed ISR contains a replica that is not eligible.'],
  [108, 'NEW_LEADER_ELECTED', false, 'The partition state was updated, but a different leader is now in place.'],
  [109, 'OFFSET_MOVED_TO_TIERED_STORAGE', false, 'The requested offset now lives only in tiered storage.'],
  [110, 'FENCED_MEMBER_EPOCH', false, 'The member epoch was fenced; the member must give up its partitions and rejoin.'],
  [111, 'UNRELEASED_INSTANCE_ID', false, 'Another member still holds this instance id and must leave first.'],
  [112, 'UNSUPPORTED_ASSIGNOR', false, 'The group does not support the requested assignor or its versions.'],
  [113, 'STALE_MEMBER_EPOCH', false, 'The member epoch is out of date; the member must catch up via heartbeat.'],
  [114, 'MISMATCHED_ENDPOINT_TYPE', false, 'The request went to the wrong kind of endpoint.'],
  [115, 'UNSUPPORTED_ENDPOINT_TYPE', false, 'This kind of endpoint is not supported.'],
  [116, 'UNKNOWN_CONTROLLER_ID', false, 'No controller with this id is known.'],
  [117, 'UNKNOWN_SUBSCRIPTION_ID', false, 'The telemetry subscription id is unknown or out of date.'],
  [118, 'TELEMETRY_TOO_LARGE', false, 'The telemetry payload is larger than the broker accepts.'],
  [119, 'INVALID_REGISTRATION', false, 'The controller judged the broker registration invalid.'],
  [120, 'TRANSACTION_ABORTABLE', false, 'The transaction hit an error; aborting it lets the transactional id be reused.'],
  [121, 'INVALID_RECORD_STATE', false, 'The record is in a state that does not allow this acknowledgement.'],
  [122, 'SHARE_SESSION_NOT_FOUND', true, 'No such share session.'],
  [123, 'INVALID_SHARE_SESSION_EPOCH', true, 'The share session epoch is not the expected one.'],
  [124, 'FENCED_STATE_EPOCH', false, 'The share-group state epoch does not match the coordinator.'],
  [125, 'INVALID_VOTER_KEY', false, "The voter key does not match the receiving replica's."],
  [126, 'DUPLICATE_VOTER', false, 'The voter is already in the voter set.'],
  [127, 'VOTER_NOT_FOUND', false, 'The voter is not in the voter set.'],
] as const satisfies readonly (readonly [number, string, boolean, string])[];

type Row = (typeof ROWS)[number];

/** Every Kafka error name this table knows. */
export type KafkaErrorName = Row[1];

/** Name → code, with each code as its literal type. */
export type ErrorCodeTable = { readonly [R in Row as R[1]]: R[0] };

/** The whole table, in code order (-1 first), each entry frozen. */
export const ERRORS: readonly KafkaErrorInfo[] = Object.freeze(
  ROWS.map(([code, name, retriable, message]) =>
    Object.freeze<KafkaErrorInfo>({ code, name, retriable, message }),
  ),
);

/** Error codes by Kafka name: `ErrorCode.OFFSET_OUT_OF_RANGE === 1`. */
export const ErrorCode: ErrorCodeTable = Object.freeze(
  Object.fromEntries(ROWS.map(([code, name]) => [name, code])),
) as ErrorCodeTable;

const BY_CODE: ReadonlyMap<number, KafkaErrorInfo> = new Map(ERRORS.map((e) => [e.code, e]));

/** The table entry for a code, or undefined for a code Kafka 3.9 does not define. */
export function errorByCode(code: number): KafkaErrorInfo | undefined {
  return BY_CODE.get(code);
}

/** Kafka's name for a code; `UNKNOWN_CODE_<n>` for a code the table does not hold. */
export function errorName(code: number): string {
  return BY_CODE.get(code)?.name ?? `UNKNOWN_CODE_${code}`;
}
