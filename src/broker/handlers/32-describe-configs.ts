/**
 * DescribeConfigs (key 32), v0-4.
 *
 * Resources, as Kafka's ConfigHelper.describeConfigs answers them:
 *
 *   TOPIC (2)          every topic config: the topic's override, else the broker keys behind it
 *                      (dynamic for this node, dynamic cluster default, static), else Kafka's
 *                      default. An illegal name is INVALID_TOPIC_EXCEPTION, an unknown topic
 *                      UNKNOWN_TOPIC_OR_PARTITION.
 *   BROKER (4), '<id>' every broker key with its effective value; readOnly unless Spindle can
 *                      change it at run time (config/dynamic.ts DYNAMIC_BROKER_KEYS); passwords
 *                      are sensitive and shown as null. Another id is INVALID_REQUEST.
 *   BROKER (4), ''     the cluster-wide dynamic defaults that are set, and nothing else.
 *   other types        INVALID_REQUEST "Unsupported resource type: …": Spindle has no log4j
 *                      loggers (BROKER_LOGGER), client-metrics or group configs.
 *
 * Each entry carries Kafka's ConfigSource code (v1+; TOPIC_CONFIG 1, DYNAMIC_BROKER_CONFIG 2,
 * DYNAMIC_DEFAULT_BROKER_CONFIG 3, STATIC_BROKER_CONFIG 4, DEFAULT_CONFIG 5), in v0 the isDefault
 * flag instead, the synonyms when asked (v1+), and the ConfigType code and documentation when
 * asked (v3+). A null or empty configurationKeys list means every key; names the resource does
 * not have are left out.
 *
 * Deviation: Kafka lists a topic config's unit synonyms only when the broker key of highest
 * precedence is set (an unset log.retention.ms hides log.retention.hours); Spindle lists every
 * broker key that is set, as resolveTopicConfig does, so a topic's retention.ms set through
 * log.retention.hours reports STATIC_BROKER_CONFIG where Kafka would say DEFAULT_CONFIG.
 *
 * Authorization (ConfigHelper.handleDescribeConfigsRequest), before anything else: DESCRIBE_CONFIGS
 * on the topic for a TOPIC resource (TOPIC_AUTHORIZATION_FAILED "Topic authorization failed."),
 * on the cluster for BROKER, BROKER_LOGGER and CLIENT_METRICS ones (CLUSTER_AUTHORIZATION_FAILED
 * "Cluster authorization failed."); the refused resources are answered after the others.
 */
import { topicNameProblem } from '../../core/topic-name.js';
import { ErrorCode } from '../../protocol/errors.js';
import { DescribeConfigs } from '../../protocol/messages/index.js';
import type { RequestOf, ResponseOf } from '../../protocol/schema.js';
import type { Broker } from '../broker.js';
import { type ConfigDescription, ConfigSourceCode, describeBrokerConfigs, describeTopicConfigs } from '../config/dynamic.js';
import { type RequestContext, defineHandler } from '../router.js';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType as AclResource } from '../security/acl.js';
import { brokerScope, type Problem, ResourceType, unsupportedResourceType } from './config-resources.js';

type Result = ResponseOf<typeof DescribeConfigs>['results'][number];
type Resource = RequestOf<typeof DescribeConfigs>['resources'][number];

function describe(broker: Broker, r: Resource, includeSynonyms: boolean, includeDocumentation: boolean): Result {
  const failed = (errorCode: number, errorMessage: string | null): Result => ({
    errorCode,
    errorMessage,
    resourceType: r.resourceType,
    resourceName: r.resourceName,
    configs: [],
  });
  let entries: ConfigDescription[];
  switch (r.resourceType) {
    case ResourceType.TOPIC: {
      const bad = topicNameProblem(r.resourceName);
      if (bad) return failed(ErrorCode.INVALID_TOPIC_EXCEPTION, bad);
      const state = broker.topics.get(r.resourceName);
      if (!state) return failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null);
      entries = describeTopicConfigs(broker.config, state.meta.configs, state.config);
      break;
    }
    case ResourceType.BROKER: {
      const scope = brokerScope(broker, r.resourceName, true);
      if (typeof scope !== 'string') return failed(scope.errorCode, scope.errorMessage);
      entries = describeBrokerConfigs(broker.config, scope);
      break;
    }
    default: {
      const p = unsupportedResourceType(r.resourceType);
      return failed(p.errorCode, p.errorMessage);
    }
  }
  const wanted = r.configurationKeys === null || r.configurationKeys.length === 0 ? null : new Set(r.configurationKeys);
  const configs = entries
    .filter((e) => wanted === null || wanted.has(e.name))
    .map((e) => ({
      name: e.name,
      value: e.isSensitive ? null : e.value,
      readOnly: e.readOnly,
      isDefault: e.source === ConfigSourceCode.DEFAULT_CONFIG,
      configSource: e.source,
      isSensitive: e.isSensitive,
      synonyms: includeSynonyms ? e.synonyms.map((s) => ({ name: s.name, value: s.value, source: s.source })) : [],
      configType: e.configType,
      documentation: includeDocumentation ? e.documentation : null,
    }));
  return { errorCode: 0, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName, configs };
}

/** Why the principal may not describe the resource's configs, if it may not. */
function refusal({ authorize }: RequestContext, r: Resource): Problem | undefined {
  switch (r.resourceType) {
    case ResourceType.TOPIC:
      return authorize(AclOperation.DESCRIBE_CONFIGS, AclResource.TOPIC, r.resourceName)
        ? undefined
        : { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'Topic authorization failed.' };
    case ResourceType.BROKER:
    case ResourceType.BROKER_LOGGER:
    case ResourceType.CLIENT_METRICS:
      return authorize(AclOperation.DESCRIBE_CONFIGS, AclResource.CLUSTER, CLUSTER_RESOURCE_NAME)
        ? undefined
        : { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.' };
    default:
      return undefined;
  }
}

export default defineHandler({
  api: DescribeConfigs,
  async handle(ctx, request) {
    const results: Result[] = [];
    const refused: Result[] = [];
    for (const r of request.resources) {
      const problem = refusal(ctx, r);
      if (problem) refused.push({ ...problem, resourceType: r.resourceType, resourceName: r.resourceName, configs: [] });
      else results.push(describe(ctx.broker, r, request.includeSynonyms, request.includeDocumentation));
    }
    return { throttleTimeMs: 0, results: refused.length === 0 ? results : [...results, ...refused] };
  },
});
