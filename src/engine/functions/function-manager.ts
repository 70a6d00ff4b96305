// Functions on streams: event source mappings (created, updated, deleted, listed; persisted and resumed
// after a restart), one runner per enabled mapping, and the worker pools that run handler modules from
// the operator's functions directory. The Lambda API and /v1 call this; it never trusts a name as a path.
// On a cluster of Eddy processes the definitions and positions are shared, and each enabled mapping runs
// on the one process holding its lease.

import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import type { Clock } from '../clock.js';
import type { LeaseKeeper } from '../cluster/lease-keeper.js';
import { EddyError, isEddyError } from '../errors.js';
import type { StreamStore } from '../stream/stream-store.js';
import { streamNameInArn } from '../stream/stream-arns.js';
import { MAPPING_DEFAULTS, type EventSourceMapping, type MappingSettings, type MappingState } from './event-source-mapping.js';
import { FunctionPool, type InvocationOutcome, type InvocationRequest } from './function-pool.js';
import { functionArn, MODULE_EXTENSIONS, modulePathFor } from './function-name.js';
import { MappingRunner, type ShardProgress } from './mapping-runner.js';
import { checkCombination, type CreateMappingRequest, type UpdateMappingRequest } from './mapping-request.js';
import { FileMappingStateStore, MemoryMappingStateStore, positionsIn, type MappingPositions, type MappingShardPosition, type MappingStateStore } from './mapping-state-store.js';
import type { MappingDefinitionChange, SharedMappingState } from './shared-mapping-state.js';
import type { DiscardedBatch } from './shard-processor.js';

/**
 * Event source mappings on a cluster of Eddy processes: definitions and positions in a shared bucket, each
 * enabled mapping run by whichever process holds its lease (every process must then have the same
 * handler modules in its functions directory).
 */
export interface FunctionCluster {
  readonly state: SharedMappingState;
  readonly leases: LeaseKeeper;
}

export interface FunctionManagerOptions {
  readonly streams: StreamStore;
  readonly clock: Clock;
  /** Where mappings and positions are persisted (`<dataDir>/functions/`); omitted keeps them in memory. */
  readonly dataDir?: string;
  /** The only directory handler modules are loaded from; without it no mapping can be created. */
  readonly functionsDir?: string;
  readonly region?: string;
  readonly accountId?: string;
  /** Heap limit of each handler worker, MB (default 256). */
  readonly memoryMb?: number;
  /** How long one invocation may run (default 60 s). */
  readonly timeoutMs?: number;
  /** Invocations in flight per function at most (default 4); more lanes wait their turn. */
  readonly concurrency?: number;
  /** Waits between retries of a failing batch: doubling from the first to the most (default 200 ms to 30 s). */
  readonly retry?: { readonly initialDelayMs: number; readonly maxDelayMs: number };
  readonly cluster?: FunctionCluster;
}

/** A mapping as the API shows it: its settings, its state and what happened last. */
export interface MappingView extends EventSourceMapping {
  readonly state: MappingState;
  readonly functionArn: string;
  readonly eventSourceMappingArn: string;
  readonly lastProcessingResult: string;
  readonly stateTransitionReason: string;
  readonly problem?: string;
  readonly shards: readonly ShardProgress[];
  readonly stats: MappingStats;
  /** On a cluster: the process running the mapping (undefined while nobody holds its lease). */
  readonly process?: string;
  /**
   * On a cluster, true when another process runs the mapping: its figures are the ones that process wrote
   * with its last lease renewal, and its shards' positions are not shown here.
   */
  readonly runsElsewhere: boolean;
}

export interface MappingStats {
  invocations: number;
  failedInvocations: number;
  recordsProcessed: number;
  recordsDiscarded: number;
  /** On-failure records that could not be written to their destination stream (after 3 tries each). */
  destinationFailures: number;
}

interface Entry {
  mapping: EventSourceMapping;
  runner: MappingRunner | undefined;
  state: MappingState;
  lastProcessingResult: string;
  problem: string | undefined;
  stats: MappingStats;
}

