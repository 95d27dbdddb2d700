/**
 * librdkafka's cooperative-sticky rebalance test (0113) against a real broker: incremental
 * assign and unassign, subscriptions changing, topics deleted and partitions added under the
 * group, unsubscribing, wildcards, max.poll.interval.ms, commits during rebalances. One
 * test-runner process per sub-test function (COOPERATIVE in test/interop/librdkafka/tests.ts).
 *
 * Needs the test-runner `bash test/interop/librdkafka/setup.sh` builds; skipped otherwise.
 */
import { checkList, librdkafkaSuite } from './librdkafka/suite.js';
import { COOPERATIVE } from './librdkafka/tests.js';

checkList('cooperative', COOPERATIVE);
librdkafkaSuite({ title: 'cooperative', tests: COOPERATIVE, concurrency: 5 });
