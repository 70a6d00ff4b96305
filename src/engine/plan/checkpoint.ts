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

/** Where a query stands in one of its sources: every shard's position, and the source's watermark. */
export interface SourceCheckpoint {
  readonly shards: Readonly<Record<string, ShardCheckpoint>>;
  readonly watermark?: WatermarkState;
  /** For a part of a split query reading its exchange shard: what the sending parts said (ExchangeState). */
  readonly exchange?: ExchangeState;
}

/**
 * What the receiving half of a split query's part knows of the sending halves: the watermark each part
 * last sent (null before its first), and per source shard the last row taken (its sequence number and
 * sub-sequence number), so rows a sending part sends again after a takeover are dropped.
 */
export interface ExchangeState {
  readonly watermarks: readonly (number | null)[];
  /** Which sending parts last said their shards were all idle (absent: none). */
  readonly idle?: readonly boolean[];
  readonly taken: Readonly<Record<string, readonly [string, number]>>;
}

/** `shards` and `watermark` are those of the plan's first source (its leftmost), the only one of most plans. */
export interface QueryCheckpoint extends SourceCheckpoint {
  /**
   * For a plan that reads more than one source (a join): the second source's position and watermark,
   * then the third's, in plan order (left to right). Absent for a plan of one source.
   */
  readonly sources?: readonly SourceCheckpoint[];
  /**
   * Each operator's snapshot, in pipeline order (null for stateless ones): every node's inputs before
   * the node, a join's left input before its right.
   */
  readonly operators?: readonly (OperatorSnapshot | null)[];
  /**
   * Changes to apply on top of `operators`, oldest first; each holds, per operator, what changed since
   * the checkpoint before it (null: nothing). A checkpoint saved with `changes` and no `operators` is a
   * delta on the checkpoints saved before it (see Pipeline.checkpointState).
   */
  readonly changes?: readonly (readonly (OperatorSnapshot | null)[])[];
  /**
   * For a part of a split query: where its sending half stands in the source, every row before it sent
   * to the exchange and acknowledged there (see query/split/query-part.ts).
   */
  readonly upstream?: SourceCheckpoint;
}

/**
 * Operator state may hold BigInts (DECIMAL values, unscaled), which JSON has no form for: a checkpoint's
 * text writes each as `{"$bigint": "<digits>"}`, an object no other state holds, and reading turns it back.
 */
export function checkpointJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? { $bigint: v.toString() } : v));
}

/** JSON.parse of a text checkpointJson wrote. */
export function parseCheckpointJson(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const digits = (v as { $bigint?: unknown }).$bigint;
      if (typeof digits === 'string' && Object.keys(v).length === 1) return BigInt(digits);
    }
    return v;
  });
}

/** Whether a checkpoint holds only the changes since the one before it. */
export function isDelta(checkpoint: QueryCheckpoint): boolean {
  return checkpoint.operators === undefined && checkpoint.changes !== undefined;
}

/**
 * The base with its deltas applied: positions and watermark of the newest, operator state of the base
 * plus every delta's changes in order.
 */
export function withChanges(base: QueryCheckpoint, deltas: readonly QueryCheckpoint[]): QueryCheckpoint {
  const last = deltas[deltas.length - 1];
  if (last === undefined) return base;
  const changes = [...(base.changes ?? []), ...deltas.flatMap((d) => d.changes ?? [])];
  const { changes: _, ...rest } = last;
  return { ...rest, ...(base.operators === undefined ? {} : { operators: base.operators }), changes };
}
