/**
 * librdkafka's own tests of its "noautocreate" scenario against a real broker with
 * auto.create.topics.enable=false: subscriptions while topics are deleted and grown, producer
 * and consumer carrying on across a topic deleted and re-created, the producer waiting for a
 * topic still being created. The list is NO_AUTO_CREATE in test/interop/librdkafka/tests.ts.
 *
 * Needs the test-runner `bash test/interop/librdkafka/setup.sh` builds; skipped otherwise. 0045
 * also needs Java and Apache Kafka's jars (bench/kafka/setup.sh) for kafka-topics.sh.
 */
import { checkList, librdkafkaSuite } from './librdkafka/suite.js';
import { NO_AUTO_CREATE } from './librdkafka/tests.js';

checkList('noautocreate', NO_AUTO_CREATE, 'noautocreate');
librdkafkaSuite({ title: 'noautocreate', tests: NO_AUTO_CREATE, scenario: 'noautocreate', config: { 'auto.create.topics.enable': false } });
