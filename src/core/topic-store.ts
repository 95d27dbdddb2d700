/**
 * TopicStore: the durable list of topics (name, topic ID, partition count, config overrides)
 * and where each partition's directory lives.
 *
 *   <first log dir>/__spindle_metadata/topics.json      every topic, rewritten atomically
 *   <any log dir>/<topic>-<partition>/partition.metadata "version: 0" and "topic_id: <id>", as Kafka writes
 *
 * A restart reads topics.json and finds each partition's directory by scanning every log dir;
 * a directory whose partition.metadata names another topic ID is left from a deleted topic of
 * the same name and is removed. New partitions go to the log dir holding the fewest
 * partitions, as Kafka places them. A deleted topic's directories are renamed
 * `<topic>-<partition>.<id>-delete` first and then removed, so a crash half-way leaves nothing
 * that looks live.
 *
 * Topic IDs are random UUIDs, never the zero UUID; like Kafka, ids whose base64 form would
 * start with '-' are drawn again, so they print cleanly in command-line tools.
 *
 * Changes take effect in memory at once and are written in the background: topics.json is a
 * DurableFile, so a burst of creations is one or two rewrites, none of them on the main thread,
 * and each change's promise settles once the file holds it (CreateTopics answers after that).
 * Loading at start-up is synchronous.
 *
 * Main-thread state; not thread-safe.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DurableFile, fsio, fsioAsync, storageErrorOf } from './fs.js';
import { parsePartitionDirName, partitionDirName } from './partition-log.js';

export const METADATA_DIR = '__spindle_metadata';
export const TOPICS_FILE = 'topics.json';
export const PARTITION_METADATA_FILE = 'partition.metadata';

export interface TopicMeta {
  name: string;
  topicId: string;
  partitions: number;
  /** Topic-level config overrides, by Kafka's topic config names. */
  configs: Record<string, string>;
  createdMs: number;
}

export class TopicStore {
  readonly logDirs: readonly string[];
  private readonly topics = new Map<string, TopicMeta>();
  private readonly byId = new Map<string, TopicMeta>();
  /** Where each partition directory is: "<topic>-<partition>" → log dir. */
  private readonly placement = new Map<string, string>();
  private readonly file: DurableFile;

  constructor(logDirs: readonly string[]) {
    if (logDirs.length === 0) throw new Error('at least one log directory is needed');
    this.logDirs = logDirs;
    for (const d of logDirs) fsio.mkdirSync(d, { recursive: true });
    fsio.mkdirSync(this.metadataDir, { recursive: true });
    this.file = new DurableFile(join(this.metadataDir, TOPICS_FILE), () => Buffer.from(`${JSON.stringify({ version: 1, topics: [...this.topics.values()] }, null, 1)}\n`));
    this.load();
  }

  private get metadataDir(): string {
    return join(this.logDirs[0]!, METADATA_DIR);
  }

  private load(): void {
    const file = join(this.metadataDir, TOPICS_FILE);
    if (fsio.existsSync(file)) {
      const saved = JSON.parse(fsio.readFileSync(file).toString('utf8')) as { version: number; topics: TopicMeta[] };
      for (const t of saved.topics) {
        this.topics.set(t.name, t);
        this.byId.set(t.topicId, t);
      }
    }
    const unreadable: string[] = [];
    for (const dir of this.logDirs) {
      let names: string[];
      try {
        names = fsio.readdirSync(dir);
      } catch (e) {
        if (!storageErrorOf(e)) throw e;
        unreadable.push(dir);
        continue;
      }
      for (const name of names) {
        const path = join(dir, name);
        try {
          if (name.endsWith('-delete')) {
            fsio.rmSync(path, { recursive: true, force: true });
            continue;
          }
          const parsed = parsePartitionDirName(name);
          if (!parsed || !fsio.statSync(path).isDirectory()) continue;
          const topic = this.topics.get(parsed.topic);
          const id = readPartitionTopicId(path);
          if (!topic || parsed.partition >= topic.partitions || (id !== undefined && id !== topic.topicId)) {
            // Left from a deleted topic, or a topic that was re-created: not this topic's data.
            fsio.rmSync(path, { recursive: true, force: true });
            continue;
          }
          this.placement.set(name, dir);
        } catch (e) {
          // A directory that cannot be read now is kept where it is: its log goes offline at open.
          if (!storageErrorOf(e)) throw e;
          const parsed = parsePartitionDirName(name);
          if (parsed && this.topics.has(parsed.topic)) this.placement.set(name, dir);
        }
      }
    }
    // A stored partition not found is in a log directory that cannot be read: it is placed
    // there (and goes offline at open) rather than started afresh, empty, somewhere else.
    if (unreadable.length > 0) {
      for (const t of this.topics.values()) {
        for (let p = 0; p < t.partitions; p++) {
          const dirName = partitionDirName(t.name, p);
          if (!this.placement.has(dirName)) this.placement.set(dirName, unreadable[0]!);
        }
      }
    }
  }

