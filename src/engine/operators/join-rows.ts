// The rows a join keeps: each side's rows in working-form columns, slot by slot (a freed slot is reused),
// with each row's time, join key and whether it has matched, an index from key to slots, and a heap that
// gives back the oldest rows first when the watermark lets them go.
import type { DataType } from '../plan/expr.js';
import { makeColumn, type Column } from '../batch/column.js';
import { EddyError } from '../errors.js';

/** A join key: one value, or several joined into one string; null when any part is NULL (it matches nothing). */
export type JoinKey = string | number | null;

type Values = Float64Array | Int32Array | Uint8Array | string[];

function grow(values: Values, type: DataType, capacity: number): Values {
  if (Array.isArray(values)) {
    const before = values.length;
    values.length = capacity;
    return values.fill('', before);
  }
  const out = type === 'INT' ? new Int32Array(capacity) : type === 'BOOLEAN' ? new Uint8Array(capacity) : new Float64Array(capacity);
  out.set(values as never);
  return out;
}

function empty(type: DataType): Values {
  return type === 'INT' ? new Int32Array(0) : type === 'BOOLEAN' ? new Uint8Array(0) : type === 'VARCHAR' ? [] : new Float64Array(0);
}

/** One row as a snapshot holds it: its time, key, whether it matched, and its kept columns' values (null for NULL). */
export interface StoredRow {
  readonly time: number;
  readonly key: JoinKey;
  readonly matched: boolean;
  readonly values: readonly (number | string | null)[];
}

export class RowStore {
  private readonly values: (Values | null)[];
  private readonly valid: (Uint8Array | null)[];
  private times = new Float64Array(0);
  private keys: JoinKey[] = [];
  private matchedFlags = new Uint8Array(0);
  private live = new Uint8Array(0);
  private readonly free: number[] = [];
  private capacity = 0;
  /** Slots in use. */
  size = 0;

  /** `kept[c]`: whether column c is stored; the others read as NULL. */
  constructor(
    readonly types: readonly DataType[],
    readonly kept: readonly boolean[],
  ) {
    this.values = types.map((t, c) => (kept[c] ? empty(t) : null));
    this.valid = types.map((_, c) => (kept[c] ? new Uint8Array(0) : null));
  }

  private ensure(): void {
    if (this.size < this.capacity) return;
    const capacity = Math.max(64, this.capacity * 2);
    this.values.forEach((v, c) => {
      if (v !== null) this.values[c] = grow(v, this.types[c]!, capacity);
    });
    this.valid.forEach((v, c) => {
      if (v === null) return;
      const out = new Uint8Array(capacity);
      out.set(v);
      this.valid[c] = out;
    });
    const times = new Float64Array(capacity);
    times.set(this.times);
    this.times = times;
    this.keys.length = capacity;
    const matched = new Uint8Array(capacity);
    matched.set(this.matchedFlags);
    this.matchedFlags = matched;
    const live = new Uint8Array(capacity);
    live.set(this.live);
    this.live = live;
    for (let s = capacity - 1; s >= this.capacity; s--) this.free.push(s);
    this.capacity = capacity;
  }

  /** Stores row `row` of `columns` (null where a column is not kept); returns its slot. */
  add(columns: readonly (Column | null)[], row: number, time: number, key: JoinKey): number {
    this.ensure();
    const slot = this.free.pop()!;
    for (let c = 0; c < columns.length; c++) {
      const into = this.values[c];
      const col = columns[c];
      if (into === null || into === undefined || col === null || col === undefined) continue;
      const ok = col.valid === null || col.valid[row] === 1;
      this.valid[c]![slot] = ok ? 1 : 0;
      (into as Values)[slot] = ok ? (col.values[row] as never) : ((col.type === 'VARCHAR' ? '' : 0) as never);
    }
    this.times[slot] = time;
    this.keys[slot] = key;
    this.matchedFlags[slot] = 0;
    this.live[slot] = 1;
    this.size++;
    return slot;
  }

  release(slot: number): void {
    if (this.live[slot] !== 1) return;
    this.live[slot] = 0;
    for (const v of this.values) if (Array.isArray(v)) v[slot] = '';
    this.keys[slot] = null;
    this.free.push(slot);
    this.size--;
  }

  time(slot: number): number {
    return this.times[slot]!;
  }

  key(slot: number): JoinKey {
    return this.keys[slot]!;
  }

  matched(slot: number): boolean {
    return this.matchedFlags[slot] === 1;
  }

  setMatched(slot: number): void {
    this.matchedFlags[slot] = 1;
  }

  /** Column `c` of the rows in `slots` (-1: a row of NULLs), `count` of them, as a working-form column. */
  gather(c: number, slots: Int32Array, count: number): Column {
    const type = this.types[c]!;
    const from = this.values[c];
    const fromValid = this.valid[c];
    const valid = new Uint8Array(count);
    if (type === 'VARCHAR') {
      const out = new Array<string>(count);
      const src = from as string[] | null;
      for (let i = 0; i < count; i++) {
        const s = slots[i]!;
        if (s >= 0 && src !== null && fromValid![s] === 1) {
          out[i] = src[s]!;
          valid[i] = 1;
        } else out[i] = '';
      }
      return { type, length: count, values: out, valid };
    }
    const out = type === 'INT' ? new Int32Array(count) : type === 'BOOLEAN' ? new Uint8Array(count) : new Float64Array(count);
    const src = from as Float64Array | Int32Array | Uint8Array | null;
    let nulls = 0;
    for (let i = 0; i < count; i++) {
      const s = slots[i]!;
      if (s >= 0 && src !== null && fromValid![s] === 1) {
        out[i] = src[s]!;
        valid[i] = 1;
      } else nulls++;
    }
    return makeColumn(type, out, nulls === 0 ? null : valid, count);
  }

