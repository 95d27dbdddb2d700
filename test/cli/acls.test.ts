/**
 * `spindle acls` as a child process, against a broker running Kafka's StandardAuthorizer with
 * super.users=User:ANONYMOUS (so the PLAINTEXT client may manage ACLs): --add (allow and deny,
 * several principals, hosts and operations, prefixed names, the --producer and --consumer
 * conveniences, --idempotent, ACLs already there), --list (every ACL, one resource, the match and
 * any filters, --principal), --remove (with --force, and answering its question on standard
 * input), the usage errors in Kafka's words, and a broker without an authorizer.
 *
 * Where Java and Kafka's jars are there, Kafka 4's kafka-acls runs against the same broker and
 * its output is compared with spindle's byte for byte. Kafka's tool iterates hash sets whose
 * order follows the JVM's identity hash codes, not the data, so for a resource with several
 * ACLs, or several resources, the comparison is of the same blocks and lines in a canonical
 * order; each single-ACL output is compared as it is.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kafkaMissing, runKafkaTool } from '../../bench/kafka/kafka.js';
import { needs } from '../helpers/needs.js';
import { loud, spindle, type TestBroker, testBroker } from './helpers.js';

const AUTHORIZER = { 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'super.users': 'User:ANONYMOUS' };

let b: TestBroker;
let open: TestBroker;

test.before(
  loud(async () => {
    b = await testBroker(AUTHORIZER);
    open = await testBroker();
  }),
);

test.after(async () => {
  await b?.stop();
  await open?.stop();
});

const acls = (...args: string[]) => spindle(['acls', ...args, ...b.flag]);

const pattern = (type: string, name: string, patternType = 'LITERAL'): string => `ResourcePattern(resourceType=${type}, name=${name}, patternType=${patternType})`;
const entry = (principal: string, host: string, operation: string, permission = 'ALLOW'): string => `(principal=${principal}, host=${host}, operation=${operation}, permissionType=${permission})`;
const adding = (p: string, entries: string[]): string => `Adding ACLs for resource \`${p}\`: \n ${entries.map((e) => `\t${e}`).join('\n')}\n\n`;
const current = (p: string, entries: string[]): string => `Current ACLs for resource \`${p}\`:\n${entries.map((e) => `\t${e}`).join('\n')}\n\n`;

/**
 * Kafka's blocks with their entry lines sorted, the blocks sorted: what is printed, whatever the
 * order. The space "Adding ACLs" puts before its first entry goes with that entry, so it is
 * dropped here (the single-ACL outputs, compared whole, keep it).
 */
