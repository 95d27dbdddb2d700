/**
 * Which of librdkafka's tests each librdkafka*.test.ts suite runs. Every other test number is in
 * skip.txt with the reason; librdkafka.test.ts checks that the two together cover test.c exactly.
 * The suites are split so that each stays well within the 300 s a test file may take, and each
 * list is in the order its runs start: longest first (as measured), so that the few running at
 * once finish together.
 */
import type { Spec } from './suite.js';

/** Producing, the client basics, and statistics: librdkafka.test.ts. */
export const PRODUCER: Spec[] = [
  { n: '0076' }, // produce retries, with and without idempotence (sockem)
  { n: '0094' }, // idempotent producer with messages timing out (sockem)
  // log compaction, topic made by kafka-topics.sh --config cleanup.policy=compact; each case waits
  // 20-30 s for the cleaner, so quick mode: the uncompressed case, not again with 1000 messages and each codec
  { n: '0077', kafkaTools: true, quick: 'each case waits 20-30 s for the cleaner' },
  { n: '0088' }, // metadata timeouts while producing (sockem)
  { n: '0114' }, // sticky partitioning
  { n: '0084' }, // destroy flags
  { n: '0075' }, // retries with a delayed socket (sockem)
  { n: '0123' }, // connections.max.idle.ms
  { n: '0020' }, // destroy does not hang
  { n: '0052', kafkaTools: true }, // message.timestamp.type CreateTime and LogAppendTime, topics made by kafka-topics.sh
  { n: '0125' }, // flush() with linger.ms high
  { n: '0017' }, // every codec
  { n: '0110' }, // batch.size, read from the statistics
  { n: '0038' }, // throughput (8 MB in quick mode, 128 MB otherwise: full mode here)
  { n: '0086' }, // purging queued and in-flight messages
  { n: '0011' }, // rd_kafka_produce_batch()
  { n: '0014' }, // re-consuming the same partitions
  { n: '0092' }, // message formats mixed
  { n: '0090' }, // idempotent producer
  { n: '0064' }, // interceptors
  { n: '0053' }, // statistics JSON against librdkafka's schema
  { n: '0085' }, // headers through the C++ API
  { n: '0068' }, // produce timeouts with a slowed socket (sockem)
  { n: '0044' }, // partition count grown by CreatePartitions while producing
  { n: '0012' }, // produce, then consume through the simple and the queue interfaces
  { n: '0021' }, // topic handles destroyed while producing
  { n: '0070' }, // null and empty keys and values
  { n: '0048' }, // every partitioner
  { n: '0002' }, // producing to an unknown partition fails
  { n: '0001' }, // many client instances created and destroyed
  { n: '0013' }, // null payloads
  { n: '0039' }, // delivery reports as events
  { n: '0003' }, // message.max.bytes on the client
  { n: '0005' }, // produced in order
  { n: '0073' }, // headers
  { n: '0065' }, // rd_kafka_yield()
  { n: '0007' }, // topics created on first use
  { n: '0063' }, // cluster id in Metadata
  { n: '0035' }, // ApiVersions
  { n: '0008' }, // acks 0, 1 and all
  { n: '0016' }, // client.software.name/version in ApiVersions
];

/** Consumers on assigned partitions, fetching and offsets: librdkafka-consumer.test.ts, with ADMIN. */
export const CONSUMER: Spec[] = [
  { n: '0030' }, // offset commit, sync and async, and committed()
  // consume_batch across seeks, stored offsets, pause/resume and EOF: every sub-test but
  // do_test_consume_batch_control_msgs, which writes transactions
  { n: '0137', subtests: 'do_test_consume_batch_with_seek' },
  { n: '0137', subtests: 'do_test_consume_batch_with_pause_and_resume_same_batch' },
  { n: '0137', subtests: 'do_test_consume_batch_store_offset' },
  { n: '0137', subtests: 'do_test_consume_batch_with_pause_and_resume_different_batch' },
  { n: '0137', subtests: 'do_test_consume_batch_eof_position' },
  // consumer lag in the statistics; not the sub-test that first writes aborted transactions
  { n: '0061', subtests: 'without transactions' },
  { n: '0093' }, // head-of-line blocking between partitions
  { n: '0049' }, // consumer connections closed by sockem
  { n: '0069' }, // partitions added to an assignment
  { n: '0051' }, // assign() adding partitions
  { n: '0083' }, // callbacks as events
  { n: '0015' }, // seeks
  { n: '0019' }, // ListGroups
  { n: '0029' }, // assign() with offsets
  // fetch queue back-off: each message must come within 30 ms × the multiplier of the back-off
  // (500 ms, then the 1 s default). At 3 (librdkafka's CI) a loaded two-core machine running the
  // other suites beside it has put one fetch in four past the 90 ms; at 10 the test allows 300 ms
  // of scheduling noise and still fails a broker that parks a fetch with data waiting for
  // fetch.wait.max.ms (500 ms): only an upper bound is checked, so nothing else grows.
  { n: '0127', timeoutMultiplier: { factor: 10, why: 'it times each fetch to within 30 ms × this of the back-off' } },
  { n: '0040' }, // queue I/O events
  { n: '0059' }, // binary search by timestamp with ListOffsets
  { n: '0112' }, // assigning a partition that does not exist yet
  { n: '0042' }, // many topics
  { n: '0067' }, // empty topics
  { n: '0041' }, // fetch.message.max.bytes smaller than a message
  { n: '0060' }, // queue priorities
  { n: '0082' }, // fetch.max.bytes
  { n: '0099' }, // commit metadata
  { n: '0140' }, // commit metadata through the C++ API
  { n: '0036' }, // fetches that end within a message
  { n: '0034' }, // auto.offset.reset
  { n: '0022' }, // consume_batch
  { n: '0130' }, // store_offsets()
  { n: '0054' }, // offsetsForTimes
  { n: '0031' }, // ListOffsets: earliest, latest, by time
  { n: '0057' }, // invalid topic names
];

