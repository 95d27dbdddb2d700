/**
 * The `spindle` command line: parses the subcommand and hands over to it.
 * Data goes to stdout; logs, progress and errors to stderr; a failure exits non-zero.
 */
import { runBroker } from './broker.js';

const USAGE = `Usage: spindle <command> [options]

Commands:
  broker      run the broker (what \`npm start\` runs)
  help        show this help

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
    case 'broker':
      return runBroker(rest);
    default:
      console.error(`spindle: unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}
