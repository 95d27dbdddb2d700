/**
 * The README's embedded example, as written there: a kafkajs test against `startBroker()`
 * imported by the package's own name.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startBroker } from 'spindle';
import { require } from './helpers.js';

const { Kafka, logLevel } = require('kafkajs');

test('orders are published (the README example)', async () => {
  const broker = await startBroker({ port: 0, config: { 'num.partitions': 3 } });
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }] });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'orders', messages: [{ key: 'o-1', value: 'placed' }] });
  const offsets: { high: string }[] = await admin.fetchTopicOffsets('orders');
  assert.equal(
    offsets.reduce((n, p) => n + Number(p.high), 0),
    1,
  );
  await producer.disconnect();
  await admin.disconnect();
  await broker.close();
});

test.run();