/**
 * The admin API (0081): one run per sub-test function, every one but the ACL calls
 * (do_test_CreateAcls, do_test_DescribeAcls, do_test_DeleteAcls: ACLS, a broker with an
 * authorizer) and do_test_UserScramCredentials (SASL). Quick mode: the calls are made from a
 * producer handle only; full mode repeats every one from a consumer handle.
 * librdkafka-consumer.test.ts, with CONSUMER.
 */
export const ADMIN: Spec[] = [
  'do_test_ListConsumerGroups', // ListGroups, with and without state filters
  'do_test_DescribeConsumerGroups', // DescribeGroups, also with authorized operations
  'do_test_DeleteGroups',
  'do_test_ListConsumerGroupOffsets', // OffsetFetch
  'do_test_CreateTopics', // also validate_only, invalid partition counts and replication factors
  'do_test_DeleteConsumerGroupOffsets', // OffsetDelete, also with a member subscribed
  'do_test_AlterConsumerGroupOffsets', // OffsetCommit by the admin client
  'do_test_DescribeTopics', // Metadata with topic ids, also with authorized operations
  'do_test_DeleteRecords',
  'do_test_DeleteTopics',
  'do_test_AlterConfigs',
  'do_test_IncrementalAlterConfigs',
  'do_test_ListOffsets',
  'do_test_CreatePartitions',
  'do_test_DescribeConfigs', // also do_test_DescribeConfigs_groups
  'do_test_DescribeCluster',
  'do_test_unclean_destroy',
].map((subtests) => ({ n: '0081', subtests, quick: 'the admin calls from a producer handle only' }));

/** Consumer groups: joining, rebalancing, leaving, max.poll.interval.ms: librdkafka-groups.test.ts. */
export const GROUPS: Spec[] = [
  { n: '0089', timeoutS: 240 }, // max.poll.interval.ms exceeded
  { n: '0045', timeoutS: 240 }, // subscriptions updated by topics and partitions coming and going
  { n: '0033' }, // regex subscriptions
  { n: '0091' }, // max.poll.interval.ms longer than session.timeout.ms
  { n: '0026' }, // pause and resume in a group
  { n: '0102', timeoutS: 240 }, // static membership (group.instance.id)
  { n: '0018' }, // consumer group termination during rebalance
  { n: '0122' }, // buffers cleaned on rebalance
  { n: '0050' }, // subscriptions adding topics
  { n: '0132' }, // partition.assignment.strategy ordering
  { n: '0118' }, // commit during a rebalance
  { n: '0056' }, // balanced group, several threads
];

/**
 * 0113, the cooperative-sticky rebalance test: ten minutes in one piece, so run as one process
 * per sub-test function (the runner's SUBTESTS filter), a few at once: librdkafka-cooperative.test.ts.
 * u_multiple_subscription_changes runs one of its six variations: each takes about 50 s.
 */
