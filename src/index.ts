/**
 * Spindle as a library: start a Kafka-compatible broker inside the calling process.
 *
 *   import { startBroker } from 'spindle';
 *   const broker = await startBroker({ port: 0 });
 *   // … point a Kafka client at broker.bootstrap …
 *   await broker.close();
 */
export { startBroker, type RunningBroker, type StartOptions } from './broker/server.js';
export { loadConfig, type BrokerConfig } from './broker/config/load.js';
