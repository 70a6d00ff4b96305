// RANDOM_CUT_FOREST and RANDOM_CUT_FOREST_WITH_EXPLANATION: every row passes on, in order, with its
// anomaly score (and explanation) appended. One forest per query; its state (bounded by trees × sample
// size points) is checkpointed so a restarted query carries on with the forest it had.
import type { Data, RecordBatch, Schema } from 'apache-arrow';
import type { ColumnSchema } from '../plan/schema.js';
import { analyticsColumns, analyticsNodeProblem, ANALYTICS_INPUT_TYPES, type RandomCutForestNode } from '../plan/analytics.js';
import { arrowSchema, makeBatch } from '../batch/arrow-types.js';
import { columnFromArrow, columnToArrow, numericValues } from '../batch/column.js';
import { RandomCutForest, type ForestSnapshot } from '../analytics/random-cut-forest.js';
import { Shingle } from '../analytics/shingle.js';
import { EddyError } from '../errors.js';
import type { Collector, Operator, OperatorContext } from './operator.js';

interface AnomalyScoresSnapshot {
  readonly forest: ForestSnapshot;
  readonly shingle: ReturnType<Shingle['state']>;
}

/** STRENGTH's ε, as a share of a column's attribution: ln((high + ε) / (low + ε)) stays finite. */
const STRENGTH_EPSILON = 1e-4;

export class AnomalyScores implements Operator {
  readonly outputColumns: readonly ColumnSchema[];
  readonly snapshotVersion = 1;
  private readonly schema: Schema;
  private readonly columns: readonly number[];
  private readonly types: readonly ('INT' | 'BIGINT' | 'DOUBLE')[];
  /** JSON keys of the explanation, one per column the forest reads. */
  private readonly keys: readonly string[];
  private readonly explain: boolean;
  private readonly directions: boolean;
  private readonly forest: RandomCutForest;
  private readonly shingle: Shingle;
  private readonly record: Float64Array;
  /** Per batch scratch, grown to the largest batch seen (bounded by the batch size): the points, which rows they are, their scores. */
  private points = new Float64Array(0);
  private pointRows = new Int32Array(0);
  private pointScores = new Float64Array(0);

  constructor(node: RandomCutForestNode, input: readonly ColumnSchema[]) {
    const problem = analyticsNodeProblem(node);
    if (problem) throw new EddyError('ValidationException', problem);
    this.types = node.columns.map((c) => {
      const type = input[c]?.type;
      if (type === undefined || !ANALYTICS_INPUT_TYPES.includes(type)) throw new EddyError('ValidationException', `RANDOM_CUT_FOREST column ${c} must be a numeric input column, got ${type ?? 'none'}`);
      return type as 'INT' | 'BIGINT' | 'DOUBLE';
    });
    this.columns = node.columns;
    this.keys = node.columns.map((c) => JSON.stringify(input[c]!.name));
    this.explain = node.explanation !== undefined;
    this.directions = node.explanation?.withDirectionality === true;
    const width = node.columns.length;
    this.forest = new RandomCutForest({
      dimensions: width * node.shingleSize,
      numberOfTrees: node.numberOfTrees,
      sampleSize: node.subSampleSize,
      timeDecay: node.timeDecay,
      seed: node.seed,
    });
    this.shingle = new Shingle(width, node.shingleSize);
    this.record = new Float64Array(width);
    this.outputColumns = [...input, ...analyticsColumns(node)];
    this.schema = arrowSchema(this.outputColumns);
  }

