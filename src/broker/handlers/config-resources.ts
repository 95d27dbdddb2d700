/**
 * What DescribeConfigs (32), AlterConfigs (33) and IncrementalAlterConfigs (44) share: Kafka's
 * config resource types, the checks on resource names, and the two ways a change is applied.
 *
 *   TOPIC   the topic's overrides are replaced (TopicStore, durably), the topic re-resolved and
 *           its partition logs given the new LogConfig (Broker.setTopicConfigs)
 *   BROKER  one scope's dynamic configs are replaced ('' = the cluster-wide default, '<node id>'
 *           = this node), written to broker-configs.json, Broker.config swapped for the new
 *           layering, and every topic re-resolved: those without their own override pick the
 *           new value up, and logs whose LogConfig changed are told
 *
 * Checks follow Kafka's ConfigAdminManager (broker side) and ConfigurationControlManager
 * (controller side), with their error codes and messages. Invalid values of broker configs
 * answer INVALID_REQUEST, as Kafka does (KAFKA-13609); of topic configs, INVALID_CONFIG.
 *
 * Main thread.
 */
import { isDeepStrictEqual } from 'node:util';
import { topicNameProblem } from '../../core/topic-name.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { Broker } from '../broker.js';
import { alterDynamicBrokerConfigs, type DynamicScope, saveDynamicBrokerConfigs } from '../config/dynamic.js';
import { ConfigError } from '../config/errors.js';
import { configKey, topicConfig } from '../config/keys.js';
import { formatConfigValue, resolveTopicConfig } from '../config/load.js';
import { logConfigFor } from '../topic-log-config.js';

/** Kafka's ConfigResource.Type codes. */
export const ResourceType = Object.freeze({ UNKNOWN: 0, TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8, CLIENT_METRICS: 16, GROUP: 32 });

const TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [ResourceType.TOPIC, 'TOPIC'],
  [ResourceType.BROKER, 'BROKER'],
  [ResourceType.BROKER_LOGGER, 'BROKER_LOGGER'],
  [ResourceType.CLIENT_METRICS, 'CLIENT_METRICS'],
  [ResourceType.GROUP, 'GROUP'],
]);

/** Kafka's AlterConfigOp.OpType codes. */
export const OpType = Object.freeze({ SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 });

export interface Problem {
  errorCode: number;
  errorMessage: string | null;
}

const INT_TEXT = /^[+-]?\d{1,10}$/;

/** Resource types Spindle has no configs for: BROKER_LOGGER (no log4j loggers), CLIENT_METRICS, GROUP, unknown codes. */
export function unsupportedResourceType(code: number): Problem {
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unsupported resource type: ${TYPE_NAMES.get(code) ?? 'UNKNOWN'}` };
}

/**
 * The scope a BROKER resource name means: '' the cluster-wide defaults, this node's id the
 * node. Kafka's messages differ between describing (ConfigHelper) and altering
 * (ConfigAdminManager); both are kept.
 */
export function brokerScope(broker: Broker, name: string, describing: boolean): DynamicScope | Problem {
  if (name === '') return 'cluster-default';
  const id = INT_TEXT.test(name) ? Number(name) : NaN;
  if (!Number.isInteger(id) || id < -(2 ** 31) || id >= 2 ** 31) {
    return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `${describing ? 'Broker' : 'Node'} id must be an integer, but it is: ${name}` };
  }
  if (id !== broker.nodeId) {
    const expected = describing ? `${broker.nodeId} or empty string` : `${broker.nodeId}`;
    return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unexpected broker id, expected ${expected}, but received ${name}` };
  }
  return 'node';
}

/** A TOPIC resource to alter: not the default resource, a legal name, an existing topic. */
export function topicResourceProblem(broker: Broker, name: string): Problem | undefined {
  if (name === '') return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Default topic resources are not allowed.' };
  const bad = topicNameProblem(name);
  if (bad) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: bad };
  if (!broker.topics.has(name)) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `The topic '${name}' does not exist.` };
  return undefined;
}

/** Indexes of resources that appear more than once (same type and name): Kafka refuses every copy. */
export function repeatedResources(resources: readonly { resourceType: number; resourceName: string }[]): Set<number> {
  const byKey = new Map<string, number[]>();
  resources.forEach((r, i) => {
    const key = `${r.resourceType}:${r.resourceName}`;
    byKey.set(key, [...(byKey.get(key) ?? []), i]);
  });
  return new Set([...byKey.values()].filter((list) => list.length > 1).flat());
}

/** A change the principal may not make (ALTER_CONFIGS on the topic, or on the cluster for the other types). */
export const TOPIC_REFUSED: Problem = Object.freeze({ errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: null });
export const CLUSTER_REFUSED: Problem = Object.freeze({ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null });

