/**
 * A progress line on stderr for long-running transfers: records and bytes so far, records/s and
 * MB/s, and a bar with a percentage when the total is known (a file's size).
 *
 *   [==============>               ]  48%  512,000 records  205,000 records/s  19.6 MB/s
 *
 * On a terminal it is redrawn in place every REDRAW_MS; elsewhere (a log file, a test) nothing
 * is drawn until the end, when one summary line is printed either way. MB are 10^6 bytes.
 *
 * Main thread.
 */

/** Often enough to look live, rarely enough to cost nothing: 10 redraws a second. */
export const REDRAW_MS = 100;
const BAR_WIDTH = 30;

export class Progress {
  private readonly startedMs = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private records = 0;
  private bytes = 0;
  private doneBytes = 0;
  private drawn = false;

  constructor(
    private readonly totalBytes: number | undefined,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  /** Starts redrawing, on a terminal only. */
  start(): void {
    if (!this.stream.isTTY || this.timer) return;
    this.timer = setInterval(() => this.draw(), REDRAW_MS);
    this.timer.unref();
  }

  /** Counts acknowledged records and their bytes; `inputBytes` is how far through the input we are. */
  update(records: number, bytes: number, inputBytes?: number): void {
    this.records = records;
    this.bytes = bytes;
    if (inputBytes !== undefined) this.doneBytes = inputBytes;
  }

  line(): string {
    const seconds = Math.max((performance.now() - this.startedMs) / 1000, 1e-3);
    const rate = `${fmt(Math.round(this.records / seconds))} records/s  ${(this.bytes / 1e6 / seconds).toFixed(1)} MB/s`;
    const count = `${fmt(this.records)} records`;
    if (this.totalBytes && this.totalBytes > 0) {
      const fraction = Math.min(this.doneBytes / this.totalBytes, 1);
      const filled = Math.round(fraction * BAR_WIDTH);
      const bar = `[${'='.repeat(Math.max(filled - 1, 0))}${filled > 0 ? (filled === BAR_WIDTH ? '=' : '>') : ''}${' '.repeat(BAR_WIDTH - filled)}]`;
      return `${bar} ${String(Math.floor(fraction * 100)).padStart(3)}%  ${count}  ${rate}`;
    }
    return `${count}  ${rate}`;
  }

  private draw(): void {
    this.stream.write(`\r${this.line()}\x1b[K`);
    this.drawn = true;
  }

  /** Stops redrawing and prints the summary line. */
  finish(what: string): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const seconds = Math.max((performance.now() - this.startedMs) / 1000, 1e-3);
    const summary = `${what} ${fmt(this.records)} records (${(this.bytes / 1e6).toFixed(1)} MB) in ${seconds.toFixed(1)} s: ${fmt(Math.round(this.records / seconds))} records/s, ${(this.bytes / 1e6 / seconds).toFixed(1)} MB/s`;
    this.stream.write(`${this.drawn ? '\r\x1b[K' : ''}${summary}\n`);
  }
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}
