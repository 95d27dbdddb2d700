/**
 * librdkafka's own test suite (its tests/ directory, librdkafka 2.15.1) against a real broker:
 * the tests librdkafka's CI runs against Apache Kafka, each in its own test-runner process, and
 * each of them must pass. This file runs the producer tests and the client basics (idempotence,
 * every codec, acks, retries over a faulty socket, statistics, headers, timestamps, compaction);
 * librdkafka-consumer (also the admin API), -groups, -cooperative and -topics run the rest
 * (test/interop/librdkafka/tests.ts). It also checks that every test in librdkafka's test.c is
 * either run by one of them or listed in test/interop/librdkafka/skip.txt with the reason it is not.
 *
 * Needs the library and test-runner that `bash test/interop/librdkafka/setup.sh` builds from
 * source (CI runs it first; Debian packages in its header); skipped with the reason otherwise.
 * 0052 and 0077 also need Java and Apache Kafka's jars (bench/kafka/setup.sh) for kafka-topics.sh.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { needs } from '../helpers/needs.js';
import { checkList, HERE, librdkafkaSuite, notBuilt, testTable } from './librdkafka/suite.js';
import { ALL, PRODUCER } from './librdkafka/tests.js';

needs(notBuilt())('[librdkafka] every test in test.c is run or listed in skip.txt, never both', () => {
  const skipped = new Map<string, string>();
  for (const line of readFileSync(join(HERE, 'skip.txt'), 'utf8').split('\n')) {
    const m = /^(\d{4})\s+(\S.*)$/.exec(line);
    if (m) {
      assert.not.ok(skipped.has(m[1]!), `${m[1]} is listed twice in skip.txt`);
      skipped.set(m[1]!, m[2]!);
    }
  }
  const run = new Set(ALL.map((t) => t.n));
  const known = new Set([...testTable().map((e) => e.n), '1000']); // 1000 is a source file the runner does not build
  for (const n of known) {
    assert.ok(run.has(n) !== skipped.has(n), `${n}: ${run.has(n) ? 'both run and skipped' : 'neither run nor in skip.txt'}`);
  }
  for (const n of [...run, ...skipped.keys()]) assert.ok(known.has(n), `${n} is not a test in librdkafka's test.c`);
});

checkList('producer', PRODUCER);
librdkafkaSuite({ title: 'producer', tests: PRODUCER, concurrency: 5 });