const DESTINATION_TRIES = 3;
/** What a mapping's holder says of it in its lease at each renewal (a problem is cut to this many characters). */
const MAX_PROBLEM_IN_LEASE = 500;

/** What the process running a mapping writes beside its name in the mapping's lease, for the others to show. */
interface MappingLeaseInfo {
  readonly stats: MappingStats;
  readonly lastProcessingResult: string;
  readonly problem?: string;
}

export class FunctionManager {
  private readonly entries = new Map<string, Entry>();
  private readonly pools = new Map<string, FunctionPool>();
  readonly region: string;
  readonly accountId: string;
  private readonly memoryMb: number;
  private readonly timeoutMs: number;
  private readonly concurrency: number;
  private readonly retry: { initialDelayMs: number; maxDelayMs: number };
  readonly functionsDir: string | undefined;
  private readonly typescript: string | undefined;
  private closed = false;
  /** Serialises what happens to each mapping (API calls, lease changes, definitions changed elsewhere). */
  private readonly locks = new Map<string, Promise<unknown>>();
  /** On a cluster: mappings whose lease this process competes for. */
  private readonly wanted = new Set<string>();
  /** Retries of mappings that could not start while this process holds their lease. */
  private readonly retries = new Map<string, NodeJS.Timeout>();
  /** Function and stream pairs (pairOf) whose mapping is being created through this process, with its uuid. */
  private readonly creating = new Map<string, string>();

  private constructor(
    private readonly o: FunctionManagerOptions,
    private readonly state: MappingStateStore,
  ) {
    this.region = o.region ?? 'us-east-1';
    this.accountId = o.accountId ?? '000000000000';
    this.memoryMb = o.memoryMb ?? 256;
    this.timeoutMs = o.timeoutMs ?? 60_000;
    this.concurrency = o.concurrency ?? 4;
    this.retry = o.retry ?? { initialDelayMs: 200, maxDelayMs: 30_000 };
    this.functionsDir = o.functionsDir === undefined ? undefined : resolve(o.functionsDir);
    this.typescript = findTypescript();
  }

  static async open(o: FunctionManagerOptions): Promise<FunctionManager> {
    const state = o.cluster ? o.cluster.state : o.dataDir === undefined ? new MemoryMappingStateStore() : new FileMappingStateStore(join(o.dataDir, 'functions'));
    const manager = new FunctionManager(o, state);
    for (const mapping of await state.list()) {
      const entry = newEntry(mapping);
      manager.entries.set(mapping.uuid, entry);
      if (mapping.enabled) await manager.run(entry);
    }
    await o.cluster?.state.watch((change) => void manager.definitionChanged(change));
    return manager;
  }

  /** Runs an enabled mapping here, or on a cluster, competes for its lease and runs it once that is held. */
  private async run(entry: Entry): Promise<void> {
    const cluster = this.o.cluster;
    if (!cluster) return this.startRunner(entry);
    const uuid = entry.mapping.uuid;
    if (cluster.leases.holds(leaseKeyOf(uuid))) {
      if (!entry.runner) await this.startRunner(entry);
      return;
    }
    if (!this.wanted.has(uuid)) {
      this.wanted.add(uuid);
      await this.want(uuid);
    }
    // Enabled, and running on whichever process holds the lease (here, once the runner queued behind this call starts).
    if (!cluster.leases.holds(leaseKeyOf(uuid)) && entry.state !== 'Creating') entry.state = 'Enabled';
  }

  private async want(uuid: string): Promise<void> {
    await this.o.cluster?.leases.want(leaseKeyOf(uuid), {
      acquired: () =>
        void this.locked(uuid, async () => {
          const current = this.entries.get(uuid);
          if (current && current.mapping.enabled && !current.runner && !this.closed) await this.startRunner(current);
        }),
      // Another process runs it now, from the positions saved last: invocations in flight here finish first.
      lost: () => void this.locked(uuid, () => this.stopHere(uuid)),
      info: () => {
        const current = this.entries.get(uuid);
        if (!current) return undefined;
        const info: MappingLeaseInfo = {
          stats: current.stats,
          lastProcessingResult: current.lastProcessingResult,
          ...(current.problem ? { problem: current.problem.slice(0, MAX_PROBLEM_IN_LEASE) } : {}),
        };
        return info;
      },
    });
  }

