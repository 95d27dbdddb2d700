// The ZooKeeper znode codecs against Kafka 3.9's own. Strings marked KAFKA are what Kafka 3.9.0's
// kafka.zk codecs (ZkData, AclEntry, ScramCredentialUtils, Sanitizer in kafka_2.13-3.9.0) gave
// for the values each test names, pasted as they came out, key order included; where Kafka put
// keys in hash order the comparison is of the parsed JSON. Old-version inputs are the formats
// Kafka's ZkData documents for its earlier writers, each checked to be accepted by Kafka 3.9's
// decoders, and the "Kafka refuses" / "Kafka reads" notes record what those decoders did with
// the odd inputs here. The other way round, these encoders' output for the same kinds of values
// (a registration with IPv6 and wildcard listeners and features, a reassigning topic, a
// recovering partition, SCRAM configs, ACLs, notifications) was read by Kafka 3.9's decoders
// as the values it was made from.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AclOperation, AclPermissionType, PatternType, ResourceType } from '../../src/broker/security/acl.js';
import { deriveScramCredential } from '../../src/broker/security/sasl/scram.js';
import {
  ACL_ZK_PATHS,
  type BrokerRegistration,
  CONFIG_CHANGE_PREFIX,
  ConfigType,
  DEFAULT_ENTITY_NAME,
  FeatureZNodeStatus,
  ISR_CHANGE_PREFIX,
  LeaderRecoveryState,
  PERSISTENT_ZK_PATHS,
  SECURE_ROOT_PATHS,
  ZkDataError,
  aclChangePath,
  aclResourcePath,
  aclResourceTypePath,
  brokerIdPath,
  configChangePath,
  configEntityPath,
  decodeAclChange,
  decodeAcls,
  decodeBrokerRegistration,
  decodeClusterId,
  decodeConfigChangeNotification,
  decodeController,
  decodeControllerEpoch,
  decodeEntityConfig,
  decodeFeatureZNode,
  decodeIsrChangeNotification,
  decodeLogDirEventNotification,
  decodePartitionState,
  decodePreferredReplicaElection,
  decodeProducerIdBlock,
  decodeReassignPartitions,
  decodeTopicAssignment,
  deleteTopicPath,
  desanitizeEntityName,
  encodeAclChange,
  encodeAcls,
  encodeBrokerRegistration,
  encodeClusterId,
  encodeConfigChangeNotification,
  encodeController,
  encodeControllerEpoch,
  encodeEntityConfig,
  encodeFeatureZNode,
  encodeIsrChangeNotification,
  encodeLogDirEventNotification,
  encodePartitionState,
  encodePreferredReplicaElection,
  encodeProducerIdBlock,
  encodeReassignPartitions,
  encodeTopicAssignment,
  formatScramCredential,
  generatedBrokerId,
  isrChangeNotificationPath,
  logDirEventNotificationPath,
  nextProducerIdBlock,
  parseScramCredential,
  sanitizeEntityName,
  scramCredentialsOf,
  sequenceNumber,
  topicPartitionStatePath,
  topicPath,
  zkModeFeatureZNode,
} from '../../src/cluster/zk-data.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

/** The same JSON value, whatever the key order. */
function sameJson(actual: Buffer, expected: string): void {
  assert.equal(JSON.parse(actual.toString('utf8')), JSON.parse(expected));
}

