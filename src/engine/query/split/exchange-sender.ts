// The sending half of a split query's part: reads the part's share of the source's shards through the
// filters and projections below the GROUP BY, hashes each row's group key and sends the row to the part
// that owns the hash, through that part's shard of the exchange stream; each step's records carry the
// part's watermark. One step's rows are sent, and acknowledged by the exchange, before the next step
// reads: what waits in memory is at most one step's rows (a batch from each of the part's shards). The
// positions it has read are what its part checkpoints as its own once the rows are acknowledged.
import type { Clock } from '../../clock.js';
import type { SourceCheckpoint } from '../../plan/checkpoint.js';
import type { SplitPlan } from '../../plan/split-plan.js';
import type { PutRecordInput } from '../../stream/stream-store.js';
import type { QueryStore } from '../query-store.js';
import { WorkWaiter } from '../work-waiter.js';
import { columnFromArrow } from '../../batch/column.js';
import { jsonRows } from '../../batch/json-rows.js';
import { CpuBudget } from '../cpu-budget.js';
import { Pipeline } from '../pipeline.js';
import type { QueryScheduler } from '../query-scheduler.js';
import { SourceReader } from '../source-reader.js';
import { putWithRetries } from '../stream-sink.js';
import { encodeExchangeRecord, MAX_EXCHANGE_RECORD_BYTES, type RowOrigin } from './exchange-record.js';
import { exchangeShards } from './exchange-stream.js';

export interface ExchangeSenderOptions {
  readonly store: QueryStore;
  readonly clock: Clock;
  readonly split: SplitPlan;
  /** This part, 0-based. */
  readonly part: number;
  readonly batchSize: number;
  readonly idleTimeoutMs?: number;
  readonly idleCheckIntervalMs?: number;
  readonly startPosition?: 'TRIM_HORIZON' | 'LATEST';
  /** Where the sending half stood at its part's last checkpoint. */
  readonly checkpoint?: SourceCheckpoint;
  readonly maxBatchMillis?: number;
  readonly cpuClock?: Clock;
  readonly scheduler?: QueryScheduler;
  /** Told once, when the sender stops on an error (the exchange refused its rows, its stream was deleted). */
  readonly onFailure: (error: unknown) => void;
}

export class ExchangeSender {
  readonly pipeline: Pipeline;
  readonly reader: SourceReader;
  private readonly budget: CpuBudget;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private readonly waiter = new WorkWaiter(this.abort.signal);
  /** Positions whose rows have all been sent and acknowledged. */
  private acked: SourceCheckpoint | undefined;
  /** The watermark last sent to each part, and whether it was told this part's shards are all idle. */
  private readonly sentWatermarks: number[];
  private readonly sentIdle: boolean[];
  private targets: { shardId: string; hashKey: string }[] = [];
  rowsSent = 0;
  recordsSent = 0;

  constructor(private readonly options: ExchangeSenderOptions) {
    this.budget = new CpuBudget(options.maxBatchMillis, options.cpuClock);
    this.pipeline = new Pipeline(options.split.sender(options.part), options.clock, this.budget);
    this.reader = new SourceReader(this.pipeline, [0], {
      store: options.store,
      clock: options.clock,
      ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
      ...(options.startPosition === undefined ? {} : { startPosition: options.startPosition }),
      ...(options.checkpoint === undefined ? {} : { checkpoint: options.checkpoint }),
    });
    this.acked = options.checkpoint;
    this.sentWatermarks = Array.from({ length: options.split.parts }, () => -Infinity);
    this.sentIdle = Array.from({ length: options.split.parts }, () => false);
  }

  start(): void {
    this.loop ??= new Promise<void>((r) => setImmediate(r)).then(() => this.run());
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.waiter.wake();
    await this.loop;
    this.pipeline.close();
  }

  /** Where the sending half stands: every row read before it sent and acknowledged. */
  checkpoint(): SourceCheckpoint | undefined {
    return this.acked;
  }

  poke(): void {
    this.waiter.wake();
  }

  private async run(): Promise<void> {
    try {
      this.targets = exchangeShards(this.options.store, this.options.split.exchangeStream);
      this.reader.start();
      while (!this.abort.signal.aborted) {
        const step = await this.reader.step(this.options.batchSize, this.budget);
        if (this.abort.signal.aborted) break;
        await this.send(this.reader.tracker.current());
        this.acked = this.reader.checkpoint();
        if (step.read === 0 && !step.finished) await this.waitForWork();
        await (this.options.scheduler?.turn() ?? new Promise<void>((r) => setImmediate(r)));
      }
    } catch (e) {
      if (!this.abort.signal.aborted) this.options.onFailure(e);
    } finally {
      this.reader.close();
    }
  }

