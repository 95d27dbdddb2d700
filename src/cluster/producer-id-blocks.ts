/**
 * Producer ids for a broker of a cluster (the single node's are in
 * broker/transactions/producer-ids.ts).
 *
 * Main thread.
 */
import { ZkError, type ZkSession } from './zk.js';
import { PRODUCER_ID_BLOCK_PATH, PRODUCER_ID_BLOCK_SIZE, decodeProducerIdBlock, encodeProducerIdBlock, nextProducerIdBlock } from './zk-data.js';

/**
 * Cluster mode: blocks taken from ZooKeeper's /latest_producer_id_block, as Kafka's
 * ZooKeeper-mode ProducerIdManager takes them: read the latest block and its version, write the
 * next one with a conditional set, and read again when another broker took one meanwhile. Ids
 * are then unique across the cluster, not just across this broker's restarts.
 */
export class ZkProducerIdBlocks {
  private next = 0;
  private blockEnd = 0;
  private taking: Promise<void> | undefined;
  private readonly zk: ZkSession;
  private readonly brokerId: number;

  constructor(zk: ZkSession, brokerId: number) {
    this.zk = zk;
    this.brokerId = brokerId;
  }

  async nextId(): Promise<number> {
    while (this.next >= this.blockEnd) {
      this.taking ??= this.takeBlock().finally(() => (this.taking = undefined));
      await this.taking;
    }
    return this.next++;
  }

  private async takeBlock(): Promise<void> {
    for (;;) {
      const got = await this.zk.get(PRODUCER_ID_BLOCK_PATH);
      const block = nextProducerIdBlock(got ? decodeProducerIdBlock(got.data) : null, this.brokerId, PRODUCER_ID_BLOCK_SIZE);
      try {
        if (got) await this.zk.set(PRODUCER_ID_BLOCK_PATH, encodeProducerIdBlock(block), got.stat.version);
        else await this.zk.create(PRODUCER_ID_BLOCK_PATH, encodeProducerIdBlock(block), 'persistent');
      } catch (e) {
        if (e instanceof ZkError && (e.code === 'BAD_VERSION' || e.code === 'NODE_EXISTS')) continue;
        throw e;
      }
      this.next = block.blockStart;
      this.blockEnd = block.blockEnd + 1;
      return;
    }
  }
}

