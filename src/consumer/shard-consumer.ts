// Reads one leased shard from its checkpoint, with GetRecords (polling) or SubscribeToShard (enhanced
// fan-out, records pushed as they arrive), hands records to the processor in order, and ends at the
// shard's end (SHARD_END) or when the lease is lost or the worker shuts down.

import {
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ProvisionedThroughputExceededException,
  SubscribeToShardCommand,
  type _Record,
  type KinesisClient,
  type ShardIteratorType,
  type StartingPosition,
} from '@aws-sdk/client-kinesis';
import { toConsumerRecords, type ConsumerRecord } from './consumer-record.js';
import type { Checkpointer, RecordProcessor } from './record-processor.js';

export interface ShardConsumerOptions {
  readonly kinesis: KinesisClient;
  readonly streamName: string;
  readonly shardId: string;
  readonly checkpoint: string;
  readonly checkpointSubSequenceNumber: number;
  readonly processor: RecordProcessor;
  readonly maxRecords: number;
  readonly idleTimeBetweenReadsMs: number;
  /** With enhanced fan-out: the registered consumer's ARN (records come from SubscribeToShard). */
  readonly consumerARN?: string;
  /** Saves a checkpoint through the worker (which holds the lease counter). */
  saveCheckpoint(sequenceNumber: string, subSequenceNumber: number): Promise<void>;
}

export type ShardConsumerEnd = 'shard-end' | 'stopped' | 'lease-lost';

/** What one read gave: records (maybe none), or the end of a closed shard. */
type Fetched = { readonly records: readonly _Record[]; readonly millisBehindLatest: number } | { readonly end: true };

export class ShardConsumer {
  /** The last record handed to the processor (what a default checkpoint means). */
  private last: { sequenceNumber: string; subSequenceNumber: number } | undefined;
  private checkpointed: { sequenceNumber: string; subSequenceNumber: number } | undefined;
  private stopping = false;
  /** After resuming AT a record: its user records up to this one were done before. */
  private skipThrough: { sequenceNumber: string; subSequenceNumber: number } | undefined;
  private readonly wake = new AbortController();
  readonly checkpointer: Checkpointer;
  readonly done: Promise<ShardConsumerEnd>;

  constructor(private readonly o: ShardConsumerOptions) {
    this.checkpointer = {
      checkpoint: async (sequenceNumber?: string, subSequenceNumber?: number) => {
        const at = sequenceNumber === undefined ? this.last : { sequenceNumber, subSequenceNumber: subSequenceNumber ?? 0 };
        if (at === undefined) return;
        await o.saveCheckpoint(at.sequenceNumber, at.subSequenceNumber);
        this.checkpointed = at;
      },
    };
    this.done = this.run();
  }

  /** Stops after the batch in progress; resolves with how the consumer ended. */
  stop(): Promise<ShardConsumerEnd> {
    this.stopping = true;
    this.wake.abort();
    return this.done;
  }

  /** Whether records were processed after the last checkpoint. */
  get hasUncheckpointed(): boolean {
    return this.last !== undefined && (this.checkpointed === undefined || this.checkpointed.sequenceNumber !== this.last.sequenceNumber || this.checkpointed.subSequenceNumber !== this.last.subSequenceNumber);
  }

  /** The position to read from: after the last record processed (or checkpointed), or where the lease starts. */
  private resumePoint(): { sequenceNumber: string; subSequenceNumber: number } | undefined {
    const { checkpoint, checkpointSubSequenceNumber } = this.o;
    return this.last ?? (/^\d+$/.test(checkpoint) ? { sequenceNumber: checkpoint, subSequenceNumber: checkpointSubSequenceNumber } : undefined);
  }

  private async iterator(): Promise<string | undefined> {
    const checkpoint = this.o.checkpoint;
    const from = this.resumePoint();
    let type: ShardIteratorType;
    let extra = {};
    if (from) {
      // AT the record, skipping what was done of it: the same rule for plain records and for a
      // checkpoint inside a KPL aggregate (whose later user records are still to do).
      this.skipThrough = from;
      type = 'AT_SEQUENCE_NUMBER';
      extra = { StartingSequenceNumber: from.sequenceNumber };
    } else if (checkpoint.startsWith('AT_TIMESTAMP:')) {
      type = 'AT_TIMESTAMP';
      extra = { Timestamp: new Date(Number(checkpoint.slice('AT_TIMESTAMP:'.length))) };
    } else type = checkpoint === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON';
    const out = await this.o.kinesis.send(new GetShardIteratorCommand({ StreamName: this.o.streamName, ShardId: this.o.shardId, ShardIteratorType: type, ...extra }));
    return out.ShardIterator;
  }