function canonical(text: string): string {
  // Kafka's tool lists resources in hash-map order, which differs between JVM runs (enum hash
  // codes are identity hashes): a principal's header goes apart, so that the first resource
  // block is sorted like the others.
  return text
    .replace(/^(ACLs for principal `[^`]*`)\n(?!\n)/gm, '$1\n\n')
    .split('\n\n')
    .filter((block) => block.length > 0)
    .map((block) => {
      const [head, ...rest] = block.split('\n');
      return [head, ...rest.map((l) => l.replace(/^ \t/, '\t')).sort()].join('\n');
    })
    .sort()
    .join('\n\n');
}

test('--add prints each resource with its new entries as Kafka does: every principal × operation × host, allow then deny', async () => {
  const r = await acls('--add', '--allow-principal', 'User:alice', '--allow-principal', 'User:bob', '--allow-host', '10.0.0.1', '--allow-host', '10.0.0.2', '--operation', 'Read', '--operation', 'describe', '--deny-principal', 'User:mallory', '--deny-host', '10.0.0.9', '--topic', 'orders', '--group', 'billing');
  assert.is(r.code, 0, r.stderr);
  const allowed = ['User:alice', 'User:bob'].flatMap((p) => ['READ', 'DESCRIBE'].flatMap((op) => ['10.0.0.1', '10.0.0.2'].map((h) => entry(p, h, op))));
  const denied = ['READ', 'DESCRIBE'].map((op) => entry('User:mallory', '10.0.0.9', op, 'DENY'));
  assert.is(r.stdout, adding(pattern('TOPIC', 'orders'), [...allowed, ...denied]) + adding(pattern('GROUP', 'billing'), [...allowed, ...denied]));
  assert.is(r.stderr, '');

  const list = await acls('--list', '--topic', 'orders');
  assert.is(list.code, 0, list.stderr);
  // Sorted: principal, host, then operation (READ before DESCRIBE by code) and permission.
  const sorted = ['User:alice', 'User:bob'].flatMap((p) => ['10.0.0.1', '10.0.0.2'].flatMap((h) => ['READ', 'DESCRIBE'].map((op) => entry(p, h, op))));
  assert.is(list.stdout, current(pattern('TOPIC', 'orders'), [...sorted, ...denied]));
});

test('an ACL already there is reported as Kafka reports it and not sent again; the rest are added', async () => {
  const r = await acls('--add', '--allow-principal', 'User:alice', '--allow-host', '10.0.0.1', '--operation', 'Read', '--operation', 'Write', '--topic', 'orders');
  assert.is(r.code, 0, r.stderr);
  assert.is(
    r.stdout,
    `Acl (pattern=${pattern('TOPIC', 'orders')}, entry=${entry('User:alice', '10.0.0.1', 'READ')}) already exists.\n` + adding(pattern('TOPIC', 'orders'), [entry('User:alice', '10.0.0.1', 'WRITE')]),
  );
  const again = await acls('--add', '--allow-principal', 'User:alice', '--allow-host', '10.0.0.1', '--operation', 'Write', '--topic', 'orders');
  assert.is(again.stdout, `Acl (pattern=${pattern('TOPIC', 'orders')}, entry=${entry('User:alice', '10.0.0.1', 'WRITE')}) already exists.\n`);
});

test('prefixed ACLs; --list with the match filter shows what applies to a name, any the exact name of every pattern type', async () => {
  const r = await acls('--add', '--allow-principal', 'User:*', '--operation', 'Read', '--topic', 'logs-', '--resource-pattern-type', 'prefixed');
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, adding(pattern('TOPIC', 'logs-', 'PREFIXED'), [entry('User:*', '*', 'READ')]));
  assert.is((await acls('--add', '--allow-principal', 'User:carol', '--topic', 'logs-')).code, 0);
  assert.is((await acls('--add', '--deny-principal', 'User:mallory', '--operation', 'All', '--topic', '*')).code, 0);

  const match = await acls('--list', '--topic', 'logs-app', '--resource-pattern-type', 'match');
  assert.is(match.code, 0, match.stderr);
  assert.is(match.stdout, current(pattern('TOPIC', '*'), [entry('User:mallory', '*', 'ALL', 'DENY')]) + current(pattern('TOPIC', 'logs-', 'PREFIXED'), [entry('User:*', '*', 'READ')]));
  const any = await acls('--list', '--topic', 'logs-', '--resource-pattern-type', 'any');
  assert.is(any.stdout, current(pattern('TOPIC', 'logs-'), [entry('User:carol', '*', 'ALL')]) + current(pattern('TOPIC', 'logs-', 'PREFIXED'), [entry('User:*', '*', 'READ')]));
  const literal = await acls('--list', '--topic', 'logs-');
  assert.is(literal.stdout, current(pattern('TOPIC', 'logs-'), [entry('User:carol', '*', 'ALL')]));
});

test('--producer (--transactional-id, --idempotent) and --consumer stand for the ACLs Kafka lists for them', async () => {
  const p = await acls('--add', '--allow-principal', 'User:pat', '--producer', '--topic', 'events', '--transactional-id', 'tx-1', '--idempotent');
  assert.is(p.code, 0, p.stderr);
  assert.is(
    p.stdout,
    adding(pattern('TOPIC', 'events'), ['WRITE', 'DESCRIBE', 'CREATE'].map((op) => entry('User:pat', '*', op))) +
      adding(pattern('TRANSACTIONAL_ID', 'tx-1'), ['WRITE', 'DESCRIBE'].map((op) => entry('User:pat', '*', op))) +
      adding(pattern('CLUSTER', 'kafka-cluster'), [entry('User:pat', '*', 'IDEMPOTENT_WRITE')]),
  );
  const c = await acls('--add', '--allow-principal', 'User:cy', '--allow-host', '10.1.1.1', '--consumer', '--topic', 'events', '--group', 'readers');
  assert.is(c.code, 0, c.stderr);
  assert.is(c.stdout, adding(pattern('TOPIC', 'events'), ['READ', 'DESCRIBE'].map((op) => entry('User:cy', '10.1.1.1', op))) + adding(pattern('GROUP', 'readers'), [entry('User:cy', '10.1.1.1', 'READ')]));
  // Both at once: the producer's ACLs and the consumer's on the topic, DESCRIBE once.
  const both = await acls('--add', '--allow-principal', 'User:duo', '--producer', '--consumer', '--topic', 'events', '--group', 'readers');
  assert.is(both.code, 0, both.stderr);
  assert.is(both.stdout, adding(pattern('TOPIC', 'events'), ['WRITE', 'DESCRIBE', 'CREATE', 'READ'].map((op) => entry('User:duo', '*', op))) + adding(pattern('GROUP', 'readers'), [entry('User:duo', '*', 'READ')]));
});

test('--list without a resource lists every ACL, resources sorted; --principal only those of each principal', async () => {
  const all = await acls('--list');
  assert.is(all.code, 0, all.stderr);
  const heads = all.stdout.split('\n').filter((l) => l.startsWith('Current ACLs'));
  assert.equal(heads, [
    `Current ACLs for resource \`${pattern('TOPIC', '*')}\`:`,
    `Current ACLs for resource \`${pattern('TOPIC', 'events')}\`:`,
    `Current ACLs for resource \`${pattern('TOPIC', 'logs-')}\`:`,
    `Current ACLs for resource \`${pattern('TOPIC', 'logs-', 'PREFIXED')}\`:`,
    `Current ACLs for resource \`${pattern('TOPIC', 'orders')}\`:`,
    `Current ACLs for resource \`${pattern('GROUP', 'billing')}\`:`,
    `Current ACLs for resource \`${pattern('GROUP', 'readers')}\`:`,
    `Current ACLs for resource \`${pattern('CLUSTER', 'kafka-cluster')}\`:`,
    `Current ACLs for resource \`${pattern('TRANSACTIONAL_ID', 'tx-1')}\`:`,
  ]);
  const mine = await acls('--list', '--principal', 'User:cy', '--principal', 'User:nobody');
  assert.is(mine.code, 0, mine.stderr);
  assert.is(
    mine.stdout,
    'ACLs for principal `User:cy`\n' +
      current(pattern('TOPIC', 'events'), ['READ', 'DESCRIBE'].map((op) => entry('User:cy', '10.1.1.1', op))) +
      current(pattern('GROUP', 'readers'), [entry('User:cy', '10.1.1.1', 'READ')]) +
      'ACLs for principal `User:nobody`\n',
  );
  const cluster = await acls('--list', '--cluster', '--principal', 'User:pat');
  assert.is(cluster.stdout, 'ACLs for principal `User:pat`\n' + current(pattern('CLUSTER', 'kafka-cluster'), [entry('User:pat', '*', 'IDEMPOTENT_WRITE')]));
});

