// A Kinesis stream outside Eddy (AWS's, or any Kinesis-compatible endpoint) as the source of an Eddy
// stream: its records are read with GetRecords, shard by shard, and put into the Eddy stream of the same
// schema, where queries read them like any other. A shard is read only once its parents have been read to
// their end, so resharding on the other side keeps every partition key in order; the position reached in
// each shard is saved after every batch is stored, so a restart goes on from there (records put between
// the store and the save are read again: at least once).

import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  type Shard as KinesisShard,
} from '@aws-sdk/client-kinesis';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { readJsonFile, writeFileAtomic } from '../atomic-file.js';
import type { Clock } from '../clock.js';
import type { KinesisConnectorConfig } from '../plan/connector.js';
import { putWithRetries } from '../query/stream-sink.js';
import type { StreamStore } from '../stream/stream-store.js';

/** Per shard of the source: the last sequence number stored here, and whether the shard was read to its end. */
export interface SourcePositions {
  readonly shards: Record<string, { readonly after?: string; readonly done?: boolean }>;
}

export interface KinesisSourceStatus {
  readonly stream: string;
  readonly source: string;
  readonly recordsRead: number;
  readonly shardsRead: number;
  readonly lastError?: string;
}

const POLL_MS = 1_000;
const GET_RECORDS_LIMIT = 10_000;

export function kinesisClientFor(config: KinesisConnectorConfig): KinesisClient {
  return new KinesisClient({ region: config.region, ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }), maxAttempts: 3 });
}

export class KinesisSource {
  private readonly client: KinesisClient;
  private positions: Record<string, { after?: string; done?: boolean }> = {};
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private recordsRead = 0;
  private lastError: string | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly o: {
      readonly localStream: string;
      readonly config: KinesisConnectorConfig;
      readonly store: StreamStore;
      readonly clock: Clock;
      /** Where positions are saved (a JSON file); undefined keeps them in memory only. */
      readonly positionsFile: string | undefined;
      readonly pollMs?: number;
    },
  ) {
    this.client = kinesisClientFor(o.config);
  }

  async start(): Promise<void> {
    if (this.o.positionsFile !== undefined) this.positions = { ...((await readJsonFile<SourcePositions>(this.o.positionsFile))?.shards ?? {}) };
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.wake?.();
    await this.loop;
    this.client.destroy();
  }

  status(): KinesisSourceStatus {
    return {
      stream: this.o.localStream,
      source: `kinesis:${this.o.config.region}/${this.o.config.stream}`,
      recordsRead: this.recordsRead,
      shardsRead: Object.values(this.positions).filter((p) => p.done).length,
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
    };
  }

  private async run(): Promise<void> {
    while (!this.abort.signal.aborted) {
      let read = 0;
      try {
        const shards = await this.listShards();
        const known = new Set(shards.map((s) => s.ShardId!));
        // A parent no longer listed has expired on the other side: nothing of it is left to read first.
        const finished = (id: string | undefined): boolean => id === undefined || !known.has(id) || this.positions[id]?.done === true;
        const ready = shards.filter((s) => !this.positions[s.ShardId!]?.done && finished(s.ParentShardId) && finished(s.AdjacentParentShardId));
        const counts = await Promise.all(ready.map((s) => this.readShard(s.ShardId!)));
        read = counts.reduce((a, b) => a + b, 0);
        this.lastError = undefined;
      } catch (e) {
        if (this.abort.signal.aborted) return;
        this.lastError = (e as Error).message;
      }
      // Caught up everywhere (or failing): ask again after a pause, as Kinesis consumers poll.
      if (read === 0) await this.pause();
    }
  }

  /** Reads one shard until it is caught up or ends; the records stored. */
  private async readShard(shardId: string): Promise<number> {
    const position = this.positions[shardId];
    const start = position?.after === undefined
      ? { ShardIteratorType: 'TRIM_HORIZON' as const }
      : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' as const, StartingSequenceNumber: position.after };
    let iterator = (await this.client.send(new GetShardIteratorCommand({ StreamName: this.o.config.stream, ShardId: shardId, ...start }), { abortSignal: this.abort.signal })).ShardIterator;
    let stored = 0;
    while (iterator !== undefined && !this.abort.signal.aborted) {
      const got = await this.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: GET_RECORDS_LIMIT }), { abortSignal: this.abort.signal });
      const records = got.Records ?? [];
      if (records.length > 0) {
        for (let i = 0; i < records.length; i += 500) {
          const chunk = records.slice(i, i + 500).map((r) => ({ partitionKey: r.PartitionKey!, data: r.Data! }));
          await putWithRetries(this.o.store, this.o.localStream, chunk, `records of Kinesis stream ${this.o.config.stream}`);
        }
        stored += records.length;
        this.recordsRead += records.length;
        this.positions[shardId] = { after: records[records.length - 1]!.SequenceNumber! };
      }
      iterator = got.NextShardIterator ?? undefined;
      if (iterator === undefined) this.positions[shardId] = { ...this.positions[shardId], done: true };
      if (records.length > 0 || iterator === undefined) await this.save();
      if (records.length === 0) break;
    }
    return stored;
  }

  private async listShards(): Promise<KinesisShard[]> {
    const shards: KinesisShard[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListShardsCommand(token === undefined ? { StreamName: this.o.config.stream } : { NextToken: token }),
        { abortSignal: this.abort.signal },
      );
      shards.push(...(page.Shards ?? []));
      token = page.NextToken;
    } while (token !== undefined);
    return shards;
  }

  private async save(): Promise<void> {
    if (this.o.positionsFile === undefined) return;
    await mkdir(dirname(this.o.positionsFile), { recursive: true });
    const saved: SourcePositions = { shards: this.positions };
    await writeFileAtomic(this.o.positionsFile, JSON.stringify(saved));
  }

  private pause(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.o.pollMs ?? POLL_MS);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
      this.abort.signal.addEventListener('abort', done, { once: true });
    });
  }
}
