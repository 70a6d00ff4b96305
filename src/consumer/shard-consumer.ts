// Reads one leased shard with GetRecords from its checkpoint, hands records to the processor in order,
// and ends at the shard's end (SHARD_END) or when the lease is lost or the worker shuts down.

import { ExpiredIteratorException, GetRecordsCommand, GetShardIteratorCommand, ProvisionedThroughputExceededException, type KinesisClient, type ShardIteratorType } from '@aws-sdk/client-kinesis';
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
  /** Saves a checkpoint through the worker (which holds the lease counter). */
  saveCheckpoint(sequenceNumber: string, subSequenceNumber: number): Promise<void>;
}

export type ShardConsumerEnd = 'shard-end' | 'stopped' | 'lease-lost';

export class ShardConsumer {
  /** The last record handed to the processor (what a default checkpoint means). */
  private last: { sequenceNumber: string; subSequenceNumber: number } | undefined;
  private checkpointed: { sequenceNumber: string; subSequenceNumber: number } | undefined;
  private stopping = false;
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
    let iterator = await this.iterator();
    let skipThrough = this.resumePoint();
    while (!this.stopping) {
      if (iterator === undefined) {
        await processor.shardEnded?.({ shardId, checkpointer: this.checkpointer });
        return 'shard-end';
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
          iterator = await this.iterator();
          skipThrough = this.resumePoint();
          continue;
        }
        throw e;
      }
      let records: ConsumerRecord[] = toConsumerRecords(out.Records ?? []);
      if (skipThrough && records.length > 0) {
        const s = skipThrough;
        records = records.filter((r) => !(r.sequenceNumber === s.sequenceNumber && r.subSequenceNumber <= s.subSequenceNumber));
        skipThrough = undefined;
      }
      if (records.length > 0) {
        const lastRecord = records[records.length - 1]!;
        this.last = { sequenceNumber: lastRecord.sequenceNumber, subSequenceNumber: lastRecord.subSequenceNumber };
        await processor.processRecords({ shardId, records, millisBehindLatest: out.MillisBehindLatest ?? 0, checkpointer: this.checkpointer });
      }
      iterator = out.NextShardIterator;
      if (records.length === 0 && iterator !== undefined) await this.pause(this.o.idleTimeBetweenReadsMs);
    }
    return 'stopped';
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