  /** Every live slot, in slot order. */
  slots(): number[] {
    const out: number[] = [];
    for (let s = 0; s < this.capacity; s++) if (this.live[s] === 1) out.push(s);
    return out;
  }

  /** The row in `slot` as a snapshot holds it. */
  row(slot: number): StoredRow {
    const values = this.values.map((v, c) => (v === null || this.valid[c]![slot] !== 1 ? null : (v[slot] as number | string)));
    return { time: this.times[slot]!, key: this.keys[slot]!, matched: this.matchedFlags[slot] === 1, values };
  }

  /** Stores a row a snapshot held; returns its slot. */
  restoreRow(row: StoredRow): number {
    if (!Array.isArray(row.values) || row.values.length !== this.types.length) {
      throw new EddyError('InternalFailure', `a join row in the checkpoint has ${Array.isArray(row.values) ? row.values.length : 'no'} columns, the join ${this.types.length}`);
    }
    const columns: Column[] = row.values.map((v, c) => {
      const type = this.types[c]!;
      const values = type === 'VARCHAR' ? [v === null ? '' : String(v)] : type === 'INT' ? Int32Array.of(Number(v)) : type === 'BOOLEAN' ? Uint8Array.of(v ? 1 : 0) : Float64Array.of(Number(v));
      return makeColumn(type, values, Uint8Array.of(v === null ? 0 : 1), 1);
    });
    const slot = this.add(columns, 0, row.time, row.key);
    if (row.matched) this.setMatched(slot);
    return slot;
  }

  clear(): void {
    for (const s of this.slots()) this.release(s);
  }
}

/** Slots of one side by join key. */
export class KeyIndex {
  private readonly buckets = new Map<string | number, number[]>();

  add(key: string | number, slot: number): void {
    const bucket = this.buckets.get(key);
    if (bucket === undefined) this.buckets.set(key, [slot]);
    else bucket.push(slot);
  }

  get(key: string | number): readonly number[] | undefined {
    return this.buckets.get(key);
  }

  remove(key: string | number, slot: number): void {
    const bucket = this.buckets.get(key);
    if (bucket === undefined) return;
    const at = bucket.indexOf(slot);
    if (at < 0) return;
    if (bucket.length === 1) {
      this.buckets.delete(key);
      return;
    }
    bucket[at] = bucket[bucket.length - 1]!;
    bucket.pop();
  }

  /** Distinct keys held. */
  get size(): number {
    return this.buckets.size;
  }

  clear(): void {
    this.buckets.clear();
  }
}

/** A binary min-heap of (time, slot): the rows to let go of, oldest first. */
export class TimeHeap {
  private times = new Float64Array(64);
  private slots = new Int32Array(64);
  size = 0;

  push(time: number, slot: number): void {
    if (this.size === this.times.length) {
      const times = new Float64Array(this.size * 2);
      times.set(this.times);
      this.times = times;
      const slots = new Int32Array(this.size * 2);
      slots.set(this.slots);
      this.slots = slots;
    }
    let i = this.size++;
    const t = this.times;
    const s = this.slots;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (t[parent]! <= time) break;
      t[i] = t[parent]!;
      s[i] = s[parent]!;
      i = parent;
    }
    t[i] = time;
    s[i] = slot;
  }

  /** The oldest time held; Infinity when empty. */
  peekTime(): number {
    return this.size === 0 ? Infinity : this.times[0]!;
  }

  /** Removes the oldest entry; returns its slot. */
  pop(): number {
    const t = this.times;
    const s = this.slots;
    const top = s[0]!;
    const n = --this.size;
    const time = t[n]!;
    const slot = s[n]!;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && t[r]! < t[l]! ? r : l;
      if (t[c]! >= time) break;
      t[i] = t[c]!;
      s[i] = s[c]!;
      i = c;
    }
    t[i] = time;
    s[i] = slot;
    return top;
  }

  clear(): void {
    this.size = 0;
  }
}

/** Computes each row's join key from its key columns (all of one batch). */
export function joinKeys(columns: readonly Column[], n: number): JoinKey[] {
  const keys = new Array<JoinKey>(n);
  if (columns.length === 1) {
    const col = columns[0]!;
    const valid = col.valid;
    const values = col.values;
    for (let i = 0; i < n; i++) keys[i] = valid !== null && valid[i] === 0 ? null : (values[i] as string | number);
    return keys;
  }
  for (let i = 0; i < n; i++) {
    let key = '';
    let isNull = false;
    for (let k = 0; k < columns.length; k++) {
      const col = columns[k]!;
      if (col.valid !== null && col.valid[i] === 0) {
        isNull = true;
        break;
      }
      // Each part with its length, so no two lists of values run together into one key.
      const part = String(col.values[i]);
      key += `${part.length}:${part}`;
    }
    keys[i] = isNull ? null : key;
  }
  return keys;
}