function rejects(f: () => unknown, pattern: RegExp): void {
  try {
    f();
  } catch (e) {
    assert.instance(e, ZkDataError);
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable(`no ZkDataError (expected ${pattern})`);
}

// ---------------------------------------------------------------------------------------------
// Paths

test('paths are Kafka 3.9 ZkData paths', () => {
  assert.is(brokerIdPath(1), '/brokers/ids/1');
  assert.is(topicPath('orders'), '/brokers/topics/orders');
  assert.is(topicPartitionStatePath('orders', 3), '/brokers/topics/orders/partitions/3/state');
  assert.is(deleteTopicPath('orders'), '/admin/delete_topics/orders');
  assert.is(configEntityPath(ConfigType.TOPIC, 'orders'), '/config/topics/orders');
  assert.is(configEntityPath(ConfigType.BROKER, DEFAULT_ENTITY_NAME), '/config/brokers/<default>');
  assert.is(configEntityPath(ConfigType.USER, 'alice/clients/app'), '/config/users/alice/clients/app');
  assert.is(configChangePath(), '/config/changes/config_change_');
  assert.is(isrChangeNotificationPath(), '/isr_change_notification/isr_change_');
  assert.is(isrChangeNotificationPath('0000000007'), '/isr_change_notification/isr_change_0000000007');
  assert.is(logDirEventNotificationPath('0000000001'), '/log_dir_event_notification/log_dir_event_0000000001');
  // KAFKA: ResourceZNode.path and the change stores' createPath.
  assert.is(aclResourcePath({ resourceType: ResourceType.TOPIC, name: 'orders', patternType: PatternType.LITERAL }), '/kafka-acl/Topic/orders');
  assert.is(aclResourcePath({ resourceType: ResourceType.TRANSACTIONAL_ID, name: 'app-', patternType: PatternType.PREFIXED }), '/kafka-acl-extended/prefixed/TransactionalId/app-');
  assert.is(aclResourcePath({ resourceType: ResourceType.CLUSTER, name: 'kafka-cluster', patternType: PatternType.LITERAL }), '/kafka-acl/Cluster/kafka-cluster');
  assert.is(aclChangePath(PatternType.LITERAL), '/kafka-acl-changes/acl_changes_');
  assert.is(aclChangePath(PatternType.PREFIXED), '/kafka-acl-extended-changes/acl_changes_');
  assert.is(aclResourceTypePath(PatternType.PREFIXED, ResourceType.DELEGATION_TOKEN), '/kafka-acl-extended/prefixed/DelegationToken');
});

test('the persistent and secure root paths are Kafka 3.9 ZkData lists', () => {
  // KAFKA: ZkData.PersistentZkPaths, ZkData.SecureRootPaths.
  assert.equal(
    [...PERSISTENT_ZK_PATHS],
    '/consumers, /brokers/ids, /brokers/topics, /config/changes, /admin/delete_topics, /brokers/seqid, /isr_change_notification, /latest_producer_id_block, /log_dir_event_notification, /config/topics, /config/clients, /config/users, /config/brokers, /config/ips'.split(', '),
  );
  assert.equal(
    [...SECURE_ROOT_PATHS],
    '/admin, /brokers, /cluster, /config, /controller, /controller_epoch, /isr_change_notification, /latest_producer_id_block, /log_dir_event_notification, /delegation_token, /kafka-acl-extended, /migration, /feature, /kafka-acl, /kafka-acl-changes, /kafka-acl-extended/prefixed, /kafka-acl-extended-changes'.split(', '),
  );
  for (const store of ['/kafka-acl', '/kafka-acl-extended/prefixed']) {
    for (const type of ['Topic', 'Group', 'Cluster', 'TransactionalId', 'DelegationToken', 'User']) assert.ok(ACL_ZK_PATHS.includes(`${store}/${type}`), `${store}/${type}`);
  }
  assert.ok(ACL_ZK_PATHS.includes('/kafka-acl-changes') && ACL_ZK_PATHS.includes('/kafka-acl-extended-changes'));
  assert.is(ACL_ZK_PATHS.length, 16);
});

test('names that cannot be one znode are refused', () => {
  rejects(() => topicPath('a/b'), /cannot be a znode name/);
  rejects(() => topicPath(''), /cannot be a znode name/);
  rejects(() => topicPath('..'), /cannot be a znode name/);
  rejects(() => configEntityPath(ConfigType.USER, 'alice//clients'), /cannot be a znode name/);
  rejects(() => aclResourcePath({ resourceType: ResourceType.GROUP, name: 'team/app', patternType: PatternType.LITERAL }), /cannot be a znode name/);
  rejects(() => aclResourcePath({ resourceType: ResourceType.ANY, name: 'x', patternType: PatternType.LITERAL }), /no ACL znodes/);
  rejects(() => aclResourcePath({ resourceType: ResourceType.TOPIC, name: 'x', patternType: PatternType.MATCH }), /no ACL znodes/);
  rejects(() => brokerIdPath(1.5), /32-bit integer/);
});

test('sequence numbers of sequential znodes', () => {
  assert.is(sequenceNumber(CONFIG_CHANGE_PREFIX, 'config_change_0000000042'), 42);
  assert.is(sequenceNumber(ISR_CHANGE_PREFIX, '/isr_change_notification/isr_change_0000000000'), 0);
  assert.is(sequenceNumber(CONFIG_CHANGE_PREFIX, 'config_change_-2147483648'), -2147483648);
  rejects(() => sequenceNumber(CONFIG_CHANGE_PREFIX, 'config_change_'), /not a sequential znode/);
  rejects(() => sequenceNumber(CONFIG_CHANGE_PREFIX, 'isr_change_0000000001'), /not a sequential znode/);
  rejects(() => sequenceNumber(CONFIG_CHANGE_PREFIX, 'config_change_99999999999'), /not a sequential znode/);
});

// ---------------------------------------------------------------------------------------------
// /cluster/id, /controller, /controller_epoch

test('/cluster/id: the version is the string "1"', () => {
  // KAFKA: ClusterIdZNode.toJson("Xb4xE4NZTQ2kgBGrJfWaAw")
  const kafka = '{"version":"1","id":"Xb4xE4NZTQ2kgBGrJfWaAw"}';
  assert.is(encodeClusterId('Xb4xE4NZTQ2kgBGrJfWaAw').toString(), kafka);
  assert.is(decodeClusterId(b(kafka)), 'Xb4xE4NZTQ2kgBGrJfWaAw');
  // Kafka reads only "id".
  assert.is(decodeClusterId(b('{"version":1,"id":"abc","other":true}')), 'abc');
  rejects(() => decodeClusterId(b('{"version":"1"}')), /"id" is missing/);
  rejects(() => decodeClusterId(b('{"version":"1","id":')), /not JSON/);
  rejects(() => decodeClusterId(Buffer.alloc(0)), /no data/);
  rejects(() => decodeClusterId(null), /no data/);
  rejects(() => decodeClusterId(b('["id"]')), /not a JSON object/);
  rejects(() => decodeClusterId(Buffer.from([0x7b, 0xff, 0x7d])), /not UTF-8/);
});

test('/controller: version 2 with kraftControllerEpoch -1 in ZooKeeper mode', () => {
  // KAFKA: ControllerZNode.encode(1, 1700000000000L, -1), the call KafkaZkClient makes.
  const kafka = '{"version":2,"brokerid":1,"timestamp":"1700000000000","kraftControllerEpoch":-1}';
  assert.is(encodeController({ brokerId: 1, timestamp: 1700000000000 }).toString(), kafka);
  assert.equal(decodeController(b(kafka)), { version: 2, brokerId: 1, timestamp: 1700000000000, kraftControllerEpoch: -1 });
  // Before 3.4 (KAFKA: decodeController gives broker 3, no KRaft epoch).
  assert.equal(decodeController(b('{"version":1,"brokerid":3,"timestamp":"1500000000000"}')), { version: 1, brokerId: 3, timestamp: 1500000000000, kraftControllerEpoch: null });
  // A KRaft controller migrating the cluster (KAFKA: broker 3000, Some(5)).
  const kraft = encodeController({ brokerId: 3000, timestamp: 1700000000000, kraftControllerEpoch: 5 });
  assert.is(kraft.toString(), '{"version":2,"brokerid":3000,"timestamp":"1700000000000","kraftControllerEpoch":5}');
  assert.is(decodeController(kraft).kraftControllerEpoch, 5);
  // The timestamp defaults to now.
  const now = Date.now();
  const t = decodeController(encodeController({ brokerId: 2 })).timestamp!;
  assert.ok(t >= now && t < now + 60_000);
  assert.is(decodeController(b('{"version":2,"brokerid":1,"timestamp":"soon"}')).timestamp, null);
  rejects(() => decodeController(b('{"version":2,"timestamp":"1"}')), /"brokerid" is missing/);
  rejects(() => decodeController(b('{"version":2,"brokerid":"1"}')), /"brokerid" is not a 32-bit integer/);
  rejects(() => decodeController(b('{"version":0,"brokerid":1}')), /unsupported version 0/);
  rejects(() => decodeController(b('{"version":2,"brokerid":1')), /not JSON/);
  rejects(() => encodeController({ brokerId: 2 ** 31 }), /32-bit/);
});

test('/controller_epoch: decimal text', () => {
  // KAFKA: ControllerEpochZNode.encode(7)
  assert.is(encodeControllerEpoch(7).toString(), '7');
  assert.is(decodeControllerEpoch(b('7')), 7);
  assert.is(decodeControllerEpoch(b('0')), 0);
  assert.is(decodeControllerEpoch(b('2147483647')), 2147483647);
  rejects(() => decodeControllerEpoch(b('2147483648')), /32-bit/);
  rejects(() => decodeControllerEpoch(b('7 ')), /decimal/);
  rejects(() => decodeControllerEpoch(b('{"epoch":7}')), /decimal/);
  rejects(() => decodeControllerEpoch(Buffer.alloc(0)), /no data/);
});

// ---------------------------------------------------------------------------------------------
// /brokers/ids/<id>

const INTERNAL = { listenerName: 'INTERNAL', securityProtocol: 'PLAINTEXT', host: 'broker1.example.com', port: 9092 } as const;
const EXTERNAL = { listenerName: 'EXTERNAL', securityProtocol: 'SASL_SSL', host: 'kafka1.example.net', port: 9094 } as const;

test('/brokers/ids/<id>: version 5 with two endpoints and a rack, as Kafka 3.9 writes', () => {
  // KAFKA: BrokerIdZNode.encode(BrokerInfo(Broker(1, [EXTERNAL, INTERNAL], Some("rack-a"), no features), 5, -1)).
  const kafka =
    '{"features":{},"listener_security_protocol_map":{"EXTERNAL":"SASL_SSL","INTERNAL":"PLAINTEXT"},"endpoints":["EXTERNAL://kafka1.example.net:9094","INTERNAL://broker1.example.com:9092"],"rack":"rack-a","jmx_port":-1,"port":9092,"host":"broker1.example.com","version":5,"timestamp":"1796410692917"}';
  const ours = encodeBrokerRegistration({ brokerId: 1, endpoints: [EXTERNAL, INTERNAL], rack: 'rack-a', timestamp: 1796410692917 });
  assert.is(ours.toString(), kafka);
  const expected: BrokerRegistration = {
    brokerId: 1,
    version: 5,
    endpoints: [EXTERNAL, INTERNAL],
    rack: 'rack-a',
    jmxPort: -1,
    features: new Map(),
    timestamp: 1796410692917,
  };
  assert.equal(decodeBrokerRegistration(1, b(kafka)), expected);
});

test('/brokers/ids/<id>: no PLAINTEXT listener gives host null and port -1; features as min/max', () => {
  // KAFKA: Broker(2, [SSL://10.0.0.2:9093], no rack, {metadata.version: [1, 21]}), version 5, jmx port 9999.
  const kafka =
    '{"features":{"metadata.version":{"min_version":1,"max_version":21}},"listener_security_protocol_map":{"SSL":"SSL"},"endpoints":["SSL://10.0.0.2:9093"],"jmx_port":9999,"port":-1,"host":null,"version":5,"timestamp":"1796410692934"}';
  const ssl = { listenerName: 'SSL', securityProtocol: 'SSL', host: '10.0.0.2', port: 9093 } as const;
  const features = new Map([['metadata.version', { minVersion: 1, maxVersion: 21 }]]);
  const ours = encodeBrokerRegistration({ brokerId: 2, endpoints: [ssl], jmxPort: 9999, features, timestamp: 1796410692934 });
  assert.is(ours.toString(), kafka);
  assert.equal(decodeBrokerRegistration(2, b(kafka)), { brokerId: 2, version: 5, endpoints: [ssl], rack: null, jmxPort: 9999, features, timestamp: 1796410692934 });
});

test('/brokers/ids/<id>: IPv6 hosts in brackets, empty hosts as nothing', () => {
  // KAFKA (version 4, otherwise the same endpoint): "endpoints":["PLAINTEXT://[::1]:9092"], "host":"::1".
  const v6 = { listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '::1', port: 9092 } as const;
  const json = JSON.parse(encodeBrokerRegistration({ brokerId: 3, endpoints: [v6] }).toString());
  assert.equal(json.endpoints, ['PLAINTEXT://[::1]:9092']);
  assert.is(json.host, '::1');
  assert.equal(decodeBrokerRegistration(3, b(JSON.stringify(json))).endpoints, [v6]);
  const wildcard = { listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: null, port: 9092 } as const;
  const w = encodeBrokerRegistration({ brokerId: 3, endpoints: [wildcard] });
  assert.equal(JSON.parse(w.toString()).endpoints, ['PLAINTEXT://:9092']);
  assert.equal(decodeBrokerRegistration(3, w).endpoints, [wildcard]);
});

test('/brokers/ids/<id>: versions 1 to 4 from older writers', () => {
  // The schemas BrokerIdZNode documents; KAFKA's decode of each gave these endpoints.
  const v1 = decodeBrokerRegistration(4, b('{"version":1,"host":"localhost","port":9092,"jmx_port":9999,"timestamp":"2233345666"}'));
  assert.equal(v1, { brokerId: 4, version: 1, endpoints: [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: 'localhost', port: 9092 }], rack: null, jmxPort: 9999, features: new Map(), timestamp: 2233345666 });
  const twoByProtocol = [
    { listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: 'host1', port: 9092 },
    { listenerName: 'SSL', securityProtocol: 'SSL', host: 'host1', port: 9093 },
  ];
  const v2 = decodeBrokerRegistration(4, b('{"version":2,"host":"localhost","port":9092,"jmx_port":9999,"timestamp":"2233345666","endpoints":["PLAINTEXT://host1:9092","SSL://host1:9093"]}'));
  assert.equal(v2.endpoints, twoByProtocol);
  assert.is(v2.rack, null);
  const v3 = decodeBrokerRegistration(4, b('{"version":3,"host":"localhost","port":9092,"jmx_port":9999,"timestamp":"2233345666","endpoints":["PLAINTEXT://host1:9092","SSL://host1:9093"],"rack":"dc1"}'));
  assert.equal(v3.endpoints, twoByProtocol);
  assert.is(v3.rack, 'dc1');
  const v4 = decodeBrokerRegistration(
    4,
    b('{"version":4,"host":"localhost","port":9092,"jmx_port":9999,"timestamp":"2233345666","endpoints":["CLIENT://host1:9092","REPLICATION://host1:9093"],"listener_security_protocol_map":{"CLIENT":"SSL","REPLICATION":"PLAINTEXT"},"rack":"dc1"}'),
  );
  assert.equal(v4.endpoints, [
    { listenerName: 'CLIENT', securityProtocol: 'SSL', host: 'host1', port: 9092 },
    { listenerName: 'REPLICATION', securityProtocol: 'PLAINTEXT', host: 'host1', port: 9093 },
  ]);
  assert.is(v4.version, 4);
  // Version 2 with a listener not named after a protocol has none to take (Kafka refuses it too).
  rejects(() => decodeBrokerRegistration(4, b('{"version":2,"jmx_port":-1,"endpoints":["CLIENT://h:1"]}')), /no security protocol for listener CLIENT/);
});

