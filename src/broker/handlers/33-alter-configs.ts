/**
 * AlterConfigs (key 33), v0-2: the legacy form, which replaces every dynamic config of a
 * resource with the ones sent (IncrementalAlterConfigs, key 44, changes single keys).
 *
 *   TOPIC   the topic's overrides become exactly the configs sent: checked with
 *           resolveTopicConfig (INVALID_CONFIG naming the key), written to the TopicStore and
 *           given to the partition logs. The default resource '' is INVALID_REQUEST, an illegal
 *           name INVALID_TOPIC_EXCEPTION, an unknown topic UNKNOWN_TOPIC_OR_PARTITION.
 *   BROKER  '' replaces the cluster-wide dynamic defaults, this node's id its own dynamic
 *           configs; only keys Spindle changes at run time are accepted (config/dynamic.ts),
 *           and a refusal is INVALID_REQUEST, as Kafka answers for broker configs. The change
 *           is persisted in broker-configs.json and reaches every topic without an override.
 *   other   INVALID_REQUEST (no broker loggers, client-metrics or group configs here).
 *
 * Before any of that, as in Kafka's ConfigAdminManager: a resource named twice is refused for
 * every copy, as is a resource with a key twice or a null value (INVALID_REQUEST).
 * validateOnly runs every check and changes nothing. Resources are applied one after another,
 * in request order, each answered on its own.
 *
 * Authorization (ControllerApis.authorizeAlterResource, after the broker's ConfigAdminManager
 * checks above): ALTER_CONFIGS on the topic for a TOPIC resource (TOPIC_AUTHORIZATION_FAILED,
 * before the name and the topic are looked at), on the cluster for BROKER and CLIENT_METRICS
 * ones (CLUSTER_AUTHORIZATION_FAILED, after the broker id and the values are checked).
 */
import { AlterConfigs } from '../../protocol/messages/index.js';
import type { RequestOf } from '../../protocol/schema.js';
import { type RequestContext, defineHandler } from '../router.js';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType as AclResource } from '../security/acl.js';
import {
  alterBrokerConfigs,
  alterTopicConfigs,
  alterEach,
  brokerScope,
  CLUSTER_REFUSED,
  entriesProblem,
  type Problem,
  ResourceType,
  TOPIC_REFUSED,
  topicResourceProblem,
  unsupportedResourceType,
} from './config-resources.js';

type Resource = RequestOf<typeof AlterConfigs>['resources'][number];

async function alter({ broker, authorize }: RequestContext, r: Resource, validateOnly: boolean): Promise<Problem | undefined> {
  const bad = entriesProblem(r.configs);
  if (bad) return bad;
  const next: Record<string, string> = {};
  for (const c of r.configs) next[c.name] = c.value!;
  const clusterAllowed = (): boolean => authorize(AclOperation.ALTER_CONFIGS, AclResource.CLUSTER, CLUSTER_RESOURCE_NAME);
  switch (r.resourceType) {
    case ResourceType.TOPIC:
      if (!authorize(AclOperation.ALTER_CONFIGS, AclResource.TOPIC, r.resourceName)) return TOPIC_REFUSED;
      return topicResourceProblem(broker, r.resourceName) ?? (await alterTopicConfigs(broker, r.resourceName, next, validateOnly));
    case ResourceType.BROKER: {
      const scope = brokerScope(broker, r.resourceName, false);
      if (typeof scope !== 'string') return scope;
      // Kafka's broker checks the values before its controller authorizes the change.
      if (!clusterAllowed()) return (await alterBrokerConfigs(broker, scope, next, true)) ?? CLUSTER_REFUSED;
      return alterBrokerConfigs(broker, scope, next, validateOnly);
    }
    case ResourceType.CLIENT_METRICS:
      return clusterAllowed() ? unsupportedResourceType(r.resourceType) : CLUSTER_REFUSED;
    default:
      return unsupportedResourceType(r.resourceType);
  }
}

export default defineHandler({
  api: AlterConfigs,
  async handle(ctx, request) {
    return alterEach(request.resources, (r) => alter(ctx, r, request.validateOnly));
  },
});
