/**
 * Client quotas as configuration (KIP-546): AlterClientQuotas and DescribeClientQuotas against a
 * real broker through the raw client (exact, default and specified filters, strict, Kafka's
 * validation errors, removal, validateOnly, persistence across a restart), the store's
 * precedence lookup for the enforcer (ClientQuotaStore.quotasFor), and kafka-configs from
 * Kafka's jars when Java is there.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kafkaMissing, runKafkaTool } from '../../../bench/kafka/kafka.js';
import { clearFaults, injectFaults } from '../../../src/core/fs.js';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';
import { CLIENT_QUOTAS_FILE, ClientQuotaStore, type QuotaAlteration } from '../../../src/broker/security/quota-store.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { AlterClientQuotas, DescribeClientQuotas } from '../../../src/protocol/messages/index.js';
import { needs } from '../../helpers/needs.js';
import { type RawClient, withRawClient } from '../../helpers/raw-client.js';

const quiet = { error() {}, warn() {}, info() {} };
const dirs: string[] = [];
test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'spindle-quotas-'));
  dirs.push(d);
  return d;
}

async function start(dir?: string): Promise<RunningBroker> {
  // A free port and no console: other suites run beside this one.
  return startBroker({ port: 0, config: { 'num.io.threads': 0, 'console.listener': 'none', ...(dir ? { 'log.dirs': dir } : {}) }, logger: quiet });
}

async function withBroker(fn: (b: RunningBroker, c: RawClient) => Promise<void>, dir?: string): Promise<void> {
  const b = await start(dir);
  try {
    await withRawClient(b.bootstrap, (c) => fn(b, c));
  } finally {
    await b.close();
  }
}

type Entity = { entityType: string; entityName: string | null }[];
const user = (name: string | null): Entity => [{ entityType: 'user', entityName: name }];
const client = (name: string | null): Entity => [{ entityType: 'client-id', entityName: name }];
const userClient = (u: string | null, c: string | null): Entity => [...user(u), ...client(c)];
const set = (key: string, value: number) => ({ key, value, remove: false });
const del = (key: string) => ({ key, value: 0, remove: true });

async function alter(c: RawClient, entries: QuotaAlteration[], validateOnly = false, version = 1) {
  return (await c.request(AlterClientQuotas, version, { entries, validateOnly })).entries;
}

const EXACT = 0;
const DEFAULT = 1;
const SPECIFIED = 2;
type Component = { entityType: string; matchType: number; match: string | null };
const exact = (entityType: string, match: string): Component => ({ entityType, matchType: EXACT, match });
const byDefault = (entityType: string): Component => ({ entityType, matchType: DEFAULT, match: null });
const specified = (entityType: string): Component => ({ entityType, matchType: SPECIFIED, match: null });

async function describe(c: RawClient, components: Component[], strict = false, version = 1) {
  return c.request(DescribeClientQuotas, version, { components, strict });
}

/** Described entries as "user=alice,client-id=<default> → key=value,…", sorted, for comparisons. */
function flat(entries: { entity: Entity; values: { key: string; value: number }[] }[] | null): string[] {
  assert.ok(entries, 'entries');
  return entries!
    .map((e) => `${e.entity.map((x) => `${x.entityType}=${x.entityName ?? '<default>'}`).join(',')} → ${e.values.map((v) => `${v.key}=${v.value}`).join(',')}`)
    .sort();
}

const OK = { errorCode: ErrorCode.NONE, errorMessage: null };

