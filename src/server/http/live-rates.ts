// Rates the /v1 API reports, computed here on the server from the engine's counters: each stream's
// incoming records and bytes per second, and each query's input records and output rows per second.
// A timer samples the counters every second (with the injectable clock), so the rates and their last
// minute are ready whenever someone asks, and a page needs no history of its own.

import type { Clock, QueryManager, StreamStore } from '../../engine/index.js';
import { RateHistory } from './rate-history.js';

export interface LiveRatesOptions {
  readonly store: StreamStore;
  readonly queries: QueryManager;
  readonly clock: Clock;
  /** How often counters are sampled (default 1 s). */
  readonly sampleIntervalMs?: number;
}

export interface StreamRates {
  readonly incomingRecordsPerSecond: number;
  readonly incomingBytesPerSecond: number;
  /** The last minute, one point per sample. */
  readonly history: readonly { readonly at: number; readonly incomingRecordsPerSecond: number; readonly incomingBytesPerSecond: number }[];
}

export interface QueryRates {
  readonly inputRecordsPerSecond: number;
  readonly outputRowsPerSecond: number;
  readonly history: readonly { readonly at: number; readonly inputRecordsPerSecond: number; readonly outputRowsPerSecond: number }[];
}

export class LiveRates {
  private readonly history: RateHistory;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: LiveRatesOptions) {
    this.history = new RateHistory({ clock: options.clock });
  }

  /** Samples now, then every interval until stop(); the timer never keeps the process alive. */
  start(): void {
    if (this.timer) return;
    this.sample();
    this.timer = setInterval(() => this.sample(), this.options.sampleIntervalMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reads every stream's and query's counters once. */
  sample(): void {
    const present = new Set<string>();
    for (const stream of this.options.store.metrics()) {
      let records = 0;
      let bytes = 0;
      for (const shard of stream.shards) {
        records += shard.incomingRecords;
        bytes += shard.incomingBytes;
      }
      const key = streamKey(stream.streamName);
      present.add(key);
      this.history.record(key, [records, bytes]);
    }
    for (const query of this.options.queries.listQueries()) {
      const key = queryKey(query.id);
      present.add(key);
      this.history.record(key, [query.inputRecords, query.outputRows]);
    }
    this.history.retain(present);
  }

  stream(name: string): StreamRates {
    const [records = 0, bytes = 0] = this.history.current(streamKey(name), 2);
    return {
      incomingRecordsPerSecond: records,
      incomingBytesPerSecond: bytes,
      history: this.history.history(streamKey(name), 2).map((p) => ({
        at: p.at,
        incomingRecordsPerSecond: p.perSecond[0] ?? 0,
        incomingBytesPerSecond: p.perSecond[1] ?? 0,
      })),
    };
  }

  query(id: string): QueryRates {
    const [input = 0, output = 0] = this.history.current(queryKey(id), 2);
    return {
      inputRecordsPerSecond: input,
      outputRowsPerSecond: output,
      history: this.history.history(queryKey(id), 2).map((p) => ({
        at: p.at,
        inputRecordsPerSecond: p.perSecond[0] ?? 0,
        outputRowsPerSecond: p.perSecond[1] ?? 0,
      })),
    };
  }
}

const streamKey = (name: string): string => `stream\u0000${name}`;
const queryKey = (id: string): string => `query\u0000${id}`;