  /**
   * Another process claimed the positions of a mapping running here: it stops here, and the lease is
   * competed for again, so that should this process still hold it, the mapping does not stand still.
   */
  private async superseded(uuid: string): Promise<void> {
    await this.stopHere(uuid);
    const entry = this.entries.get(uuid);
    if (!this.o.cluster || !entry?.mapping.enabled || this.closed) return;
    await this.stopCompeting(uuid);
    await this.run(entry);
  }

  /** Stops competing for a mapping's lease (disabled, deleted): the runner here, if any, has stopped. */
  private async stopCompeting(uuid: string): Promise<void> {
    if (!this.wanted.delete(uuid)) return;
    await this.o.cluster?.leases.release(leaseKeyOf(uuid));
  }

  /** Stops the runner here (the lease moved on, or another process claimed the positions); the figures start again with the next run. */
  private async stopHere(uuid: string): Promise<void> {
    const entry = this.entries.get(uuid);
    if (!entry) return;
    this.cancelRetry(uuid);
    await this.stopRunner(entry);
    entry.stats = emptyStats();
    entry.problem = undefined;
    entry.lastProcessingResult = 'No records processed';
    if (entry.mapping.enabled) entry.state = 'Enabled';
    this.releaseUnusedPools();
  }

  /** A definition created, changed or deleted through another process (or this one, echoed by the bucket). */
  private async definitionChanged({ uuid, mapping }: MappingDefinitionChange): Promise<void> {
    await this.locked(uuid, async () => {
      if (this.closed) return;
      const entry = this.entries.get(uuid);
      if (mapping === undefined) {
        if (!entry) return;
        this.cancelRetry(uuid);
        await this.stopRunner(entry);
        this.entries.delete(uuid);
        await this.stopCompeting(uuid);
        this.releaseUnusedPools();
        return;
      }
      if (!entry) {
        const created = newEntry(mapping);
        this.entries.set(uuid, created);
        if (mapping.enabled) await this.run(created);
        return;
      }
      if (JSON.stringify(entry.mapping) === JSON.stringify(mapping)) return;
      // New settings: the runner here (if this process runs it) saves its positions and starts again with them.
      await this.stopRunner(entry);
      entry.mapping = mapping;
      entry.state = mapping.enabled ? 'Enabled' : 'Disabled';
      if (mapping.enabled) await this.run(entry);
      else await this.stopCompeting(uuid);
      this.releaseUnusedPools();
    });
  }

  private async locked<T>(uuid: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(uuid) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.catch(() => undefined);
    this.locks.set(uuid, settled);
    void settled.then(() => {
      if (this.locks.get(uuid) === settled) this.locks.delete(uuid);
    });
    return next;
  }