test('alter, then describe by exact name, default, specified and strict', async () => {
  await withBroker(async (_b, c) => {
    const r = await alter(c, [
      { entity: user('alice'), ops: [set('producer_byte_rate', 1048576), set('consumer_byte_rate', 2097152)] },
      { entity: user(null), ops: [set('producer_byte_rate', 1000)] },
      { entity: userClient('alice', 'app'), ops: [set('request_percentage', 12.5)] },
      { entity: userClient(null, null), ops: [set('controller_mutation_rate', 5)] },
      { entity: client('app'), ops: [set('consumer_byte_rate', 3000)] },
      { entity: [{ entityType: 'ip', entityName: '10.0.0.1' }], ops: [set('connection_creation_rate', 100)] },
      { entity: [{ entityType: 'ip', entityName: null }], ops: [set('connection_creation_rate', 50)] },
    ]);
    assert.equal(r, [
      { ...OK, entity: user('alice') },
      { ...OK, entity: user(null) },
      { ...OK, entity: userClient('alice', 'app') },
      { ...OK, entity: userClient(null, null) },
      { ...OK, entity: client('app') },
      { ...OK, entity: [{ entityType: 'ip', entityName: '10.0.0.1' }] },
      { ...OK, entity: [{ entityType: 'ip', entityName: null }] },
    ]);

    const all = await describe(c, []);
    assert.is(all.errorCode, ErrorCode.NONE);
    assert.is(all.errorMessage, null);
    assert.equal(flat(all.entries), [
      'client-id=app → consumer_byte_rate=3000',
      'ip=10.0.0.1 → connection_creation_rate=100',
      'ip=<default> → connection_creation_rate=50',
      'user=<default> → producer_byte_rate=1000',
      'user=<default>,client-id=<default> → controller_mutation_rate=5',
      'user=alice → consumer_byte_rate=2097152,producer_byte_rate=1048576',
      'user=alice,client-id=app → request_percentage=12.5',
    ]);
    assert.equal(flat((await describe(c, [], true)).entries), [], 'strict with no components: no entity has no types');

    // EXACT: every entity naming alice; strict: alice alone.
    assert.equal(flat((await describe(c, [exact('user', 'alice')])).entries), [
      'user=alice → consumer_byte_rate=2097152,producer_byte_rate=1048576',
      'user=alice,client-id=app → request_percentage=12.5',
    ]);
    assert.equal(flat((await describe(c, [exact('user', 'alice')], true)).entries), ['user=alice → consumer_byte_rate=2097152,producer_byte_rate=1048576']);
    assert.equal(flat((await describe(c, [exact('user', 'bob')])).entries), []);
    // DEFAULT: the default user, with or without a client-id.
    assert.equal(flat((await describe(c, [byDefault('user')])).entries), [
      'user=<default> → producer_byte_rate=1000',
      'user=<default>,client-id=<default> → controller_mutation_rate=5',
    ]);
    assert.equal(flat((await describe(c, [byDefault('user'), byDefault('client-id')], true)).entries), ['user=<default>,client-id=<default> → controller_mutation_rate=5']);
    // SPECIFIED: any user, named or default; strict leaves out the <user, client-id> pairs.
    assert.equal(flat((await describe(c, [specified('user')], true)).entries), [
      'user=<default> → producer_byte_rate=1000',
      'user=alice → consumer_byte_rate=2097152,producer_byte_rate=1048576',
    ]);
    assert.equal(flat((await describe(c, [specified('client-id')])).entries), [
      'client-id=app → consumer_byte_rate=3000',
      'user=<default>,client-id=<default> → controller_mutation_rate=5',
      'user=alice,client-id=app → request_percentage=12.5',
    ]);
    assert.equal(flat((await describe(c, [specified('user'), exact('client-id', 'app')], true)).entries), ['user=alice,client-id=app → request_percentage=12.5']);
    assert.equal(flat((await describe(c, [specified('ip')], true)).entries), ['ip=10.0.0.1 → connection_creation_rate=100', 'ip=<default> → connection_creation_rate=50']);
    // v0 carries the same.
    assert.equal(flat((await describe(c, [exact('client-id', 'app')], true, 0)).entries), ['client-id=app → consumer_byte_rate=3000']);
  });
});

test('DescribeClientQuotas refuses bad filters at the top level, as Kafka', async () => {
  await withBroker(async (_b, c) => {
    const cases: [Component[], number, string][] = [
      [[{ entityType: '', matchType: SPECIFIED, match: null }], ErrorCode.INVALID_REQUEST, 'Invalid empty entity type.'],
      [[specified('user'), exact('user', 'a')], ErrorCode.INVALID_REQUEST, 'Entity type user cannot appear more than once in the filter.'],
      [[specified('group')], ErrorCode.UNSUPPORTED_VERSION, 'Unsupported entity type group'],
      [[{ entityType: 'user', matchType: EXACT, match: null }], ErrorCode.INVALID_REQUEST, 'Request specified MATCH_TYPE_EXACT, but set match string to null.'],
      [[{ entityType: 'user', matchType: DEFAULT, match: 'a' }], ErrorCode.INVALID_REQUEST, 'Request specified MATCH_TYPE_DEFAULT, but also specified a match string.'],
      [[{ entityType: 'user', matchType: SPECIFIED, match: 'a' }], ErrorCode.INVALID_REQUEST, 'Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.'],
      [[{ entityType: 'user', matchType: 7, match: null }], ErrorCode.INVALID_REQUEST, 'Unknown match type 7'],
      [
        [specified('ip'), exact('client-id', 'x')],
        ErrorCode.INVALID_REQUEST,
        'Invalid entity filter component combination. IP filter component should not be used with user or clientId filter component.',
      ],
    ];
    for (const [components, code, message] of cases) {
      const r = await describe(c, components);
      assert.is(r.errorCode, code, message);
      assert.is(r.errorMessage, message);
      assert.is(r.entries, null);
    }
  });
});

