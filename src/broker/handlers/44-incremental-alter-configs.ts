/**
 * IncrementalAlterConfigs (key 44), v0-1 (KIP-339): changes single keys of a resource and
 * leaves the others alone.
 *
 * Operations: SET (0) a value, DELETE (1) the key (back to what the broker or the default
 * gives), APPEND (2) and SUBTRACT (3) items of a list-typed config, starting from its default
 * when it has no value of its own (cleanup.policy "delete" + APPEND "compact" = "delete,compact").
 * APPEND and SUBTRACT on any other config are INVALID_CONFIG for topics and INVALID_REQUEST for
 * broker keys, as in Kafka; an unknown operation is INVALID_REQUEST.
 *
 *   TOPIC   the resulting overrides are checked with resolveTopicConfig (INVALID_CONFIG naming
 *           the key), written to the TopicStore and given to the partition logs
 *   BROKER  '' (cluster-wide default) or this node's id: the resulting dynamic configs are
 *           checked (only keys Spindle changes at run time; INVALID_REQUEST otherwise),
 *           persisted in broker-configs.json and applied to every topic without an override
 *   other   INVALID_REQUEST: no broker loggers, client-metrics or group configs here
 *
 * The same preliminary checks as AlterConfigs (config-resources.ts): a resource twice, a key
 * twice, a null value for anything but DELETE. validateOnly checks and changes nothing.
 *
 * Deviation: Kafka sets the level of log4j loggers through BROKER_LOGGER resources; Spindle
 * has none and refuses them.
 *
 * Authorization, as in AlterConfigs (33-alter-configs.ts): ALTER_CONFIGS on the topic for TOPIC
 * (TOPIC_AUTHORIZATION_FAILED, before the topic is looked at), on the cluster for BROKER (after
 * the broker id, the operations and the values are checked), BROKER_LOGGER (Kafka's broker
 * asks before anything else there) and CLIENT_METRICS (CLUSTER_AUTHORIZATION_FAILED).
 */
import { IncrementalAlterConfigs } from '../../protocol/messages/index.js';
import type { RequestOf } from '../../protocol/schema.js';
import { dynamicConfigsOf } from '../config/dynamic.js';
import { type RequestContext, defineHandler } from '../router.js';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType as AclResource } from '../security/acl.js';
import {
  alterBrokerConfigs,
  alterTopicConfigs,
  applyOperations,
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

type Resource = RequestOf<typeof IncrementalAlterConfigs>['resources'][number];

async function alter({ broker, authorize }: RequestContext, r: Resource, validateOnly: boolean): Promise<Problem | undefined> {
  const bad = entriesProblem(r.configs);
  if (bad) return bad;
  const clusterAllowed = (): boolean => authorize(AclOperation.ALTER_CONFIGS, AclResource.CLUSTER, CLUSTER_RESOURCE_NAME);
  switch (r.resourceType) {
    case ResourceType.TOPIC: {
      if (!authorize(AclOperation.ALTER_CONFIGS, AclResource.TOPIC, r.resourceName)) return TOPIC_REFUSED;
      const missing = topicResourceProblem(broker, r.resourceName);
      if (missing) return missing;
      const next = applyOperations(r.resourceType, broker.topics.get(r.resourceName)!.meta.configs, r.configs);
      if ('problem' in next) return next.problem;
      return alterTopicConfigs(broker, r.resourceName, next.configs, validateOnly);
    }
    case ResourceType.BROKER: {
      const scope = brokerScope(broker, r.resourceName, false);
      if (typeof scope !== 'string') return scope;
      const next = applyOperations(r.resourceType, dynamicConfigsOf(broker.config, scope), r.configs);
      if ('problem' in next) return next.problem;
      // Kafka's broker checks the change before its controller authorizes it.
      if (!clusterAllowed()) return (await alterBrokerConfigs(broker, scope, next.configs, true)) ?? CLUSTER_REFUSED;
      return alterBrokerConfigs(broker, scope, next.configs, validateOnly);
    }
    case ResourceType.BROKER_LOGGER:
    case ResourceType.CLIENT_METRICS:
      return clusterAllowed() ? unsupportedResourceType(r.resourceType) : CLUSTER_REFUSED;
    default:
      return unsupportedResourceType(r.resourceType);
  }
}

export default defineHandler({
  api: IncrementalAlterConfigs,
  async handle(ctx, request) {
    return alterEach(request.resources, (r) => alter(ctx, r, request.validateOnly));
  },
});
