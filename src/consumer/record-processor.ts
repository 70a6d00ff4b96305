// What an application implements to process a shard, as the KCL's ShardRecordProcessor: records in order,
// a checkpointer to record progress, and notice of losing the lease, the shard's end and shutdown.

import type { ConsumerRecord } from './consumer-record.js';

export interface Checkpointer {
  /**
   * Records that everything up to the given record (default: the last record handed to processRecords)
   * is processed. Throws a LeaseLostError if another worker holds the shard's lease now.
   */
  checkpoint(sequenceNumber?: string, subSequenceNumber?: number): Promise<void>;
}

export interface ProcessRecordsInput {
  readonly shardId: string;
  readonly records: readonly ConsumerRecord[];
  readonly millisBehindLatest: number;
  readonly checkpointer: Checkpointer;
}

export interface RecordProcessor {
  initialize?(input: { readonly shardId: string; readonly checkpoint: string }): Promise<void> | void;
  processRecords(input: ProcessRecordsInput): Promise<void> | void;
  /** Another worker took the lease; checkpointing is no longer possible. */
  leaseLost?(input: { readonly shardId: string }): Promise<void> | void;
  /** The shard was read to its end (after a split or merge); SHARD_END is checkpointed after this returns. */
  shardEnded?(input: { readonly shardId: string; readonly checkpointer: Checkpointer }): Promise<void> | void;
  /** The worker is shutting down gracefully; the last processed record is checkpointed after this returns. */
  shutdownRequested?(input: { readonly shardId: string; readonly checkpointer: Checkpointer }): Promise<void> | void;
}

export class LeaseLostError extends Error {
  constructor(readonly shardId: string) {
    super(`The lease of ${shardId} is held by another worker now.`);
    this.name = 'LeaseLostError';
  }
}