export const COOPERATIVE: Spec[] = [
  'use_rebalance_cb: 1, subscription_variation: 1',
  't_max_poll_interval_exceeded',
  's_subscribe_when_rebalancing',
  'v_commit_during_rebalance',
  'b_subscribe_with_cb_test',
  'c_subscribe_no_cb_test',
  'n_wildcard',
  'x_incremental_rebalances',
  'd_change_subscription_add_topic',
  'l_unsubscribe',
  'e_change_subscription_remove_topic',
  'h_delete_topic',
  'i_delete_topic_2',
  'j_delete_topic_no_rb_callback',
  'k_add_partition',
  'f_assign_call_cooperative',
  'g_incremental_assign_call_eager',
  'm_unsubscribe_2',
  'a_assign',
].map((subtests) => ({ n: '0113', subtests }));

/**
 * librdkafka's noautocreate scenario, a broker without auto topic creation:
 * librdkafka-topics.test.ts. (The scenario's other tests, 0107 and 0111, create topics with
 * replication factor 3: skip.txt.)
 */
export const NO_AUTO_CREATE: Spec[] = [
  // 0045_subscribe_update_topic_remove and _non_exist_and_partchange: subscriptions while topics
  // are deleted (kafka-topics.sh --delete) or grown (--alter --partitions)
  { n: '0045', kafkaTools: true },
];

/**
 * Transactions: librdkafka-transactions.test.ts. The transactional producer API (0103: misuse
 * and fencing), read_committed fetches of aborted transactions (0129), and the sub-tests of 0061
 * and 0137 that write transactions.
 */
export const TRANSACTIONS: Spec[] = [
  // the transactional producer API: the sub-tests that make no topic of replication factor 3
  // (librdkafka's CI runs them on three brokers; a single node refuses it, as Kafka's does)
  { n: '0103', subtests: 'do_test_misuse_txn' }, // the API called out of order
  { n: '0103', subtests: 'do_test_fenced_txn' }, // a producer fenced by another of its id, producing after it or not
  { n: '0129' }, // fetching aborted transactional messages
  { n: '0061', subtests: 'with transactions' }, // consumer lag when aborted transactions precede the end
  { n: '0137', subtests: 'do_test_consume_batch_control_msgs' }, // consume_batch across commit and abort markers
];

/**
 * Authorization: librdkafka-acls.test.ts, a broker with Kafka's StandardAuthorizer and
 * allow.everyone.if.no.acl.found=true, as librdkafka's test clusters run one (trivup's
 * KafkaBrokerApp with an authorizer). The tests deny User:* on a topic with Apache Kafka's own
 * kafka-acls.sh and expect Kafka's authorization errors; 0081's ACL sub-tests create, describe
 * and delete ACLs through the admin API.
 */
export const ACLS: Spec[] = [
  { n: '0109', kafkaTools: true }, // topics auto-created on subscribe, and an unauthorized one's TOPIC_AUTHORIZATION_FAILED
  { n: '0115', kafkaTools: true }, // producing to a topic a deny ACL was added for: TOPIC_AUTHORIZATION_FAILED in delivery reports, then at once
  // consuming a topic denied: TOPIC_AUTHORIZATION_FAILED as a consumer error, once per partition;
  // its 20 s budget holds 15 s of consuming and four kafka-acls.sh runs, a JVM start each
  {
    n: '0119',
    kafkaTools: true,
    timeoutMultiplier: { factor: 2, why: "its 20 s budget holds 15 s of consuming and four runs of kafka-acls.sh, a JVM each (librdkafka's CI runs every test at 3)" },
  },
  ...['do_test_CreateAcls', 'do_test_DescribeAcls', 'do_test_DeleteAcls'].map((subtests) => ({ n: '0081', subtests, quick: 'the admin calls from a producer handle only' })),
];

/**
 * SASL: librdkafka-sasl.test.ts, every client logging in with SCRAM-SHA-512 on a SASL_PLAINTEXT
 * listener whose connections.max.reauth.ms is set. The sub-tests that use KIP-932 share
 * consumers, or make topics of replication factor 3, or need OAUTHBEARER, are left out (skip.txt).
 */
export const SASL: Spec[] = [
  // KIP-368 re-authentication while producing, inside a transaction (committed and aborted), and with wrong credentials
  { n: '0142', subtests: 'do_test_producer:' },
  { n: '0142', subtests: 'do_test_txn_producer:' },
  { n: '0142', subtests: 'do_test_reauth_failure:' },
  // sasl_set_credentials(): wrong credentials first, the right ones set before and after the failure
  { n: '0135', subtests: 'do_test:' },
  // Describe/AlterUserScramCredentials through the admin API
  { n: '0081', subtests: 'do_test_UserScramCredentials', quick: 'the admin calls from a producer handle only' },
];

export const ALL: Spec[] = [...PRODUCER, ...CONSUMER, ...ADMIN, ...GROUPS, ...COOPERATIVE, ...NO_AUTO_CREATE, ...TRANSACTIONS, ...ACLS, ...SASL];