test('/brokers/ids/<id>: what Kafka 3.9 tolerates', () => {
  // KAFKA reads a version 6 as it reads 5, ignores unknown keys, takes a null rack and host,
  // upper-cases listener names and protocols, and ignores feature keys besides min and max.
  const v6 = decodeBrokerRegistration(4, b('{"version":6,"host":"h","port":1,"jmx_port":-1,"endpoints":["PLAINTEXT://h:1"]}'));
  assert.is(v6.version, 6);
  assert.equal(v6.endpoints, [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: 'h', port: 1 }]);
  const odd = decodeBrokerRegistration(
    4,
    b('{"version":5,"host":null,"port":-1,"jmx_port":-1,"timestamp":"1","endpoints":["client://h:1"],"listener_security_protocol_map":{"CLIENT":"sasl_ssl"},"rack":null,"features":{"f":{"min_version":1,"first_active_version":2,"max_version":3}},"extra":true}'),
  );
  assert.equal(odd.endpoints, [{ listenerName: 'CLIENT', securityProtocol: 'SASL_SSL', host: 'h', port: 1 }]);
  assert.is(odd.rack, null);
  assert.equal(odd.features, new Map([['f', { minVersion: 1, maxVersion: 3 }]]));
});

test('/brokers/ids/<id>: malformed registrations are refused', () => {
  const ok = { version: 5, host: 'h', port: 1, jmx_port: -1, timestamp: '1', endpoints: ['PLAINTEXT://h:1'], listener_security_protocol_map: { PLAINTEXT: 'PLAINTEXT' } };
  const bad = (patch: Record<string, unknown>): Buffer => b(JSON.stringify({ ...ok, ...patch }));
  assert.is(decodeBrokerRegistration(4, bad({})).endpoints.length, 1);
  // KAFKA refuses these: version 0, no jmx_port, broken JSON.
  rejects(() => decodeBrokerRegistration(4, bad({ version: 0 })), /unsupported version 0/);
  rejects(() => decodeBrokerRegistration(4, bad({ jmx_port: undefined })), /"jmx_port" is missing/);
  rejects(() => decodeBrokerRegistration(4, b('{"version":5,')), /\/brokers\/ids\/4: not JSON/);
  rejects(() => decodeBrokerRegistration(4, bad({ endpoints: undefined })), /"endpoints" is missing/);
  rejects(() => decodeBrokerRegistration(4, bad({ endpoints: ['h:1'] })), /is not an endpoint/);
  rejects(() => decodeBrokerRegistration(4, bad({ endpoints: ['PLAINTEXT://h:99999999999'] })), /port out of range/);
  rejects(() => decodeBrokerRegistration(4, bad({ endpoints: ['PLAINTEXT://h:1', 'PLAINTEXT://g:2'] })), /registered twice/);
  rejects(() => decodeBrokerRegistration(4, bad({ listener_security_protocol_map: { PLAINTEXT: 'TLS' } })), /"TLS" is not a security protocol/);
  rejects(() => decodeBrokerRegistration(4, bad({ rack: 7 })), /"rack" is not a string/);
  rejects(() => decodeBrokerRegistration(4, bad({ features: { f: { max_version: 3 } } })), /min_version is missing/);
  rejects(() => decodeBrokerRegistration(4, bad({ features: { f: { min_version: 3, max_version: 2 } } })), /not a version range/);
  rejects(() => decodeBrokerRegistration(4, b('{"version":1,"port":1,"jmx_port":-1}')), /"host" is missing/);
  rejects(() => encodeBrokerRegistration({ brokerId: 1, endpoints: [] }), /at least one endpoint/);
  rejects(() => encodeBrokerRegistration({ brokerId: 1, endpoints: [INTERNAL, INTERNAL] }), /registered twice/);
  rejects(() => encodeBrokerRegistration({ brokerId: 1, endpoints: [{ ...INTERNAL, listenerName: 'internal' }] }), /not upper case/);
  rejects(() => encodeBrokerRegistration({ brokerId: 1, endpoints: [{ ...INTERNAL, host: 'a b' }] }), /not one Kafka parses/);
});

