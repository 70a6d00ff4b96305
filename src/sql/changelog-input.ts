// Which relations are changelogs (plan/changelog.ts): the result of a GROUP BY without a window, of a
// continuously updated Top-N or of keep-last deduplication, read through any subqueries that filter or
// project it. An aggregate over one would count each -U as one more
// row, so the analyzer refuses it where the aggregate is written.

import type { LogicalInput } from './logical-plan.js';

/** Whether rows read from `input` can be revised (a -U, +U or -D of an earlier row). */
export function revisesRows(input: LogicalInput): boolean {
  switch (input.kind) {
    case 'scan':
      return false;
    // A window table adds bounds to each row it reads; interval and window joins take append-only inputs.
    case 'windowTable':
      return revisesRows(input.input);
    // Interval, window and temporal joins, and inner regular joins, emit each match once; an outer regular
    // join withdraws the row it emitted alone when its first match comes.
    case 'join':
      return input.join.kind === 'regularJoin' && input.join.joinType !== 'inner';
    // A lookup join takes append-only input, as the joins of two streams do.
    case 'lookup':
      return false;
    // The analytics functions take append-only rows and give one row for each.
    case 'analytics':
      return false;
    case 'select':
      break;
  }
  const over = input.select.over;
  // An OVER aggregate over a changelog revises the results of the rows whose frames a change reaches.
  if (over) {
    return (over.kind === 'topN' && over.windowEndColumn === undefined) || (over.kind === 'deduplicate' && over.keep === 'last') || (over.kind === 'aggregate' && revisesRows(input.select.input));
  }
  const aggregate = input.select.aggregate;
  if (aggregate) return aggregate.window === undefined;
  return revisesRows(input.select.input);
}