  list(): TopicMeta[] {
    return [...this.topics.values()];
  }

  get(name: string): TopicMeta | undefined {
    return this.topics.get(name);
  }

  getById(topicId: string): TopicMeta | undefined {
    return this.byId.get(topicId);
  }

  /** A topic whose name collides with `name` ('.' versus '_'), other than `name` itself. */
  collidingWith(name: string): TopicMeta | undefined {
    const key = name.replace(/\./g, '_');
    for (const t of this.topics.values()) if (t.name !== name && t.name.replace(/\./g, '_') === key) return t;
    return undefined;
  }

  /** A new topic, known at once; settles once it is stored. */
  async create(name: string, partitions: number, configs: Record<string, string> = {}, now = Date.now()): Promise<TopicMeta> {
    if (this.topics.has(name)) throw new Error(`topic ${name} exists`);
    const meta: TopicMeta = { name, topicId: newTopicId(), partitions, configs: { ...configs }, createdMs: now };
    this.topics.set(name, meta);
    this.byId.set(meta.topicId, meta);
    await this.file.write();
    return meta;
  }

  async addPartitions(name: string, count: number): Promise<TopicMeta> {
    const meta = this.mustGet(name);
    if (count <= meta.partitions) throw new Error(`topic ${name} has ${meta.partitions} partitions already`);
    meta.partitions = count;
    await this.file.write();
    return meta;
  }

  /**
   * Undoes addPartitions when the new partitions could not all be opened: the topic back to
   * `count` partitions, the directories of the others removed. The caller closes their logs first.
   */
  async forgetPartitions(name: string, count: number): Promise<TopicMeta> {
    const meta = this.mustGet(name);
    const added = meta.partitions;
    meta.partitions = count;
    await this.file.write();
    for (let p = count; p < added; p++) {
      const dirName = partitionDirName(name, p);
      const logDir = this.placement.get(dirName);
      this.placement.delete(dirName);
      if (logDir) await fsioAsync.rmTree(join(logDir, dirName));
    }
    return meta;
  }

  async setConfigs(name: string, configs: Record<string, string>): Promise<TopicMeta> {
    const meta = this.mustGet(name);
    meta.configs = { ...configs };
    await this.file.write();
    return meta;
  }

  /**
   * Forgets the topic and removes its partition directories. The caller closes the partition
   * logs first. Also undoes a create whose partitions could not all be opened.
   */
  async delete(name: string): Promise<TopicMeta> {
    const meta = this.mustGet(name);
    this.topics.delete(name);
    this.byId.delete(meta.topicId);
    await this.file.write();
    for (let p = 0; p < meta.partitions; p++) {
      const dirName = partitionDirName(name, p);
      const logDir = this.placement.get(dirName);
      this.placement.delete(dirName);
      if (!logDir) continue;
      const to = join(logDir, `${dirName}.${meta.topicId.replace(/-/g, '')}-delete`);
      try {
        await fsioAsync.rename(join(logDir, dirName), to);
      } catch (e) {
        // Never created (a creation undone before its partition was placed), or already gone.
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw e;
      }
      await fsioAsync.rmTree(to);
    }
    return meta;
  }

