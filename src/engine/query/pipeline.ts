// A query's operators wired as its plan's tree: decoded batches enter at a source and flow through each
// operator's collector into the next (a join takes its two inputs' batches on either side); watermarks
// flow the same way, after the batches before them, and a join passes on the watermark of its output.
import type { RecordBatch } from 'apache-arrow';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { ColumnSchema } from '../plan/schema.js';
import type { OperatorSnapshot } from '../plan/checkpoint.js';
import type { PlanNode, QueryPlan } from '../plan/plan.js';
import type { StreamRecord } from '../stream/stream-store.js';
import { buildOperators, type PlanEdge } from '../operators/registry.js';
import type { Collector, Operator, OperatorContext, OperatorMetrics } from '../operators/operator.js';
import { isTwoInput, type TwoInputOperator } from '../operators/two-input-operator.js';
import type { LookupTables } from '../operators/lookup-join.js';
import type { Source } from '../operators/source.js';
import { int32View } from '../batch/int64.js';
import { EddyError } from '../errors.js';
import type { WorkMeter } from '../expr/work-meter.js';
import type { UserFunctionInvoker } from '../expr/udf-call.js';
import { lateRowEntries, type LateRowEntry } from './late-row-sink.js';
import type { UndecodedRecord } from '../batch/record-decoder.js';

export interface PipelineMetrics extends OperatorMetrics {
  inputRecords: number;
  outputRows: number;
  decodeErrors: number;
  lastDecodeError: string | undefined;
  lastBadRecord: BadRecord | undefined;
}

/** The last record that did not decode, kept so its owner can see what was wrong with it. */
export interface BadRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  /** Epoch ms. */
  readonly arrivalTimestamp: number;
  /** Size of the record's data in bytes. */
  readonly bytes: number;
  /** The data's first BAD_RECORD_KEPT_BYTES bytes: a copy, so the batch it came in is not kept alive. */
  readonly data: Uint8Array;
  readonly error: string;
  /** Its index in the KPL aggregate it came in, when it came in one. */
  readonly subSequenceNumber?: number;
}

export const BAD_RECORD_KEPT_BYTES = 4096;

export class Pipeline {
  /** The first source (the leftmost of a join). */
  readonly source: Source;
  /** Every source, leftmost first; most plans have one. */
  readonly sources: readonly Source[];
  /** The sources that read the same stream the same way, each group's records read and decoded once (see BuiltPlan). */
  readonly sourceGroups: readonly (readonly number[])[];
  readonly operators: readonly (Operator | TwoInputOperator)[];
  readonly outputColumns: readonly ColumnSchema[];
  readonly metrics: PipelineMetrics = {
    inputRecords: 0,
    outputRows: 0,
    lateRows: 0,
    decodeErrors: 0,
    lastDecodeError: undefined,
    lastBadRecord: undefined,
  };
  private readonly ctx: OperatorContext;
  private readonly collectors: Collector[];
  private output: RecordBatch[] = [];
  /** Late rows since the last takeLateRows(), kept only when the plan sends them somewhere. */
  private lateRows: LateRowEntry[] = [];
  /** Records that did not decode since the last takeBadRecords(), kept only when the plan sends them somewhere. */
  private badRecords: BadRecord[] = [];
  private readonly sourceEdges: readonly PlanEdge[];
  private readonly edges: readonly PlanEdge[];
  /** The watermark each operator was last given (a join: its output's). */
  private readonly watermarks: number[];
  /** Whether a full snapshot has been taken since the pipeline was built (a restored one starts a new base). */
  private hasBase = false;
  /** Entries in the changes taken since the last full snapshot. */
  private entriesInChanges = 0;
  /** The plan kind of each operator, to name it in messages. */
  private readonly kinds: readonly PlanNode['kind'][];

