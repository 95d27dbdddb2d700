/**
 * The `spindle` command line: parses the subcommand and hands over to it.
 * Data goes to stdout; logs, progress and errors to stderr; a failure exits non-zero.
 */
import { runAcls } from './acls.js';
import { spindleVersion } from './args.js';
import { runBroker } from './broker.js';
import { runConfigs } from './configs.js';
import { runConsume } from './consume.js';
import { runGroups } from './groups.js';
import { runProduce } from './produce.js';
import { runTopics } from './topics.js';
import { runTransactions } from './transactions.js';

const USAGE = `Usage: spindle <command> [options]

Commands:
  broker      run the broker (what \`npm start\` runs)
  cluster     \`cluster up\`: ZooKeeper and several brokers on this machine, for development
  topics      create, list, describe, alter and delete topics
  produce     send lines of standard input or a file as records
  consume     print the records of a topic
  groups      list, describe, reset and delete consumer groups
  configs     describe and alter topic and broker configs
  acls        add, list and remove ACLs
  transactions  list and describe transactions, find and abort hanging ones
  perf        measure a broker: the benchmark harness (npm run bench runs its full preset)
  help        show this help (--version: Spindle's version)

The client commands connect to --bootstrap-server HOST:PORT, by default
$SPINDLE_BOOTSTRAP_SERVER or localhost:9092.

Run 'spindle <command> --help' for a command's options.`;

export async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    case '--version':
    case 'version':
      console.log(spindleVersion());
      return 0;
    case 'broker':
      return runBroker(rest);
    case 'topics':
      return runTopics(rest);
    case 'produce':
      return runProduce(rest);
    case 'consume':
      return runConsume(rest);
    case 'groups':
      return runGroups(rest);
    case 'configs':
      return runConfigs(rest);
    case 'transactions':
      return runTransactions(rest);
    case 'acls':
      return runAcls(rest);
    case 'perf':
      return (await import('./perf.js')).runPerfCommand(rest);
    case 'cluster':
      return (await import('./cluster.js')).runCluster(rest);
    default:
      console.error(`spindle: unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}
