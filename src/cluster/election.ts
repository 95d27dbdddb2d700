/**
 * Controller election, as Kafka's ZooKeeper-mode brokers run it (KafkaController.elect and
 * KafkaZkClient.registerControllerAndIncrementControllerEpoch): every broker tries to create the
 * ephemeral /controller with its id; the one that succeeds is the controller until its session
 * ends, and the others watch /controller to try again when it goes away.
 *
 *   broker                                   ZooKeeper
 *     │── get /controller_epoch ──────────────▶│  absent: created with 0 first
 *     │── multi[ create /controller (E),  ────▶│  both or neither: the epoch and its znode
 *     │          set /controller_epoch e+1      │  version (the "epoch zkVersion") belong to
 *     │          at the version read ]          │  this controller only
 *     │◀─ ok: controller with epoch e+1 ───────│
 *     │   NODE_EXISTS / BAD_VERSION: someone    │
 *     │   else won; read who, watch /controller │
 *
 * The epoch zkVersion is what fences a stale controller: every write the controller makes is a
 * multi that checks /controller_epoch at that version, and the next controller's election bumps
 * it. The epoch itself goes into every request to brokers, which ignore older epochs.
 *
 * When it runs again:
 *   - /controller deleted (the controller's session ended, or it resigned): re-elect;
 *   - /controller created or changed: re-read it; a controller that finds it no longer its own
 *     (another broker's id, or its id from another session) resigns;
 *   - the session expired: the controller resigns at once (its ephemeral znode is gone, and
 *     another broker may be elected before this one reconnects); once a new session is made
 *     (ZkSession.onNewSession) it re-elects;
 *   - recheck(): asked by the controller when a write was fenced (another controller's epoch);
 *   - resign(): the controller gives up (a failure it cannot go on from): /controller is deleted,
 *     conditionally on the epoch zkVersion, so that a new election runs (Kafka's
 *     triggerControllerMove); this broker may win it again.
 *
 * A multi whose answer was lost (CONNECTION_LOSS) may have been applied: /controller is then
 * read back, and when it is this session's with this broker id and /controller_epoch holds the
 * new epoch, the election was won (Kafka's checkControllerAndEpoch).
 *
 * The work is serialized: one step runs at a time, and what is asked meanwhile is kept as at
 * most one pending request of each kind (PENDING_KINDS), later asks folding into it, since every
 * step reads the current state from ZooKeeper anyway.
 *
 * Main thread.
 */
import type { Logger } from '../core/logger.js';
import { withStack } from '../core/logger.js';
import { type ZkEvent, type ZkSession, type ZkState, ZkError } from './zk.js';
import {
  CONTROLLER_EPOCH_PATH,
  CONTROLLER_PATH,
  decodeController,
  decodeControllerEpoch,
  encodeController,
  encodeControllerEpoch,
} from './zk-data.js';

/** The epoch a first controller finds absent and starts from: it creates /controller_epoch with this, then makes it 1. */
export const INITIAL_CONTROLLER_EPOCH = 0;

/** The kinds of pending work, each kept at most once: the bound on what waits. */
export const PENDING_KINDS = ['move', 'reelect', 'check'] as const;
type Kind = (typeof PENDING_KINDS)[number];

export interface ControllerElectorOptions {
  zk: ZkSession;
  brokerId: number;
  logger: Logger;
  /**
   * This broker became controller with this epoch and epoch zkVersion. Awaited before the next
   * election step; a rejection makes it resign (and /controller deleted, for a new election).
   */
  onBecomeController(epoch: number, epochZkVersion: number): void | Promise<void>;
  /** This broker is no longer controller (it lost /controller, its session expired, or it resigned). Awaited. */
  onResignController(): void | Promise<void>;
}

export class ControllerElector {
  readonly #zk: ZkSession;
  readonly #brokerId: number;
  readonly #log: Logger;
  readonly #onBecome: ControllerElectorOptions['onBecomeController'];
  readonly #onResign: ControllerElectorOptions['onResignController'];
  #controllerId = -1;
  #isController = false;
  #epoch = -1;
  #epochZkVersion = -1;
  readonly #pending = new Set<Kind>();
  #running: Promise<void> | undefined;
  #started = false;
  #closed = false;
  readonly #unsubscribe: (() => void)[] = [];
  /** One function, so that ZkSession sets one watch however often /controller is read. */
  readonly #watcher = (event: ZkEvent): void => {
    if (this.#closed) return;
    this.#schedule(event.type === 'deleted' ? 'reelect' : 'check');
  };

  constructor(options: ControllerElectorOptions) {
    this.#zk = options.zk;
    this.#brokerId = options.brokerId;
    this.#log = options.logger;
    this.#onBecome = options.onBecomeController;
    this.#onResign = options.onResignController;
  }

