// The PARTITION BY of OVER windows and rankings: each row's partition as a dense id (through a
// KeyMapper, hashing a single VARCHAR key's bytes without decoding them), and renumbering the ids when
// partitions have been let go, so memory follows the partitions still held.
import type { NamedExpr } from '../plan/plan.js';
import type { DataType } from '../plan/expr.js';
import type { BatchView } from '../batch/batch-view.js';
import type { CompiledExpr, ExprContext } from '../expr/compile-expr.js';
import { compileExpr } from '../expr/compile-expr.js';
import { KeyMapper } from './key-mapper.js';

export class PartitionKeys {
  private readonly exprs: readonly CompiledExpr[];
  private keys: KeyMapper;
  private readonly utf8Column: number | undefined;
  private scratch = new Int32Array(0);

  constructor(partitionBy: readonly NamedExpr[], inputTypes: readonly DataType[], context: ExprContext) {
    const options = { ...context, inputTypes };
    this.exprs = partitionBy.map((k) => compileExpr(k.expr, options));
    this.keys = new KeyMapper(partitionBy.map((k) => k.expr.type));
    const only = partitionBy.length === 1 ? partitionBy[0]!.expr : undefined;
    this.utf8Column = only && only.kind === 'column' && only.type === 'VARCHAR' && this.keys.acceptsUtf8 ? only.index : undefined;
  }

  get mapper(): KeyMapper {
    return this.keys;
  }

  /** Partitions seen (ids are 0 … size - 1). */
  get size(): number {
    return this.keys.size;
  }

  /** Each row's partition id; the array is reused by the next call. */
  ids(view: BatchView): Int32Array {
    const n = view.length;
    if (this.scratch.length < n) this.scratch = new Int32Array(Math.max(n, 2 * this.scratch.length));
    const out = this.scratch;
    const single = this.utf8Column;
    if (single !== undefined) {
      const data = view.batch.data.children[single]!;
      if (data.offset === 0) {
        const bitmap = data.nullCount > 0 && data.nullBitmap && data.nullBitmap.length > 0 ? data.nullBitmap : null;
        this.keys.assignUtf8(data.valueOffsets as Int32Array, data.values as Uint8Array, bitmap, n, out);
        return out;
      }
    }
    this.keys.assign(
      this.exprs.map((e) => e.evaluate(view)),
      n,
      out,
    );
    return out;
  }

  /** Renumbers the partitions `live` keeps; returns each old id's new one (-1: let go). */
  compact(live: (id: number) => boolean): Int32Array {
    const old = this.keys;
    const fresh = old.emptyCopy();
    const remap = new Int32Array(old.size).fill(-1);
    for (let id = 0; id < old.size; id++) if (live(id)) remap[id] = fresh.idOf(old.values(id));
    this.keys = fresh;
    return remap;
  }

  clear(): void {
    this.keys = this.keys.emptyCopy();
  }
}