  /**
   * `meter` takes the work of pattern matching, so a batch over its CPU budget can be stopped part-way;
   * `maxStateKeys` bounds each aggregate's state (see operators/state-key-limit.ts); `tables` are the
   * reference tables lookup joins read.
   */
  constructor(
    readonly plan: QueryPlan,
    clock: Clock = systemClock,
    meter?: WorkMeter,
    maxStateKeys?: number,
    /** Names the query in the late rows it writes (see late-row-sink.ts). */
    queryId = '',
    /** Runs the user functions (CREATE FUNCTION) the plan calls. */
    udfs?: UserFunctionInvoker,
    tables?: LookupTables,
  ) {
    // A late row is written whole, with where it came from: every source column is decoded then.
    const built = buildOperators(plan.root, {
      clock,
      ...(meter ? { meter } : {}),
      ...(maxStateKeys === undefined ? {} : { maxStateKeys }),
      ...(plan.lateRows ? { allSourceColumns: true } : {}),
      ...(udfs ? { udfs } : {}),
      ...(tables ? { tables } : {}),
    });
    this.source = built.source;
    this.sources = built.sources;
    this.sourceGroups = built.sourceGroups;
    this.operators = built.operators;
    this.sourceEdges = built.sourceEdges;
    this.edges = built.edges;
    this.watermarks = built.operators.map(() => -Infinity);
    this.outputColumns = built.outputColumns;
    const declared = plan.columns.map((c) => `${c.name} ${c.type}`).join(', ');
    const actual = built.outputColumns.map((c) => `${c.name} ${c.type}`).join(', ');
    if (declared !== actual) throw new EddyError('ValidationException', `plan columns (${declared}) do not match its operators' output (${actual})`);
    const sink = plan.sink;
    if (sink.kind === 'stream' && sink.partitionKeyColumn !== undefined && !built.outputColumns.some((c) => c.name === sink.partitionKeyColumn)) {
      throw new EddyError('ValidationException', `partition key column '${sink.partitionKeyColumn}' is not an output column`);
    }
    this.kinds = built.nodes.map((n) => n.kind);
    for (const [i, op] of this.operators.entries()) {
      if (op.snapshot && !Number.isSafeInteger(op.snapshotVersion)) {
        throw new EddyError('InternalFailure', `the ${this.kinds[i]} operator keeps state but gives no snapshotVersion`);
      }
    }
    const stream = this.source.node.stream;
    this.ctx = plan.lateRows
      ? { clock, metrics: this.metrics, late: (rows) => this.lateRows.push(...lateRowEntries(rows, queryId, stream)) }
      : { clock, metrics: this.metrics };
    const ops = this.operators;
    this.collectors = ops.map((_, i) => ({ emit: (b: RecordBatch) => this.deliver(this.edges[i]!, b) }));
    for (const op of ops) op.onStart?.(this.ctx);
  }

  /** Hands a batch to where an edge leads: an operator (on its side, for a join) or the output. */
  private deliver(edge: PlanEdge, batch: RecordBatch): void {
    if (edge.to < 0) return this.collect(batch);
    const op = this.operators[edge.to]!;
    const out = this.collectors[edge.to]!;
    if (isTwoInput(op)) op.processSide(edge.side, batch, this.ctx, out);
    else op.processBatch(batch, this.ctx, out);
  }

  private collect(batch: RecordBatch): void {
    if (batch.numRows === 0) return;
    this.metrics.outputRows += batch.numRows;
    this.output.push(batch);
  }

  /**
   * Decodes one shard's records once and processes them as the records of each of `sourceIndexes`, in
   * order: sources that read the same (one of sourceGroups, or part of one); returns the largest event
   * time among them. Each source counts them as input.
   */
  ingest(records: readonly StreamRecord[], shardId: string, sourceIndexes: readonly number[] = [0]): number {
    const first = sourceIndexes[0] ?? 0;
    const source = this.sources[first]!;
    const decoded = source.decode(records, shardId);
    this.metrics.inputRecords += records.length * sourceIndexes.length;
    if (decoded.errors > 0) {
      this.metrics.decodeErrors += decoded.errors;
      this.metrics.lastDecodeError = decoded.lastError;
      const last = decoded.bad[decoded.bad.length - 1];
      if (last) this.metrics.lastBadRecord = badRecord(shardId, last);
      if (this.plan.badRecords) for (const u of decoded.bad) this.badRecords.push(badRecord(shardId, u));
    }
    const batch = decoded.batch;
    const max = maxTime(batch, source.node.eventTime.column);
    for (const i of sourceIndexes) this.push(batch, i);
    return max;
  }

  /** Processes an already decoded batch of a source's columns. */
  push(batch: RecordBatch, sourceIndex = 0): void {
    if (batch.numRows === 0) return;
    this.deliver(this.sourceEdges[sourceIndex]!, batch);
  }

  /** A source's watermark has advanced: it reaches every operator above it, through joins as their output's watermark. */
  advanceWatermark(watermarkMs: number, sourceIndex = 0): void {
    let edge = this.sourceEdges[sourceIndex]!;
    let wm = watermarkMs;
    while (edge.to >= 0) {
      const i = edge.to;
      const op = this.operators[i]!;
      if (isTwoInput(op)) {
        wm = op.onSideWatermark(edge.side, wm, this.ctx, this.collectors[i]!);
        if (!(wm > this.watermarks[i]!)) return;
        this.watermarks[i] = wm;
      } else {
        if (!(wm > this.watermarks[i]!)) return;
        this.watermarks[i] = wm;
        op.onWatermark?.(wm, this.ctx, this.collectors[i]!);
      }
      edge = this.edges[i]!;
    }
  }

  /** Entries the operators hold in their state (groups, rows kept by joins), as far as they say. */
  stateEntries(): number {
    let entries = 0;
    for (const op of this.operators) entries += op.stateEntries?.() ?? 0;
    return entries;
  }

  /** The query's clock reads `nowMs`: operators emit what they held for it (EMIT CHANGES EVERY). */
  advanceTime(nowMs: number): void {
    this.operators.forEach((op, i) => op.onTime?.(nowMs, this.ctx, this.collectors[i]!));
  }

