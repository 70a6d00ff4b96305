// The contract of operators with two inputs (joins): batches arrive from either side, each side's
// watermark advances on its own, and the operator says what watermark its output has reached.
import type { RecordBatch } from 'apache-arrow';
import type { Collector, Operator, OperatorContext } from './operator.js';

/** Which input a batch or watermark comes from: 0 the left, 1 the right. */
export type InputSide = 0 | 1;

export interface TwoInputOperator extends Omit<Operator, 'processBatch' | 'onWatermark'> {
  processSide(side: InputSide, batch: RecordBatch, ctx: OperatorContext, out: Collector): void;
  /**
   * One input's watermark has advanced to `watermarkMs` (no row of that side with an earlier time will
   * be accepted any more). Returns the watermark of the operator's output: rows it emits later are never
   * behind it. It never moves backwards; -Infinity until both inputs have one.
   */
  onSideWatermark(side: InputSide, watermarkMs: number, ctx: OperatorContext, out: Collector): number;
}

export function isTwoInput(op: Operator | TwoInputOperator): op is TwoInputOperator {
  return 'processSide' in op;
}