test('--remove --force removes the entries named, or every ACL of the resource without a principal, and prints nothing', async () => {
  const one = await acls('--remove', '--force', '--allow-principal', 'User:alice', '--allow-host', '10.0.0.1', '--operation', 'Write', '--topic', 'orders');
  assert.is(one.code, 0, one.stderr);
  assert.is(one.stdout, '');
  assert.not.match((await acls('--list', '--topic', 'orders')).stdout, /operation=WRITE/);
  const all = await acls('--remove', '--force', '--topic', 'orders', '--group', 'billing');
  assert.is(all.code, 0, all.stderr);
  assert.is(all.stdout, '');
  assert.is((await acls('--list', '--topic', 'orders', '--group', 'billing')).stdout, '');
  // The match filter removes what applies to the name: the literal '*' and the prefix.
  assert.is((await acls('--remove', '--force', '--topic', 'logs-x', '--resource-pattern-type', 'match')).code, 0);
  assert.is((await acls('--list', '--topic', 'logs-x', '--resource-pattern-type', 'match')).stdout, '');
  assert.is((await acls('--list', '--topic', 'logs-')).stdout, current(pattern('TOPIC', 'logs-'), [entry('User:carol', '*', 'ALL')]), 'the literal logs- stays');
});

test('--remove without --force asks for each resource filter and goes on only on y', async () => {
  assert.is((await acls('--add', '--allow-principal', 'User:q', '--topic', 'q1', '--topic', 'q2')).code, 0);
  const r = await spindle(['acls', '--remove', '--topic', 'q1', '--topic', 'q2', ...b.flag], { input: 'n\ny\n' });
  assert.is(r.code, 0, r.stderr);
  assert.is(
    r.stdout,
    `Are you sure you want to delete all ACLs for resource filter \`${pattern('TOPIC', 'q1')}\`? (y/n)\nAre you sure you want to delete all ACLs for resource filter \`${pattern('TOPIC', 'q2')}\`? (y/n)\n`,
  );
  assert.is((await acls('--list', '--topic', 'q1')).stdout, current(pattern('TOPIC', 'q1'), [entry('User:q', '*', 'ALL')]));
  assert.is((await acls('--list', '--topic', 'q2')).stdout, '');
  const named = await spindle(['acls', '--remove', '--allow-principal', 'User:q', '--topic', 'q1', ...b.flag], { input: '' });
  assert.is(named.stdout, `Are you sure you want to remove ACLs: \n \t${entry('User:q', '*', 'ALL')}\n from resource filter \`${pattern('TOPIC', 'q1')}\`? (y/n)\n`);
  assert.ok((await acls('--list', '--topic', 'q1')).stdout.length > 0, 'no answer: nothing removed');
});

