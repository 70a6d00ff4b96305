// What a query checkpoint holds: where it stands in each shard, the watermark, and its operators' state.
// The catalog persists these and the query manager restores them; both sides share this shape.

/** The watermark and each shard's largest event time, as a restarted query resumes them. */
export interface WatermarkState {
  readonly watermark: number | null;
  readonly shards: Record<string, number | null>;
}

/** Where a query stands in one shard: read up to and including `after`, or read to its end. */
export interface ShardCheckpoint {
  readonly after?: string;
  readonly done?: boolean;
}

/**
 * One operator's state in a checkpoint, with the version of the form it is in. An operator bumps its
 * version whenever that form changes, and refuses to restore any other, so a checkpoint written by
 * another build of Eddy fails with a message that says so instead of being misread.
 */
export interface OperatorSnapshot {
  readonly version: number;
  readonly state: unknown;
}

export interface QueryCheckpoint {
  readonly shards: Readonly<Record<string, ShardCheckpoint>>;
  readonly watermark?: WatermarkState;
  /** Each operator's snapshot, in pipeline order (null for stateless ones). */
  readonly operators?: readonly (OperatorSnapshot | null)[];
  /**
   * Changes to apply on top of `operators`, oldest first; each holds, per operator, what changed since
   * the checkpoint before it (null: nothing). A checkpoint saved with `changes` and no `operators` is a
   * delta on the checkpoints saved before it (see Pipeline.checkpointState).
   */
  readonly changes?: readonly (readonly (OperatorSnapshot | null)[])[];
}
