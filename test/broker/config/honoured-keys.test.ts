/**
 * The start-up report calls a key "honoured" when it changes what Spindle does. This suite
 * holds it to that: a broker starts with every configuration read recorded (config/reads.ts),
 * serves a short realistic workload — topics created (with and without defaults, auto-created),
 * produced to (compressed, idempotent), fetched by a consumer and by a replica, a consumer group
 * joining, committing and leaving, configs described and altered (topic and dynamic broker
 * ones), a topic deleted, retention and cleaner ticks — and stops. Then every honoured broker
 * key, and every honoured topic config, must have been read by something that decides with
 * it. A key read only where this workload cannot go must be listed in NOT_REACHED with the
 * reason; the suite checks that each listed key is honoured and really was not read, so the
 * list cannot hide a key nor go stale.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CONFIG_KEYS, configKey, TOPIC_CONFIGS, type ConfigKeyDef, type ConfigKeyName, type TopicConfigDef, type TopicConfigName } from '../../../src/broker/config/keys.js';
import { ConfigReads } from '../../../src/broker/config/reads.js';
import { startBroker } from '../../../src/broker/server.js';
import { Admin } from '../../../src/client/admin.js';
import { Client } from '../../../src/client/client.js';
import { Consumer } from '../../../src/client/consumer.js';
import { Producer } from '../../../src/client/producer.js';
import { AddPartitionsToTxn, EndTxn, Fetch, InitProducerId, Produce, SaslAuthenticate, SaslHandshake } from '../../../src/protocol/messages/index.js';
import { encodeBatch } from '../../../src/protocol/records/batch.js';
import { RawClient, withRawClient } from '../../helpers/raw-client.js';
import { makeCerts, opensslMissing } from '../../helpers/certs.js';
import { needs } from '../../helpers/needs.js';
import { dataDir } from '../../interop/helpers.js';

/** Keys only a broker of a cluster reads (zookeeper.connect set; test/cluster/replication.test.ts starts such brokers). */
const CLUSTER_ONLY = 'read only by a broker of a cluster (zookeeper.connect set): test/cluster/replication.test.ts';

/** Honoured keys this workload cannot make anything read, each with the reason. */
const NOT_REACHED: ReadonlyMap<ConfigKeyName, string> = new Map([
  ['transaction.state.log.load.buffer.size', 'read when __transaction_state exists at start-up; this broker starts with an empty log directory'],
  ['ssl.keystore.password', "read for a PKCS12 key store; this workload's listener has a PEM one (test/broker/security/listeners.test.ts serves a PKCS12 one)"],
  ['zookeeper.session.timeout.ms', CLUSTER_ONLY],
  ['zookeeper.connection.timeout.ms', CLUSTER_ONLY],
  ['zookeeper.max.in.flight.requests', CLUSTER_ONLY],
  ['broker.rack', CLUSTER_ONLY],
  ['inter.broker.listener.name', CLUSTER_ONLY],
  ['security.inter.broker.protocol', CLUSTER_ONLY],
  ['replica.fetch.response.max.bytes', CLUSTER_ONLY],
  ['replica.fetch.wait.max.ms', CLUSTER_ONLY],
  ['replica.fetch.min.bytes', CLUSTER_ONLY],
  ['replica.fetch.backoff.ms', CLUSTER_ONLY],
  ['replica.lag.time.max.ms', CLUSTER_ONLY],
  ['replica.socket.timeout.ms', CLUSTER_ONLY],
  ['offsets.commit.timeout.ms', CLUSTER_ONLY],
  ['controlled.shutdown.enable', CLUSTER_ONLY],
  ['controlled.shutdown.max.retries', CLUSTER_ONLY],
  ['controlled.shutdown.retry.backoff.ms', CLUSTER_ONLY],
]);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const reads = new ConfigReads();
const data = dataDir();

