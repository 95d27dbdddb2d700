/**
 * Runs async tasks one after another, each starting when the one before it has settled: for a
 * store whose change is read, written to disk and applied as one step, so that no two changes
 * interleave between reading the state and writing the file.
 *
 * Any thread; a queue belongs to the thread that made it.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** Resolves or rejects as `task` does, once every task given before it has settled. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.then(
      () => {},
      () => {},
    );
    return result;
  }
}