  /** The current controller's broker id, -1 when unknown or none. */
  get controllerId(): number {
    return this.#controllerId;
  }

  /** Whether this broker is the controller. */
  get isController(): boolean {
    return this.#isController;
  }

  /** This controller's epoch, -1 when not controller. */
  get epoch(): number {
    return this.#isController ? this.#epoch : -1;
  }

  /** The version of /controller_epoch this controller's writes check, -1 when not controller. */
  get epochZkVersion(): number {
    return this.#isController ? this.#epochZkVersion : -1;
  }

  /** Starts watching and runs the first election; resolves once that first attempt is done. */
  start(): Promise<void> {
    if (this.#started) return this.#idle();
    this.#started = true;
    this.#unsubscribe.push(this.#zk.onStateChange((state) => this.#onState(state)));
    this.#unsubscribe.push(this.#zk.onNewSession(() => this.#schedule('reelect')));
    this.#schedule('reelect');
    return this.#idle();
  }

  /** Reads /controller again (and re-elects when it is gone): for a controller whose write was fenced. */
  recheck(): void {
    this.#schedule('reelect');
  }

  /**
   * Gives up being controller: resigns, then deletes /controller (when /controller_epoch is still
   * at this controller's version) so that the brokers elect again. Resolves once done.
   */
  resign(): Promise<void> {
    this.#schedule('move');
    return this.#idle();
  }

  /**
   * Stops electing; a controller resigns (its /controller goes with the session, which the caller
   * closes). Resolves once the step in progress is over.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const u of this.#unsubscribe.splice(0)) u();
    this.#pending.clear();
    await this.#idle();
    await this.#resignLocally('the broker is shutting down');
  }

  // ---- the serialized steps ------------------------------------------------------------------

  #schedule(kind: Kind): void {
    if (this.#closed || !this.#started) return;
    this.#pending.add(kind);
    this.#running ??= this.#loop();
  }

  #idle(): Promise<void> {
    return this.#running ?? Promise.resolve();
  }

  async #loop(): Promise<void> {
    try {
      while (!this.#closed && this.#pending.size > 0) {
        const kind = PENDING_KINDS.find((k) => this.#pending.has(k))!;
        this.#pending.delete(kind);
        try {
          if (kind === 'move') await this.#move();
          else if (kind === 'reelect') await this.#reelect();
          else await this.#check();
        } catch (e) {
          this.#log.error(withStack(`controller election on broker ${this.#brokerId}: ${kind} failed`, e));
          // A failure to read is retried once the session is back (onNewSession) or /controller changes.
        }
      }
    } finally {
      // In the same turn as the check that found nothing pending (no await between them): a
      // #schedule right after starts a new loop instead of leaving its work to this one.
      this.#running = undefined;
    }
  }

  #onState(state: ZkState): void {
    if (state === 'expired' || state === 'closed') {
      this.#controllerId = -1;
      if (this.#isController) void this.#resignLocally(`its ZooKeeper session ${state === 'expired' ? 'expired' : 'was closed'}`);
    }
  }

  async #resignLocally(why: string): Promise<void> {
    if (!this.#isController) return;
    this.#isController = false;
    this.#log.warn(`broker ${this.#brokerId} resigns as controller (epoch ${this.#epoch}): ${why}`);
    try {
      await this.#onResign();
    } catch (e) {
      this.#log.error(withStack(`broker ${this.#brokerId}: resigning as controller failed`, e));
    }
  }

  /**
   * Reads who is controller, watching /controller (exists, so that a creation fires too);
   * resigns when this broker was controller and is no longer. Returns whether /controller exists.
   */
  async #check(): Promise<boolean> {
    const stat = await this.#zk.exists(CONTROLLER_PATH, this.#watcher);
    let id = -1;
    let ours = false;
    if (stat) {
      const got = await this.#zk.get(CONTROLLER_PATH, this.#watcher);
      if (got) {
        try {
          id = decodeController(got.data).brokerId;
        } catch (e) {
          this.#log.error(withStack(`${CONTROLLER_PATH} cannot be read; waiting for it to change`, e));
        }
        ours = id === this.#brokerId && got.stat.ephemeralOwner === this.#zk.sessionId;
      }
    }
    this.#controllerId = id;
    if (this.#isController && !ours) {
      await this.#resignLocally(stat ? `${CONTROLLER_PATH} now names broker ${id}` : `${CONTROLLER_PATH} was deleted`);
    } else if (this.#isController && stat) {
      // /controller is ours, yet the controller may have found its epoch fenced (recheck): the
      // epoch moves only with an election, so a different version means this term is over.
      const epoch = await this.#zk.exists(CONTROLLER_EPOCH_PATH);
      if (!epoch || epoch.version !== this.#epochZkVersion) {
        await this.#resignLocally(`${CONTROLLER_EPOCH_PATH} is at version ${epoch?.version ?? 'none'}, not this controller's ${this.#epochZkVersion}`);
        this.#controllerId = -1;
        try {
          // Our own ephemeral znode, at the version read: a new election can then run.
          await this.#zk.delete(CONTROLLER_PATH, stat.version);
        } catch (e) {
          if (!(e instanceof ZkError && (e.code === 'NO_NODE' || e.code === 'BAD_VERSION'))) throw e;
        }
      }
    }
    return stat !== undefined;
  }

