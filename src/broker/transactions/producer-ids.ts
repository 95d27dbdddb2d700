/**
 * Producer ids: unique across restarts, for idempotent and transactional producers alike.
 *
 * They are handed out from blocks of
 * PRODUCER_ID_BLOCK_SIZE, and the end of a block is written durably before any id of it is
 * given out:
 *
 *   <first log dir>/__spindle_metadata/producer-ids.json     {"version":1,"nextBlockStart":2000}
 *
 * written to a `.tmp` file, fsynced, renamed over the old one, the directory fsynced. A restart
 * starts at nextBlockStart, from which no id was ever given: at most one block of ids goes unused
 * per restart.
 *
 * When no block can be made durable (an I/O error, an unreadable file) the answer is the
 * retriable COORDINATOR_LOAD_IN_PROGRESS, Kafka's answer when its id manager has no block yet.
 *
 * Main thread.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileDurably } from '../../core/fs.js';
import { METADATA_DIR } from '../../core/topic-store.js';
import type { Broker } from '../broker.js';

export const PRODUCER_IDS_FILE = 'producer-ids.json';
/** Kafka's ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE: one durable write per thousand producers. */
export const PRODUCER_ID_BLOCK_SIZE = 1000;
/** Ids stay exact as JavaScript numbers (every int64 in Spindle is exact below 2^53). */
const MAX_PRODUCER_ID = Number.MAX_SAFE_INTEGER;

/** Durable allocation of producer ids in blocks (Kafka's ProducerIdManager, for one node). */
export class ProducerIdBlocks {
  readonly file: string;
  private next: number;
  private blockEnd: number;

  constructor(metadataDir: string) {
    mkdirSync(metadataDir, { recursive: true });
    this.file = join(metadataDir, PRODUCER_IDS_FILE);
    this.next = this.readNextBlockStart();
    this.blockEnd = this.next;
  }

  private readNextBlockStart(): number {
    if (!existsSync(this.file)) return 0;
    const saved = JSON.parse(readFileSync(this.file, 'utf8')) as { version?: unknown; nextBlockStart?: unknown };
    const start = saved.nextBlockStart;
    if (saved.version !== 1 || typeof start !== 'number' || !Number.isSafeInteger(start) || start < 0) {
      throw new Error(`${this.file}: not a producer id block record (version 1 with a nextBlockStart)`);
    }
    return start;
  }

  /** The block being persisted, which every caller needing a new block waits for. */
  private persisting: Promise<void> | undefined;

  /**
   * The next producer id; a new block is persisted first when the current one is used up, on
   * the thread pool (the main thread serves requests meanwhile), one block at a time.
   */
  async nextId(): Promise<number> {
    while (this.next >= this.blockEnd) {
      if (!this.persisting) {
        const end = this.next + PRODUCER_ID_BLOCK_SIZE;
        if (end > MAX_PRODUCER_ID) throw new Error('producer ids are exhausted');
        this.persisting = writeFileDurably(this.file, Buffer.from(`${JSON.stringify({ version: 1, nextBlockStart: end })}\n`), dirname(this.file)).then(
          () => {
            this.blockEnd = end;
            this.persisting = undefined;
          },
          (e: unknown) => {
            this.persisting = undefined;
            throw e;
          },
        );
      }
      await this.persisting;
    }
    return this.next++;
  }
}

const allocators = new WeakMap<Broker, { nextId(): Promise<number> }>();

export function producerIdsOf(broker: Broker): { nextId(): Promise<number> } {
  let a = allocators.get(broker);
  if (!a) {
    a = broker.cluster ? broker.cluster.producerIds : new ProducerIdBlocks(join(broker.config.derived.logDirs[0]!, METADATA_DIR));
    allocators.set(broker, a);
  }
  return a;
}

