/**
 * Logger: how the storage engine and everything above it report what happened, without knowing
 * where the lines go. Core code never writes to the console; it is handed a Logger (a partition
 * worker's forwards each line to the main thread, whose Logger writes stderr).
 *
 * Levels are Kafka's log4j ones that Spindle uses: ERROR for faults that take something
 * offline or lose work, WARN for what an operator should look at, INFO for the start-up report
 * and recoveries. A message is one line; an error's stack follows it on the next lines.
 *
 * Any thread; a Logger is not shared across threads.
 */

export type LogLevel = 'ERROR' | 'WARN' | 'INFO';

export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
}

/** Lines as `[LEVEL] message`, ERROR and WARN always, INFO only when `verbose`. */
export function streamLogger(write: (line: string) => void, verbose: boolean): Logger {
  return {
    error: (m) => write(`[ERROR] ${m}`),
    warn: (m) => write(`[WARN] ${m}`),
    info: (m) => {
      if (verbose) write(`[INFO] ${m}`);
    },
  };
}

/** Writes ERROR and WARN lines to stderr, INFO lines too when `verbose`. */
export function stderrLogger(verbose = false): Logger {
  return streamLogger((line) => process.stderr.write(`${line}\n`), verbose);
}

/** Drops everything: for tests that provoke faults on purpose and check their effects instead. */
export const SILENT_LOGGER: Logger = Object.freeze({ error: () => {}, warn: () => {}, info: () => {} });

/** A message with the error's stack (or its text, for a non-Error throw) on the lines after it. */
export function withStack(message: string, e: unknown): string {
  return `${message}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
}