export const REPEATED_RESOURCE: Problem = Object.freeze({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Each resource must appear at most once.' });

/**
 * The answer of AlterConfigs and IncrementalAlterConfigs: each resource altered in turn by
 * `alter`, a resource named twice in the request refused for every copy.
 */
export async function alterEach<R extends { resourceType: number; resourceName: string }>(
  resources: readonly R[],
  alter: (r: R) => Promise<Problem | undefined>,
) {
  const repeated = repeatedResources(resources);
  const responses = [];
  for (const [i, r] of resources.entries()) {
    const problem = repeated.has(i) ? REPEATED_RESOURCE : await alter(r);
    responses.push({
      errorCode: problem?.errorCode ?? 0,
      errorMessage: problem?.errorMessage ?? null,
      resourceType: r.resourceType,
      resourceName: r.resourceName,
    });
  }
  return { throttleTimeMs: 0, responses };
}

/** Kafka's checks on one resource's entries before anything else: no key twice, no null value (except to DELETE). */
export function entriesProblem(configs: readonly { name: string; value: string | null; configOperation?: number }[]): Problem | undefined {
  const names = configs.map((c) => c.name);
  if (new Set(names).size !== names.length) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Error due to duplicate config keys' };
  const nulls = configs.filter((c) => c.value === null && c.configOperation !== OpType.DELETE).map((c) => c.name);
  if (nulls.length > 0) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Null value not supported for : ${nulls.join(', ')}` };
  return undefined;
}

/**
 * IncrementalAlterConfigs' operations applied to a resource's current overrides. APPEND adds
 * the items not already there and SUBTRACT removes items, both on list-typed configs only,
 * starting from the config's default when it has no override (Kafka's controller does the same).
 */
export function applyOperations(
  resourceType: number,
  current: Readonly<Record<string, string>>,
  ops: readonly { name: string; configOperation: number; value: string | null }[],
): { configs: Record<string, string> } | { problem: Problem } {
  const next: Record<string, string> = { ...current };
  for (const op of ops) {
    switch (op.configOperation) {
      case OpType.SET:
        next[op.name] = op.value!;
        break;
      case OpType.DELETE:
        delete next[op.name];
        break;
      case OpType.APPEND:
      case OpType.SUBTRACT: {
        const verb = op.configOperation === OpType.APPEND ? 'APPEND' : 'SUBTRACT';
        const def = resourceType === ResourceType.TOPIC ? topicConfig(op.name) : configKey(op.name);
        if (def?.type !== 'list') {
          const problem: Problem =
            resourceType === ResourceType.TOPIC
              ? { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Can't ${verb} to key ${op.name} because its type is not LIST.` }
              : { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Config value ${verb.toLowerCase()} is not allowed for config key: ${op.name}` };
          return { problem };
        }
        const base = next[op.name] ?? formatConfigValue('list', def.default) ?? '';
        const items = base.split(',').filter((s) => s !== '');
        for (const item of op.value!.split(',')) {
          const at = items.indexOf(item);
          if (op.configOperation === OpType.APPEND && at < 0) items.push(item);
          if (op.configOperation === OpType.SUBTRACT && at >= 0) items.splice(at, 1);
        }
        next[op.name] = items.join(',');
        break;
      }
      default:
        return { problem: { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unknown operations type ${op.configOperation}` } };
    }
  }
  return { configs: next };
}

/** Replaces a topic's overrides with `next`, after checking them (INVALID_CONFIG naming the key). */
export async function alterTopicConfigs(broker: Broker, name: string, next: Record<string, string>, validateOnly: boolean): Promise<Problem | undefined> {
  try {
    resolveTopicConfig(broker.config, next);
  } catch (e) {
    if (e instanceof ConfigError) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: e.message };
    throw e;
  }
  return validateOnly ? undefined : broker.setTopicConfigs(name, next);
}

/**
 * Replaces one scope's dynamic broker configs with `next`: checked (keys that may change at
 * run time, values, and every topic still resolving), then persisted and applied.
 */
export async function alterBrokerConfigs(broker: Broker, scope: DynamicScope, next: Record<string, string>, validateOnly: boolean): Promise<Problem | undefined> {
  let config;
  try {
    config = alterDynamicBrokerConfigs(broker.config, scope, next);
    for (const state of broker.topics.values()) {
      try {
        resolveTopicConfig(config, state.meta.configs);
      } catch (e) {
        if (e instanceof ConfigError) throw new ConfigError(`Topic '${state.meta.name}' would not resolve: ${e.message}`, e);
        throw e;
      }
    }
  } catch (e) {
    if (e instanceof ConfigError) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: e.message };
    throw e;
  }
  if (validateOnly) return undefined;
  saveDynamicBrokerConfigs(config);
  broker.config = config;
  await reresolveTopics(broker);
  return undefined;
}

/**
 * Every topic's config resolved again over Broker.config, and the logs whose LogConfig changed
 * told. All setConfig calls are made before the first await, so a later change's calls follow
 * an earlier one's on every partition.
 */
async function reresolveTopics(broker: Broker): Promise<void> {
  const updates: Promise<void>[] = [];
  for (const state of broker.topics.values()) {
    state.config = resolveTopicConfig(broker.config, state.meta.configs);
    const logConfig = logConfigFor(state.config.values);
    if (isDeepStrictEqual(logConfig, state.logConfig)) continue;
    state.logConfig = logConfig;
    for (const p of state.partitions) updates.push(broker.host.setConfig(p.handle, logConfig));
  }
  await Promise.all(updates);
}