  /**
   * The log dir of a partition: where it already is, or the log dir with the fewest partitions
   * for a new one. Writes partition.metadata with the topic ID on first placement only, so that
   * opening existing partitions writes nothing (a broker starts on a full or read-only disk).
   */
  logDirFor(topic: string, partition: number): string {
    const dirName = partitionDirName(topic, partition);
    const known = this.placement.get(dirName);
    if (known) {
      const meta = this.topics.get(topic);
      const dir = join(known, dirName);
      // A partition directory from before partition.metadata existed gets one, once.
      if (meta && !fsio.existsSync(join(dir, PARTITION_METADATA_FILE))) this.writePartitionMetadata(dir, meta);
      return known;
    }
    const counts = new Map(this.logDirs.map((d) => [d, 0]));
    for (const d of this.placement.values()) counts.set(d, (counts.get(d) ?? 0) + 1);
    let best = this.logDirs[0]!;
    for (const d of this.logDirs) if (counts.get(d)! < counts.get(best)!) best = d;
    const meta = this.mustGet(topic);
    const dir = join(best, dirName);
    fsio.mkdirSync(dir, { recursive: true });
    // Placed before anything can fail inside it, so that undoing the topic removes the directory.
    this.placement.set(dirName, best);
    this.writePartitionMetadata(dir, meta);
    return best;
  }

  /**
   * Cluster mode: the log directory of a replica whose topic lives in ZooKeeper, not in this
   * store: where its directory already is, else the directory with the fewest partitions,
   * where it is made with its partition.metadata naming `topicId`.
   */
  placeReplica(topic: string, partition: number, topicId: string): string {
    const dirName = partitionDirName(topic, partition);
    const known = this.placement.get(dirName);
    if (known) return known;
    const counts = new Map(this.logDirs.map((d) => [d, 0]));
    for (const d of this.placement.values()) counts.set(d, (counts.get(d) ?? 0) + 1);
    let best = this.logDirs[0]!;
    for (const d of this.logDirs) if (counts.get(d)! < counts.get(best)!) best = d;
    const dir = join(best, dirName);
    fsio.mkdirSync(dir, { recursive: true });
    this.placement.set(dirName, best);
    this.writePartitionMetadata(dir, { name: topic, topicId, partitions: partition + 1, configs: {}, createdMs: 0 });
    return best;
  }

  private writePartitionMetadata(dir: string, meta: TopicMeta): void {
    fsio.writeFileSync(join(dir, PARTITION_METADATA_FILE), `version: 0\ntopic_id: ${uuidToBase64(meta.topicId)}\n`);
  }

  private mustGet(name: string): TopicMeta {
    const meta = this.topics.get(name);
    if (!meta) throw new Error(`unknown topic ${name}`);
    return meta;
  }
}

/** The topic id the partition directory names; undefined when it has none (or it cannot be read: the log's open then tells). */
function readPartitionTopicId(dir: string): string | undefined {
  const file = join(dir, PARTITION_METADATA_FILE);
  if (!fsio.existsSync(file)) return undefined;
  let text: string;
  try {
    text = fsio.readFileSync(file).toString('utf8');
  } catch (e) {
    if (storageErrorOf(e)) return undefined;
    throw e;
  }
  const m = /topic_id:\s*(\S+)/.exec(text);
  return m ? base64ToUuid(m[1]!) : undefined;
}

export function newTopicId(): string {
  for (;;) {
    const id = randomUUID();
    if (!uuidToBase64(id).startsWith('-') && id !== '00000000-0000-0000-0000-000000000000') return id;
  }
}

/** Kafka prints topic IDs as URL-safe base64 without padding. */
export function uuidToBase64(uuid: string): string {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex').toString('base64url');
}

export function base64ToUuid(text: string): string {
  const h = Buffer.from(text, 'base64url').toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
