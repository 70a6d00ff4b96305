// A continuous query of a cluster of Eddy processes: every process knows it (the catalog is shared),
// and it runs on whichever one holds its lease. The holder claims the query's checkpoint (fencing off a
// former holder), resumes from it and checkpoints as any query does; when the lease is lost, or the
// checkpoint was claimed by another process meanwhile, the run stops here and the rows it read after its
// last checkpoint are read again by the next holder (at-least-once). Subscribers here keep their
// subscription across the move: rows come from whichever process runs the query (see result-relay.ts).
import type { StoredQuery } from '../catalog/catalog.js';
import type { CheckpointWriter, ClusterCheckpoints } from '../cluster/cluster-checkpoints.js';
import type { LeaseKeeper } from '../cluster/lease-keeper.js';
import { KvConflict, keyToken } from '../cluster/shared-kv.js';
import { isEddyError } from '../errors.js';
import type { QueryCheckpoint } from '../plan/checkpoint.js';
import type { ResultHub } from './result-hub.js';
import type { ResultOutlet, ResultRelay } from './result-relay.js';
import type { CheckpointWritten, QueryInfo, QueryStatus, RunningQuery } from './running-query.js';
import type { CheckpointStatus } from './checkpoint-stats.js';

/** What the process running a query tells the others at each renewal of its lease. */
export interface QuerySummary {
  readonly inputRecords: number;
  readonly outputRows: number;
  readonly lateRows: number;
  readonly decodeErrors: number;
  readonly watermark: string | null;
  readonly lagMs: number;
  readonly stateEntries: number;
  readonly startedAt: number;
  /** Absent from a process of a version before checkpoints were shown. */
  readonly checkpoints?: CheckpointStatus;
}

/** What runs a query (or one part of a split query) in this process: a RunningQuery, or a split query's QueryPart. */
export type QueryRun = Pick<RunningQuery, 'start' | 'stop' | 'running' | 'poke' | 'status'>;

export interface QueryCluster {
  readonly leases: LeaseKeeper;
  readonly checkpoints: ClusterCheckpoints;
  readonly relay: ResultRelay;
}

export interface ClusteredQueryDeps {
  readonly cluster: QueryCluster;
  readonly hub: ResultHub;
  /** Builds the query's run, resuming from `checkpoint`, saving through `onCheckpoint`. */
  build(
    stored: StoredQuery,
    checkpoint: QueryCheckpoint | undefined,
    onCheckpoint: (cp: QueryCheckpoint) => Promise<CheckpointWritten>,
    results: ResultOutlet,
    onFailureFromOutside: (error: string) => void,
  ): QueryRun;
  /** The status of a query not running here (failed, or running elsewhere). */
  statusOf(stored: StoredQuery, state: 'running' | 'failed' | 'stopped', extra: { error?: string; process?: string; summary?: QuerySummary }): QueryStatus;
}

export class ClusteredQuery {
  private run: QueryRun | undefined;
  private writer: CheckpointWriter | undefined;
  /** Takeovers and handovers, one at a time and in order. */
  private transitions: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Set while a run is stopped because it moves: its subscribers stay, to hear from the next holder. */
  private handingOver = false;
  private failure: string | undefined;

  /** `part`: one part of a split query (StoredQuery.parallelism), with a lease and a checkpoint of its own. */
  constructor(
    private stored: StoredQuery,
    private readonly deps: ClusteredQueryDeps,
    private readonly part?: number,
  ) {
    this.failure = stored.failure;
  }

  get info(): QueryInfo {
    return this.stored;
  }

  get leaseKey(): string {
    return `query.${keyToken(this.stored.id)}${this.part === undefined ? '' : `.part.${this.part}`}`;
  }

  /** Whose checkpoint the run keeps in the cluster: the query's, or its part's. */
  get checkpointId(): string {
    return partCheckpointId(this.stored.id, this.part);
  }

  get running(): boolean {
    return this.failure === undefined && !this.stopped && (this.run === undefined || this.run.running);
  }

  /** Whether it runs in this process now. */
  get local(): boolean {
    return this.run !== undefined;
  }

  /** Starts competing for the query's lease (a failed query is not run); resolves after the first attempt. */
  async begin(): Promise<void> {
    if (this.failure !== undefined) return;
    await this.deps.cluster.leases.want(this.leaseKey, {
      acquired: () => this.enqueue(() => this.takeOver()),
      lost: () => this.enqueue(() => this.letGo()),
      info: () => this.summary(),
      // Balancing moves the query to a less busy process: it stops here with a final checkpoint, and its
      // subscribers stay to hear from the next holder, which resumes where this one stopped.
      handOff: () => new Promise<void>((done) => this.enqueue(() => this.letGo().finally(done))),
    });
    await this.transitions;
  }