  private async run(): Promise<ShardConsumerEnd> {
    const { processor, shardId } = this.o;
    await processor.initialize?.({ shardId, checkpoint: this.o.checkpoint });
    const reads = this.o.consumerARN === undefined ? this.poll() : this.subscribe(this.o.consumerARN);
    for await (const fetched of reads) {
      if (this.stopping) break;
      if ('end' in fetched) {
        await processor.shardEnded?.({ shardId, checkpointer: this.checkpointer });
        return 'shard-end';
      }
      let records: ConsumerRecord[] = toConsumerRecords(fetched.records);
      if (this.skipThrough && records.length > 0) {
        // Resumed AT the last record done: what was done of it (all of a plain record) is skipped.
        const s = this.skipThrough;
        records = records.filter((r) => !(r.sequenceNumber === s.sequenceNumber && r.subSequenceNumber <= s.subSequenceNumber));
        this.skipThrough = undefined;
      }
      if (records.length > 0) {
        const lastRecord = records[records.length - 1]!;
        this.last = { sequenceNumber: lastRecord.sequenceNumber, subSequenceNumber: lastRecord.subSequenceNumber };
        await processor.processRecords({ shardId, records, millisBehindLatest: fetched.millisBehindLatest, checkpointer: this.checkpointer });
      }
    }
    return 'stopped';
  }

  /** GetRecords in a loop, pausing when a read was empty; an expired iterator is fetched again. */
  private async *poll(): AsyncGenerator<Fetched> {
    let iterator = await this.iterator();
    while (!this.stopping) {
      if (iterator === undefined) {
        yield { end: true };
        return;
      }
      let out;
      try {
        out = await this.o.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: this.o.maxRecords }));
      } catch (e) {
        if (e instanceof ProvisionedThroughputExceededException) {
          await this.pause(this.o.idleTimeBetweenReadsMs * 2);
          continue;
        }
        if (e instanceof ExpiredIteratorException) {
          // Resumes at the last record handed over, which run() then skips.
          iterator = await this.iterator();
          continue;
        }
        throw e;
      }
      yield { records: out.Records ?? [], millisBehindLatest: out.MillisBehindLatest ?? 0 };
      iterator = out.NextShardIterator;
      if ((out.Records ?? []).length === 0 && iterator !== undefined) await this.pause(this.o.idleTimeBetweenReadsMs);
    }
  }

  /** SubscribeToShard, again from its ContinuationSequenceNumber whenever a subscription ends (5 minutes). */
  private async *subscribe(consumerARN: string): AsyncGenerator<Fetched> {
    const from = this.resumePoint();
    this.skipThrough = from;
    const checkpoint = this.o.checkpoint;
    let position: StartingPosition = from
      ? { Type: 'AT_SEQUENCE_NUMBER', SequenceNumber: from.sequenceNumber }
      : checkpoint.startsWith('AT_TIMESTAMP:')
        ? { Type: 'AT_TIMESTAMP', Timestamp: new Date(Number(checkpoint.slice('AT_TIMESTAMP:'.length))) }
        : { Type: checkpoint === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON' };
    while (!this.stopping) {
      const out = await this.o.kinesis.send(new SubscribeToShardCommand({ ConsumerARN: consumerARN, ShardId: this.o.shardId, StartingPosition: position }), { abortSignal: this.wake.signal });
      try {
        for await (const event of out.EventStream ?? []) {
          const e = event.SubscribeToShardEvent;
          if (e === undefined) continue;
          yield { records: e.Records ?? [], millisBehindLatest: e.MillisBehindLatest ?? 0 };
          if (e.ContinuationSequenceNumber !== undefined) position = { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: e.ContinuationSequenceNumber };
          else if (e.ChildShards !== undefined) {
            yield { end: true };
            return;
          }
          if (this.stopping) return;
        }
      } catch (e) {
        if (this.stopping) return;
        throw e;
      }
    }
  }

  /** Waits between polls (GetRecords is a polling API); shutdown ends the wait at once. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.wake.signal.aborted) return resolve();
      const t = setTimeout(done, ms);
      const signal = this.wake.signal;
      function done(): void {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