  processBatch(batch: RecordBatch, _ctx: OperatorContext, out: Collector): void {
    const n = batch.numRows;
    if (n === 0) return;
    const width = this.columns.length;
    const dims = this.forest.dimensions;
    const inputs = this.columns.map((c, k) => {
      const column = columnFromArrow(batch.data.children[c]!, this.types[k]!);
      return { values: numericValues(column), valid: column.valid };
    });
    if (this.points.length < n * dims) this.points = new Float64Array(n * dims);
    if (this.pointRows.length < n) {
      this.pointRows = new Int32Array(n);
      this.pointScores = new Float64Array(n);
    }
    const points = this.points;
    // Rows with a NULL score, and the rows of the points given to the forest.
    const valid = new Uint8Array(n).fill(1);
    const rows = this.pointRows;
    let m = 0;
    for (let i = 0; i < n; i++) {
      let ok = true;
      for (let k = 0; k < width; k++) {
        const input = inputs[k]!;
        const v = input.values[i]!;
        if ((input.valid !== null && input.valid[i] === 0) || !Number.isFinite(v)) {
          ok = false;
          break;
        }
        this.record[k] = v;
      }
      if (!ok) {
        valid[i] = 0;
        continue;
      }
      this.shingle.push(this.record);
      if (!this.shingle.full) continue;
      this.shingle.point(points, m * dims);
      rows[m++] = i;
    }
    const scores = this.pointScores.subarray(0, m);
    const high = this.explain ? new Float64Array(m * dims) : undefined;
    const low = this.explain ? new Float64Array(m * dims) : undefined;
    this.forest.scoreAndUpdate(points, m, scores, high && low ? { high, low } : undefined);
    const score = new Float64Array(n);
    for (let k = 0; k < m; k++) score[rows[k]!] = scores[k]!;
    const allValid = valid.every((v) => v === 1) ? null : valid;
    const children: Data[] = [...batch.data.children, columnToArrow({ type: 'DOUBLE', length: n, values: score, valid: allValid })];
    if (high && low) {
      const text = new Array<string>(n).fill('');
      // Rows before the first whole shingle explain a score of 0.
      const zero = this.explanation(new Float64Array(dims), new Float64Array(dims), 0);
      for (let i = 0; i < n; i++) if (valid[i]) text[i] = zero;
      for (let k = 0; k < m; k++) text[rows[k]!] = this.explanation(high, low, k * dims);
      children.push(columnToArrow({ type: 'VARCHAR', length: n, values: text, valid: allValid }));
    }
    out.emit(makeBatch(this.schema, children, n));
  }

  /**
   * KDA's ANOMALY_EXPLANATION: per column the forest reads, its ATTRIBUTION_SCORE (its share of the score,
   * the shares summing to the score) and, with withDirectionality, DIRECTION (HIGH when more of it is due
   * to the value lying above what the forest holds than below) and STRENGTH (|ln(high / low)|: how
   * one-sided that is). Numbers as strings with four decimals, as KDA wrote them.
   */
  private explanation(high: Float64Array, low: Float64Array, at: number): string {
    const width = this.columns.length;
    const size = this.forest.dimensions / width;
    const parts: string[] = [];
    for (let k = 0; k < width; k++) {
      // A column's shares at every place of the shingle.
      let up = 0;
      let down = 0;
      for (let s = 0; s < size; s++) {
        up += high[at + s * width + k]!;
        down += low[at + s * width + k]!;
      }
      const attribution = up + down;
      let fields = `"ATTRIBUTION_SCORE":"${attribution.toFixed(4)}"`;
      if (this.directions) {
        const epsilon = STRENGTH_EPSILON * attribution + Number.MIN_VALUE;
        const strength = Math.abs(Math.log((up + epsilon) / (down + epsilon)));
        fields = `"DIRECTION":"${up > down ? 'HIGH' : 'LOW'}","STRENGTH":"${strength.toFixed(4)}",${fields}`;
      }
      parts.push(`${this.keys[k]}:{${fields}}`);
    }
    return `{${parts.join(',')}}`;
  }

  onWatermark(): void {}

  snapshot(): AnomalyScoresSnapshot {
    return { forest: this.forest.snapshot(), shingle: this.shingle.state() };
  }

  restore(state: unknown): void {
    const snap = state as AnomalyScoresSnapshot;
    try {
      this.forest.restore(snap.forest);
      this.shingle.restore(snap.shingle);
    } catch (e) {
      throw new EddyError('ValidationException', `cannot restore RANDOM_CUT_FOREST state: ${(e as Error).message}`);
    }
  }
}
