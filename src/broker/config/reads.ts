/**
 * Recording which configuration keys a running broker reads, for the test that holds the
 * start-up report to its word: every key it calls honoured must be read by something
 * (test/broker/config/honoured-keys.test.ts).
 *
 *   loadConfig({ recordReads })  ─► BrokerConfig whose `values` and `derived` are proxies
 *        │                            that note each key read in the ConfigReads given
 *        ├─► dynamic.ts layers its values over it: the layered config records too
 *        └─► resolveTopicConfig: the topic's `values` record the topic configs read
 *
 * A read of a derived value counts for the keys it is derived from (DERIVED_FROM); a read of a
 * topic config counts for its broker synonyms, which supply it when the topic has no override.
 * Code that goes over every key to show or copy them — the start-up report, DescribeConfigs,
 * the dynamic layer's copy, a topic config's inherited value and synonyms — reads through
 * untracked(), so what is noted is the reads that decide something.
 *
 * Without recordReads nothing here runs: the values are plain frozen objects on every path.
 *
 * Main thread, like the configuration it watches.
 */
import type { ConfigKeyName, TopicConfigDef, TopicConfigName } from './keys.js';
import { TOPIC_CONFIGS } from './keys.js';
import type { BrokerConfig, DerivedConfig } from './load.js';

/** The keys behind each derived value (load.ts derive); a read of the value is a read of each. */
export const DERIVED_FROM = Object.freeze({
  nodeId: ['node.id', 'broker.id'],
  listeners: ['listeners', 'listener.security.protocol.map', 'controller.listener.names'],
  advertisedListeners: ['advertised.listeners', 'listeners', 'listener.security.protocol.map', 'controller.listener.names'],
  controllerListeners: ['listeners', 'controller.listener.names'],
  logDirs: ['log.dirs', 'log.dir'],
  logRetentionMs: ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'],
  logRollMs: ['log.roll.ms', 'log.roll.hours'],
  logRollJitterMs: ['log.roll.jitter.ms', 'log.roll.jitter.hours'],
  logFlushIntervalMs: ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'],
  numIoThreads: ['num.io.threads'],
  offsetsRetentionMs: ['offsets.retention.minutes'],
  consoleListener: ['console.listener'],
} as const satisfies { readonly [K in keyof DerivedConfig]: readonly ConfigKeyName[] });

export type DerivedName = keyof typeof DERIVED_FROM;

/** What was read, by kind. */
export class ConfigReads {
  readonly brokerKeys = new Set<ConfigKeyName>();
  readonly derived = new Set<DerivedName>();
  readonly topicConfigs = new Set<TopicConfigName>();

  /** Broker keys read directly, through a derived value, or through a topic config they supply. */
  brokerKeysRead(): Set<ConfigKeyName> {
    const out = new Set(this.brokerKeys);
    for (const d of this.derived) for (const k of DERIVED_FROM[d]) out.add(k);
    for (const t of TOPIC_CONFIGS as readonly TopicConfigDef[]) {
      if (this.topicConfigs.has(t.name as TopicConfigName)) for (const s of t.synonyms) out.add(s.key);
    }
    return out;
  }
}

/** `config` with its values and derived values recording their reads into `reads`. */
export function recordingConfig(config: BrokerConfig, reads: ConfigReads): BrokerConfig {
  return Object.freeze({
    ...config,
    values: recording(untracked(config.values), (k) => reads.brokerKeys.add(k as ConfigKeyName)),
    derived: recording(untracked(config.derived), (k) => reads.derived.add(k as DerivedName)),
    reads,
  });
}

const RAW = Symbol('untracked');

/** `target` behind a proxy that calls `onRead` with each own key read. */
export function recording<T extends object>(target: T, onRead: (key: string) => void): T {
  return new Proxy(target, {
    get(t, key, receiver) {
      if (key === RAW) return t;
      if (typeof key === 'string' && Object.hasOwn(t, key)) onRead(key);
      return Reflect.get(t, key, receiver) as unknown;
    },
  });
}

/** The object behind a recording proxy (itself when it is none): for code that reads every key to show or copy it. */
export function untracked<T extends object>(o: T): T {
  return ((o as Record<symbol, unknown>)[RAW] as T | undefined) ?? o;
}