test('usage errors are one line in Kafka\'s words, exit code 2, before connecting', async () => {
  const cases: [string[], string][] = [
    [[], 'Command must include exactly one action: --list, --add, --remove.'],
    [['--add', '--list'], 'Command must include exactly one action: --list, --add, --remove.'],
    [['--list', '--producer'], 'Option "[list]" can\'t be used with option "[producer]"'],
    [['--add', '--producer', '--operation', 'Read', '--topic', 't'], 'Option "[producer]" can\'t be used with option "[operation]"'],
    [['--add', '--consumer', '--topic', 't', '--group', 'g', '--deny-principal', 'User:x'], 'Option "[consumer]" can\'t be used with option "[deny-principal]"'],
    [['--add', '--principal', 'User:x', '--topic', 't'], 'The --principal option is only available if --list is set'],
    [['--add', '--producer', '--allow-principal', 'User:x'], 'With --producer you must specify a --topic'],
    [['--add', '--idempotent', '--topic', 't'], 'The --idempotent option is only available if --producer is set'],
    [['--add', '--consumer', '--topic', 't'], 'With --consumer you must specify a --topic and a --group and no --cluster or --transactional-id option should be specified.'],
    [['--add', '--allow-principal', 'User:x'], 'You must provide at least one resource: --topic <topic> or --cluster or --group <group> or --delegation-token <Delegation Token ID>'],
    [['--add', '--topic', 't'], 'You must specify one of: --allow-principal, --deny-principal when trying to add ACLs.'],
    [['--add', '--allow-principal', 'alice', '--topic', 't'], '--allow-principal: expected a string in format principalType:principalName but got alice'],
    [['--add', '--allow-principal', 'User:x', '--operation', 'IdempotentWrite', '--topic', 't'], 'ResourceType TOPIC only supports operations [ALL, READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS]'],
    [['--add', '--allow-principal', 'User:x', '--operation', 'Read', '--cluster'], 'ResourceType CLUSTER only supports operations [ALL, CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE]'],
    [['--add', '--allow-principal', 'User:x', '--operation', 'Fly', '--topic', 't'], "--operation: unknown operation 'Fly'; valid operations are: All, Read,"],
    [['--add', '--allow-principal', 'User:x', '--topic', 't', '--resource-pattern-type', 'match'], "A '--resource-pattern-type' value of 'MATCH' is not valid when adding acls."],
    [['--list', '--resource-pattern-type', 'sideways'], 'Unknown resource-pattern-type: sideways'],
    [['--add', '--allow-principal', 'User:x', '--cluster', '--resource-pattern-type', 'prefixed'], '--cluster names the literal resource kafka-cluster'],
    [['--remove', '--operation', 'Read', '--topic', 't'], '--operation with --remove needs --allow-principal or --deny-principal'],
    [['--add', '--allow-host', '10.0.0.1', '--deny-principal', 'User:x', '--topic', 't'], '--allow-host goes with --allow-principal'],
    [['--list', '--authorizer-properties', 'zookeeper.connect=localhost:2181'], "--authorizer-properties is not supported: it configured Kafka 3's ZooKeeper-era"],
    [['--list', '--authorizer', 'kafka.security.authorizer.AclAuthorizer'], '--authorizer is not supported:'],
    [['--list', '--bootstrap-controller', 'localhost:9093'], '--bootstrap-controller is not supported:'],
  ];
  for (const [args, message] of cases) {
    // A port nothing listens on: every one of these fails before connecting.
    const r = await spindle(['acls', ...args, '--bootstrap-server', '127.0.0.1:1']);
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.is(r.stdout, '');
    assert.ok(r.stderr.startsWith(`spindle acls: ${message}`), `${args.join(' ')}: ${r.stderr}`);
    assert.is(r.stderr.split('\n').length, 2, r.stderr);
  }
});