test('/brokers/ids/<id>: round trip', () => {
  const reg = { brokerId: 7, endpoints: [INTERNAL, EXTERNAL, { listenerName: 'REPLICATION', securityProtocol: 'SSL', host: 'fe80::1%eth0', port: 9095 }] as const, rack: 'eu-west-1a', jmxPort: 9999, timestamp: 1 };
  const back = decodeBrokerRegistration(7, encodeBrokerRegistration(reg));
  assert.equal(back, { ...reg, endpoints: [...reg.endpoints], version: 5, features: new Map() });
  assert.is(generatedBrokerId(1), 1001);
  assert.is(generatedBrokerId(5, 2000), 2005);
});

// ---------------------------------------------------------------------------------------------
// /brokers/topics/<topic> and partition state

test('/brokers/topics/<topic>: version 3 with a topic id and a reassignment under way', () => {
  // KAFKA: TopicZNode.encode(Some(new Uuid(0x1234567890abcdefL, 0x0fedcba987654321L)),
  //   {0: [1,2,3]; 1: [2,3,4,1] adding [4] removing [1]; 2: [3,1,2]}).
  const kafka = '{"partitions":{"0":[1,2,3],"1":[2,3,4,1],"2":[3,1,2]},"topic_id":"EjRWeJCrze8P7cuph2VDIQ","adding_replicas":{"1":[4]},"removing_replicas":{"1":[1]},"version":3}';
  const ours = encodeTopicAssignment(
    'EjRWeJCrze8P7cuph2VDIQ',
    new Map<number, readonly number[] | { replicas: number[]; addingReplicas: number[]; removingReplicas: number[] }>([
      [2, [3, 1, 2]],
      [0, [1, 2, 3]],
      [1, { replicas: [2, 3, 4, 1], addingReplicas: [4], removingReplicas: [1] }],
    ]),
  );
  assert.is(ours.toString(), kafka);
  const decoded = decodeTopicAssignment('orders', b(kafka));
  assert.is(decoded.version, 3);
  assert.is(decoded.topicId, 'EjRWeJCrze8P7cuph2VDIQ');
  assert.equal([...decoded.partitions], [
    [0, { replicas: [1, 2, 3], addingReplicas: [], removingReplicas: [] }],
    [1, { replicas: [2, 3, 4, 1], addingReplicas: [4], removingReplicas: [1] }],
    [2, { replicas: [3, 1, 2], addingReplicas: [], removingReplicas: [] }],
  ]);
  // KAFKA: no topic id, no reassignment.
  assert.is(encodeTopicAssignment(null, new Map([[0, [1]]])).toString(), '{"partitions":{"0":[1]},"adding_replicas":{},"removing_replicas":{},"version":3}');
});

test('/brokers/topics/<topic>: versions 1 and 2, many partitions, round trip', () => {
  // KAFKA decodes both: no topic id; version 2's adding replicas kept.
  const v1 = decodeTopicAssignment('t', b('{"version":1,"partitions":{"0":[1,2],"1":[2,1]}}'));
  assert.equal(v1, { version: 1, topicId: null, partitions: new Map([[0, { replicas: [1, 2], addingReplicas: [], removingReplicas: [] }], [1, { replicas: [2, 1], addingReplicas: [], removingReplicas: [] }]]) });
  const v2 = decodeTopicAssignment('t', b('{"version":2,"partitions":{"0":[1,2,3]},"adding_replicas":{"0":[3]},"removing_replicas":{}}'));
  assert.equal([...v2.partitions], [[0, { replicas: [1, 2, 3], addingReplicas: [3], removingReplicas: [] }]]);
  // Kafka reads a topic with no "partitions" as one with none.
  assert.equal(decodeTopicAssignment('t', b('{"version":3}')).partitions.size, 0);
  // Partition keys in hash order come back in partition order.
  const many = new Map(Array.from({ length: 24 }, (_, p) => [23 - p, [p % 3, (p + 1) % 3]] as [number, number[]]));
  const back = decodeTopicAssignment('t', encodeTopicAssignment(null, many));
  assert.equal([...back.partitions.keys()], Array.from({ length: 24 }, (_, p) => p));
  assert.equal(back.partitions.get(23)!.replicas, [0, 1]);
});

