// One part of a split query (StoredQuery.parallelism): its sending half (exchange-sender.ts) reads the
// part's share of the source and sends each row to the part owning its key; its receiving half is a
// running query of the plan above the cut, reading the part's exchange shard (exchange-reader.ts). The
// two halves make one checkpoint: the receiver's (exchange position, what the senders said, window
// state) with the sender's acknowledged source positions beside it (QueryCheckpoint.upstream). Each half
// resumes from its own part of it, so neither waits for the other to checkpoint.
import { isEddyError } from '../../errors.js';
import type { QueryCheckpoint } from '../../plan/checkpoint.js';
import type { SplitPlan } from '../../plan/split-plan.js';
import { DEFAULT_BATCH_SIZE, RunningQuery, type QueryInfo, type QueryStatus, type RunningQueryOptions } from '../running-query.js';
import { ExchangeReader } from './exchange-reader.js';
import { ExchangeSender } from './exchange-sender.js';

/** What a part's status adds to a query's: which part, and how its exchange is doing. */
export interface QueryPartFigures {
  /** 0-based. */
  readonly part: number;
  /** Rows this part sent to the parts owning their keys (itself included). */
  readonly rowsSent: number;
  /** Rows received twice (sent again after a sending part was taken over) and aggregated once. */
  readonly duplicatesDropped: number;
  /** How far behind the newest record of its exchange shard this part's aggregation is, ms. */
  readonly exchangeLagMs: number;
  /** The watermark each sending part last sent this one (ISO-8601; null before its first): this part's is the least. */
  readonly watermarksReceived: readonly (string | null)[];
}

export class QueryPart {
  readonly sender: ExchangeSender;
  readonly receiver: RunningQuery;
  private reader: ExchangeReader | undefined;
  private failure: string | undefined;

  constructor(
    readonly info: QueryInfo,
    readonly split: SplitPlan,
    readonly part: number,
    private readonly options: RunningQueryOptions,
  ) {
    const o = options;
    this.sender = new ExchangeSender({
      store: o.store,
      clock: o.clock,
      split,
      part,
      batchSize: o.batchSize ?? DEFAULT_BATCH_SIZE,
      ...(o.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: o.idleTimeoutMs }),
      ...(o.idleCheckIntervalMs === undefined ? {} : { idleCheckIntervalMs: o.idleCheckIntervalMs }),
      ...(o.startPosition === undefined ? {} : { startPosition: o.startPosition }),
      ...(o.checkpoint?.upstream === undefined ? {} : { checkpoint: o.checkpoint.upstream }),
      ...(o.maxBatchMillis === undefined ? {} : { maxBatchMillis: o.maxBatchMillis }),
      ...(o.cpuClock === undefined ? {} : { cpuClock: o.cpuClock }),
      ...(o.scheduler === undefined ? {} : { scheduler: o.scheduler }),
      onFailure: (e) => this.senderFailed(e),
    });
    const save = o.onCheckpoint;
    this.receiver = new RunningQuery(info, split.receiver(part), {
      ...o,
      // Subscribers stay until the whole query ends, not when one part stops or moves.
      results: {
        publish: (id, rows) => o.results.publish(id, rows),
        warn: (id, warning) => o.results.warn(id, warning),
        fail: (id, message) => o.results.fail(id, message),
        end: () => undefined,
        subscriberCount: (id) => o.results.subscriberCount(id),
      },
      sources: (pipeline, checkpoint) => [
        (this.reader = new ExchangeReader(pipeline, {
          store: o.store,
          stream: split.exchangeStream,
          part,
          parts: split.parts,
          ...(checkpoint === undefined ? {} : { checkpoint }),
        })),
      ],
      ...(save === undefined
        ? {}
        : {
            onCheckpoint: (cp: QueryCheckpoint) => {
              const upstream = this.sender.checkpoint();
              return save(upstream === undefined ? cp : { ...cp, upstream });
            },
          }),
    });
  }

  start(): void {
    this.sender.start();
    this.receiver.start();
  }

  /** Stops both halves, the sender first, so the receiver's final checkpoint holds its last positions. */
  async stop(): Promise<void> {
    await this.sender.stop();
    await this.receiver.stop();
  }

  get running(): boolean {
    return this.failure === undefined && this.receiver.running;
  }

  poke(): void {
    this.sender.poke();
    this.receiver.poke();
  }

  figures(): QueryPartFigures {
    return { part: this.part, rowsSent: this.sender.rowsSent, duplicatesDropped: this.reader?.duplicates ?? 0, exchangeLagMs: this.reader?.lagMs ?? 0, watermarksReceived: this.reader?.shardStatuses().map((s) => s.watermark) ?? [] };
  }

  /** The receiver's status, with the sender's source, input and shards: what a user reads as the part's. */
  status(): QueryStatus {
    const r = this.receiver.status();
    const sent = this.sender.pipeline.metrics;
    const reader = this.sender.reader;
    return {
      ...r,
      ...(this.failure === undefined ? {} : { status: 'failed' as const, error: this.failure }),
      stream: reader.stream,
      streams: [reader.stream],
      inputRecords: sent.inputRecords,
      decodeErrors: sent.decodeErrors + r.decodeErrors,
      ...(sent.lastDecodeError === undefined ? {} : { lastDecodeError: sent.lastDecodeError }),
      ...(sent.lastBadRecord === undefined ? {} : { lastBadRecord: sent.lastBadRecord }),
      lagMs: reader.lagMs,
      shards: reader.shardStatuses(),
    };
  }

  /** The sending half stopped on an error: the part fails as a running query would have. */
  private senderFailed(e: unknown): void {
    if (this.failure !== undefined || !this.receiver.running) return;
    this.failure = e instanceof Error ? e.message : String(e);
    const ownMaking = isEddyError(e) && e.fault === 'user';
    if (!ownMaking && this.options.onFailureFromOutside) return this.options.onFailureFromOutside(this.failure);
    this.options.results.fail(this.info.id, this.failure);
    if (ownMaking) this.options.onFailure?.(this.failure);
  }
}