  /** The earliest time an operator wants advanceTime called at, or undefined. */
  nextTimeMs(): number | undefined {
    let next: number | undefined;
    for (const op of this.operators) {
      const t = op.nextTimeMs?.();
      if (t !== undefined && (next === undefined || t < next)) next = t;
    }
    return next;
  }

  /** The late rows since the last call, for the plan's late-rows stream (at most the rows of the batches since). */
  takeLateRows(): LateRowEntry[] {
    const out = this.lateRows;
    this.lateRows = [];
    return out;
  }

  /** The records that did not decode since the last call, for the plan's bad-records stream. */
  takeBadRecords(): BadRecord[] {
    const out = this.badRecords;
    this.badRecords = [];
    return out;
  }

  takeOutput(): RecordBatch[] {
    const out = this.output;
    this.output = [];
    return out;
  }

  snapshot(): (OperatorSnapshot | null)[] {
    this.entriesInChanges = 0;
    this.hasBase = true;
    return this.operators.map((op) => (op.snapshot ? { version: op.snapshotVersion!, state: op.snapshot() } : null));
  }

  /**
   * The operators' state for a checkpoint: only what changed since the previous one (`changes`) when
   * every stateful operator can say so and the changes taken since the last full snapshot, these
   * included, hold fewer entries than a full snapshot would; otherwise a full snapshot (`operators`),
   * which starts the count again. So a large, slowly changing state is written a little at a time, and
   * what a restart reads back stays under twice the size of the state itself.
   */
  checkpointState(): { readonly operators: (OperatorSnapshot | null)[] } | { readonly changes: (OperatorSnapshot | null)[] } {
    const stateful = this.operators.filter((op) => op.snapshot);
    if (this.hasBase && stateful.every((op) => op.snapshotChanges && op.stateEntries && op.changedEntries)) {
      let full = 0;
      let changed = 0;
      for (const op of stateful) {
        full += op.stateEntries!();
        changed += op.changedEntries!();
      }
      if (this.entriesInChanges + changed < full) {
        this.entriesInChanges += changed;
        return {
          changes: this.operators.map((op) =>
            op.snapshotChanges && op.changedEntries!() > 0 ? { version: op.snapshotVersion!, state: op.snapshotChanges() } : null,
          ),
        };
      }
    }
    return { operators: this.snapshot() };
  }

  restore(states: readonly (OperatorSnapshot | null)[]): void {
    this.operators.forEach((op, i) => {
      const s = states[i];
      if (s !== null && s !== undefined && op.restore) op.restore(this.stateOf(s, i));
    });
  }

  /** Applies one checkpoint's changes on top of the restored state. */
  restoreChanges(changes: readonly (OperatorSnapshot | null)[]): void {
    this.operators.forEach((op, i) => {
      const c = changes[i];
      if (c !== null && c !== undefined && op.restoreChanges) op.restoreChanges(this.stateOf(c, i));
    });
  }

  /** The state in an operator's snapshot, after checking it is in the form the operator reads. */
  private stateOf(snapshot: OperatorSnapshot, i: number): unknown {
    const version = this.operators[i]!.snapshotVersion;
    const found = typeof snapshot === 'object' && snapshot !== null && 'state' in snapshot ? snapshot.version : undefined;
    if (found !== version) {
      throw new EddyError(
        'InternalFailure',
        `the checkpoint holds the state of the ${this.kinds[i]} operator in form ${JSON.stringify(found ?? null)}, which this version of Eddy does not read (it reads form ${version}); run the version that wrote it, or delete the query's checkpoint files to restart it from the beginning of its stream`,
      );
    }
    return snapshot.state;
  }

  /** The query has ended: operators let go of their state. */
  close(): void {
    for (const op of this.operators) op.onClose?.(this.ctx);
  }
}

/** What is kept of a record that did not decode: where it was, why, and at most its first 4 KiB. */
function badRecord(shardId: string, u: UndecodedRecord): BadRecord {
  const r = u.record;
  return {
    shardId,
    sequenceNumber: r.sequenceNumber,
    partitionKey: r.partitionKey,
    arrivalTimestamp: r.arrivalTimestamp,
    bytes: r.data.length,
    data: r.data.slice(0, BAD_RECORD_KEPT_BYTES),
    error: u.error,
    ...(u.subSequenceNumber === undefined ? {} : { subSequenceNumber: u.subSequenceNumber }),
  };
}

/** The largest non-NULL value of a TIMESTAMP column, read without BigInts. */
function maxTime(batch: RecordBatch, column: number): number {
  const data = batch.data.children[column];
  if (!data || batch.numRows === 0) return -Infinity;
  const view = int32View(data.values as BigInt64Array);
  const bitmap = data.nullCount > 0 ? data.nullBitmap : undefined;
  let max = -Infinity;
  for (let i = 0; i < batch.numRows; i++) {
    if (bitmap && ((bitmap[i >> 3]! >> (i & 7)) & 1) === 0) continue;
    const t = view[2 * i + 1]! * 4294967296 + (view[2 * i]! >>> 0);
    if (t > max) max = t;
  }
  return max;
}