test('/brokers/topics/<topic>: malformed assignments are refused', () => {
  // Kafka reads broken JSON as a topic with no partitions; here it is an error.
  rejects(() => decodeTopicAssignment('t', b('{"version":3,')), /\/brokers\/topics\/t: not JSON/);
  // KAFKA refuses a topic id that is not a Uuid.
  rejects(() => decodeTopicAssignment('t', b('{"version":3,"topic_id":"nope","partitions":{}}')), /not a base64 Uuid/);
  rejects(() => decodeTopicAssignment('t', b('{"version":3,"partitions":{"x":[1]}}')), /partition "x" is not a number/);
  rejects(() => decodeTopicAssignment('t', b('{"version":3,"partitions":{"0":["1"]}}')), /32-bit integer/);
  rejects(() => decodeTopicAssignment('t', b('{"version":3,"partitions":{"0":[1]},"adding_replicas":{"0":4}}')), /not a JSON array/);
  rejects(() => decodeTopicAssignment('t', b('{"version":3,"partitions":[[1]]}')), /not a JSON object/);
  rejects(() => encodeTopicAssignment('short', new Map()), /not a base64 Uuid/);
  rejects(() => encodeTopicAssignment(null, new Map([[-1, [1]]])), /not a partition number/);
});

test('partition state: version 1, leader_recovery_state only while recovering', () => {
  // KAFKA: TopicPartitionStateZNode.encode(LeaderIsrAndControllerEpoch(LeaderAndIsr(1, 5, [1,2,3], RECOVERED), 7)) …
  const recovered = '{"controller_epoch":7,"leader":1,"version":1,"leader_epoch":5,"isr":[1,2,3]}';
  const recovering = '{"controller_epoch":8,"leader":2,"version":1,"leader_recovery_state":1,"leader_epoch":9,"isr":[2]}';
  const noLeader = '{"controller_epoch":2,"leader":-1,"version":1,"leader_epoch":3,"isr":[]}';
  const s1 = { leader: 1, leaderEpoch: 5, isr: [1, 2, 3], controllerEpoch: 7, leaderRecoveryState: LeaderRecoveryState.RECOVERED };
  const s2 = { leader: 2, leaderEpoch: 9, isr: [2], controllerEpoch: 8, leaderRecoveryState: LeaderRecoveryState.RECOVERING };
  const s3 = { leader: -1, leaderEpoch: 3, isr: [], controllerEpoch: 2, leaderRecoveryState: LeaderRecoveryState.RECOVERED };
  assert.is(encodePartitionState(s1).toString(), recovered);
  assert.is(encodePartitionState(s2).toString(), recovering);
  assert.is(encodePartitionState(s3).toString(), noLeader);
  assert.equal(decodePartitionState('t', 0, b(recovered)), { version: 1, ...s1 });
  assert.equal(decodePartitionState('t', 0, b(recovering)), { version: 1, ...s2 });
  assert.equal(decodePartitionState('t', 0, b(noLeader)), { version: 1, ...s3 });
  // KAFKA refuses a recovery state other than 0 and 1.
  rejects(() => decodePartitionState('t', 0, b('{"controller_epoch":8,"leader":2,"version":1,"leader_epoch":9,"isr":[2],"leader_recovery_state":7}')), /7 is not a leader recovery state/);
  rejects(() => decodePartitionState('t', 0, b('{"controller_epoch":8,"leader":2,"version":1,"isr":[2]}')), /"leader_epoch" is missing/);
  rejects(() => decodePartitionState('t', 0, b('{"controller_epoch":8,"leader":2,"version":1,"leader_epoch":9}')), /"isr" is missing/);
  rejects(() => decodePartitionState('t', 3, b('{"controller_epoch":8,')), /\/brokers\/topics\/t\/partitions\/3\/state: not JSON/);
  rejects(() => encodePartitionState({ ...s1, leaderRecoveryState: 2 as LeaderRecoveryState }), /not a leader recovery state/);
});

// ---------------------------------------------------------------------------------------------
// /config

test('/config/<type>/<name>: {"version":1,"config":{…}}', () => {
  // KAFKA: ConfigEntityZNode.encode({retention.ms=86400000, cleanup.policy=compact}); and of no properties.
  const kafka = '{"version":1,"config":{"cleanup.policy":"compact","retention.ms":"86400000"}}';
  assert.is(encodeEntityConfig({ 'cleanup.policy': 'compact', 'retention.ms': '86400000' }).toString(), kafka);
  assert.is(encodeEntityConfig(new Map([['cleanup.policy', 'compact'], ['retention.ms', '86400000']])).toString(), kafka);
  assert.is(encodeEntityConfig({}).toString(), '{"version":1,"config":{}}');
  assert.equal(decodeEntityConfig(b(kafka)), new Map([['cleanup.policy', 'compact'], ['retention.ms', '86400000']]));
  // A parent znode with no data, or no "config", is an empty config, as Kafka reads it.
  assert.equal(decodeEntityConfig(null), new Map());
  assert.equal(decodeEntityConfig(Buffer.alloc(0)), new Map());
  assert.equal(decodeEntityConfig(b('{"version":1}')), new Map());
  // A key that is an Object.prototype name stays a key.
  assert.equal(decodeEntityConfig(encodeEntityConfig(new Map([['__proto__', 'x']]))), new Map([['__proto__', 'x']]));
  // KAFKA refuses a value that is not a string; it reads broken JSON as empty, which is refused here.
  rejects(() => decodeEntityConfig(b('{"version":1,"config":{"a":1}}')), /config a: the value is not a string/);
  rejects(() => decodeEntityConfig(b('{"version":1,'), '/config/topics/t'), /\/config\/topics\/t: not JSON/);
  rejects(() => decodeEntityConfig(b('{"version":1,"config":[]}')), /not a JSON object/);
});

test('/config/changes/config_change_: version 2 with entity_path; version 1 read', () => {
  // KAFKA: ConfigEntityChangeNotificationSequenceZNode.encode("topics/orders"), and of a sanitized user and client.
  assert.is(encodeConfigChangeNotification(ConfigType.TOPIC, 'orders').toString(), '{"version":2,"entity_path":"topics/orders"}');
  const userClient = `${sanitizeEntityName('User:alice@example.com')}/clients/${sanitizeEntityName('app 1*')}`;
  const kafka = '{"version":2,"entity_path":"users/User%3Aalice%40example.com/clients/app%201%2A"}';
  assert.is(encodeConfigChangeNotification(ConfigType.USER, userClient).toString(), kafka);
  assert.equal(decodeConfigChangeNotification(b(kafka)), { version: 2, entityType: 'users', entityName: 'User%3Aalice%40example.com/clients/app%201%2A' });
  assert.equal(decodeConfigChangeNotification(b('{"version":1,"entity_type":"topics","entity_name":"orders"}')), { version: 1, entityType: 'topics', entityName: 'orders' });
  // ZkConfigManager's refusals.
  rejects(() => decodeConfigChangeNotification(b('{"version":1,"entity_type":"users","entity_name":"a"}')), /entity_type "topics" or "clients"/);
  rejects(() => decodeConfigChangeNotification(b('{"version":2,"entity_path":"orders"}')), /not <type>\/<name>/);
  rejects(() => decodeConfigChangeNotification(b('{"version":2}')), /must have entity_path/);
  rejects(() => decodeConfigChangeNotification(b('{"version":3,"entity_path":"topics/t"}')), /unsupported version 3 \(1 to 2\)/);
  rejects(() => decodeConfigChangeNotification(b('topics/t')), /not JSON/);
});

