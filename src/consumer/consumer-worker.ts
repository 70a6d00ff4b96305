// A consumer-group worker, as the KCL's Scheduler: it shares a stream's shards with the other workers of
// its group through leases (one per shard). It creates leases for new shards, renews its own, takes free
// and expired ones, steals one at a time from the busiest worker until the shards are balanced, starts a
// child shard only once its parents are read to their end, and on shutdown checkpoints and hands its
// leases over. Expiry is judged here, by the worker's clock: a lease whose counter has not moved for the
// failover time belongs to a worker that stopped renewing.

import {
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  ListShardsCommand,
  RegisterStreamConsumerCommand,
  ResourceInUseException,
  type KinesisClient,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { LeaseConflictError, type Lease, type LeaseStore } from './lease-store.js';
import { LeaseLostError, type RecordProcessor } from './record-processor.js';
import { ShardConsumer } from './shard-consumer.js';

export interface ConsumerWorkerOptions {
  readonly streamName: string;
  readonly kinesis: KinesisClient;
  readonly leaseStore: LeaseStore;
  /** A new processor for each shard this worker takes. */
  readonly processorFactory: (shardId: string) => RecordProcessor;
  /** Unique per worker process (default: host, pid and a random suffix). */
  readonly workerId?: string;
  /** Where shards without a checkpoint start (default TRIM_HORIZON). */
  readonly initialPosition?: 'TRIM_HORIZON' | 'LATEST';
  /** A lease not renewed for this long is expired and may be taken (default 10 s, as the KCL's). */
  readonly failoverTimeMs?: number;
  /** How often held leases are renewed (default a third of the failover time). */
  readonly renewIntervalMs?: number;
  /** How often shards are synced and leases taken or stolen (default the failover time). */
  readonly leaseTakingIntervalMs?: number;
  /** GetRecords Limit (default 10,000). */
  readonly maxRecords?: number;
  /** Pause after a GetRecords that returned nothing (default 1 s; GetRecords is polled). */
  readonly idleTimeBetweenReadsMs?: number;
  /**
   * How records are read: GetRecords (default), or enhanced fan-out, where the worker registers a stream
   * consumer of this name (once for the group) and each shard's records are pushed by SubscribeToShard.
   */
  readonly retrieval?: { readonly type: 'polling' } | { readonly type: 'fanout'; readonly consumerName: string };
  readonly clock?: { now(): number };
  /** Failures the worker recovers from (a lease store or Kinesis call that failed); default: ignored. */
  readonly onError?: (error: unknown) => void;
}

interface Held {
  counter: number;
  consumer: ShardConsumer;
}

export class ConsumerWorker {
  readonly workerId: string;
  private readonly held = new Map<string, Held>();
  /** Per lease: the counter last seen and when it last changed (this worker's clock). */
  private readonly observed = new Map<string, { counter: number; since: number }>();
  private readonly clock: { now(): number };
  private readonly failoverMs: number;
  private timers: NodeJS.Timeout[] = [];
  /** Renewals and lease taking under way (shutdown waits for them, so no lease is taken behind it). */
  private readonly tasks = new Set<Promise<void>>();
  private readonly processors = new Map<string, RecordProcessor>();
  private consumerARN: string | undefined;
  private running = false;
  /** Lease store calls of this worker, one at a time, so counters never race. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: ConsumerWorkerOptions) {
    this.workerId = o.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.clock = o.clock ?? { now: () => Date.now() };
    this.failoverMs = o.failoverTimeMs ?? 10_000;
  }

  /** The shards this worker holds now. */
  get leases(): string[] {
    return [...this.held.keys()].sort();
  }

  async start(): Promise<void> {
    this.running = true;
    if (this.o.retrieval?.type === 'fanout') this.consumerARN = await this.registerConsumer(this.o.retrieval.consumerName);
    await this.takeLeases();
    const every = (ms: number, work: () => Promise<void>): void => {
      let busy = false;
      this.timers.push(
        setInterval(() => {
          if (busy || !this.running) return;
          busy = true;
          const task: Promise<void> = work()
            .catch((e: unknown) => this.o.onError?.(e))
            .finally(() => {
              busy = false;
              this.tasks.delete(task);
            });
          this.tasks.add(task);
        }, ms),
      );
    };
    every(this.o.renewIntervalMs ?? Math.max(1, Math.floor(this.failoverMs / 3)), () => this.renew());
    every(this.o.leaseTakingIntervalMs ?? this.failoverMs, () => this.takeLeases());
  }

  /** Graceful shutdown: each shard's processor is told, its last record checkpointed, its lease given up. */
  async shutdown(): Promise<void> {
    this.running = false;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await Promise.all([...this.tasks]);
    await Promise.all(
      [...this.held].map(async ([shardId, h]) => {
        const end = await h.consumer.stop().catch((e) => (this.o.onError?.(e), 'stopped' as const));
        if (end !== 'stopped' || !this.held.has(shardId)) return;
        try {
          await this.processorOf(shardId)?.shutdownRequested?.({ shardId, checkpointer: h.consumer.checkpointer });
          if (h.consumer.hasUncheckpointed) await h.consumer.checkpointer.checkpoint();
          await this.serial(() => this.o.leaseStore.evictLease(shardId, this.workerId, this.held.get(shardId)!.counter));
        } catch (e) {
          this.o.onError?.(e);
        }
        this.held.delete(shardId);
      }),
    );
  }

  /** The group's enhanced fan-out consumer: registered by the first worker, found by the others. */
  private async registerConsumer(consumerName: string): Promise<string> {
    const { StreamDescriptionSummary } = await this.o.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: this.o.streamName }));
    const StreamARN = StreamDescriptionSummary!.StreamARN!;
    try {
      await this.o.kinesis.send(new RegisterStreamConsumerCommand({ StreamARN, ConsumerName: consumerName }));
    } catch (e) {
      if (!(e instanceof ResourceInUseException)) throw e;
    }
    for (;;) {
      const { ConsumerDescription } = await this.o.kinesis.send(new DescribeStreamConsumerCommand({ StreamARN, ConsumerName: consumerName }));
      if (ConsumerDescription?.ConsumerStatus === 'ACTIVE') return ConsumerDescription.ConsumerARN!;
      // Kinesis takes a few seconds to make a new consumer ACTIVE.
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  private processorOf(shardId: string): RecordProcessor | undefined {
    return this.processors.get(shardId);
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async renew(): Promise<void> {
    if (this.held.size === 0) return;
    const { renewed, lost } = await this.serial(() => this.o.leaseStore.renewLeases(this.workerId, Object.fromEntries([...this.held].map(([k, h]) => [k, h.counter]))));
    for (const [key, counter] of Object.entries(renewed)) {
      const h = this.held.get(key);
      if (h) h.counter = counter;
    }
    for (const key of lost) await this.lose(key);
  }

  private async lose(shardId: string): Promise<void> {
    const h = this.held.get(shardId);
    if (!h) return;
    this.held.delete(shardId);
    await h.consumer.stop().catch(() => undefined);
    await this.processorOf(shardId)?.leaseLost?.({ shardId });
    this.processors.delete(shardId);
  }

  /** Creates leases for shards that have none; a child starts from its beginning, others at the initial position. */
  private async syncShards(leases: readonly Lease[]): Promise<boolean> {
    const shards: Shard[] = [];
    let token: string | undefined;
    do {
      const page = await this.o.kinesis.send(new ListShardsCommand(token ? { NextToken: token } : { StreamName: this.o.streamName }));
      shards.push(...(page.Shards ?? []));
      token = page.NextToken;
    } while (token);
    const known = new Set(leases.map((l) => l.leaseKey));
    const ids = new Set(shards.map((s) => s.ShardId!));
    let created = false;
    for (const shard of shards) {
      const id = shard.ShardId!;
      if (known.has(id)) continue;
      const parents = [shard.ParentShardId, shard.AdjacentParentShardId].filter((p): p is string => p !== undefined && ids.has(p));
      const closed = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
      const initial = this.o.initialPosition ?? 'TRIM_HORIZON';
      // From LATEST, history is skipped: a closed shard without a parent to follow has nothing new.
      const checkpoint = parents.length > 0 ? 'TRIM_HORIZON' : initial === 'LATEST' && closed ? 'SHARD_END' : initial;
      try {
        await this.serial(() => this.o.leaseStore.createLease({ leaseKey: id, checkpoint, parentLeaseKeys: parents }));
        created = true;
      } catch (e) {
        if (!(e instanceof LeaseConflictError)) throw e;
      }
    }
    return created;
  }

  private async takeLeases(): Promise<void> {
    let leases = await this.serial(() => this.o.leaseStore.listLeases());
    if (await this.syncShards(leases)) leases = await this.serial(() => this.o.leaseStore.listLeases());
    const now = this.clock.now();
    const byKey = new Map(leases.map((l) => [l.leaseKey, l]));
    for (const l of leases) {
      const seen = this.observed.get(l.leaseKey);
      if (!seen || seen.counter !== l.leaseCounter) this.observed.set(l.leaseKey, { counter: l.leaseCounter, since: now });
    }
    const finished = (key: string): boolean => {
      const l = byKey.get(key);
      return l === undefined || l.checkpoint === 'SHARD_END';
    };
    // Shards to process: not finished, and every parent read to its end (keys stay in order).
    const ready = leases.filter((l) => l.checkpoint !== 'SHARD_END' && l.parentLeaseKeys.every(finished));
    // A lease the table says is this worker's but that it no longer works on (a renewal that failed
    // without the lease being taken, e.g. the lease store timed out) is free for it to take again.
    const expired = (l: Lease): boolean =>
      l.leaseOwner === null || (l.leaseOwner === this.workerId ? !this.held.has(l.leaseKey) : now - this.observed.get(l.leaseKey)!.since > this.failoverMs);
    const owners = new Map<string, Lease[]>();
    for (const l of ready) {
      if (l.leaseOwner !== null && !expired(l)) owners.set(l.leaseOwner, [...(owners.get(l.leaseOwner) ?? []), l]);
    }
    if (!owners.has(this.workerId)) owners.set(this.workerId, []);
    const target = Math.ceil(ready.length / owners.size);
    const mine = ready.filter((l) => this.held.has(l.leaseKey)).length;
    if (!this.running) return;
    let wanted = target - mine;
    for (const l of ready.filter((x) => expired(x) && !this.held.has(x.leaseKey))) {
      if (wanted <= 0) break;
      if (await this.take(l)) wanted--;
    }
    if (wanted > 0) {
      // Nothing free: steal one lease from the worker with the most if it has more than its share, or
      // exactly its share while this worker is more than one short (4 shards, 3 workers: 2, 1, 1).
      const [busiest, theirs] = [...owners].filter(([o]) => o !== this.workerId).sort((a, b) => b[1].length - a[1].length)[0] ?? [];
      if (busiest !== undefined && theirs !== undefined && (theirs.length > target || (theirs.length === target && wanted > 1))) await this.take(theirs[0]!);
    }
  }

  private async take(lease: Lease): Promise<boolean> {
    let taken: Lease;
    try {
      taken = await this.serial(() => this.o.leaseStore.takeLease(lease.leaseKey, this.workerId, lease.leaseCounter));
    } catch (e) {
      if (e instanceof LeaseConflictError) return false;
      throw e;
    }
    const shardId = taken.leaseKey;
    const processor = this.o.processorFactory(shardId);
    this.processors.set(shardId, processor);
    const consumer = new ShardConsumer({
      kinesis: this.o.kinesis,
      streamName: this.o.streamName,
      shardId,
      checkpoint: taken.checkpoint,
      checkpointSubSequenceNumber: taken.checkpointSubSequenceNumber,
      processor,
      maxRecords: this.o.maxRecords ?? 10_000,
      idleTimeBetweenReadsMs: this.o.idleTimeBetweenReadsMs ?? 1000,
      ...(this.consumerARN === undefined ? {} : { consumerARN: this.consumerARN }),
      saveCheckpoint: (sequenceNumber, sub) => this.saveCheckpoint(shardId, sequenceNumber, sub),
    });
    const held: Held = { counter: taken.leaseCounter, consumer };
    this.held.set(shardId, held);
    void consumer.done.then(
      async (end) => {
        if (end !== 'shard-end' || this.held.get(shardId) !== held) return;
        // The parent is done: SHARD_END lets its children start, and the lease is let go.
        await this.saveCheckpoint(shardId, 'SHARD_END', 0);
        await this.serial(() => this.o.leaseStore.evictLease(shardId, this.workerId, held.counter));
        this.held.delete(shardId);
        this.processors.delete(shardId);
        if (this.running) await this.takeLeases();
      },
      async (e) => {
        // A processor that throws, or a lost lease while checkpointing: the lease goes back to the group.
        this.o.onError?.(e);
        if (this.held.get(shardId) !== held) return;
        this.held.delete(shardId);
        this.processors.delete(shardId);
        if (!(e instanceof LeaseLostError)) await this.serial(() => this.o.leaseStore.evictLease(shardId, this.workerId, held.counter)).catch(() => undefined);
      },
    ).catch((e) => this.o.onError?.(e));
    return true;
  }

  private async saveCheckpoint(shardId: string, checkpoint: string, subSequenceNumber: number): Promise<void> {
    const h = this.held.get(shardId);
    if (!h) throw new LeaseLostError(shardId);
    try {
      const lease = await this.serial(() => this.o.leaseStore.checkpoint(shardId, this.workerId, h.counter, checkpoint, subSequenceNumber));
      h.counter = lease.leaseCounter;
    } catch (e) {
      if (e instanceof LeaseConflictError) {
        void this.lose(shardId);
        throw new LeaseLostError(shardId);
      }
      throw e;
    }
  }
}
