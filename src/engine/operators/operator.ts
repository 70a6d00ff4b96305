// The operator contract: batches in through processBatch, results out through a collector, event time
// advanced by watermarks. Operators see only Arrow batches and watermarks, never the stream store.
import type { RecordBatch } from 'apache-arrow';
import type { Clock } from '../clock.js';
import type { ColumnSchema } from '../plan/schema.js';

/** Counters an operator adds to; the query's status reports them. */
export interface OperatorMetrics {
  lateRows: number;
}

export interface OperatorContext {
  readonly clock: Clock;
  readonly metrics: OperatorMetrics;
  /**
   * Where rows too late for every window they belong to go, besides the `lateRows` count; present when
   * the query sends them somewhere (`WITH (late_rows = 'stream')`).
   */
  readonly late?: (rows: LateRows) => void;
}

/** Rows an operator dropped because every window they belong to had closed for good. */
export interface LateRows {
  /** The rows, as the operator received them. */
  readonly batch: RecordBatch;
  /** The operator's input columns, which `batch` holds, and which of them is the event time. */
  readonly columns: readonly ColumnSchema[];
  readonly timeColumn: number;
  /** Per row, the end of the last window it belongs to (epoch ms). */
  readonly windowEnds: Float64Array;
  /** The watermark when they arrived, and how long past a window's end it was kept. */
  readonly watermarkMs: number;
  readonly allowedLatenessMs: number;
}

/** JavaScript an operator generated from its plan node and runs, as EXPLAIN CODEGEN prints it. */
export interface GeneratedCode {
  /** What the code computes: `predicate`, `column total`, `aggregate loop, …`. */
  readonly what: string;
  /** The function's parameters and body; an empty body when there is no loop to show (and `what` says why). */
  readonly params: readonly string[];
  readonly body: string;
}

/** Where an operator puts its output batches. */
export interface Collector {
  emit(batch: RecordBatch): void;
}

export interface Operator {
  /** The columns of the batches this operator emits. */
  readonly outputColumns: readonly ColumnSchema[];
  processBatch(batch: RecordBatch, ctx: OperatorContext, out: Collector): void;
  /** Event time has advanced to `watermarkMs`: no row with an earlier time will be accepted any more. */
  onWatermark?(watermarkMs: number, ctx: OperatorContext, out: Collector): void;
  /**
   * The query's clock reads `nowMs` (called after every step of the query's read loop, and at the time
   * nextTimeMs asks for): operators that emit on a schedule (EMIT CHANGES EVERY) emit what is due.
   */
  onTime?(nowMs: number, ctx: OperatorContext, out: Collector): void;
  /** When, on the query's clock, the operator next has something for onTime; undefined for nothing. */
  nextTimeMs?(): number | undefined;
  onStart?(ctx: OperatorContext): void;
  onClose?(ctx: OperatorContext): void;
  /** JSON-serialisable state, so a restarted query carries on where it stopped. */
  snapshot?(): unknown;
  restore?(state: unknown): void;
  /**
   * The version of the form `snapshot` and `snapshotChanges` return, required with them. Bump it when
   * that form changes: the pipeline restores only snapshots of this version (see plan/checkpoint.ts).
   */
  readonly snapshotVersion?: number;
  /**
   * Incremental checkpoints, for operators whose state can be large: what changed since the last
   * `snapshot` or `snapshotChanges` (JSON-serialisable), applied by `restoreChanges` on top of a restored
   * snapshot, in the order they were taken. An operator offers all four or none.
   */
  snapshotChanges?(): unknown;
  restoreChanges?(changes: unknown): void;
  /** Entries a full snapshot would hold now (groups, say): with `changedEntries`, what a delta saves. */
  stateEntries?(): number;
  /** Entries `snapshotChanges` would hold now. */
  changedEntries?(): number;
  /** The JavaScript the operator generated (see GeneratedCode); absent for operators that generate none. */
  generatedCode?(): readonly GeneratedCode[];
}

/** A collector that keeps what it is given (tests, and the end of a pipeline). */
export class ArrayCollector implements Collector {
  readonly batches: RecordBatch[] = [];
  emit(batch: RecordBatch): void {
    if (batch.numRows > 0) this.batches.push(batch);
  }
  take(): RecordBatch[] {
    return this.batches.splice(0, this.batches.length);
  }
}