test('entity names are sanitized as Kafka sanitizes them', () => {
  // KAFKA: Sanitizer.sanitize("CN=alice,O=Example Ünï~*+/"), Sanitizer.desanitize("a+b%2Ac").
  assert.is(sanitizeEntityName('CN=alice,O=Example Ünï~*+/'), 'CN%3Dalice%2CO%3DExample%20%C3%9Cn%C3%AF%7E%2A%2B%2F');
  assert.is(desanitizeEntityName('a+b%2Ac'), 'a b*c');
  assert.is(sanitizeEntityName('app-1_x.y'), 'app-1_x.y');
  assert.is(sanitizeEntityName(DEFAULT_ENTITY_NAME), '<default>');
  for (const name of ['User:bob', 'ünï 😀', 'a/b', '%41', '']) assert.is(desanitizeEntityName(sanitizeEntityName(name)), name);
  rejects(() => desanitizeEntityName('a%zz'), /bad escape/);
});

test('SCRAM credentials in /config/users/<user>', () => {
  // KAFKA: ScramCredentialUtils.credentialToString of ScramFormatter's credential for "alice-secret", salt
  // "spindle-salt-16b", SCRAM-SHA-256 at 4096 iterations and SCRAM-SHA-512 at 8192.
  const kafka256 = 'salt=c3BpbmRsZS1zYWx0LTE2Yg==,stored_key=XSBhvwcA212xjkr253iJp9WUylTysTE1Med2N5YDHAw=,server_key=Vuf4hK/j8Z27pef4sOLITIHWIa8MOAr4skMY0q7LKZQ=,iterations=4096';
  const kafka512 =
    'salt=c3BpbmRsZS1zYWx0LTE2Yg==,stored_key=3+vb3jH9ua/D411ACDM6D4kBtuqxa4acP1LDYPFTI25sLwxtBAtdk5DTDBwup81JFcAvy4GrtL6MYOPDvKBBIQ==,server_key=D8xuWuDHlsKLWpHWtian8kw+4bTrXfflBIkYi0Rj/pNTeJOz007mGyEAfnTKj9Gdi2ihSbtcjtgqrrwj6wMehA==,iterations=8192';
  const salt = b('spindle-salt-16b');
  assert.is(formatScramCredential(deriveScramCredential('SCRAM-SHA-256', 'alice-secret', salt, 4096)), kafka256);
  assert.is(formatScramCredential(deriveScramCredential('SCRAM-SHA-512', 'alice-secret', salt, 8192)), kafka512);
  const c = parseScramCredential(kafka256);
  assert.equal(c.salt, salt);
  assert.is(c.iterations, 4096);
  assert.is(formatScramCredential(c), kafka256);
  // Any order; padding optional, as Java's decoder.
  assert.equal(parseScramCredential('iterations=4096,server_key=AAAA,stored_key=AQ,salt=AgM='), { salt: Buffer.from([2, 3]), storedKey: Buffer.from([1]), serverKey: Buffer.alloc(3), iterations: 4096 });
  const config = decodeEntityConfig(encodeEntityConfig({ 'SCRAM-SHA-256': kafka256, 'SCRAM-SHA-512': kafka512, producer_byte_rate: '1024' }));
  const creds = scramCredentialsOf(config);
  assert.equal([...creds.keys()], ['SCRAM-SHA-256', 'SCRAM-SHA-512']);
  assert.is(creds.get('SCRAM-SHA-512')!.iterations, 8192);
  // ScramCredentialUtils' refusals.
  rejects(() => parseScramCredential('salt=AA==,stored_key=AA==,server_key=AA=='), /exactly salt, stored_key, server_key and iterations/);
  rejects(() => parseScramCredential('salt=AA==,stored_key=AA==,server_key=AA==,iterations=4096,extra=1'), /exactly/);
  rejects(() => parseScramCredential('salt=AA==,stored_key=AA==,server_key,iterations=4096'), /is not key=value/);
  rejects(() => parseScramCredential('salt=A_==,stored_key=AA==,server_key=AA==,iterations=4096'), /salt is not base64/);
  rejects(() => parseScramCredential('salt=AA==,stored_key=AA==,server_key=AA==,iterations=many'), /iterations is not an integer/);
});

// ---------------------------------------------------------------------------------------------
// /admin

test('/admin/reassign_partitions and /admin/preferred_replica_election', () => {
  // KAFKA: ReassignPartitionsZNode.encode({orders-0: [1,2,3], orders-1: [3,4]}).
  const kafka = '{"version":1,"partitions":[{"topic":"orders","partition":0,"replicas":[1,2,3]},{"topic":"orders","partition":1,"replicas":[3,4]}]}';
  const r = [
    { topic: 'orders', partition: 0, replicas: [1, 2, 3] },
    { topic: 'orders', partition: 1, replicas: [3, 4] },
  ];
  assert.is(encodeReassignPartitions(r).toString(), kafka);
  assert.equal(decodeReassignPartitions(b(kafka)), r);
  // A kafka-reassign-partitions file's log_dirs: Kafka's reader refuses it, ignored here.
  assert.equal(decodeReassignPartitions(b('{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2],"log_dirs":["any","any"]}]}')), [{ topic: 't', partition: 0, replicas: [1, 2] }]);
  // A partition twice: the last wins, as Kafka's toMap.
  assert.equal(
    decodeReassignPartitions(b('{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1]},{"topic":"u","partition":0,"replicas":[2]},{"topic":"t","partition":0,"replicas":[3]}]}')),
    [{ topic: 'u', partition: 0, replicas: [2] }, { topic: 't', partition: 0, replicas: [3] }],
  );
  rejects(() => decodeReassignPartitions(b('{"version":1,"partitions":[{"topic":"t","replicas":[1]}]}')), /partition is missing/);
  rejects(() => decodeReassignPartitions(b('{"version":1}')), /"partitions" is missing/);
  rejects(() => decodeReassignPartitions(b('{"version":1,"partitions":[')), /not JSON/);

  // KAFKA: PreferredReplicaElectionZNode.encode({orders-0, orders-2}).
  const preferred = '{"version":1,"partitions":[{"topic":"orders","partition":0},{"topic":"orders","partition":2}]}';
  const tps = [
    { topic: 'orders', partition: 0 },
    { topic: 'orders', partition: 2 },
  ];
  assert.is(encodePreferredReplicaElection(tps).toString(), preferred);
  assert.equal(decodePreferredReplicaElection(b(preferred)), tps);
  assert.equal(decodePreferredReplicaElection(b('{"version":1,"partitions":[{"topic":"a","partition":1},{"topic":"a","partition":1}]}')), [{ topic: 'a', partition: 1 }]);
  rejects(() => decodePreferredReplicaElection(b('{"version":1,"partitions":[{"topic":1,"partition":1}]}')), /topic is not a string/);
  rejects(() => encodePreferredReplicaElection([{ topic: '', partition: 0 }]), /topic name is empty/);
});

