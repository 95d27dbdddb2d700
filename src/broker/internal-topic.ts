/**
 * A coordinator's internal topic (`__consumer_offsets`, `__transaction_state`) as the Broker
 * holds it: a compacted topic of the Broker, created on the first write when the broker
 * started without it (as Kafka creates it on demand), and appended to one record batch at a
 * time through broker.host.append as a coordinator's write (AppendOrigin 'coordinator': the log
 * checks epochs only, no sequences). The caller is answered after the append returns, as a
 * producer with acks=all.
 *
 * The partition count is fixed when the log is made: a key's partition must not move while the
 * broker runs.
 *
 * Main thread.
 */
import { ErrorCode } from '../protocol/errors.js';
import type { Broker, TopicProblem, TopicState } from './broker.js';

export interface InternalTopicSpec {
  name: string;
  /** Partitions when the topic is created (its own count when it exists). */
  partitions: number;
  segmentBytes: number;
  /** compression.type of the topic: 'producer' keeps the batches as written. */
  compression: 'producer' | 'uncompressed';
}

/** Creates the internal topic when it does not exist yet; the problem when it cannot. */
export function ensureInternalTopic(broker: Broker, spec: InternalTopicSpec): Promise<TopicState | TopicProblem> {
  const existing = broker.topics.get(spec.name);
  if (existing) return Promise.resolve(existing);
  const configs = { 'cleanup.policy': 'compact', 'segment.bytes': String(spec.segmentBytes), 'compression.type': spec.compression };
  return broker.createTopic(spec.name, spec.partitions, configs, true);
}

export class InternalTopicLog {
  readonly numPartitions: number;
  private readonly broker: Broker;
  private readonly spec: InternalTopicSpec;
  /** The topic, created on the first write when the broker started without it. */
  private topic: Promise<TopicState | TopicProblem> | undefined;

  constructor(broker: Broker, spec: InternalTopicSpec) {
    this.broker = broker;
    this.spec = spec;
    const topic = broker.topics.get(spec.name);
    this.topic = topic ? Promise.resolve(topic) : undefined;
    this.numPartitions = topic?.partitions.length ?? spec.partitions;
  }

  /** Appends one encoded batch to the partition; resolves with its error code. */
  async appendBatch(partition: number, batch: Buffer): Promise<number> {
    if (this.broker.cluster) return this.appendReplicated(partition, batch);
    this.topic ??= ensureInternalTopic(this.broker, this.spec);
    const topic = await this.topic;
    if (!('meta' in topic)) {
      // Not created (a storage error, or too many operations on the name): the next write tries again.
      this.topic = undefined;
      return topic.errorCode;
    }
    const p = topic.partitions[partition];
    if (!p) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    const reply = await this.broker.host.append(p.handle, batch, 'coordinator');
    if (reply.errorCode === 0) this.broker.noteOffsets(p, reply.logStartOffset, reply.logEndOffset);
    return reply.errorCode;
  }

  /**
   * Cluster mode: the topic is made through ZooKeeper (FindCoordinator asks for it), and a write
   * goes to this broker's replica, which must lead the partition, and is answered once every
   * in-sync replica has it (acks=all, bounded by offsets.commit.timeout.ms), as Kafka's
   * coordinators append with requiredAcks -1. The codes are the produce path's; the
   * coordinator maps them to its own (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE).
   */
  private async appendReplicated(partition: number, batch: Buffer): Promise<number> {
    const cluster = this.broker.cluster!;
    const replica = cluster.replicas.get(this.spec.name, partition);
    if (!replica || replica.role !== 'leader') return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    const topic = this.broker.topics.get(this.spec.name);
    const minIsr = (topic?.config.values['min.insync.replicas'] as number | undefined) ?? 1;
    if (replica.isr.length < minIsr) return ErrorCode.NOT_ENOUGH_REPLICAS;
    const p = replica.state;
    const reply = await this.broker.host.append(p.handle, batch, 'coordinator');
    if (reply.errorCode !== 0) return reply.errorCode;
    this.broker.noteOffsets(p, reply.logStartOffset, reply.logEndOffset);
    cluster.replicas.leaderAppended(replica);
    return cluster.replicas.awaitCommit(replica, reply.lastOffset, minIsr, this.broker.config.values['offsets.commit.timeout.ms'] as number);
  }
}
