import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { APIS, apiByKey } from '../../../src/protocol/messages/index.js';
import { assertRefusesMalformed, assertRoundTrips } from '../helpers/round-trip.js';

// The APIs and highest versions of Apache Kafka 3.9 that Spindle declares (Fetch from v4 only), and
// Kafka 4.0's KIP-890 versions of Produce (12), EndTxn (5) and TxnOffsetCommit (5).
const EXPECTED: [string, number, number, number][] = [
  ['Produce', 0, 0, 12],
  ['Fetch', 1, 4, 17],
  ['ListOffsets', 2, 0, 9],
  ['Metadata', 3, 0, 12],
  ['LeaderAndIsr', 4, 0, 7],
  ['StopReplica', 5, 0, 4],
  ['UpdateMetadata', 6, 0, 8],
  ['ControlledShutdown', 7, 0, 3],
  ['OffsetCommit', 8, 0, 9],
  ['OffsetFetch', 9, 0, 9],
  ['FindCoordinator', 10, 0, 6],
  ['JoinGroup', 11, 0, 9],
  ['Heartbeat', 12, 0, 4],
  ['LeaveGroup', 13, 0, 5],
  ['SyncGroup', 14, 0, 5],
  ['DescribeGroups', 15, 0, 5],
  ['ListGroups', 16, 0, 5],
  ['SaslHandshake', 17, 0, 1],
  ['ApiVersions', 18, 0, 4],
  ['CreateTopics', 19, 0, 7],
  ['DeleteTopics', 20, 0, 6],
  ['DeleteRecords', 21, 0, 2],
  ['InitProducerId', 22, 0, 5],
  ['OffsetForLeaderEpoch', 23, 0, 4],
  ['AddPartitionsToTxn', 24, 0, 5],
  ['AddOffsetsToTxn', 25, 0, 4],
  ['EndTxn', 26, 0, 5],
  ['WriteTxnMarkers', 27, 0, 1],
  ['TxnOffsetCommit', 28, 0, 5],
  ['DescribeAcls', 29, 0, 3],
  ['CreateAcls', 30, 0, 3],
  ['DeleteAcls', 31, 0, 3],
  ['DescribeConfigs', 32, 0, 4],
  ['AlterConfigs', 33, 0, 2],
  ['AlterReplicaLogDirs', 34, 0, 2],
  ['DescribeLogDirs', 35, 0, 4],
  ['SaslAuthenticate', 36, 0, 2],
  ['CreatePartitions', 37, 0, 3],
  ['DeleteGroups', 42, 0, 2],
  ['ElectLeaders', 43, 0, 2],
  ['IncrementalAlterConfigs', 44, 0, 1],
  ['AlterPartitionReassignments', 45, 0, 0],
  ['ListPartitionReassignments', 46, 0, 0],
  ['OffsetDelete', 47, 0, 0],
  ['DescribeClientQuotas', 48, 0, 1],
  ['AlterClientQuotas', 49, 0, 1],
  ['DescribeUserScramCredentials', 50, 0, 0],
  ['AlterUserScramCredentials', 51, 0, 0],
  ['AlterPartition', 56, 0, 3],
  ['DescribeCluster', 60, 0, 1],
  ['DescribeProducers', 61, 0, 0],
  ['DescribeTransactions', 65, 0, 0],
  ['ListTransactions', 66, 0, 1],
];

test('the registry declares every API of the table with its version range', () => {
  assert.equal(
    APIS.map((a) => [a.name, a.key, a.lowest, a.highest]),
    EXPECTED,
  );
});

test('apiByKey finds each API and nothing else', () => {
  for (const api of APIS) assert.is(apiByKey(api.key), api);
  assert.is(apiByKey(38), undefined);
  assert.is(apiByKey(-1), undefined);
  assert.is(apiByKey(9999), undefined);
});

test('every API round-trips at every version and refuses malformed input', () => {
  for (const api of APIS) {
    assertRoundTrips(api, 10, 7000 + api.key);
    assertRefusesMalformed(api, 9000 + api.key);
  }
});

test.run();
