/**
 * librdkafka's own authorization tests (its tests/ directory) against a broker with Kafka's
 * StandardAuthorizer and allow.everyone.if.no.acl.found=true, as librdkafka's test clusters run
 * one: 0109, 0115 and 0119 deny a topic to User:* with Apache Kafka's kafka-acls.sh and expect
 * Kafka's TOPIC_AUTHORIZATION_FAILED where Kafka gives it; 0081's ACL sub-tests create,
 * describe and delete ACLs through the admin API (test/interop/librdkafka/tests.ts).
 *
 * Needs the test-runner `bash test/interop/librdkafka/setup.sh` builds, and for the kafka-acls.sh
 * tests Apache Kafka's jars (bench/kafka/setup.sh); skipped otherwise.
 */
import { checkList, librdkafkaSuite } from './librdkafka/suite.js';
import { ACLS } from './librdkafka/tests.js';

checkList('acls', ACLS);
librdkafkaSuite({
  title: 'acls',
  tests: ACLS,
  config: { 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'allow.everyone.if.no.acl.found': true },
  // Each test's ACLs name topics of its own (literal names; 0081's prefixed ones are its own
  // topic names), and 0081's describe and delete filters match only those: two at a time.
  concurrency: 2,
});