  /** Handler modules in the functions directory, by function name. */
  listFunctions(): { name: string; file: string; functionArn: string }[] {
    if (this.functionsDir === undefined) return [];
    let files: string[];
    try {
      files = readdirSync(this.functionsDir);
    } catch {
      return [];
    }
    const out = new Map<string, string>();
    for (const ext of MODULE_EXTENSIONS) {
      for (const f of files) {
        if (!f.endsWith(ext)) continue;
        const name = f.slice(0, -ext.length);
        if (/^[a-zA-Z0-9-_]{1,64}$/.test(name) && !out.has(name)) out.set(name, f);
      }
    }
    return [...out].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, file]) => ({ name, file, functionArn: functionArn(this, name) }));
  }

  async create(request: CreateMappingRequest): Promise<MappingView> {
    this.checkOpen();
    this.requireModule(request.functionName);
    await this.knowStreamsIn(request.eventSourceArn, request.onFailureDestination);
    const streamName = this.streamOf(request.eventSourceArn);
    const settings: MappingSettings = { ...MAPPING_DEFAULTS, ...dropUndefined(request), functionName: request.functionName };
    checkCombination(settings);
    if (settings.onFailureDestination) this.streamOf(settings.onFailureDestination, 'DestinationConfig.OnFailure.Destination');
    this.refuseSecondMapping(settings.functionName, streamName, request.eventSourceArn);
    const now = this.o.clock.now();
    const mapping: EventSourceMapping = {
      ...settings,
      ...(settings.onFailureDestination ? {} : { onFailureDestination: undefined }),
      uuid: randomUUID(),
      streamName,
      eventSourceArn: request.eventSourceArn,
      startingPosition: request.startingPosition,
      ...(request.startingPositionTimestamp === undefined ? {} : { startingPositionTimestamp: request.startingPositionTimestamp }),
      createdAt: now,
      lastModified: now,
    };
    // Held until the mapping is an entry (or its create failed): a second create of the pair through this
    // process meanwhile is refused by refuseSecondMapping, one through another process by the claim below.
    const pair = pairOf(mapping.functionName, streamName);
    this.creating.set(pair, mapping.uuid);
    return this.locked(mapping.uuid, () => this.createLocked(mapping)).finally(() => this.creating.delete(pair));
  }

  private async createLocked(mapping: EventSourceMapping): Promise<MappingView> {
    const streamName = mapping.streamName;
    await this.claimPair(mapping, mapping.eventSourceArn);
    // LATEST means the records after this moment: the open shards' ends are pinned now, so a restart (or
    // another process taking the mapping) before the first batch does not skip what arrived in between.
    if (mapping.startingPosition === 'LATEST') await this.state.saveCheckpoint(mapping.uuid, { shards: this.latestPositions(streamName) });
    const entry: Entry = { ...newEntry(mapping), state: 'Creating' };
    this.entries.set(mapping.uuid, entry);
    // On a cluster the lease comes first, so the process a mapping was created through runs it.
    if (this.o.cluster && mapping.enabled) await this.run(entry);
    try {
      await this.state.save(mapping);
    } catch (e) {
      this.entries.delete(mapping.uuid);
      this.wanted.delete(mapping.uuid);
      await this.o.cluster?.leases.remove(leaseKeyOf(mapping.uuid));
      await this.o.cluster?.state.releasePair(mapping.functionName, streamName, mapping.uuid).catch(() => undefined);
      throw e;
    }
    const created = this.view(entry);
    if (!mapping.enabled) entry.state = 'Disabled';
    else if (!this.o.cluster) await this.startRunner(entry);
    else entry.state = this.o.cluster.leases.holds(leaseKeyOf(mapping.uuid)) ? 'Enabling' : 'Enabled';
    return created;
  }

  /** Lambda's answer to a second mapping of a function on a stream (through this process, created or under way). */
  private refuseSecondMapping(functionName: string, streamName: string, eventSourceArn: string, except?: string): void {
    const under = this.creating.get(pairOf(functionName, streamName));
    const held = [...this.entries.values()].find((e) => e.mapping.functionName === functionName && e.mapping.streamName === streamName)?.mapping.uuid ?? under;
    if (held !== undefined && held !== except) throw mappingExists(eventSourceArn, functionName, held);
  }

  /** On a cluster, claims the mapping's function and stream for it in the shared bucket, refusing the create if another holds them. */
  private async claimPair(mapping: EventSourceMapping, eventSourceArn: string): Promise<void> {
    const holder = await this.o.cluster?.state.claimPair(mapping.functionName, mapping.streamName, mapping.uuid, this.o.clock.now());
    if (holder !== undefined) throw mappingExists(eventSourceArn, mapping.functionName, holder);
  }

  get(uuid: string): MappingView {
    return this.view(this.entry(uuid));
  }

  list(filter: { functionName?: string; streamName?: string } = {}): MappingView[] {
    return [...this.entries.values()]
      .filter((e) => (filter.functionName === undefined || e.mapping.functionName === filter.functionName) && (filter.streamName === undefined || e.mapping.streamName === filter.streamName))
      .sort((a, b) => a.mapping.createdAt - b.mapping.createdAt || (a.mapping.uuid < b.mapping.uuid ? -1 : 1))
      .map((e) => this.view(e));
  }

  /** Resolves an event source ARN filter of ListEventSourceMappings to a stream name. */
  async streamNameOf(eventSourceArn: string): Promise<string> {
    await this.knowStreamsIn(eventSourceArn);
    return this.streamOf(eventSourceArn);
  }

  async update(uuid: string, request: UpdateMappingRequest): Promise<MappingView> {
    this.checkOpen();
    this.entry(uuid);
    return this.locked(uuid, () => this.updateLocked(uuid, request));
  }

  private async updateLocked(uuid: string, request: UpdateMappingRequest): Promise<MappingView> {
    const entry = this.entry(uuid);
    if (entry.state === 'Updating' || entry.state === 'Creating' || entry.state === 'Deleting') {
      throw new EddyError('ResourceConflictException', `The operation cannot be performed at this time. The event source mapping is currently in ${entry.state} state.`);
    }
    if (request.functionName !== undefined) this.requireModule(request.functionName);
    await this.knowStreamsIn(request.onFailureDestination);
    const next: EventSourceMapping = { ...entry.mapping, ...dropUndefined(request), lastModified: this.o.clock.now() };
    checkCombination(next);
    if (request.onFailureDestination) this.streamOf(request.onFailureDestination, 'DestinationConfig.OnFailure.Destination');
    const mapping: EventSourceMapping = next.onFailureDestination ? next : { ...next, onFailureDestination: undefined };
    const before = entry.mapping;
    const moved = mapping.functionName !== before.functionName;
    if (moved) {
      // Another function: the pair it makes with the stream must be free, as for a create.
      this.refuseSecondMapping(mapping.functionName, mapping.streamName, mapping.eventSourceArn, uuid);
      await this.claimPair(mapping, mapping.eventSourceArn);
    }
    entry.state = 'Updating';
    try {
      await this.stopRunner(entry);
      await this.state.save(mapping);
      entry.mapping = mapping;
    } catch (e) {
      if (moved) await this.o.cluster?.state.releasePair(mapping.functionName, mapping.streamName, uuid).catch(() => undefined);
      throw e;
    } finally {
      entry.state = entry.mapping.enabled ? 'Enabling' : 'Disabled';
    }
    if (moved) await this.o.cluster?.state.releasePair(before.functionName, before.streamName, uuid).catch(() => undefined);
    const shown = { ...this.view(entry), state: 'Updating' as MappingState };
    if (entry.mapping.enabled) await this.run(entry);
    else await this.stopCompeting(uuid);
    this.releaseUnusedPools();
    return shown;
  }

  async delete(uuid: string): Promise<MappingView> {
    this.checkOpen();
    const entry = this.entry(uuid);
    if (entry.state === 'Deleting') throw new EddyError('ResourceConflictException', 'The operation cannot be performed at this time. The event source mapping is currently in Deleting state.');
    entry.state = 'Deleting';
    const shown = this.view(entry);
    await this.locked(uuid, async () => {
      this.cancelRetry(uuid);
      await this.stopRunner(entry);
      // The definition goes first: a process that takes the lease meanwhile finds it gone and does not run it.
      await this.state.remove(uuid);
      this.wanted.delete(uuid);
      await this.o.cluster?.leases.remove(leaseKeyOf(uuid));
      this.entries.delete(uuid);
      this.releaseUnusedPools();
    });
    return shown;
  }

  /** Wakes every mapping (tests move a manual clock, then poke). */
  poke(): void {
    for (const e of this.entries.values()) e.runner?.poke();
  }

  /**
   * Stops every mapping (in-flight invocations finish, positions are saved) and every worker; on a cluster
   * then gives the leases up, so the other processes take the mappings at once.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
    await this.o.cluster?.state.close();
    await Promise.all([...this.entries.values()].map((e) => this.stopRunner(e)));
    for (const uuid of [...this.wanted]) await this.stopCompeting(uuid);
    await Promise.all([...this.pools.values()].map((p) => p.close()));
    this.pools.clear();
  }

  private positionsOf(uuid: string): MappingPositions {
    const cluster = this.o.cluster;
    return cluster ? cluster.state.positionsFor(uuid, cluster.leases.holder) : positionsIn(this.state, uuid);
  }

  private async startRunner(entry: Entry): Promise<void> {
    const mapping = entry.mapping;
    let runner: MappingRunner;
    try {
      runner = new MappingRunner({
        mapping,
        streams: this.o.streams,
        positions: this.positionsOf(mapping.uuid),
        clock: this.o.clock,
        region: this.region,
        invokeIdentityArn: `arn:aws:iam::${this.accountId}:role/eddy-${mapping.functionName}`,
        retry: this.retry,
        invoke: (r) => this.invoke(mapping.functionName, r),
        discard: (b) => this.discard(entry, b),
        invoked: (n, outcome) => {
          entry.stats.invocations++;
          if (outcome === 'ok') entry.stats.recordsProcessed += n;
          else entry.stats.failedInvocations++;
          entry.lastProcessingResult = outcome === 'ok' ? 'OK' : 'PROBLEM: Function call failed';
        },
        problem: (message) => (entry.problem = message),
        superseded: () => void this.locked(mapping.uuid, () => this.superseded(mapping.uuid)),
      });
      await runner.start();
    } catch (e) {
      entry.problem = `Cannot start: ${(e as Error).message}`;
      const cluster = this.o.cluster;
      if (cluster && cluster.leases.holds(leaseKeyOf(mapping.uuid)) && !(isEddyError(e) && e.code === 'ResourceNotFoundException')) {
        // The cluster did not answer (its positions could not be claimed): tried again while the lease is held here.
        this.retryStart(mapping.uuid);
        return;
      }
      // The stream is gone: the mapping stays, shows why, and runs again once it is updated.
      entry.state = 'Disabled';
      return;
    }
    entry.runner = runner;
    entry.state = 'Enabled';
  }

  private retryStart(uuid: string): void {
    if (this.retries.has(uuid) || this.closed) return;
    const timer = setTimeout(() => {
      this.retries.delete(uuid);
      void this.locked(uuid, async () => {
        const entry = this.entries.get(uuid);
        if (entry && entry.mapping.enabled && !entry.runner && !this.closed && this.o.cluster?.leases.holds(leaseKeyOf(uuid))) await this.startRunner(entry);
      });
    }, this.o.cluster?.leases.renewMs ?? 1_000);
    timer.unref();
    this.retries.set(uuid, timer);
  }

  private cancelRetry(uuid: string): void {
    clearTimeout(this.retries.get(uuid));
    this.retries.delete(uuid);
  }

  private async stopRunner(entry: Entry): Promise<void> {
    const runner = entry.runner;
    entry.runner = undefined;
    await runner?.stop();
  }

  private invoke(name: string, request: InvocationRequest): Promise<InvocationOutcome> {
    let pool = this.pools.get(name);
    if (!pool) {
      const modulePath = this.modulePath(name);
      if (modulePath === undefined) {
        return Promise.resolve({ ok: false, errorType: 'ResourceNotFoundException', errorMessage: `Function not found: ${functionArn(this, name)}`, requestId: randomUUID() });
      }
      pool = new FunctionPool({
        functionName: name,
        functionArn: functionArn(this, name),
        modulePath,
        memoryMb: this.memoryMb,
        timeoutMs: this.timeoutMs,
        maxWorkers: this.concurrency,
        ...(this.typescript ? { typescript: this.typescript } : {}),
      });
      this.pools.set(name, pool);
    }
    return pool.invoke(request);
  }

  /** Writes Lambda's on-failure record for a discarded batch to the destination stream, if there is one. */
  private async discard(entry: Entry, batch: DiscardedBatch): Promise<void> {
    entry.stats.recordsDiscarded += batch.records.length;
    const target = entry.mapping.onFailureDestination;
    if (!target || batch.records.length === 0) return;
    const first = batch.records[0]!;
    const last = batch.records[batch.records.length - 1]!;
    let streamArn = entry.mapping.eventSourceArn;
    try {
      streamArn = this.o.streams.describeStream(entry.mapping.streamName).streamARN;
    } catch {
      // The source stream is gone; its ARN as the mapping names it will do.
    }
    const record = {
      requestContext: { requestId: batch.requestId ?? randomUUID(), functionArn: functionArn(this, entry.mapping.functionName), condition: batch.condition, approximateInvokeCount: batch.attempts },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: batch.lastError ? 'Unhandled' : undefined, errorType: batch.lastError?.errorType, errorMessage: batch.lastError?.errorMessage },
      version: '1.0',
      timestamp: new Date(this.o.clock.now()).toISOString(),
      KinesisBatchInfo: {
        shardId: batch.shardId,
        startSequenceNumber: first.sequenceNumber,
        endSequenceNumber: last.sequenceNumber,
        approximateArrivalOfFirstRecord: new Date(first.arrivalTimestamp).toISOString(),
        approximateArrivalOfLastRecord: new Date(last.arrivalTimestamp).toISOString(),
        batchSize: batch.records.length,
        streamArn,
      },
    };
    const data = Buffer.from(JSON.stringify(record));
    for (let attempt = 1; attempt <= DESTINATION_TRIES; attempt++) {
      try {
        await this.knowStreamsIn(target);
        const destination = this.streamOf(target, 'DestinationConfig.OnFailure.Destination');
        await this.o.streams.putRecord(destination, { partitionKey: batch.shardId, data });
        return;
      } catch (e) {
        entry.problem = `On-failure destination ${target}: ${(e as Error).message}`;
        if (attempt < DESTINATION_TRIES) await new Promise((r) => setTimeout(r, 100 * attempt));
      }
    }
    // Bounded: the records are still in the source stream for its retention period; the loss is counted.
    entry.stats.destinationFailures++;
  }

  private view(entry: Entry): MappingView {
    const m = entry.mapping;
    const here = {
      lastProcessingResult: entry.lastProcessingResult,
      problem: entry.problem,
      stats: { ...entry.stats },
    };
    const cluster = this.o.cluster;
    const lease = cluster && !cluster.leases.holds(leaseKeyOf(m.uuid)) ? cluster.leases.lastSeen(leaseKeyOf(m.uuid)) : undefined;
    const elsewhere = lease === undefined ? undefined : leaseInfoOf(lease.info);
    const shown = elsewhere ?? here;
    const process = cluster === undefined ? undefined : cluster.leases.holds(leaseKeyOf(m.uuid)) ? cluster.leases.holder : lease?.holder;
    return {
      ...m,
      state: entry.state,
      functionArn: functionArn(this, m.functionName),
      eventSourceMappingArn: `arn:aws:lambda:${this.region}:${this.accountId}:event-source-mapping:${m.uuid}`,
      lastProcessingResult: shown.lastProcessingResult,
      stateTransitionReason: 'User action',
      ...(shown.problem ? { problem: shown.problem } : {}),
      shards: entry.runner?.progress() ?? [],
      stats: { ...shown.stats },
      ...(process === undefined ? {} : { process }),
      runsElsewhere: process !== undefined && process !== cluster?.leases.holder,
    };
  }

  private entry(uuid: string): Entry {
    const entry = this.entries.get(uuid);
    if (!entry) throw new EddyError('ResourceNotFoundException', 'The resource you requested does not exist.');
    return entry;
  }

  private checkOpen(): void {
    if (this.closed) throw new EddyError('ServiceUnavailableException', 'Eddy is shutting down.', 'external');
  }

  private modulePath(name: string): string | undefined {
    if (this.functionsDir === undefined) return undefined;
    for (const ext of MODULE_EXTENSIONS) {
      const path = modulePathFor(this.functionsDir, name, ext);
      if (existsSync(path)) return path;
    }
    return undefined;
  }

  private requireModule(name: string): void {
    if (this.functionsDir === undefined) {
      throw new EddyError('InvalidParameterValueException', 'Functions are off on this server: start eddy serve with --functions-dir <dir> to run handler modules from that directory.');
    }
    if (this.modulePath(name) === undefined) throw new EddyError('ResourceNotFoundException', `Function not found: ${functionArn(this, name)}`);
  }

  /**
   * Has the store read the streams these ARNs name from a shared storage, if it has not heard of them
   * yet (created through another process a moment ago), so that streamOf finds them.
   */
  private async knowStreamsIn(...arns: (string | undefined)[]): Promise<void> {
    for (const arn of arns) {
      const name = arn === undefined ? undefined : streamNameInArn(arn);
      if (name !== undefined) await this.o.streams.knowStream(name);
    }
  }

  /** The Eddy stream an event source or destination ARN names (a stream ARN or a stream consumer ARN). */
  private streamOf(arn: string, member = 'EventSourceArn'): string {
    try {
      return this.o.streams.streamNameFromArn(arn);
    } catch (streamError) {
      try {
        return this.o.streams.consumerByArn(arn).streamName;
      } catch {
        const why = isEddyError(streamError) && streamError.code === 'ResourceNotFoundException' ? 'no such stream' : 'not an Eddy stream ARN (arn:aws:kinesis:<region>:<account>:stream/<name>) or stream consumer ARN';
        throw new EddyError('InvalidParameterValueException', `${member} ${arn}: ${why}.`);
      }
    }
  }

  private latestPositions(streamName: string): Record<string, MappingShardPosition> {
    const out: Record<string, MappingShardPosition> = {};
    for (const shard of this.o.streams.describeStream(streamName).shards) {
      if (shard.sequenceNumberRange.endingSequenceNumber !== undefined) {
        out[shard.shardId] = { end: true };
        continue;
      }
      const cursor = this.o.streams.openCursor(streamName, shard.shardId, { type: 'LATEST' });
      const seq = cursor.continuationSequenceNumber;
      cursor.close();
      out[shard.shardId] = seq === undefined ? { start: 'TRIM_HORIZON' } : { after: seq };
    }
    return out;
  }

  /** Closes the workers of functions no mapping runs here any more (on a cluster, those whose mappings moved away). */
  private releaseUnusedPools(): void {
    const used = new Set([...this.entries.values()].filter((e) => !this.o.cluster || e.runner !== undefined || this.wanted.has(e.mapping.uuid)).map((e) => e.mapping.functionName));
    for (const [name, pool] of this.pools) {
      if (!used.has(name)) {
        this.pools.delete(name);
        void pool.close();
      }
    }
  }
}

