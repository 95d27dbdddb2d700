/**
 * librdkafka's own tests of consumers on assigned partitions against a real broker: fetching
 * (sizes, partial messages, many topics, head-of-line blocking), seeks, offsets by time and
 * ListOffsets, auto.offset.reset, offset commits with metadata, ListGroups, connections closed
 * under a consumer, batch consumption; and its admin API test (0081), one run per sub-test:
 * CreateTopics (also validate-only and refused requests), DeleteTopics, CreatePartitions,
 * AlterConfigs, IncrementalAlterConfigs, DescribeConfigs, DeleteRecords, ListGroups,
 * DescribeGroups, DeleteGroups, OffsetDelete, ListOffsets, OffsetCommit and OffsetFetch by the
 * admin client, DescribeTopics, DescribeCluster. The lists are CONSUMER and ADMIN in
 * test/interop/librdkafka/tests.ts; how the tests are run is in test/interop/librdkafka/suite.ts.
 *
 * Needs the test-runner `bash test/interop/librdkafka/setup.sh` builds; skipped otherwise.
 */
import { checkList, librdkafkaSuite } from './librdkafka/suite.js';
import { ADMIN, CONSUMER } from './librdkafka/tests.js';

// Admin first: its longest runs are longer than the consumer tests' longest.
checkList('consumer, admin', [...ADMIN, ...CONSUMER]);
librdkafkaSuite({ title: 'consumer, admin', tests: [...ADMIN, ...CONSUMER], concurrency: 5 });