  async #reelect(): Promise<void> {
    const exists = await this.#check();
    if (exists || this.#isController || this.#closed) return;
    await this.#elect();
  }

  /** The current epoch and its znode version; /controller_epoch created with the initial epoch when absent. */
  async #readEpoch(): Promise<{ epoch: number; version: number }> {
    for (;;) {
      const got = await this.#zk.get(CONTROLLER_EPOCH_PATH);
      if (got) return { epoch: decodeControllerEpoch(got.data), version: got.stat.version };
      try {
        await this.#zk.create(CONTROLLER_EPOCH_PATH, encodeControllerEpoch(INITIAL_CONTROLLER_EPOCH), 'persistent');
        this.#log.info(`created ${CONTROLLER_EPOCH_PATH} with initial epoch ${INITIAL_CONTROLLER_EPOCH}`);
        return { epoch: INITIAL_CONTROLLER_EPOCH, version: 0 };
      } catch (e) {
        if (!(e instanceof ZkError && (e.code === 'NODE_EXISTS' || e.code === 'CONNECTION_LOSS'))) throw e;
        // Created by another broker (or by us, the answer lost): read it.
      }
    }
  }

  async #elect(): Promise<void> {
    const { epoch, version } = await this.#readEpoch();
    const newEpoch = epoch + 1;
    let won: number | undefined;
    try {
      const results = await this.#zk.multi([
        { op: 'create', path: CONTROLLER_PATH, data: encodeController({ brokerId: this.#brokerId }), mode: 'ephemeral' },
        { op: 'set', path: CONTROLLER_EPOCH_PATH, data: encodeControllerEpoch(newEpoch), version },
      ]);
      const set = results[1];
      won = set?.op === 'set' ? set.stat.version : undefined;
    } catch (e) {
      if (!(e instanceof ZkError && (e.code === 'NODE_EXISTS' || e.code === 'BAD_VERSION' || e.code === 'CONNECTION_LOSS'))) throw e;
      won = await this.#wonAnyway(newEpoch);
    }
    if (won === undefined) {
      await this.#check();
      this.#log.info(`broker ${this.#brokerId} lost the controller election to broker ${this.#controllerId}`);
      return;
    }
    this.#controllerId = this.#brokerId;
    this.#isController = true;
    this.#epoch = newEpoch;
    this.#epochZkVersion = won;
    this.#log.info(`broker ${this.#brokerId} elected controller with epoch ${newEpoch} (epoch zkVersion ${won})`);
    try {
      await this.#onBecome(newEpoch, won);
    } catch (e) {
      this.#log.error(withStack(`broker ${this.#brokerId} could not become controller; resigning for a new election`, e));
      this.#pending.add('move');
    }
  }

  /** After a failed or unanswered multi: whether /controller is ours and the epoch the one we wrote; its version if so. */
  async #wonAnyway(newEpoch: number): Promise<number | undefined> {
    const got = await this.#zk.get(CONTROLLER_PATH, this.#watcher);
    if (!got || got.stat.ephemeralOwner !== this.#zk.sessionId) return undefined;
    try {
      if (decodeController(got.data).brokerId !== this.#brokerId) return undefined;
    } catch {
      return undefined;
    }
    const epoch = await this.#zk.get(CONTROLLER_EPOCH_PATH);
    // Any later election writes a larger epoch, so this epoch's value pins its version to ours.
    return epoch && decodeControllerEpoch(epoch.data) === newEpoch ? epoch.stat.version : undefined;
  }

  /** Kafka's triggerControllerMove: resign, then delete /controller if the epoch is still ours. */
  async #move(): Promise<void> {
    if (!this.#isController) return;
    const version = this.#epochZkVersion;
    this.#controllerId = -1;
    await this.#resignLocally('it gave up being controller');
    try {
      await this.#zk.multi([
        { op: 'check', path: CONTROLLER_EPOCH_PATH, version },
        { op: 'delete', path: CONTROLLER_PATH },
      ]);
    } catch (e) {
      if (e instanceof ZkError && (e.code === 'BAD_VERSION' || e.code === 'NO_NODE')) {
        this.#log.warn(`the controller has already moved from broker ${this.#brokerId}`);
      } else throw e;
    }
  }
}