function pairOf(functionName: string, streamName: string): string {
  return JSON.stringify([functionName, streamName]);
}

/** What Lambda answers a second mapping of a function on the same event source: 409 ResourceConflictException. */
function mappingExists(eventSourceArn: string, functionName: string, uuid: string): EddyError {
  return new EddyError(
    'ResourceConflictException',
    `The event source arn (" ${eventSourceArn} ") and function (" ${functionName} ") provided mapping already exists. Please update or delete the existing mapping with UUID ${uuid}`,
  );
}

function newEntry(mapping: EventSourceMapping): Entry {
  return { mapping, runner: undefined, state: mapping.enabled ? 'Enabled' : 'Disabled', lastProcessingResult: 'No records processed', problem: undefined, stats: emptyStats() };
}

function leaseKeyOf(uuid: string): string {
  return `mapping.${uuid}`;
}

/** The figures another process wrote in a mapping's lease, if they read as such. */
function leaseInfoOf(info: unknown): { lastProcessingResult: string; problem: string | undefined; stats: MappingStats } | undefined {
  if (typeof info !== 'object' || info === null) return undefined;
  const i = info as Partial<MappingLeaseInfo>;
  if (typeof i.lastProcessingResult !== 'string' || typeof i.stats !== 'object' || i.stats === null) return undefined;
  const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const s = i.stats;
  return {
    lastProcessingResult: i.lastProcessingResult,
    problem: typeof i.problem === 'string' ? i.problem : undefined,
    stats: { invocations: n(s.invocations), failedInvocations: n(s.failedInvocations), recordsProcessed: n(s.recordsProcessed), recordsDiscarded: n(s.recordsDiscarded), destinationFailures: n(s.destinationFailures) },
  };
}

function emptyStats(): MappingStats {
  return { invocations: 0, failedInvocations: 0, recordsProcessed: 0, recordsDiscarded: 0, destinationFailures: 0 };
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Where `typescript` resolves from Eddy's own install, for TypeScript handlers; undefined if not installed. */
function findTypescript(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('typescript/package.json');
  } catch {
    return undefined;
  }
}
