// A window table function's rows as they are, without an aggregate: `FROM TABLE(TUMBLE(…))` in a join
// or a plain SELECT. Each row gets the bounds of its window.

import type { PlanNode, WindowSpec } from './plan.js';

/**
 * Each input row with the start and end of the window it falls in, once per window (once for TUMBLE,
 * size / slide times for HOP). Output: the input's columns, then window_start and window_end
 * (TIMESTAMP). Rows whose time is NULL fall in no window and are dropped. Stateless.
 */
export interface WindowTableNode {
  readonly kind: 'windowTable';
  readonly input: PlanNode;
  readonly window: WindowSpec;
  /** Index into the input's columns of the TIMESTAMP column windows are computed on. */
  readonly timeColumn: number;
}