async function workload(): Promise<void> {
  // The security keys are read by the listeners that use them: a SASL_SSL listener beside the
  // PLAINTEXT one, offering each mechanism (OAUTHBEARER checked against a JWKS file), and a login.
  const certs = makeCerts({ truststore: false });
  const jwks = join(data.dir, 'jwks.json');
  writeFileSync(jwks, '{"keys":[]}');
  const b = await startBroker({
    recordReads: reads,
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0',
      // The console too, behind Basic authentication.
      'console.listener': 'http://127.0.0.1:0',
      'console.authentication': 'basic',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': certs.server.combinedPath,
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.location': certs.ca.certPath,
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-512,OAUTHBEARER',
      'listener.name.sasl_ssl.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";',
      'listener.name.sasl_ssl.oauthbearer.sasl.server.callback.handler.class': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler',
      'listener.name.sasl_ssl.oauthbearer.sasl.oauthbearer.jwks.endpoint.url': pathToFileURL(jwks).href,
      'sasl.oauthbearer.expected.issuer': 'https://issuer.example',
      'sasl.oauthbearer.expected.audience': 'spindle',
      'log.dirs': data.dir,
      'num.io.threads': 1,
      'offsets.topic.num.partitions': 1,
      'transaction.state.log.num.partitions': 1,
      'group.initial.rebalance.delay.ms': 0,
      // Upkeep often enough to run during the workload.
      'log.retention.check.interval.ms': 50,
      'log.cleaner.backoff.ms': 50,
      'producer.id.expiration.check.interval.ms': 50,
      'offsets.retention.check.interval.ms': 50,
    },
  });
  const client = new Client({ bootstrapServers: b.bootstrap, clientId: 'honoured-keys' });
  const admin = new Admin(client);
  try {
    // A SASL login over TLS.
    const sasl = await RawClient.connectTls(b.listeners[1]!.bootstrap, { ca: certs.ca.cert });
    assert.is((await sasl.request(SaslHandshake, 1, { mechanism: 'PLAIN' })).errorCode, 0);
    assert.is((await sasl.request(SaslAuthenticate, 2, { authBytes: Buffer.from('\u0000alice\u0000alice-secret') })).errorCode, 0);
    sasl.close();

    // Topics: the broker's defaults for partitions and replicas, overrides, auto-creation.
    await admin.createTopics([
      { name: 'orders', numPartitions: -1, replicationFactor: -1 },
      { name: 'compacted', numPartitions: 2, replicationFactor: 1, configs: { 'cleanup.policy': 'compact', 'segment.bytes': '1024', 'min.cleanable.dirty.ratio': '0.01' } },
    ]);
    await client.refreshMetadata(['auto-created'], true);

    // Produce: plain, compressed, keyed to the compacted topic, idempotent.
    const producer = new Producer(client, { acks: -1, compression: 'gzip', lingerMs: 0 });
    await Promise.all(Array.from({ length: 50 }, (_, i) => producer.send({ topic: 'orders', key: `k${i % 5}`, value: `order ${i}` })));
    await Promise.all(Array.from({ length: 200 }, (_, i) => producer.send({ topic: 'compacted', key: `k${i % 3}`, value: `v${i}`, partition: 0 })));
    await producer.close();
    await withRawClient(b.bootstrap, async (c) => {
      const pid = await c.request(InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
      assert.is(pid.errorCode, 0);
      // A transaction: its state topic is created, its batch checked, its markers written.
      const txn = await c.request(InitProducerId, 4, { transactionalId: 'honoured', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
      assert.is(txn.errorCode, 0);
      const added = await c.request(AddPartitionsToTxn, 3, {
        v3AndBelowTransactionalId: 'honoured',
        v3AndBelowProducerId: txn.producerId,
        v3AndBelowProducerEpoch: txn.producerEpoch,
        v3AndBelowTopics: [{ name: 'auto-created', partitions: [0] }],
      });
      assert.is(added.resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode, 0);
      const records = encodeBatch([{ value: 'in a transaction' }], { producerId: txn.producerId, producerEpoch: txn.producerEpoch, baseSequence: 0, transactional: true });
      const produced = await c.request(Produce, 9, { transactionalId: 'honoured', acks: -1, timeoutMs: 5000, topicData: [{ name: 'auto-created', partitionData: [{ index: 0, records }] }] });
      assert.is(produced.responses[0].partitionResponses[0].errorCode, 0);
      const ended = await c.request(EndTxn, 3, { transactionalId: 'honoured', producerId: txn.producerId, producerEpoch: txn.producerEpoch, committed: true });
      assert.is(ended.errorCode, 0);
      // A consumer's fetch and a replica's.
      for (const replicaId of [-1, 0]) {
        const r = await c.request(Fetch, 12, {
          replicaId,
          maxWaitMs: 0,
          minBytes: 0,
          maxBytes: 1 << 20,
          topics: [{ topic: 'orders', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
        });
        assert.is(r.responses[0].partitions[0].errorCode, 0);
      }
    });

    // A consumer group: join, sync, fetch, commit, leave.
    const consumer = new Consumer(client, { groupId: 'readers', autoOffsetReset: 'earliest', heartbeatIntervalMs: 100, maxWaitMs: 100, autoCommit: false });
    await consumer.subscribe(['orders']);
    let got = 0;
    for (let i = 0; i < 100 && got < 50; i++) got += (await consumer.poll()).length;
    assert.is(got, 50);
    await consumer.commit();
    await consumer.close();
    assert.ok((await admin.fetchGroupOffsets('readers')).length > 0);

    // Configs: described, altered on a topic, and a dynamic broker default.
    await admin.describeConfigs('topic', 'orders');
    await admin.describeConfigs('broker', String(b.broker.nodeId));
    await admin.incrementalAlterConfigs('topic', 'orders', [{ name: 'retention.ms', op: 'set', value: '3600000' }]);
    await admin.incrementalAlterConfigs('broker', '', [{ name: 'log.retention.bytes', op: 'set', value: '1073741824' }]);

    // Deletion, then time for the upkeep ticks (retention, cleaner, expirations).
    await admin.deleteTopics(['auto-created']);
    await sleep(500);
  } finally {
    await client.close();
    await b.close();
    certs.remove();
  }
}

needs(opensslMissing)('every key the start-up report calls honoured is read by something', async () => {
  await workload();
  const read = reads.brokerKeysRead();
  const honoured = (CONFIG_KEYS as readonly ConfigKeyDef[]).filter((k) => k.effect === 'honoured').map((k) => k.name as ConfigKeyName);
  const unread = honoured.filter((k) => !read.has(k) && !NOT_REACHED.has(k));
  assert.equal(unread, [], 'honoured in the report, read by nothing');
  for (const [key, reason] of NOT_REACHED) {
    assert.is(configKey(key)?.effect, 'honoured', `${key} (${reason}) is listed but not honoured`);
    assert.not.ok(read.has(key), `${key} is listed as not reached (${reason}), but the workload read it: remove it from the list`);
  }
});

needs(opensslMissing)('every topic config declared honoured is read by something', () => {
  const honoured = (TOPIC_CONFIGS as readonly TopicConfigDef[]).filter((t) => t.effect === 'honoured').map((t) => t.name as TopicConfigName);
  assert.equal(
    honoured.filter((t) => !reads.topicConfigs.has(t)),
    [],
  );
});

test.after(() => data.remove());

test.run();
