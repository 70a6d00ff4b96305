// Maps group keys (one or more columns, NULL allowed) to dense ids through a Map, remembering each id's
// key values so results can carry them.
import type { DataType } from '../expr/ir.js';
import type { Column } from '../batch/column.js';
import { allocValues } from '../batch/column.js';

export type KeyValue = string | number | null;

export class KeyMapper {
  private index = new Map<string | number, number>();
  private nullId = -1;
  private stored: KeyValue[][];
  size = 0;

  constructor(readonly types: readonly DataType[]) {
    this.stored = types.map(() => []);
  }

  clear(): void {
    this.index = new Map();
    this.nullId = -1;
    this.stored = this.types.map(() => []);
    this.size = 0;
  }

  /** Writes each row's key id into `out`. */
  assign(cols: readonly Column[], n: number, out: Int32Array): void {
    const k = cols.length;
    if (k === 0) {
      if (this.size === 0) this.size = 1;
      out.fill(0, 0, n);
      return;
    }
    if (k === 1) {
      const col = cols[0]!;
      const values = col.values as ArrayLike<string | number>;
      const valid = col.valid;
      const map = this.index;
      for (let i = 0; i < n; i++) {
        if (valid !== null && valid[i] === 0) {
          if (this.nullId < 0) this.nullId = this.add([null]);
          out[i] = this.nullId;
          continue;
        }
        const v = values[i]!;
        let id = map.get(v);
        if (id === undefined) {
          id = this.add([v]);
          map.set(v, id);
        }
        out[i] = id;
      }
      return;
    }
    const row: KeyValue[] = new Array(k);
    for (let i = 0; i < n; i++) {
      let composite = '';
      for (let c = 0; c < k; c++) {
        const col = cols[c]!;
        const v = col.valid !== null && col.valid[i] === 0 ? null : (col.values[i] as string | number);
        row[c] = v;
        composite += v === null ? '\u0001|' : typeof v === 'string' ? `${v.length}:${v}|` : `${v}|`;
      }
      let id = this.index.get(composite);
      if (id === undefined) {
        id = this.add(row);
        this.index.set(composite, id);
      }
      out[i] = id;
    }
  }

  /** The id of one key tuple, adding it if new (used when restoring state). */
  idOf(values: readonly KeyValue[]): number {
    const cols: Column[] = this.types.map((type, c) => {
      const v = values[c] ?? null;
      const arr = allocValues(type, 1) as unknown as KeyValue[];
      if (v !== null) arr[0] = v;
      return { type, length: 1, values: arr as unknown as Column['values'], valid: v === null ? new Uint8Array(1) : null };
    });
    const out = new Int32Array(1);
    this.assign(cols, 1, out);
    return out[0]!;
  }

  values(id: number): KeyValue[] {
    return this.stored.map((s) => s[id] ?? null);
  }

  private add(values: readonly KeyValue[]): number {
    const id = this.size++;
    for (let c = 0; c < values.length; c++) this.stored[c]![id] = values[c]!;
    return id;
  }

  /** The key columns for the given ids, in order. */
  columns(ids: ArrayLike<number>, count: number): Column[] {
    return this.types.map((type, c) => {
      const stored = this.stored[c]!;
      const values = allocValues(type, count) as unknown as (string | number)[];
      const valid = new Uint8Array(count);
      let nulls = 0;
      for (let i = 0; i < count; i++) {
        const v = stored[ids[i]!];
        if (v === null || v === undefined) nulls++;
        else {
          values[i] = v;
          valid[i] = 1;
        }
      }
      return { type, length: count, values: values as unknown as Column['values'], valid: nulls ? valid : null };
    });
  }
}
