/**
 * librdkafka's own consumer group tests against a real broker: joining and leaving, regex
 * subscriptions, subscriptions following topics and partitions as they change, pause/resume,
 * max.poll.interval.ms, static membership, commits during rebalances, assignment strategies.
 * The list is GROUPS in test/interop/librdkafka/tests.ts; how the tests are run is in
 * test/interop/librdkafka/suite.ts. The broker keeps Kafka's group.initial.rebalance.delay.ms
 * (3 s), as librdkafka's test clusters do: several tests need both consumers in the first generation.
 *
 * Needs the test-runner `bash test/interop/librdkafka/setup.sh` builds; skipped otherwise.
 */
import { checkList, librdkafkaSuite } from './librdkafka/suite.js';
import { GROUPS } from './librdkafka/tests.js';

checkList('groups', GROUPS);
librdkafkaSuite({ title: 'groups', tests: GROUPS, concurrency: 5 });