// ---------------------------------------------------------------------------------------------
// Notifications

test('/isr_change_notification and /log_dir_event_notification', () => {
  // KAFKA: IsrChangeNotificationSequenceZNode.encode({orders-0, orders-1}); LogDirEventNotificationSequenceZNode.encode(2).
  const isr = '{"version":1,"partitions":[{"topic":"orders","partition":0},{"topic":"orders","partition":1}]}';
  const tps = [
    { topic: 'orders', partition: 0 },
    { topic: 'orders', partition: 1 },
  ];
  assert.is(encodeIsrChangeNotification(tps).toString(), isr);
  assert.equal(decodeIsrChangeNotification(b(isr)), tps);
  rejects(() => decodeIsrChangeNotification(b('{"version":1,"partitions":{}}')), /not a JSON array/);
  rejects(() => decodeIsrChangeNotification(b('')), /no data/);

  const logDir = '{"version":1,"broker":2,"event":1}';
  assert.is(encodeLogDirEventNotification(2).toString(), logDir);
  assert.equal(decodeLogDirEventNotification(b(logDir)), { brokerId: 2, event: 1 });
  assert.equal(decodeLogDirEventNotification(b('{"version":1,"broker":3}')), { brokerId: 3, event: 1 });
  rejects(() => decodeLogDirEventNotification(b('{"version":1,"event":1}')), /"broker" is missing/);
});

// ---------------------------------------------------------------------------------------------
// /latest_producer_id_block

test('/latest_producer_id_block: the ids as strings', () => {
  // KAFKA: ProducerIdBlockZNode.generateProducerIdBlockJson(new ProducerIdsBlock(2, 1000, 1000)).
  const kafka = '{"version":1,"broker":2,"block_start":"1000","block_end":"1999"}';
  const block = { brokerId: 2, blockStart: 1000, blockEnd: 1999 };
  assert.is(encodeProducerIdBlock(block).toString(), kafka);
  assert.equal(decodeProducerIdBlock(b(kafka)), block);
  // As created at start, with no data: no block yet, and the first is [0, 999].
  assert.is(decodeProducerIdBlock(null), null);
  assert.is(decodeProducerIdBlock(Buffer.alloc(0)), null);
  assert.equal(nextProducerIdBlock(null, 1), { brokerId: 1, blockStart: 0, blockEnd: 999 });
  assert.equal(nextProducerIdBlock(block, 3), { brokerId: 3, blockStart: 2000, blockEnd: 2999 });
  // Kafka reads the ids with to[String]: numbers are refused.
  rejects(() => decodeProducerIdBlock(b('{"version":1,"broker":2,"block_start":1000,"block_end":"1999"}')), /"block_start" is not a string/);
  rejects(() => decodeProducerIdBlock(b('{"version":1,"broker":2,"block_start":"1000","block_end":"999"}')), /does not end a block/);
  rejects(() => decodeProducerIdBlock(b('{"version":1,"broker":2,"block_start":"9223372036854775000","block_end":"9223372036854775807"}')), /below 2\^53/);
  rejects(() => nextProducerIdBlock({ brokerId: 1, blockStart: Number.MAX_SAFE_INTEGER - 1500, blockEnd: Number.MAX_SAFE_INTEGER - 500 }, 1), /exhausted/);
});

// ---------------------------------------------------------------------------------------------
// /feature

test('/feature: what a Kafka 3.9 ZooKeeper-mode controller writes', () => {
  // KAFKA: FeatureZNode.encode(FeatureZNode(2, Enabled, {})): KafkaController's znode for its
  // brokers, which support no feature (BrokerFeatures.createEmpty in KafkaServer).
  const kafka = '{"features":{},"version":2,"status":1}';
  assert.is(encodeFeatureZNode(zkModeFeatureZNode()).toString(), kafka);
  assert.equal(decodeFeatureZNode(b(kafka)), zkModeFeatureZNode());
  // KAFKA: with metadata.version 21, in version 2 and version 1; disabled.
  const v2 = '{"features":{"metadata.version":{"max_version_level":21}},"version":2,"status":1}';
  const v1 = '{"features":{"metadata.version":{"max_version_level":21,"min_version_level":21}},"version":1,"status":1}';
  const features = new Map([['metadata.version', 21]]);
  assert.is(encodeFeatureZNode({ version: 2, status: FeatureZNodeStatus.ENABLED, features }).toString(), v2);
  assert.is(encodeFeatureZNode({ version: 1, status: FeatureZNodeStatus.ENABLED, features }).toString(), v1);
  assert.is(encodeFeatureZNode({ version: 2, status: FeatureZNodeStatus.DISABLED, features: new Map() }).toString(), '{"features":{},"version":2,"status":0}');
  assert.equal(decodeFeatureZNode(b(v2)), { version: 2, status: 1, features });
  assert.equal(decodeFeatureZNode(b(v1)), { version: 1, status: 1, features });
  assert.equal(decodeFeatureZNode(b('{"version":1,"status":1,"features":{"f":{"min_version_level":1,"max_version_level":3}}}')).features, new Map([['f', 3]]));
  // KAFKA refuses each of these.
  rejects(() => decodeFeatureZNode(b('{"version":3,"status":1,"features":{}}')), /unsupported version 3/);
  rejects(() => decodeFeatureZNode(b('{"version":2,"status":1,"features":{"f":{"max_version_level":0}}}')), /level 0/);
  rejects(() => decodeFeatureZNode(b('{"version":2,"status":2,"features":{}}')), /2 is not a feature znode status/);
  rejects(() => decodeFeatureZNode(b('{"version":2,"status":1}')), /"features" is missing/);
  rejects(() => decodeFeatureZNode(b('{"version":2,"features":{}}')), /"status" is missing/);
  rejects(() => decodeFeatureZNode(b('{"version":1,"status":1,"features":{"f":{"max_version_level":3}}}')), /min_version_level is missing/);
  rejects(() => decodeFeatureZNode(b('{"version":1,"status":1,"features":{"f":{"min_version_level":4,"max_version_level":3}}}')), /not a range/);
  rejects(() => encodeFeatureZNode({ version: 2, status: 1, features: new Map([['kraft.version', 0]]) }), /level 0/);
});

// ---------------------------------------------------------------------------------------------
// ACLs

