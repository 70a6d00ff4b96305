// The bound on what one query's aggregates may hold: groups of a GROUP BY, (window, group) pairs of open
// windows, and the values COUNT(DISTINCT) remembers. Without it, a GROUP BY over an unbounded key (a
// user or order id) grows until the process runs out of memory and takes every other query with it;
// with it, the one query fails with an error naming the limit and where it was hit, and its state is let go.
import { EddyError } from '../errors.js';

/** State keys one query may hold unless the server says otherwise. */
export const DEFAULT_MAX_STATE_KEYS = 1_000_000;

export class StateKeyLimit {
  /**
   * `where` names the state in the error, e.g. `GROUP BY user_id`. The check runs once per batch, so a
   * query may go past the limit by at most one batch's new keys before it fails.
   */
  constructor(
    readonly maxKeys: number,
    private readonly where: string,
  ) {
    if (!(Number.isSafeInteger(maxKeys) && maxKeys >= 1)) throw new EddyError('ValidationException', `max state keys must be a whole number of at least 1, got ${maxKeys}`);
  }

  /** Throws once `held` keys are more than the limit; `distinctValues` says how many of them are COUNT(DISTINCT) values. */
  check(held: number, distinctValues = 0): void {
    if (held <= this.maxKeys) return;
    const groups = held - distinctValues;
    const detail = distinctValues > 0 ? ` (${fmt(groups)} group${groups === 1 ? '' : 's'} and ${fmt(distinctValues)} COUNT(DISTINCT) values or 64-byte sketch cells)` : '';
    throw new EddyError('LimitExceededException', `query state exceeded ${fmt(this.maxKeys)} keys in ${this.where}${detail}; the limit is set with --max-query-state-keys`);
  }
}

/** How the state of a grouping is named in errors: `GROUP BY user_id, region`. */
export function groupByText(keys: readonly { readonly name: string }[], windowed: boolean): string {
  const names = keys.map((k) => k.name).join(', ');
  if (windowed) return names ? `window GROUP BY ${names}` : 'window aggregate';
  return names ? `GROUP BY ${names}` : 'aggregate';
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}