  status(): QueryStatus {
    if (this.run) return { ...this.run.status(), process: this.deps.cluster.leases.holder };
    if (this.failure !== undefined) return this.deps.statusOf(this.stored, 'failed', { error: this.failure });
    const lease = this.deps.cluster.leases.lastSeen(this.leaseKey);
    const summary = lease?.info as QuerySummary | undefined;
    return this.deps.statusOf(this.stored, this.stopped ? 'stopped' : 'running', {
      ...(lease ? { process: lease.holder } : {}),
      ...(summary && typeof summary === 'object' ? { summary } : {}),
    });
  }

  poke(): void {
    this.run?.poke();
  }

  /** Another process recorded that the query failed of its own making: it runs nowhere now. */
  failedElsewhere(error: string): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    this.enqueue(async () => {
      await this.deps.cluster.leases.release(this.leaseKey);
      await this.letGo();
      this.deps.hub.fail(this.stored.id, error);
    });
  }

  /** The query is gone (stopped through some process): the run here stops and its subscribers are told. */
  async stop(): Promise<void> {
    this.stopped = true;
    // No final checkpoint: the query's checkpoints are being removed.
    this.writer = undefined;
    await this.deps.cluster.leases.remove(this.leaseKey);
    this.enqueue(() => this.letGo(false));
    await this.transitions;
    this.deps.hub.end(this.stored.id);
  }

  /** This process stops (the query stays): a final checkpoint, then the lease goes so another takes over at once. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    this.enqueue(() => this.letGo());
    await this.transitions;
    await this.deps.cluster.leases.release(this.leaseKey);
    this.deps.hub.end(this.stored.id);
  }

  private enqueue(step: () => Promise<void>): void {
    this.transitions = this.transitions.then(step).catch(() => undefined);
  }

  private async takeOver(): Promise<void> {
    if (this.stopped || this.failure !== undefined || this.run) return;
    let claimed: Awaited<ReturnType<ClusterCheckpoints['claim']>>;
    try {
      claimed = await this.deps.cluster.checkpoints.claim(this.checkpointId);
    } catch {
      // The cluster did not answer (electing a leader, say): the lease goes, and is competed for again.
      await this.competeAgain();
      return;
    }
    const { checkpoint, writer } = claimed;
    if (this.stopped || !this.deps.cluster.leases.holds(this.leaseKey)) return;
    this.writer = writer;
    const outlet = this.deps.cluster.relay.outlet(this.stored.id);
    const results: ResultOutlet = {
      ...outlet,
      end: (id) => {
        if (!this.handingOver) outlet.end(id);
      },
    };
    const run = this.deps.build(this.stored, checkpoint, (cp) => this.save(writer, cp), results, () =>
      this.enqueue(async () => {
        if (this.run !== run) return;
        await this.letGo();
        await this.competeAgain();
      }),
    );
    this.run = run;
    run.start();
  }

  /**
   * Saves a checkpoint of the run here. Once another process has claimed the query, or the cluster
   * refused the write, nothing more is saved and the run lets go (its lease too, after a refusal, so
   * any process may take the query up again from the last checkpoint that landed). Resolves to false
   * for a checkpoint not saved so, which the run's status counts as failed.
   */
  private async save(writer: CheckpointWriter, cp: QueryCheckpoint): Promise<CheckpointWritten> {
    if (writer !== this.writer) return false;
    try {
      await writer.save(cp);
    } catch (e) {
      // Over its checkpoint bound: the query's own doing, which fails it.
      if (isEddyError(e) && e.fault === 'user') throw e;
      this.writer = undefined;
      const takenOver = e instanceof KvConflict;
      this.enqueue(async () => {
        await this.letGo();
        if (!takenOver) await this.competeAgain();
      });
      return false;
    }
  }

  /** Gives the lease up and, after a renewal interval, competes for it again (as every other process does). */
  private async competeAgain(): Promise<void> {
    await this.deps.cluster.leases.release(this.leaseKey);
    if (this.stopped) return;
    const retry = setTimeout(() => {
      if (!this.stopped && this.failure === undefined) void this.begin().catch(() => undefined);
    }, this.deps.cluster.leases.renewMs);
    retry.unref();
  }

  private async letGo(keepSubscribers = true): Promise<void> {
    const run = this.run;
    if (!run) return;
    this.run = undefined;
    this.handingOver = keepSubscribers;
    try {
      await run.stop();
    } finally {
      this.handingOver = false;
      this.writer = undefined;
    }
  }

  private summary(): QuerySummary | undefined {
    if (!this.run) return undefined;
    const s = this.run.status();
    return {
      inputRecords: s.inputRecords,
      outputRows: s.outputRows,
      lateRows: s.lateRows,
      decodeErrors: s.decodeErrors,
      watermark: s.watermark,
      lagMs: s.lagMs,
      stateEntries: s.stateEntries,
      startedAt: s.startedAt,
      checkpoints: s.checkpoints,
    };
  }
}

/** The id a query's (or one of its parts') checkpoint is kept under in the cluster. */
export function partCheckpointId(queryId: string, part: number | undefined): string {
  return part === undefined ? queryId : `${queryId}.part.${part}`;
}