test('ACL znodes: a resource\'s ACLs in Pascal case', () => {
  // KAFKA: ResourceZNode.encode({User:alice Allow Read from *, User:bob Deny IdempotentWrite from 10.0.0.1}).
  const kafka =
    '{"acls":[{"principal":"User:alice","permissionType":"Allow","host":"*","operation":"Read"},{"principal":"User:bob","permissionType":"Deny","host":"10.0.0.1","operation":"IdempotentWrite"}],"version":1}';
  const acls = [
    { principal: 'User:alice', host: '*', operation: AclOperation.READ, permissionType: AclPermissionType.ALLOW },
    { principal: 'User:bob', host: '10.0.0.1', operation: AclOperation.IDEMPOTENT_WRITE, permissionType: AclPermissionType.DENY },
  ];
  assert.is(encodeAcls(acls).toString(), kafka);
  assert.equal(decodeAcls(b(kafka)), acls);
  assert.equal(decodeAcls(encodeAcls([...acls, acls[0]!])), acls);
  assert.is(encodeAcls([]).toString(), '{"acls":[],"version":1}');
  // The spellings Kafka's SecurityUtils reads, and ones it reads as UNKNOWN ("IDEMPOTENT_WRITE").
  assert.equal(
    decodeAcls(b('{"version":1,"acls":[{"principal":"User:a","permissionType":"ALLOW","operation":"IDEMPOTENTWRITE","host":"*"},{"principal":"User:a","permissionType":"deny","operation":"IDEMPOTENT_WRITE","host":"*"}]}')).map((e) => [e.operation, e.permissionType]),
    [
      [AclOperation.IDEMPOTENT_WRITE, AclPermissionType.ALLOW],
      [AclOperation.IDEMPOTENT_WRITE, AclPermissionType.DENY],
    ],
  );
  assert.equal(decodeAcls(null), []);
  // KAFKA refuses version 2; it reads broken JSON as no ACLs, which is refused here.
  rejects(() => decodeAcls(b('{"version":2,"acls":[]}')), /unsupported version 2 \(only 1\)/);
  rejects(() => decodeAcls(b('{"version":1,"acls":['), '/kafka-acl/Topic/t'), /\/kafka-acl\/Topic\/t: not JSON/);
  rejects(() => decodeAcls(b('{"version":1,"acls":[{"principal":"alice","permissionType":"Allow","operation":"Read","host":"*"}]}')), /not Type:name/);
  rejects(() => decodeAcls(b('{"version":1,"acls":[{"principal":"User:a","permissionType":"Allow","operation":"Fly","host":"*"}]}')), /"Fly" is not an ACL operation/);
  rejects(() => decodeAcls(b('{"version":1,"acls":[{"principal":"User:a","permissionType":"Any","operation":"Read","host":"*"}]}')), /not Allow or Deny/);
  rejects(() => decodeAcls(b('{"version":1,"acls":[{"principal":"User:a","permissionType":"Allow","operation":"Read"}]}')), /host is missing/);
  rejects(() => encodeAcls([{ ...acls[0]!, operation: AclOperation.ANY }]), /cannot be kept/);
});

test('ACL change notifications: text for literal patterns, JSON for the others', () => {
  // KAFKA: LiteralAclChangeStore.encode(TRANSACTIONAL_ID "tx:1" LITERAL); ExtendedAclChangeStore.encode(GROUP "app-" PREFIXED).
  const literal = { resourceType: ResourceType.TRANSACTIONAL_ID, name: 'tx:1', patternType: PatternType.LITERAL };
  const prefixed = { resourceType: ResourceType.GROUP, name: 'app-', patternType: PatternType.PREFIXED };
  assert.is(encodeAclChange(literal).toString(), 'TRANSACTIONAL_ID:tx:1');
  assert.is(encodeAclChange(prefixed).toString(), '{"version":1,"resourceType":"GROUP","name":"app-","patternType":"PREFIXED"}');
  assert.equal(decodeAclChange(PatternType.LITERAL, encodeAclChange(literal)), literal);
  assert.equal(decodeAclChange(PatternType.PREFIXED, encodeAclChange(prefixed)), prefixed);
  // Writers before 2.0 named the type in Pascal case: KAFKA reads "Topic:orders", and misreads
  // "TransactionalId:tx" as UNKNOWN, which is read as meant here.
  assert.equal(decodeAclChange(PatternType.LITERAL, b('Topic:orders')), { resourceType: ResourceType.TOPIC, name: 'orders', patternType: PatternType.LITERAL });
  assert.equal(decodeAclChange(PatternType.LITERAL, b('TransactionalId:tx')), { resourceType: ResourceType.TRANSACTIONAL_ID, name: 'tx', patternType: PatternType.LITERAL });
  // KAFKA reads a Pascal-case type in the JSON too; it refuses version 2, and (its Jackson reader) unknown keys, taken here.
  assert.equal(decodeAclChange(PatternType.PREFIXED, b('{"version":1,"resourceType":"Group","name":"g","patternType":"PREFIXED"}')), { ...prefixed, name: 'g' });
  assert.equal(decodeAclChange(PatternType.PREFIXED, b('{"version":1,"resourceType":"GROUP","name":"g","patternType":"PREFIXED","x":1}')), { ...prefixed, name: 'g' });
  rejects(() => decodeAclChange(PatternType.PREFIXED, b('{"version":2,"resourceType":"GROUP","name":"g","patternType":"PREFIXED"}')), /unsupported version 2/);
  rejects(() => decodeAclChange(PatternType.PREFIXED, b('{"version":1,"resourceType":"GROUP","name":"g","patternType":"MATCH"}')), /not a pattern type/);
  rejects(() => decodeAclChange(PatternType.LITERAL, b('orders')), /not ResourceType:name/);
  rejects(() => decodeAclChange(PatternType.LITERAL, b('Queue:orders')), /"Queue" is not a resource type/);
  rejects(() => decodeAclChange(PatternType.LITERAL, b('Any:orders')), /"Any" is not a resource type/);
});

test('every encoder\'s output decodes to what it was given', () => {
  const acl = { principal: 'User:*', host: '*', operation: AclOperation.ALL, permissionType: AclPermissionType.ALLOW };
  assert.equal(decodeAcls(encodeAcls([acl])), [acl]);
  assert.is(decodeClusterId(encodeClusterId('abc-_DEF')), 'abc-_DEF');
  assert.is(decodeControllerEpoch(encodeControllerEpoch(-1)), -1);
  const tps = [{ topic: 'ünï', partition: 2147483647 }];
  assert.equal(decodeIsrChangeNotification(encodeIsrChangeNotification(tps)), tps);
  assert.equal(decodePreferredReplicaElection(encodePreferredReplicaElection(tps)), tps);
  assert.equal(decodeFeatureZNode(encodeFeatureZNode({ version: 2, status: 1, features: new Map([['a', 1], ['b', 32767]]) })).features, new Map([['a', 1], ['b', 32767]]));
  const config = new Map([['a', ''], ['b', 'x"y\\z\n'], ['c', '😀']]);
  assert.equal(decodeEntityConfig(encodeEntityConfig(config)), config);
  sameJson(encodeConfigChangeNotification(ConfigType.BROKER, DEFAULT_ENTITY_NAME), '{"entity_path":"brokers/<default>","version":2}');
});

test.run();
