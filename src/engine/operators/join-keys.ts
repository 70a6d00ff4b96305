// Join keys as dense ids, shared by both sides of a join (their key types agree): a key that is one
// VARCHAR column as it is gets its id from its UTF-8 bytes without decoding them; others are evaluated
// and mapped.
import type { RecordBatch } from 'apache-arrow';
import type { Expr } from '../plan/expr.js';
import type { BatchView } from '../batch/batch-view.js';
import type { CompiledExpr } from '../expr/compile-expr.js';
import type { KeyMapper } from './key-mapper.js';

/** The column index of a key that is one VARCHAR column as it is, for keyIds' fast path. */
export function utf8KeyColumn(keys: readonly Expr[]): number | undefined {
  const only = keys.length === 1 ? keys[0] : undefined;
  return only?.kind === 'column' && only.type === 'VARCHAR' ? only.index : undefined;
}

/** Each row's key id, and which rows' keys are NULL (matching nothing; null when none is). */
export function keyIds(mapper: KeyMapper, keys: readonly CompiledExpr[], utf8Key: number | undefined, batch: RecordBatch, view: BatchView): { ids: Int32Array; nulls: Uint8Array | null } {
  const n = batch.numRows;
  const ids = new Int32Array(n);
  const data = utf8Key === undefined ? undefined : batch.data.children[utf8Key];
  if (data !== undefined && data.offset === 0 && mapper.acceptsUtf8) {
    const bitmap = data.nullCount > 0 && data.nullBitmap !== undefined && data.nullBitmap.length > 0 ? data.nullBitmap : null;
    mapper.assignUtf8(data.valueOffsets as Int32Array, data.values as Uint8Array, bitmap, n, ids);
    if (bitmap === null) return { ids, nulls: null };
    const nulls = new Uint8Array(n);
    for (let i = 0; i < n; i++) nulls[i] = ((bitmap[i >> 3]! >> (i & 7)) & 1) ^ 1;
    return { ids, nulls };
  }
  const columns = keys.map((k) => k.evaluate(view));
  mapper.assign(columns, n, ids);
  let nulls: Uint8Array | null = null;
  for (const col of columns) {
    if (col.valid === null) continue;
    nulls ??= new Uint8Array(n);
    for (let i = 0; i < n; i++) if (col.valid[i] === 0) nulls[i] = 1;
  }
  return { ids, nulls };
}