test('a broker without an authorizer: one line naming authorizer.class.name, exit code 1', async () => {
  for (const args of [['--list'], ['--add', '--allow-principal', 'User:x', '--topic', 't'], ['--remove', '--force', '--topic', 't']]) {
    const r = await spindle(['acls', ...args, ...open.flag]);
    assert.is(r.code, 1, r.stderr);
    assert.is(r.stdout, '');
    assert.match(r.stderr, /^spindle acls: (describing|deleting) ACLs: the broker has no authorizer \(SECURITY_DISABLED: No Authorizer is configured\.\); ACLs need authorizer\.class\.name=org\.apache\.kafka\.metadata\.authorizer\.StandardAuthorizer in the broker's configuration\n$/);
  }
});

const missing = kafkaMissing();

needs(missing)("spindle acls prints what Kafka 4's kafka-acls prints for the same ACLs, --add, --list and --remove", async () => {
  const kafka = async (...args: string[]): Promise<string> => {
    const r = await runKafkaTool('kafka-acls', ['--bootstrap-server', b.bootstrap, ...args]);
    assert.is(r.code, 0, `kafka-acls ${args.join(' ')}: ${r.stdout}${r.stderr}`);
    return r.stdout;
  };
  const ours = async (...args: string[]): Promise<string> => {
    const r = await acls(...args);
    assert.is(r.code, 0, `spindle acls ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const one = ['--add', '--allow-principal', 'User:kim', '--operation', 'Read', '--topic', 'k-one'];
  // --add of one ACL: Kafka's tool, then removed, then spindle's, on the same state.
  const theirAdd = await kafka(...one);
  const theirExists = await kafka(...one);
  const theirList = await kafka('--list', '--topic', 'k-one');
  assert.is(await kafka('--remove', '--force', '--topic', 'k-one'), '');
  assert.is(await ours('--list', '--topic', 'k-one'), '', "Kafka's --remove removed it");
  assert.is(await ours(...one), theirAdd);
  assert.is(await ours(...one), theirExists);
  assert.is(await ours('--list', '--topic', 'k-one'), theirList);
  assert.is(theirList, current(pattern('TOPIC', 'k-one'), [entry('User:kim', '*', 'READ')]));

  // Several resources and entries: the same blocks and lines.
  const many = ['--add', '--allow-principal', 'User:lee', '--allow-principal', 'User:max', '--allow-host', '10.2.0.1', '--deny-principal', 'User:ned', '--operation', 'Read', '--operation', 'Describe', '--topic', 'k-many', '--group', 'k-group'];
  const theirMany = await kafka(...many);
  assert.is(await kafka('--remove', '--force', '--topic', 'k-many', '--group', 'k-group'), '');
  const ourMany = await ours(...many);
  assert.is(canonical(ourMany), canonical(theirMany));
  const prefixed = ['--add', '--allow-principal', 'User:lee', '--producer', '--topic', 'k-pre-', '--resource-pattern-type', 'prefixed', '--transactional-id', 'k-tx', '--idempotent'];
  const theirPrefixed = await kafka(...prefixed);
  assert.is(await kafka(...prefixed.map((a) => (a === '--add' ? '--remove' : a)), '--force'), '');
  assert.not.match(await ours('--list', '--principal', 'User:lee'), /k-pre-|k-tx|IDEMPOTENT_WRITE/, "Kafka's --remove --producer removed them");
  assert.is(canonical(await ours(...prefixed)), canonical(theirPrefixed));

  for (const list of [['--list'], ['--list', '--topic', 'k-many', '--group', 'k-group'], ['--list', '--topic', 'k-pre-x', '--resource-pattern-type', 'match'], ['--list', '--principal', 'User:lee']]) {
    const theirs = await kafka(...list);
    assert.ok(theirs.length > 0, list.join(' '));
    assert.is(canonical(await ours(...list)), canonical(theirs), list.join(' '));
  }
  // --remove: nothing printed by either, and the other's --list sees the ACLs gone.
  assert.is(await ours('--remove', '--force', '--allow-principal', 'User:max', '--allow-host', '10.2.0.1', '--operation', 'Read', '--topic', 'k-many'), '');
  const after = await kafka('--list', '--topic', 'k-many');
  assert.not.match(after, /User:max, host=10\.2\.0\.1, operation=READ/);
  assert.is(canonical(await ours('--list', '--topic', 'k-many')), canonical(after));
});

test.run();
