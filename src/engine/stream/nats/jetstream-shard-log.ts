// A shard's log as one JetStream stream. The records of one append travel in one message (see
// record-payload.ts) and a record's offset is its message's sequence number and its index in the message
// (sequence − 1) × 1024 + index, so offsets start at 0, increase in the order JetStream stored the
// records and are the same in every Eddy process and after any restart. JetStream replicates each stream
// over its RAFT group and acknowledges a message once a quorum of its replicas has it; an append
// resolves only then.
//
// Every Eddy process appends to the same stream; after each append the writer announces the stream's new
// end on a plain NATS subject, so the other processes' readers wake without polling. Those announcements
// are not stored: one sent while this process's connection moves to another node (its node went down) is
// lost, so after a reconnection every open log looks its end up again (see nats-store-connection.ts).
// Resharding seals the stream, which JetStream then refuses writes to, from whichever process: a shard's
// end is fixed once.

import type { JetStreamClient, JetStreamManager, PubAck, StreamInfo, StreamUpdateConfig } from '@nats-io/jetstream';
import { DiscardPolicy, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { DamagedRange } from '../log/damaged-range.js';
import type { AppendRecord, AppendedOffsets, LogRecord, ReadLimits, RecordInput, ShardLog } from '../log/shard-log.js';
import { ShardSealedError } from '../log/shard-sealed-error.js';
import { ShardUnreachableError } from '../log/shard-unreachable-error.js';
import { isConsumerGone, JetStreamReader } from './jetstream-reader.js';
import { arrivalOfMessage, decodeMessage, encodeMessages, offsetAfterSeq, offsetOf, seqOfOffset } from './record-payload.js';
import { isUnsettledCluster, whileClusterSettles } from './while-cluster-settles.js';

/** What every shard log of one store shares: the connection and who this process is. */
export interface JetStreamContext {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** Unique per process and store: with a counter it makes each record's deduplication id. */
  readonly writerId: string;
  /** The shard logs open on this connection, to look up their ends again after it reconnects. */
  readonly openLogs: Set<JetStreamShardLog>;
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
/**
 * How long one read keeps trying while its consumer cannot be reached or answers short of the shard's
 * known end (a node is down, a leader is being elected, a replica is catching up) before answering with
 * nothing, its position unchanged. Short, so a query's other shards, checkpoints and stop are not held up.
 */
const READ_PATIENCE_MS = 2_000;
/** Empty answers short of the known end, after which a read moves to a new consumer (placed anew). */
const EMPTY_PULLS_BEFORE_NEW_CONSUMER = 4;
/** Messages one pull asks for; a read that wants more reads on (see readShard). */
const MAX_PULL = 256;
/** Room left in the server's largest message for the headers of a publish. */
const HEADER_ROOM = 4096;

interface PooledReader {
  readonly reader: JetStreamReader;
  /** Records pulled but not yet returned (a read stops at its limits), in offset order. */
  buffer: LogRecord[];
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
    lastEnd: number | undefined,
  ) {
    this.committedOffset = lastEnd ?? offsetAfterSeq(info.state.last_seq);
    this.firstOffset = info.state.messages === 0 ? offsetAfterSeq(info.state.last_seq) : offsetOf(info.state.first_seq, 0);
    this.lastArrivalTimestamp = lastArrival;
    this.sealed = info.config.sealed === true;
    ctx.openLogs.add(this);
    this.tipSubscription = ctx.nc.subscribe(names.tipSubject, {
      callback: (err, msg) => {
        if (err === null) this.advanceTo(Number(new TextDecoder().decode(msg.data)));
      },
    });
  }

  /** Opens the shard's stream, creating it (with `replicas` copies) if it does not exist yet. */
  static async open(ctx: JetStreamContext, names: ShardStreamNames, replicas: number): Promise<JetStreamShardLog> {
    // Every step may meet a cluster busy creating replicated streams (two processes resharding at once
    // both create the same children): a timeout is asked again, never taken as the answer.
    const info = await whileClusterSettles(() => JetStreamShardLog.infoOrCreate(ctx, names, replicas));
    let lastArrival: number | undefined;
    let lastEnd: number | undefined;
    if (info.state.messages > 0) {
      const last = await whileClusterSettles(() => ctx.jsm.streams.getMessage(names.stream, { seq: info.state.last_seq })).catch(() => null);
      if (last) {
        const decoded = decodeMessage(last.data, `${names.stream} #${last.seq}`);
        lastArrival = decoded.arrivalTimestamp;
        lastEnd = offsetOf(last.seq, decoded.records.length);
      }
    }
    return new JetStreamShardLog(ctx, names, info, lastArrival, lastEnd);
  }

  private static async infoOrCreate(ctx: JetStreamContext, names: ShardStreamNames, replicas: number): Promise<StreamInfo> {
    try {
      return await ctx.jsm.streams.info(names.stream);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      try {
        return await ctx.jsm.streams.add({
          name: names.stream,
          subjects: [names.subject],
          num_replicas: replicas,
          storage: StorageType.File,
          retention: RetentionPolicy.Limits,
          discard: DiscardPolicy.Old,
          duplicate_window: DUPLICATE_WINDOW_NS,
        });
      } catch (added) {
        // Another process created it meanwhile (resharding races end with both opening the same log).
        if (!/already in use|name already/i.test(String((added as Error).message))) throw added;
        return await ctx.jsm.streams.info(names.stream);
      }
    }
  }

  append(records: readonly AppendRecord[]): Promise<AppendedOffsets>;
  append(records: readonly RecordInput[], arrivalTimestamp: number): Promise<AppendedOffsets>;
  async append(records: readonly RecordInput[], arrivalTimestamp?: number): Promise<AppendedOffsets> {
    if (this.closed) throw new Error(`shard log ${this.names.stream} is closed`);
    if (this.sealed) throw new ShardSealedError(this.names.stream);
    const maxBytes = Math.max(64 * 1024, (this.ctx.nc.info?.max_payload ?? 1024 * 1024) - HEADER_ROOM);
    // Records that arrived together share a message; runs of one arrival time each make their own.
    const messages: { payload: Uint8Array; count: number }[] = [];
    let lastArrival: number | undefined;
    for (let start = 0; start < records.length; ) {
      const arrival = arrivalTimestamp ?? (records[start] as AppendRecord).arrivalTimestamp;
      let end = start + 1;
      if (arrivalTimestamp !== undefined) end = records.length;
      else while (end < records.length && (records[end] as AppendRecord).arrivalTimestamp === arrival) end++;
      messages.push(...encodeMessages(records.slice(start, end), arrival, maxBytes));
      lastArrival = arrival;
      start = end;
    }
    // Published back to back on one connection, so JetStream stores them in this order.
    const acks = await Promise.all(messages.map((m) => this.publish(m.payload)));
    const offsets: number[] = [];
    let end = 0;
    acks.forEach((ack, i) => {
      const count = messages[i]!.count;
      for (let k = 0; k < count; k++) offsets.push(offsetOf(ack.seq, k));
      end = Math.max(end, offsetOf(ack.seq, count));
    });
    if (lastArrival !== undefined && (this.lastArrivalTimestamp === undefined || lastArrival > this.lastArrivalTimestamp)) this.lastArrivalTimestamp = lastArrival;
    if (end > 0) {
      this.ctx.nc.publish(this.names.tipSubject, String(end));
      this.advanceTo(end);
    }
    return acks.length === 1 ? offsets[0]! : offsets;
  }

  damageAt(): DamagedRange | undefined {
    return undefined;
  }

  onDamage(): () => void {
    return () => undefined;
  }

  async read(fromOffset: number, limits: ReadLimits): Promise<LogRecord[]> {
    if (this.closed) throw new Error(`shard log ${this.names.stream} is closed`);
    const from = Math.max(fromOffset, this.firstOffset);
    const pooled = this.takeReader(from);
    const out: LogRecord[] = [];
    try {
      if (!(await this.fillPatiently(pooled, from, Math.min(Math.max(limits.maxRecords, 1), MAX_PULL)))) throw new ShardUnreachableError(this.names.stream);
      let bytes = 0;
      let taken = 0;
      for (; taken < pooled.buffer.length && out.length < limits.maxRecords; taken++) {
        const record = pooled.buffer[taken]!;
        const size = record.data.length + record.partitionKey.length;
        if (out.length > 0 && bytes + size > limits.maxBytes) break;
        bytes += size;
        out.push(record);
      }
      pooled.buffer = pooled.buffer.slice(taken);
      return out;
    } finally {
      // Kept for the read that goes on from here: the one after the last record returned.
      this.returnReader(pooled, out.length > 0 ? out[out.length - 1]!.offset + 1 : from);
    }
  }

  /**
   * Fills the reader's buffer, trying again with a growing pause while the cluster cannot answer or the
   * consumer answers short of the shard's known end, for up to READ_PATIENCE_MS; answers whether it was
   * answered. If not, the buffer stays empty: the read throws ShardUnreachableError (which GetRecords
   * answers as no records, behind) and the next one starts from the same place, so no record is passed
   * over however long the cluster takes. Only failures that waiting does not mend are thrown.
   */
  private async fillPatiently(pooled: PooledReader, from: number, want: number): Promise<boolean> {
    const started = Date.now();
    let emptyPulls = 0;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.fill(pooled, from, want);
        if (pooled.buffer.length > 0 || from >= this.committedOffset) return true;
        // A consumer on a replica still catching up (a node just restarted) may not hold records the
        // stream has acknowledged yet; one that keeps answering nothing is let go for a new one.
        if (++emptyPulls % EMPTY_PULLS_BEFORE_NEW_CONSUMER === 0) pooled.reader.restart();
      } catch (e) {
        if (!isUnsettledCluster(e) && !isConsumerGone(e)) throw e;
      }
      if (this.closed || Date.now() - started >= READ_PATIENCE_MS) return false;
      await new Promise((resolve) => setTimeout(resolve, Math.min(25 * 2 ** attempt, 500)));
    }
  }

  /** Pulls the next messages into an empty buffer, keeping the records at or after `from`. */
  private async fill(pooled: PooledReader, from: number, want: number): Promise<void> {
    if (pooled.buffer.length > 0) return;
    const messages = await pooled.reader.next(want);
    const records: LogRecord[] = [];
    for (const m of messages) {
      const decoded = decodeMessage(m.payload, `${this.names.stream} #${m.seq}`);
      decoded.records.forEach((r, k) => {
        const offset = offsetOf(m.seq, k);
        if (offset >= from) records.push({ offset, arrivalTimestamp: decoded.arrivalTimestamp, partitionKey: r.partitionKey, data: r.data });
      });
      // The last message stored now: the shard ends right after its last record.
      this.advanceTo(m.pending === 0 ? offsetOf(m.seq, decoded.records.length) : offsetAfterSeq(m.seq));
    }
    pooled.buffer = records;
  }

  async offsetAtTimestamp(timestamp: number): Promise<number> {
    await this.refresh();
    // Arrival times do not decrease within a shard: the first message at or after `timestamp` by bisection.
    if (this.committedOffset <= this.firstOffset) return this.committedOffset;
    let lo = seqOfOffset(this.firstOffset);
    let hi = seqOfOffset(this.committedOffset - 1) + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const arrival = await this.arrivalOfSeq(mid);
      if (arrival === undefined || arrival < timestamp) lo = mid + 1;
      else hi = mid;
    }
    return Math.min(offsetOf(lo, 0), this.committedOffset);
  }

  async arrivalTimestampAt(offset: number): Promise<number | undefined> {
    if (offset < this.firstOffset || offset >= this.committedOffset) return undefined;
    for (const pooled of this.readers.values()) {
      const buffered = pooled.buffer.find((r) => r.offset >= offset);
      if (buffered !== undefined && seqOfOffset(buffered.offset) === seqOfOffset(offset)) return buffered.arrivalTimestamp;
    }
    return this.arrivalOfSeq(seqOfOffset(offset));
  }

  /** Drops what arrived before `timestamp` (a sealed stream, a closed shard, keeps all until it expires whole). */
  async trimBefore(timestamp: number): Promise<void> {
    if (this.sealed || this.closed || this.committedOffset === this.firstOffset) return;
    const keepFrom = await this.offsetAtTimestamp(timestamp);
    if (keepFrom <= this.firstOffset) return;
    await this.ctx.jsm.streams.purge(this.names.stream, { seq: seqOfOffset(keepFrom) });
    this.firstOffset = Math.max(this.firstOffset, offsetOf(seqOfOffset(keepFrom), 0));
  }

  async refresh(): Promise<void> {
    const info = await this.ctx.jsm.streams.info(this.names.stream);
    this.sealed ||= info.config.sealed === true;
    this.firstOffset = info.state.messages === 0 ? offsetAfterSeq(info.state.last_seq) : offsetOf(info.state.first_seq, 0);
    this.advanceTo(await this.endOf(info));
  }

  async seal(): Promise<number> {
    const info = await this.ctx.jsm.streams.info(this.names.stream);
    // The client's update type leaves out `sealed`, which the server takes in an update (and never undoes).
    if (info.config.sealed !== true) await this.ctx.jsm.streams.update(this.names.stream, { ...info.config, sealed: true } as Partial<StreamUpdateConfig>);
    this.sealed = true;
    // Read after sealing: no write can land past this end any more, from any process.
    const end = await this.endOf(await this.ctx.jsm.streams.info(this.names.stream));
    this.advanceTo(end);
    return end;
  }

  /** One past the offset of the stream's last record (its last message read for how many it holds). */
  private async endOf(info: StreamInfo): Promise<number> {
    if (info.state.messages === 0) return offsetAfterSeq(info.state.last_seq);
    const last = await this.ctx.jsm.streams.getMessage(this.names.stream, { seq: info.state.last_seq });
    return last ? offsetOf(last.seq, decodeMessage(last.data, `${this.names.stream} #${last.seq}`).records.length) : offsetAfterSeq(info.state.last_seq);
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
    this.ctx.openLogs.delete(this);
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
    return msg ? arrivalOfMessage(msg.data, `${this.names.stream} #${seq}`) : undefined;
  }

  /** Records below offset `end` are stored: readers past the old end may go on. */
  private advanceTo(end: number): void {
    if (!Number.isSafeInteger(end) || end <= this.committedOffset) return;
    this.committedOffset = end;
    for (const listener of [...this.commitListeners]) listener();
  }

  private takeReader(offset: number): PooledReader {
    const pooled = this.readers.get(offset);
    if (pooled !== undefined) {
      this.readers.delete(offset);
      return pooled;
    }
    return { reader: new JetStreamReader(this.ctx.nc, this.ctx.jsm, this.names.stream, seqOfOffset(offset)), buffer: [] };
  }

  /** Keeps a reader for the read that starts at `next`. */
  private returnReader(pooled: PooledReader, next: number): void {
    pooled.reader.lastUsed = Date.now();
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
