/**
 * Spindle's own Kafka client, on top of src/protocol: what the command line, the benchmark
 * harness and the tests use where no outside client is needed. It speaks to Apache Kafka too.
 *
 *   const client = new Client({ bootstrapServers: 'localhost:9092' });
 *   const producer = new Producer(client, { compression: 'lz4' });
 *   await producer.send({ topic: 'events', key: 'user-1', value: 'hello' });
 *   await producer.close();
 *   const consumer = new Consumer(client, { groupId: 'readers', autoOffsetReset: 'earliest' });
 *   await consumer.subscribe(['events']);
 *   const records = await consumer.poll();
 *   await consumer.close();
 *   await client.close();
 */
export { Admin, type ConfigEntry, type GroupDescription, type NewTopic, type TopicDescription } from './admin.js';
export { Client, type ClientOptions, parseBootstrap } from './client.js';
export { Connection } from './connection.js';
export { Consumer, type ConsumedRecord, type ConsumerOptions } from './consumer.js';
export { ClientError, ConnectionError, KafkaError, TimeoutError, UnsupportedApiError } from './errors.js';
export { GroupMember } from './group.js';
export { murmur2, partitionForKey, toPositive } from './murmur2.js';
export { Producer, type ProducerOptions, type ProducerRecord, type RecordMetadata } from './producer.js';
