// HOTSPOTS: every row passes on, in order, with the JSON of the dense regions among the last windowSize
// rows' points once the row's point is among them. Its state is the window (bounded by windowSize), which
// a checkpoint keeps.
import type { Data, RecordBatch, Schema } from 'apache-arrow';
import type { ColumnSchema } from '../plan/schema.js';
import { analyticsColumns, analyticsNodeProblem, ANALYTICS_INPUT_TYPES, type HotspotsNode } from '../plan/analytics.js';
import { arrowSchema, makeBatch } from '../batch/arrow-types.js';
import { columnFromArrow, columnToArrow, numericValues } from '../batch/column.js';
import { HotspotDetector, type Hotspot } from '../analytics/hotspots.js';
import { EddyError } from '../errors.js';
import type { Collector, Operator, OperatorContext } from './operator.js';

export class Hotspots implements Operator {
  readonly outputColumns: readonly ColumnSchema[];
  readonly snapshotVersion = 1;
  private readonly schema: Schema;
  private readonly columns: readonly number[];
  private readonly types: readonly ('INT' | 'BIGINT' | 'DOUBLE')[];
  private readonly detector: HotspotDetector;
  private readonly point: Float64Array;
  /** The result for the window as it stands, while no point has come or gone since it was computed. */
  private result: string | undefined;

  constructor(node: HotspotsNode, input: readonly ColumnSchema[]) {
    const problem = analyticsNodeProblem(node);
    if (problem) throw new EddyError('ValidationException', problem);
    this.types = node.columns.map((c) => {
      const type = input[c]?.type;
      if (type === undefined || !ANALYTICS_INPUT_TYPES.includes(type)) throw new EddyError('ValidationException', `HOTSPOTS column ${c} must be a numeric input column, got ${type ?? 'none'}`);
      return type as 'INT' | 'BIGINT' | 'DOUBLE';
    });
    this.columns = node.columns;
    this.detector = new HotspotDetector({
      dimensions: node.columns.length,
      windowSize: node.windowSize,
      scanRadius: node.scanRadius,
      minimumNumberOfPointsInAHotspot: node.minimumNumberOfPointsInAHotspot,
    });
    this.point = new Float64Array(node.columns.length);
    this.outputColumns = [...input, ...analyticsColumns(node)];
    this.schema = arrowSchema(this.outputColumns);
  }

  processBatch(batch: RecordBatch, _ctx: OperatorContext, out: Collector): void {
    const n = batch.numRows;
    if (n === 0) return;
    const inputs = this.columns.map((c, k) => {
      const column = columnFromArrow(batch.data.children[c]!, this.types[k]!);
      return { values: numericValues(column), valid: column.valid };
    });
    const text = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      let ok = true;
      for (let k = 0; k < inputs.length; k++) {
        const input = inputs[k]!;
        const v = input.values[i]!;
        if ((input.valid !== null && input.valid[i] === 0) || !Number.isFinite(v)) {
          ok = false;
          break;
        }
        this.point[k] = v;
      }
      if (ok) {
        this.detector.add(this.point, 0);
        this.result = undefined;
      }
      this.result ??= resultText(this.detector.hotspots());
      text[i] = this.result;
    }
    const children: Data[] = [...batch.data.children, columnToArrow({ type: 'VARCHAR', length: n, values: text, valid: null })];
    out.emit(makeBatch(this.schema, children, n));
  }

  onWatermark(): void {}

  snapshot(): { readonly window: number[][] } {
    return { window: this.detector.snapshot() };
  }

  restore(state: unknown): void {
    try {
      this.detector.restore((state as { window: number[][] }).window);
    } catch (e) {
      throw new EddyError('ValidationException', `cannot restore HOTSPOTS state: ${(e as Error).message}`);
    }
    this.result = undefined;
  }
}

/** KDA's HOTSPOTS_RESULT: {"hotspots":[{"density":…,"minValues":[…],"maxValues":[…]},…]}. */
function resultText(hotspots: readonly Hotspot[]): string {
  return JSON.stringify({ hotspots: hotspots.map((h) => ({ density: h.density, minValues: h.minValues, maxValues: h.maxValues })) });
}
