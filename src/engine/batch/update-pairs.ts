// The changelog rows of results that may have changed, which every operator whose results are revised
// (group aggregates, windows taking late rows, and joins, rankings and deduplication alike) emits the same
// way: a result seen for the first time is +I; a result whose row changed is a -U of the row it had,
// followed at once by a +U of the row it has now; a result whose row is unchanged emits nothing.
import type { RecordBatch, Schema } from 'apache-arrow';
import { allocValues, columnToArrow, makeColumn, type Column } from './column.js';
import { changelogBatch, INSERT, UPDATE_AFTER, UPDATE_BEFORE } from './row-kinds.js';

/**
 * `after` holds each result's row now, `before` the row it had (read only where `had[i]` is 1; `had`
 * null means every result had one). Both are full rows, column for column, `count` results long.
 * `kindSchema` is the changelog schema of those columns (row-kinds.ts). Returns null when nothing changed.
 */
export function updatePairs(kindSchema: Schema, before: readonly Column[], had: Uint8Array | null, after: readonly Column[], count: number): RecordBatch | null {
  // Which side and index each output row comes from: 2 rows for a change, 1 for a new result.
  const fromAfter = new Uint8Array(2 * count);
  const index = new Int32Array(2 * count);
  const kinds = new Int8Array(2 * count);
  let n = 0;
  for (let i = 0; i < count; i++) {
    if (had !== null && had[i] === 0) {
      fromAfter[n] = 1;
      index[n] = i;
      kinds[n++] = INSERT;
      continue;
    }
    if (sameRow(before, after, i)) continue;
    index[n] = i;
    kinds[n++] = UPDATE_BEFORE;
    fromAfter[n] = 1;
    index[n] = i;
    kinds[n++] = UPDATE_AFTER;
  }
  if (n === 0) return null;
  const columns = after.map((a, c) => columnToArrow(gather(before[c]!, a, fromAfter, index, n)));
  return changelogBatch(kindSchema, columns, kinds.slice(0, n));
}

function sameValue(a: Column, b: Column, i: number): boolean {
  const av = a.valid === null || a.valid[i] === 1;
  const bv = b.valid === null || b.valid[i] === 1;
  if (av !== bv) return false;
  if (!av) return true;
  const x = a.values[i];
  const y = b.values[i];
  // NaN (a DOUBLE aggregate can be one) equals itself here: the row did not change.
  return x === y || (x !== x && y !== y);
}

function sameRow(before: readonly Column[], after: readonly Column[], i: number): boolean {
  for (let c = 0; c < after.length; c++) {
    const a = after[c]!;
    const b = before[c]!;
    // The key columns are one column on both sides: the same by definition.
    if (a !== b && !sameValue(b, a, i)) return false;
  }
  return true;
}

/** Row j of the result is row index[j] of `after` (fromAfter[j] = 1) or of `before`. */
function gather(before: Column, after: Column, fromAfter: Uint8Array, index: Int32Array, n: number): Column {
  if (before === after) return gatherOne(after, index, n);
  const values = allocValues(after.type, n) as unknown as (number | string | bigint)[];
  let valid: Uint8Array | null = null;
  for (let j = 0; j < n; j++) {
    const side = fromAfter[j] === 1 ? after : before;
    const i = index[j]!;
    if (side.valid !== null && side.valid[i] === 0) {
      valid ??= new Uint8Array(n).fill(1);
      valid[j] = 0;
      continue;
    }
    values[j] = side.values[i]!;
  }
  return makeColumn(after.type, values as unknown as Column['values'], valid, n);
}

/** Row j of the result is row index[j] of `column` (a column both sides share, such as a key). */
function gatherOne(column: Column, index: Int32Array, n: number): Column {
  const values = allocValues(column.type, n) as unknown as (number | string | bigint)[];
  const from = column.values as unknown as ArrayLike<number | string | bigint>;
  const valid = column.valid;
  let out: Uint8Array | null = null;
  for (let j = 0; j < n; j++) {
    const i = index[j]!;
    values[j] = from[i]!;
    if (valid !== null && valid[i] === 0) (out ??= new Uint8Array(n).fill(1))[j] = 0;
  }
  return makeColumn(column.type, values as unknown as Column['values'], out, n);
}
