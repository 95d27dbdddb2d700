/**
 * librdkafka's own transaction tests (its tests/ directory) against a real broker: the
 * transactional producer API (0103's misuse and fencing sub-tests; the others need a topic of
 * replication factor 3), read_committed fetches of aborted transactions (0129), and the
 * sub-tests of 0061 and 0137 that write transactions (test/interop/librdkafka/tests.ts).
 *
 * Needs the test-runner `bash test/interop/librdkafka/setup.sh` builds; skipped otherwise.
 */
import { checkList, librdkafkaSuite } from './librdkafka/suite.js';
import { TRANSACTIONS } from './librdkafka/tests.js';

checkList('transactions', TRANSACTIONS);
librdkafkaSuite({ title: 'transactions', tests: TRANSACTIONS, concurrency: 2 });