  /** Sends the step's rows, each to the part owning its key, and the watermark to every part it has passed on for. */
  private async send(watermark: number): Promise<void> {
    const parts = this.options.split.parts;
    const rows: string[][] = Array.from({ length: parts }, () => []);
    const origins: RowOrigin[][] = Array.from({ length: parts }, () => []);
    const shards: string[] = [];
    const shardIndex = new Map<string, number>();
    const split = this.options.split;
    const width = split.exchangeColumns.length;
    for (const batch of this.pipeline.takeOutput()) {
      // TIMESTAMPs as epoch milliseconds and DECIMALs with all their digits, both of which the receiving
      // source's JSON decoder reads exactly; a NaN or infinite DOUBLE, which JSON cannot hold as a number,
      // as the string "NaN", "Infinity" or "-Infinity", which the decoder reads back as that number.
      const texts = jsonRows(batch, split.exchangeColumns, { timestamps: 'epoch', nonFinite: 'string' });
      const keys = Array.from({ length: split.keyCount }, (_, k) => columnFromArrow(batch.data.children[width + k]!, this.pipeline.outputColumns[width + k]!.type));
      const [shardCol, seqCol, subCol] = [0, 1, 2].map((o) => columnFromArrow(batch.data.children[width + split.keyCount + o]!, this.pipeline.outputColumns[width + split.keyCount + o]!.type));
      for (let i = 0; i < batch.numRows; i++) {
        let h = 2166136261;
        for (const key of keys) h = hashValue(h, key.valid && !key.valid[i] ? null : key.values[i]);
        const to = (h >>> 0) % parts;
        const shard = String(shardCol!.values[i]);
        let s = shardIndex.get(shard);
        if (s === undefined) {
          s = shards.push(shard) - 1;
          shardIndex.set(shard, s);
        }
        rows[to]!.push(texts[i]!);
        origins[to]!.push([s, String(seqCol!.values[i]), Number(subCol!.values[i])]);
      }
    }
    const wm = Number.isFinite(watermark) ? watermark : null;
    const idle = this.reader.idle;
    await Promise.all(
      rows.map(async (partRows, to) => {
        const advanced = wm !== null && wm > this.sentWatermarks[to]!;
        if (partRows.length === 0 && !advanced && idle === this.sentIdle[to]) return;
        const target = this.targets[to]!;
        for (const record of this.records(partRows, origins[to]!, shards, wm, idle)) {
          // One record at a time, so the part's rows arrive in the order they were read.
          await putWithRetries(this.options.store, split.exchangeStream, [{ ...record, explicitHashKey: target.hashKey }], 'rows for another part of the query');
          this.recordsSent++;
        }
        this.rowsSent += partRows.length;
        if (wm !== null) this.sentWatermarks[to] = Math.max(this.sentWatermarks[to]!, wm);
        this.sentIdle[to] = idle;
      }),
    );
  }

  /** The rows in records of at most MAX_EXCHANGE_RECORD_BYTES; the watermark goes on the last only. */
  private *records(rows: readonly string[], origins: readonly RowOrigin[], shards: readonly string[], wm: number | null, idle: boolean): Generator<PutRecordInput> {
    const partitionKey = `part-${this.options.part}`;
    let from = 0;
    do {
      let bytes = 256;
      let to = from;
      while (to < rows.length && (to === from || bytes + rows[to]!.length * 3 + 96 < MAX_EXCHANGE_RECORD_BYTES)) {
        bytes += rows[to]!.length * 3 + 96;
        to++;
      }
      const last = to >= rows.length;
      const header = { p: this.options.part, w: last ? wm : null, s: shards, o: origins.slice(from, to) };
      const data = encodeExchangeRecord(last && idle ? { ...header, i: 1 as const } : header, rows.slice(from, to));
      yield { partitionKey, data };
      from = to;
    } while (from < rows.length);
  }

  private waitForWork(): Promise<void> {
    return this.waiter.wait((signal) => this.reader.waits(signal), () => this.options.idleCheckIntervalMs ?? 1000);
  }
}

/** FNV-1a over a key value's text, the same in every process. */
function hashValue(h: number, value: unknown): number {
  const text = value === null || value === undefined ? '\u0000' : `${typeof value}:${String(value)}\u0001`;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h;
}