test('AlterClientQuotas refuses each bad entity with its own error, and applies the rest', async () => {
  await withBroker(async (_b, c) => {
    const bad = (entity: Entity, ops = [set('producer_byte_rate', 1000)]): QuotaAlteration => ({ entity, ops });
    const cases: [QuotaAlteration, string][] = [
      [bad([]), 'Invalid empty client quota entity'],
      [bad([...user('a'), ...user('b')]), 'Invalid client quota entity, duplicate entity entry user'],
      [bad([{ entityType: 'group', entityName: 'g' }]), 'Unhandled client quota entity type: group'],
      [bad(user('')), 'Empty user not supported'],
      [bad(userClient('u', '')), 'Empty client-id not supported'],
      [bad([...user('u'), { entityType: 'ip', entityName: '10.0.0.2' }]), 'Invalid quota entity combination, IP entity should not be combined with User or ClientId'],
      [bad([{ entityType: 'ip', entityName: 'not an ip!' }], [set('connection_creation_rate', 5)]), 'not an ip! is not a valid IP or resolvable host.'],
      [bad([{ entityType: 'ip', entityName: '300.1.2.3' }], [set('connection_creation_rate', 5)]), '300.1.2.3 is not a valid IP or resolvable host.'],
      [bad(user('u1'), [set('connection_creation_rate', 5)]), 'Invalid configuration key connection_creation_rate'],
      [bad([{ entityType: 'ip', entityName: '10.0.0.3' }], [set('producer_byte_rate', 5)]), 'Invalid configuration key producer_byte_rate'],
      [bad(user('u2'), [set('no_such_quota', 5)]), 'Invalid configuration key no_such_quota'],
      [bad(user('u3'), [set('producer_byte_rate', 0)]), 'Quota producer_byte_rate must be greater than 0'],
      [bad(user('u4'), [set('request_percentage', -1.5)]), 'Quota request_percentage must be greater than 0'],
      [bad(user('u5'), [set('producer_byte_rate', 1000.5)]), 'producer_byte_rate cannot be a fractional value.'],
      [bad([{ entityType: 'ip', entityName: '10.0.0.4' }], [set('connection_creation_rate', 2.25)]), 'connection_creation_rate cannot be a fractional value.'],
      [bad(user('u6'), [set('consumer_byte_rate', 1e19)]), 'Proposed value for consumer_byte_rate is too large for a LONG.'],
      [bad([{ entityType: 'ip', entityName: '10.0.0.5' }], [set('connection_creation_rate', 2147483648)]), 'Proposed value for connection_creation_rate is too large for an INT.'],
      [bad(user('u7'), [set('producer_byte_rate', 1000), set('producer_byte_rate', 2000)]), 'Duplicate quota key producer_byte_rate not updating quota for this entity ClientQuotaEntity(entries={user=u7})'],
      // One bad op refuses the entity's good ones too.
      [bad(user('u8'), [set('consumer_byte_rate', 1000), set('producer_byte_rate', -1)]), 'Quota producer_byte_rate must be greater than 0'],
    ];
    const good: QuotaAlteration = { entity: user('fine'), ops: [set('producer_byte_rate', 4096), set('request_percentage', 0.5)] };
    const r = await alter(c, [...cases.map(([e]) => e), good]);
    assert.is(r.length, cases.length + 1);
    cases.forEach(([e, message], i) => {
      assert.equal(r[i], { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: message, entity: e.entity }, message);
    });
    assert.equal(r[cases.length], { ...OK, entity: good.entity });
    assert.equal(flat((await describe(c, [])).entries), ['user=fine → producer_byte_rate=4096,request_percentage=0.5'], 'only the good entity was applied');

    // An entity in two entries: one result for it, and neither applied.
    const twice = await alter(c, [
      { entity: user('twice'), ops: [set('producer_byte_rate', 1)] },
      { entity: client('other'), ops: [set('producer_byte_rate', 2)] },
      { entity: user('twice'), ops: [set('consumer_byte_rate', 1)] },
    ]);
    assert.equal(twice, [
      { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Ignoring duplicate entity ClientQuotaEntity(entries={user=twice})', entity: user('twice') },
      { ...OK, entity: client('other') },
    ]);
    assert.equal(flat((await describe(c, [exact('user', 'twice')])).entries), []);

    // Accepted values: a long given as a whole double, a host name for an ip, an IPv6 address.
    const accepted = await alter(c, [
      { entity: user('big'), ops: [set('producer_byte_rate', 9007199254740992)] },
      { entity: [{ entityType: 'ip', entityName: 'localhost' }], ops: [set('connection_creation_rate', 2147483647)] },
      { entity: [{ entityType: 'ip', entityName: '::1' }], ops: [set('connection_creation_rate', 7)] },
    ]);
    assert.ok(accepted.every((x) => x.errorCode === ErrorCode.NONE), JSON.stringify(accepted));
    assert.equal(await alter(c, []), [], 'no entries, no results');
  });
});

test('removing a key deletes it, and an entity left with no quota disappears', async () => {
  await withBroker(async (_b, c) => {
    await alter(c, [{ entity: userClient('alice', null), ops: [set('producer_byte_rate', 100), set('consumer_byte_rate', 200)] }]);
    let r = await alter(c, [{ entity: userClient('alice', null), ops: [del('producer_byte_rate')] }]);
    assert.equal(r, [{ ...OK, entity: userClient('alice', null) }]);
    assert.equal(flat((await describe(c, [exact('user', 'alice'), byDefault('client-id')], true)).entries), ['user=alice,client-id=<default> → consumer_byte_rate=200']);
    // Removing what is not set, even an unknown key, is no error (Kafka does not check removals' keys).
    r = await alter(c, [{ entity: userClient('alice', null), ops: [del('request_percentage'), del('whatever')] }]);
    assert.equal(r, [{ ...OK, entity: userClient('alice', null) }]);
    // Set and remove in one entry.
    r = await alter(c, [{ entity: userClient('alice', null), ops: [del('consumer_byte_rate'), set('request_percentage', 25)] }]);
    assert.equal(r, [{ ...OK, entity: userClient('alice', null) }]);
    assert.equal(flat((await describe(c, [])).entries), ['user=alice,client-id=<default> → request_percentage=25']);
    r = await alter(c, [{ entity: userClient('alice', null), ops: [del('request_percentage')] }], false, 0);
    assert.equal(r, [{ ...OK, entity: userClient('alice', null) }]);
    assert.equal(flat((await describe(c, [])).entries), [], 'the entity is gone');
    assert.equal(flat((await describe(c, [specified('user')])).entries), []);
  });
});

test('validateOnly checks everything and changes nothing', async () => {
  await withBroker(async (b, c) => {
    await alter(c, [{ entity: user('keep'), ops: [set('producer_byte_rate', 10)] }]);
    const r = await alter(
      c,
      [
        { entity: user('keep'), ops: [set('producer_byte_rate', 20), del('producer_byte_rate')] },
        { entity: user('keep2'), ops: [set('producer_byte_rate', 30)] },
        { entity: user('bad'), ops: [set('producer_byte_rate', 1.5)] },
        { entity: user('keep'), ops: [] },
      ],
      true,
    );
    assert.equal(r, [
      { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Ignoring duplicate entity ClientQuotaEntity(entries={user=keep})', entity: user('keep') },
      { ...OK, entity: user('keep2') },
      { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'producer_byte_rate cannot be a fractional value.', entity: user('bad') },
    ]);
    const r2 = await alter(c, [{ entity: user('keep'), ops: [del('producer_byte_rate')] }, { entity: user('keep2'), ops: [set('producer_byte_rate', 30)] }], true);
    assert.ok(r2.every((x) => x.errorCode === ErrorCode.NONE));
    assert.equal(flat((await describe(c, [])).entries), ['user=keep → producer_byte_rate=10']);
    assert.equal(b.broker.security.quotas.quotasFor('keep2', 'x'), {});
  });
});

test('quotas persist across a restart with the same data dir, in the documented file', async () => {
  const dir = tempDir();
  await withBroker(async (_b, c) => {
    await alter(c, [
      { entity: user('alice'), ops: [set('producer_byte_rate', 1048576)] },
      { entity: userClient(null, 'app'), ops: [set('request_percentage', 12.5)] },
      { entity: [{ entityType: 'ip', entityName: null }], ops: [set('connection_creation_rate', 100)] },
    ]);
  }, dir);
  const file = join(dir, '__spindle_metadata', CLIENT_QUOTAS_FILE);
  assert.ok(existsSync(file), file);
  assert.not.ok(existsSync(`${file}.tmp`));
  assert.equal(JSON.parse(readFileSync(file, 'utf8')), {
    version: 1,
    entities: [
      { entity: { user: 'alice' }, quotas: { producer_byte_rate: 1048576 } },
      { entity: { ip: null }, quotas: { connection_creation_rate: 100 } },
      { entity: { user: null, 'client-id': 'app' }, quotas: { request_percentage: 12.5 } },
    ],
  }, 'the layout of the header comment');
  await withBroker(async (b, c) => {
    assert.equal(flat((await describe(c, [])).entries), [
      'ip=<default> → connection_creation_rate=100',
      'user=<default>,client-id=app → request_percentage=12.5',
      'user=alice → producer_byte_rate=1048576',
    ]);
    assert.equal(b.broker.security.quotas.quotasFor('bob', 'app'), { requestPercentage: 12.5 });
  }, dir);
});

test('a client quotas file that does not parse stops the broker at start-up', async () => {
  const dir = tempDir();
  await withBroker(async () => {}, dir);
  const file = join(dir, '__spindle_metadata', CLIENT_QUOTAS_FILE);
  for (const text of ['{ not json', JSON.stringify({ version: 1, entities: [{ entity: { user: 'a', ip: null }, quotas: { producer_byte_rate: 1 } }] })]) {
    writeFileSync(file, text);
    let error: Error | undefined;
    try {
      await (await start(dir)).close();
    } catch (e) {
      error = e as Error;
    }
    assert.ok(error, 'refused');
    assert.match(error!.message, /client-quotas\.json cannot be read/);
  }
  rmSync(file);
});

test('quotasFor: the most specific entity that sets each key (ClientQuotaManager precedence)', async () => {
  const store = new ClientQuotaStore(tempDir());
  assert.equal(store.quotasFor('alice', 'app'), {}, 'no quotas');
  const apply = async (entity: Entity, ops: ReturnType<typeof set>[]) => {
    const r = await store.alter([{ entity, ops }], false);
    assert.is(r.writeError, null);
    assert.ok(r.entries.every((e) => e.errorCode === ErrorCode.NONE), JSON.stringify(r.entries));
  };
  const P = 'producer_byte_rate';
  // Set the eight levels' producer quotas from least to most specific, checking each takes over.
  const levels: [Entity, number][] = [
    [client(null), 8],
    [client('app'), 7],
    [user(null), 6],
    [userClient(null, null), 5],
    [userClient(null, 'app'), 4],
    [user('alice'), 3],
    [userClient('alice', null), 2],
    [userClient('alice', 'app'), 1],
  ];
  for (const [entity, value] of levels) {
    await apply(entity, [set(P, value)]);
    assert.equal(store.quotasFor('alice', 'app'), { producerByteRate: value }, `level ${value} takes over`);
  }
  // Others fall to the levels that match them.
  assert.equal(store.quotasFor('alice', 'other'), { producerByteRate: 2 }, '/users/alice/clients/<default>');
  assert.equal(store.quotasFor('bob', 'app'), { producerByteRate: 4 }, '/users/<default>/clients/app');
  assert.equal(store.quotasFor('bob', 'other'), { producerByteRate: 5 }, '/users/<default>/clients/<default>');
  // Removing them from most specific down, each time the next level shows.
  for (const [entity, value] of [...levels].reverse()) {
    assert.equal(store.quotasFor('alice', 'app'), { producerByteRate: value });
    await apply(entity, [del(P)]);
  }
  assert.equal(store.quotasFor('alice', 'app'), {});
  assert.equal(store.describe([], false), [], 'every entity gone');

  // Per key: each comes from the most specific entity that sets that key.
  await apply(userClient('alice', 'app'), [set('request_percentage', 50)]);
  await apply(user('alice'), [set('producer_byte_rate', 1000)]);
  await apply(user(null), [set('consumer_byte_rate', 2000), set('producer_byte_rate', 1)]);
  await apply(client(null), [set('controller_mutation_rate', 3), set('consumer_byte_rate', 9)]);
  assert.equal(store.quotasFor('alice', 'app'), { producerByteRate: 1000, consumerByteRate: 2000, requestPercentage: 50, controllerMutationRate: 3 });
  assert.equal(store.quotasFor('carol', 'app'), { producerByteRate: 1, consumerByteRate: 2000, controllerMutationRate: 3 });
  // An empty client-id: only /users/<user> and /users/<default>; an empty user: only the client levels.
  await apply(userClient('alice', null), [set('request_percentage', 75)]);
  assert.equal(store.quotasFor('alice', ''), { producerByteRate: 1000, consumerByteRate: 2000 });
  assert.equal(store.quotasFor('', 'app'), { consumerByteRate: 9, controllerMutationRate: 3 });
  assert.equal(store.quotasFor('', ''), {});
  // The cache follows changes, and the answers are frozen.
  const before = store.quotasFor('alice', 'app');
  assert.is(store.quotasFor('alice', 'app'), before, 'cached');
  assert.ok(Object.isFrozen(before));
  await apply(userClient('alice', 'app'), [set('producer_byte_rate', 5)]);
  assert.equal(store.quotasFor('alice', 'app'), { producerByteRate: 5, consumerByteRate: 2000, requestPercentage: 50, controllerMutationRate: 3 });
  // IP quotas never reach a user's quotas.
  await apply([{ entityType: 'ip', entityName: null }], [set('connection_creation_rate', 10)]);
  assert.equal(store.quotasFor('', ''), {});
});

test('a write that fails leaves the quotas as they were and answers UNKNOWN_SERVER_ERROR', async () => {
  const dir = tempDir();
  const store = new ClientQuotaStore(dir);
  await store.alter([{ entity: user('a'), ops: [set('producer_byte_rate', 1)] }], false);
  injectFaults([{ op: 'fsync', code: 'EIO', path: CLIENT_QUOTAS_FILE }]);
  try {
    const r = await store.alter([{ entity: user('a'), ops: [set('producer_byte_rate', 2)] }, { entity: user('b'), ops: [set('producer_byte_rate', 0)] }], false);
    assert.ok(r.writeError);
    assert.equal(r.entries, [
      { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: 'The quotas could not be stored', entity: user('a') },
      { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Quota producer_byte_rate must be greater than 0', entity: user('b') },
    ]);
  } finally {
    clearFaults();
  }
  assert.equal(store.quotasFor('a', 'x'), { producerByteRate: 1 });
  assert.equal(new ClientQuotaStore(dir).quotasFor('a', 'x'), { producerByteRate: 1 }, 'and on disk');
});

const missing = kafkaMissing();
needs(missing)('kafka-configs sets and describes user and client quotas', async () => {
  const b = await start();
  try {
    const tool = async (args: string[]) => {
      const r = await runKafkaTool('kafka-configs', ['--bootstrap-server', b.bootstrap, ...args]);
      assert.is(r.code, 0, `kafka-configs ${args.join(' ')}: ${r.stdout}${r.stderr}`);
      return r.stdout;
    };
    const quotas = 'producer_byte_rate=1048576,consumer_byte_rate=2097152';
    assert.is(await tool(['--alter', '--add-config', quotas, '--entity-type', 'users', '--entity-name', 'alice']), "Completed updating config for user alice.\n");
    assert.is(await tool(['--alter', '--add-config', quotas, '--entity-type', 'clients', '--entity-default']), 'Completed updating default config for clients in the cluster.\n');
    const alice = await tool(['--describe', '--entity-type', 'users', '--entity-name', 'alice']);
    assert.is(alice, "Quota configs for user-principal 'alice' are consumer_byte_rate=2097152.0, producer_byte_rate=1048576.0\n");
    const users = await tool(['--describe', '--entity-type', 'users']);
    assert.is(users, "Quota configs for user-principal 'alice' are consumer_byte_rate=2097152.0, producer_byte_rate=1048576.0\n");
    const clients = await tool(['--describe', '--entity-type', 'clients', '--entity-default']);
    assert.is(clients, 'Quota configs for the default client-id are consumer_byte_rate=2097152.0, producer_byte_rate=1048576.0\n');
    assert.equal(b.broker.security.quotas.quotasFor('alice', 'any'), { producerByteRate: 1048576, consumerByteRate: 2097152 });
  } finally {
    await b.close();
  }
});

test.run();
