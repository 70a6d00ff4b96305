// A shard's log as one JetStream stream: JetStream's stream sequence, less one, is the shard's offset, so
// offsets are dense, start at 0, increase in the order JetStream stored the records and are the same in
// every Eddy process and after any restart. JetStream replicates each stream over its RAFT group and
// acknowledges a record once a quorum of its replicas has it; an append resolves only then.
//
// Every Eddy process appends to the same stream; after each append the writer announces the stream's new
// end on a plain NATS subject, so the other processes' readers wake without polling. Resharding seals the
// stream, which JetStream then refuses writes to, from whichever process: a shard's end is fixed once.

import type { JetStreamClient, JetStreamManager, PubAck, StreamInfo, StreamUpdateConfig } from '@nats-io/jetstream';
import { DiscardPolicy, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { DamagedRange } from '../log/damaged-range.js';
import type { AppendRecord, AppendedOffsets, LogRecord, ReadLimits, RecordInput, ShardLog } from '../log/shard-log.js';
import { ShardSealedError } from '../log/shard-sealed-error.js';
import { JetStreamReader, type StoredMessage } from './jetstream-reader.js';
import { arrivalOfPayload, decodeRecordPayload, encodeRecordPayload } from './record-payload.js';
import { isUnsettledCluster, whileClusterSettles } from './while-cluster-settles.js';

/** What every shard log of one store shares: the connection and who this process is. */
export interface JetStreamContext {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** Unique per process and store: with a counter it makes each record's deduplication id. */
  readonly writerId: string;
}

/** Where a shard lives in JetStream. */
export interface ShardStreamNames {
  /** The JetStream stream. */
  readonly stream: string;
  /** The subject its records are published to. */
  readonly subject: string;
  /** The plain NATS subject writers announce the stream's new end on. */
  readonly tipSubject: string;
}

/** A retried publish with the same id within this window is stored once. */
const DUPLICATE_WINDOW_NS = 60_000_000_000;
const PUBLISH_TIMEOUT_MS = 5_000;
/** A publish is tried again while a node restarts or a leader is elected, for up to about this long. */
const PUBLISH_RETRY_MS = 30_000;
const READERS_PER_SHARD = 8;
const LAGGING_REPLICA_RETRIES = 10;
const MAX_PULL = 10_000;

interface PooledReader {
  readonly reader: JetStreamReader;
  /** Messages pulled but not yet returned (a read stops at its byte limit). */
  buffer: StoredMessage[];
}

export class JetStreamShardLog implements ShardLog {
  firstOffset: number;
  committedOffset: number;
  lastArrivalTimestamp: number | undefined;
  readonly damage: readonly DamagedRange[] = [];
  private sealed: boolean;
  private counter = 0;
  private readonly commitListeners = new Set<() => void>();
  private readonly readers = new Map<number, PooledReader>();
  private tipSubscription: Subscription | undefined;
  private closed = false;

  private constructor(
    private readonly ctx: JetStreamContext,
    readonly names: ShardStreamNames,
    info: StreamInfo,
    lastArrival: number | undefined,
  ) {
    this.committedOffset = info.state.last_seq;
    this.firstOffset = info.state.messages === 0 ? info.state.last_seq : info.state.first_seq - 1;
    this.lastArrivalTimestamp = lastArrival;
    this.sealed = info.config.sealed === true;
    this.tipSubscription = ctx.nc.subscribe(names.tipSubject, {
      callback: (err, msg) => {
        if (err === null) this.advanceTo(Number(new TextDecoder().decode(msg.data)));
      },
    });
  }

  /** Opens the shard's stream, creating it (with `replicas` copies) if it does not exist yet. */
  static async open(ctx: JetStreamContext, names: ShardStreamNames, replicas: number): Promise<JetStreamShardLog> {
    let info: StreamInfo;
    try {
      info = await ctx.jsm.streams.info(names.stream);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      try {
        info = await whileClusterSettles(() => ctx.jsm.streams.add({
          name: names.stream,
          subjects: [names.subject],
          num_replicas: replicas,
          storage: StorageType.File,
          retention: RetentionPolicy.Limits,
          discard: DiscardPolicy.Old,
          duplicate_window: DUPLICATE_WINDOW_NS,
        }));
      } catch (added) {
        // Another process created it meanwhile (resharding races end with both opening the same log).
        if (!/already in use|name already/i.test(String((added as Error).message))) throw added;
        info = await ctx.jsm.streams.info(names.stream);
      }
    }
    let lastArrival: number | undefined;
    if (info.state.messages > 0) {
      const last = await ctx.jsm.streams.getMessage(names.stream, { seq: info.state.last_seq }).catch(() => null);
      if (last) lastArrival = arrivalOfPayload(last.data, `${names.stream} #${last.seq}`);
    }
    return new JetStreamShardLog(ctx, names, info, lastArrival);
  }

  append(records: readonly AppendRecord[]): Promise<AppendedOffsets>;
  append(records: readonly RecordInput[], arrivalTimestamp: number): Promise<AppendedOffsets>;
  async append(records: readonly RecordInput[], arrivalTimestamp?: number): Promise<AppendedOffsets> {
    if (this.closed) throw new Error(`shard log ${this.names.stream} is closed`);
    if (this.sealed) throw new ShardSealedError(this.names.stream);
    // Published back to back on one connection, so JetStream stores them in this order.
    const acks = await Promise.all(
      records.map((r) => this.publish(encodeRecordPayload(r.partitionKey, r.data, arrivalTimestamp ?? (r as AppendRecord).arrivalTimestamp))),
    );
    let consecutive = true;
    let last = 0;
    const offsets = new Array<number>(acks.length);
    for (let i = 0; i < acks.length; i++) {
      const seq = acks[i]!.seq;
      if (i > 0 && seq !== acks[i - 1]!.seq + 1) consecutive = false;
      offsets[i] = seq - 1;
      if (seq > last) last = seq;
    }
    const arrival = arrivalTimestamp ?? (records[records.length - 1] as AppendRecord | undefined)?.arrivalTimestamp;
    if (arrival !== undefined && (this.lastArrivalTimestamp === undefined || arrival > this.lastArrivalTimestamp)) this.lastArrivalTimestamp = arrival;
    if (last > 0) {
      this.ctx.nc.publish(this.names.tipSubject, String(last));
      this.advanceTo(last);
    }
    return consecutive && offsets.length > 0 ? offsets[0]! : offsets;
  }

  damageAt(): DamagedRange | undefined {
    return undefined;
  }

  onDamage(): () => void {
    return () => undefined;
  }

  async read(fromOffset: number, limits: ReadLimits): Promise<LogRecord[]> {
    if (this.closed) throw new Error(`shard log ${this.names.stream} is closed`);
    const seq = Math.max(fromOffset, this.firstOffset) + 1;
    const pooled = this.takeReader(seq);
    try {
      const want = Math.min(Math.max(limits.maxRecords, 1), MAX_PULL);
      if (pooled.buffer.length === 0) pooled.buffer = await pooled.reader.next(want);
      // A consumer on a replica that is catching up (a node just restarted) may not hold records the
      // stream has acknowledged yet: it is asked again for a while before the read answers with nothing.
      for (let attempt = 0; pooled.buffer.length === 0 && seq <= this.committedOffset && attempt < LAGGING_REPLICA_RETRIES; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 20 * (attempt + 1)));
        pooled.buffer = await pooled.reader.next(want);
      }
      const out: LogRecord[] = [];
      let bytes = 0;
      let taken = 0;
      for (; taken < pooled.buffer.length && out.length < limits.maxRecords; taken++) {
        const m = pooled.buffer[taken]!;
        const record = decodeRecordPayload(m.payload, `${this.names.stream} #${m.seq}`);
        const size = record.data.length + record.partitionKey.length;
        if (out.length > 0 && bytes + size > limits.maxBytes) break;
        bytes += size;
        out.push({ offset: m.seq - 1, arrivalTimestamp: record.arrivalTimestamp, partitionKey: record.partitionKey, data: record.data });
      }
      const lastTaken = pooled.buffer[taken - 1];
      pooled.buffer = pooled.buffer.slice(taken);
      if (lastTaken !== undefined) this.advanceTo(lastTaken.seq + lastTaken.pending);
      return out;
    } finally {
      this.returnReader(pooled);
    }
  }

  async offsetAtTimestamp(timestamp: number): Promise<number> {
    await this.refresh();
    // Arrival times do not decrease within a shard: the first record at or after `timestamp` by bisection.
    let lo = this.firstOffset + 1;
    let hi = this.committedOffset + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const arrival = await this.arrivalOfSeq(mid);
      if (arrival === undefined || arrival < timestamp) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  async arrivalTimestampAt(offset: number): Promise<number | undefined> {
    if (offset < this.firstOffset || offset >= this.committedOffset) return undefined;
    for (const pooled of this.readers.values()) {
      const buffered = pooled.buffer.find((m) => m.seq === offset + 1);
      if (buffered) return arrivalOfPayload(buffered.payload, `${this.names.stream} #${buffered.seq}`);
    }
    return this.arrivalOfSeq(offset + 1);
  }

  /** Drops what arrived before `timestamp` (a sealed stream, a closed shard, keeps all until it expires whole). */
  async trimBefore(timestamp: number): Promise<void> {
    if (this.sealed || this.closed || this.committedOffset === this.firstOffset) return;
    const keepFrom = await this.offsetAtTimestamp(timestamp);
    if (keepFrom <= this.firstOffset) return;
    await this.ctx.jsm.streams.purge(this.names.stream, { seq: keepFrom + 1 });
    this.firstOffset = Math.max(this.firstOffset, keepFrom);
  }

  async refresh(): Promise<void> {
    const info = await this.ctx.jsm.streams.info(this.names.stream);
    this.sealed ||= info.config.sealed === true;
    this.firstOffset = info.state.messages === 0 ? info.state.last_seq : info.state.first_seq - 1;
    this.advanceTo(info.state.last_seq);
  }

  async seal(): Promise<number> {
    const info = await this.ctx.jsm.streams.info(this.names.stream);
    // The client's update type leaves out `sealed`, which the server takes in an update (and never undoes).
    if (info.config.sealed !== true) await this.ctx.jsm.streams.update(this.names.stream, { ...info.config, sealed: true } as Partial<StreamUpdateConfig>);
    this.sealed = true;
    // Read after sealing: no write can land past this end any more, from any process.
    const sealedInfo = await this.ctx.jsm.streams.info(this.names.stream);
    this.advanceTo(sealedInfo.state.last_seq);
    return sealedInfo.state.last_seq;
  }

  onCommit(listener: () => void): () => void {
    const entry = (): void => listener();
    this.commitListeners.add(entry);
    return () => {
      this.commitListeners.delete(entry);
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.tipSubscription?.unsubscribe();
    this.tipSubscription = undefined;
    const readers = [...this.readers.values()];
    this.readers.clear();
    await Promise.all(readers.map((r) => r.reader.close()));
  }

  async destroy(): Promise<void> {
    await this.close();
    await this.ctx.jsm.streams.delete(this.names.stream).catch((e: unknown) => {
      if (!isNotFound(e)) throw e;
    });
  }

  private async publish(payload: Uint8Array): Promise<PubAck> {
    const msgID = `${this.ctx.writerId}-${this.counter++}`;
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.ctx.js.publish(this.names.subject, payload, { msgID, expect: { streamName: this.names.stream }, timeout: PUBLISH_TIMEOUT_MS });
      } catch (e) {
        if (isSealedRefusal(e)) {
          this.sealed = true;
          throw new ShardSealedError(this.names.stream);
        }
        // While a node restarts or a new leader is elected JetStream answers late or not at all; the same
        // id makes a retry of a publish that did land a duplicate JetStream drops.
        if (!isUnsettledCluster(e) || Date.now() - started > PUBLISH_RETRY_MS) throw e;
        await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** attempt, 1_000)));
      }
    }
  }

  private async arrivalOfSeq(seq: number): Promise<number | undefined> {
    const msg = await this.ctx.jsm.streams.getMessage(this.names.stream, { seq }).catch(() => null);
    return msg ? arrivalOfPayload(msg.data, `${this.names.stream} #${seq}`) : undefined;
  }

  /** Records up to stream sequence `lastSeq` are stored: readers past the old end may go on. */
  private advanceTo(lastSeq: number): void {
    if (!Number.isSafeInteger(lastSeq) || lastSeq <= this.committedOffset) return;
    this.committedOffset = lastSeq;
    for (const listener of [...this.commitListeners]) listener();
  }

  private takeReader(seq: number): PooledReader {
    const pooled = this.readers.get(seq);
    if (pooled !== undefined) {
      this.readers.delete(seq);
      return pooled;
    }
    return { reader: new JetStreamReader(this.ctx.nc, this.ctx.jsm, this.names.stream, seq), buffer: [] };
  }

  private returnReader(pooled: PooledReader): void {
    pooled.reader.lastUsed = Date.now();
    const next = pooled.buffer[0]?.seq ?? pooled.reader.nextSeq;
    if (this.closed || this.readers.has(next)) {
      void pooled.reader.close();
      return;
    }
    this.readers.set(next, pooled);
    if (this.readers.size > READERS_PER_SHARD) {
      let oldest: [number, PooledReader] | undefined;
      for (const entry of this.readers) if (oldest === undefined || entry[1].reader.lastUsed < oldest[1].reader.lastUsed) oldest = entry;
      this.readers.delete(oldest![0]);
      void oldest![1].reader.close();
    }
  }
}

function isNotFound(e: unknown): boolean {
  return /stream not found|not found/i.test(String((e as Error)?.message ?? e));
}

function isSealedRefusal(e: unknown): boolean {
  return /sealed/i.test(String((e as Error)?.message ?? e));
}
