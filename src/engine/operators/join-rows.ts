// The rows a join keeps: each side's rows in working-form columns, slot by slot (a freed slot is reused),
// with each row's time, join key and whether it has matched, an index from key to slots, and a heap that
// gives back the oldest rows first when the watermark lets them go.
import type { DataType } from '../plan/expr.js';
import { isDecimal, type DecimalType } from '../plan/decimal.js';
import { allocValues, makeColumn, type Column, type DecimalValues } from '../batch/column.js';
import { EddyError } from '../errors.js';

/** A join key: one value, or several joined into one string; null when any part is NULL (it matches nothing). */
export type JoinKey = string | number | null;

/** One row as a snapshot holds it: its time, key, whether it matched, and its kept columns' values (null for NULL). */
export interface StoredRow {
  readonly time: number;
  /** The join key, or (interval joins) the key's values. */
  readonly key: JoinKey | readonly (string | number | bigint | null)[];
  readonly matched: boolean;
  /** DECIMAL values unscaled, as BigInts (checkpoints keep them exactly: plan/checkpoint.ts). */
  readonly values: readonly (number | string | bigint | null)[];
}

/** Whether a column's values are kept in a plain array rather than a Float64Array. */
function isBoxed(type: DataType): boolean {
  return type === 'VARCHAR' || isDecimal(type);
}

/** A one-row DECIMAL value array holding `v`. */
function allocValuesOf(type: DecimalType, v: bigint): DecimalValues {
  const values = allocValues(type, 1);
  values[0] = v;
  return values;
}

function grown<T extends Float64Array | Uint8Array | Int32Array>(array: T, capacity: number): T {
  const out = new (array.constructor as new (n: number) => T)(capacity);
  out.set(array);
  return out;
}

/**
 * A side's rows, column by column: numbers (INT, BIGINT, DOUBLE, TIMESTAMP and BOOLEAN alike) in
 * Float64Arrays, text and DECIMAL values (BigInts) in plain arrays, so rows are copied in and out one column at a time in
 * loops that each see one kind of array.
 */
export class RowStore {
  private readonly numbers: (Float64Array | null)[];
  /** VARCHAR and DECIMAL columns: values that are not plain numbers. */
  private readonly strings: ((string | bigint)[] | null)[];
  private readonly valid: (Uint8Array | null)[];
  /** Indexes of the kept text columns, cleared when a row goes so its strings can be collected. */
  private readonly textColumns: readonly number[];
  private times = new Float64Array(0);
  private keys: JoinKey[] = [];
  private matchedFlags = new Uint8Array(0);
  private live = new Uint8Array(0);
  /** Free slots, a stack: the lowest on top. */
  private free = new Int32Array(0);
  private freeCount = 0;
  private capacity = 0;
  /** Slots in use. */
  size = 0;

  /** `kept[c]`: whether column c is stored; the others read as NULL. */
  constructor(
    readonly types: readonly DataType[],
    readonly kept: readonly boolean[],
  ) {
    this.numbers = types.map((t, c) => (kept[c] && !isBoxed(t) ? new Float64Array(0) : null));
    this.strings = types.map((t, c) => (kept[c] && isBoxed(t) ? [] : null));
    this.valid = types.map((_, c) => (kept[c] ? new Uint8Array(0) : null));
    this.textColumns = types.flatMap((t, c) => (kept[c] && t === 'VARCHAR' ? [c] : []));
  }

  private ensure(more: number): void {
    if (this.freeCount >= more) return;
    let capacity = Math.max(64, this.capacity * 2);
    while (capacity - this.size < more) capacity *= 2;
    this.numbers.forEach((v, c) => {
      if (v !== null) this.numbers[c] = grown(v, capacity);
    });
    for (const v of this.strings) if (v !== null) v.length = capacity;
    this.valid.forEach((v, c) => {
      if (v !== null) this.valid[c] = grown(v, capacity);
    });
    this.times = grown(this.times, capacity);
    this.keys.length = capacity;
    this.matchedFlags = grown(this.matchedFlags, capacity);
    this.live = grown(this.live, capacity);
    const free = new Int32Array(capacity);
    free.set(this.free.subarray(0, this.freeCount));
    // New slots go on top of the stack, highest first, so the lowest is taken first.
    for (let slot = capacity - 1; slot >= this.capacity; slot--) free[this.freeCount++] = slot;
    this.free = free;
    this.capacity = capacity;
  }

  /**
   * Stores rows `rows[0..count)` of `columns` (null where a column is not kept), with their times and
   * keys (indexed by row); returns their slots, in the same order.
   */
  addRows(columns: readonly (Column | null)[], rows: Int32Array, count: number, times: Float64Array, keys: ArrayLike<JoinKey>): Int32Array {
    this.ensure(count);
    const slots = new Int32Array(count);
    for (let k = 0; k < count; k++) {
      const slot = this.free[--this.freeCount]!;
      slots[k] = slot;
      const row = rows[k]!;
      this.times[slot] = times[row]!;
      this.keys[slot] = keys[row]!;
      this.matchedFlags[slot] = 0;
      this.live[slot] = 1;
    }
    this.size += count;
    for (let c = 0; c < columns.length; c++) {
      const col = columns[c];
      const valid = this.valid[c];
      if (col === null || col === undefined || valid === null || valid === undefined) continue;
      const from = col.valid;
      if (from === null) for (let k = 0; k < count; k++) valid[slots[k]!] = 1;
      else for (let k = 0; k < count; k++) valid[slots[k]!] = from[rows[k]!]!;
      if (isBoxed(col.type)) {
        const into = this.strings[c]!;
        const src = col.values as ArrayLike<string | bigint>;
        for (let k = 0; k < count; k++) into[slots[k]!] = src[rows[k]!]!;
      } else {
        const into = this.numbers[c]!;
        const src = col.values as ArrayLike<number>;
        for (let k = 0; k < count; k++) into[slots[k]!] = src[rows[k]!]!;
      }
    }
    return slots;
  }

  /** Stores row `row` of `columns`; returns its slot. */
  add(columns: readonly (Column | null)[], row: number, time: number, key: JoinKey): number {
    const times = new Float64Array(row + 1);
    times[row] = time;
    const keys: JoinKey[] = [];
    keys[row] = key;
    return this.addRows(columns, Int32Array.of(row), 1, times, keys)[0]!;
  }

  release(slot: number): void {
    if (this.live[slot] !== 1) return;
    this.live[slot] = 0;
    for (const c of this.textColumns) this.strings[c]![slot] = '';
    this.keys[slot] = null;
    this.free[this.freeCount++] = slot;
    this.size--;
  }

  /** Whether a row is in `slot`. */
  holds(slot: number): boolean {
    return this.live[slot] === 1;
  }

  time(slot: number): number {
    return this.times[slot]!;
  }

  key(slot: number): JoinKey {
    return this.keys[slot]!;
  }

  setKey(slot: number, key: JoinKey): void {
    this.keys[slot] = key;
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
    const fromValid = this.valid[c];
    const valid = new Uint8Array(count);
    let nulls = 0;
    if (type === 'VARCHAR') {
      const out = new Array<string>(count);
      const src = this.strings[c];
      for (let i = 0; i < count; i++) {
        const s = slots[i]!;
        if (s >= 0 && src !== null && src !== undefined && fromValid![s] === 1) {
          out[i] = src[s] as string;
          valid[i] = 1;
        } else {
          out[i] = '';
          nulls++;
        }
      }
      return { type, length: count, values: out, valid: nulls === 0 ? null : valid };
    }
    if (isDecimal(type)) {
      const out = allocValues(type, count);
      const src = this.strings[c];
      for (let i = 0; i < count; i++) {
        const s = slots[i]!;
        if (s >= 0 && src !== null && src !== undefined && fromValid![s] === 1) {
          out[i] = src[s] as bigint;
          valid[i] = 1;
        } else nulls++;
      }
      return makeColumn(type, out, nulls === 0 ? null : valid, count);
    }
    const out = type === 'INT' ? new Int32Array(count) : type === 'BOOLEAN' ? new Uint8Array(count) : new Float64Array(count);
    const src = this.numbers[c];
    for (let i = 0; i < count; i++) {
      const s = slots[i]!;
      if (s >= 0 && src !== null && src !== undefined && fromValid![s] === 1) {
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
    const values = this.types.map((t, c) => {
      if (this.valid[c]?.[slot] !== 1) return null;
      return isBoxed(t) ? this.strings[c]![slot]! : this.numbers[c]![slot]!;
    });
    return { time: this.times[slot]!, key: this.keys[slot]!, matched: this.matchedFlags[slot] === 1, values };
  }

  /** Stores a row a snapshot held (with `key` in place of the one it held); returns its slot. */
  restoreRow(row: StoredRow, key: JoinKey): number {
    if (!Array.isArray(row.values) || row.values.length !== this.types.length) {
      throw new EddyError('InternalFailure', `a join row in the checkpoint has ${Array.isArray(row.values) ? row.values.length : 'no'} columns, the join ${this.types.length}`);
    }
    const columns: Column[] = row.values.map((v, c) => {
      const type = this.types[c]!;
      if (isDecimal(type)) return makeColumn(type, allocValuesOf(type, v === null ? 0n : BigInt(v)), Uint8Array.of(v === null ? 0 : 1), 1);
      const values = type === 'VARCHAR' ? [v === null ? '' : String(v)] : type === 'INT' ? Int32Array.of(Number(v)) : type === 'BOOLEAN' ? Uint8Array.of(v ? 1 : 0) : Float64Array.of(Number(v));
      return makeColumn(type, values, Uint8Array.of(v === null ? 0 : 1), 1);
    });
    const slot = this.add(columns, 0, row.time, key);
    if (row.matched) this.setMatched(slot);
    return slot;
  }

  /** Lets go of every row, and of the room they took. */
  clear(): void {
    this.numbers.forEach((v, c) => {
      if (v !== null) this.numbers[c] = new Float64Array(0);
    });
    this.strings.forEach((v, c) => {
      if (v !== null) this.strings[c] = [];
    });
    this.valid.forEach((v, c) => {
      if (v !== null) this.valid[c] = new Uint8Array(0);
    });
    this.times = new Float64Array(0);
    this.keys = [];
    this.matchedFlags = new Uint8Array(0);
    this.live = new Uint8Array(0);
    this.free = new Int32Array(0);
    this.freeCount = 0;
    this.capacity = 0;
    this.size = 0;
  }
}

/**
 * A binary min-heap of (time, slot): the rows to let go of, oldest first. A tagged heap also carries a
 * number with each entry (which row had the slot then), for rows that may go another way first.
 */
export class TimeHeap {
  private times = new Float64Array(64);
  private slots = new Int32Array(64);
  private tags: Float64Array | null;
  /** The tag of the entry `pop` returned last. */
  poppedTag = 0;
  size = 0;

  constructor(tagged = false) {
    this.tags = tagged ? new Float64Array(64) : null;
  }

  push(time: number, slot: number, tag = 0): void {
    if (this.size === this.times.length) {
      const times = new Float64Array(this.size * 2);
      times.set(this.times);
      this.times = times;
      const slots = new Int32Array(this.size * 2);
      slots.set(this.slots);
      this.slots = slots;
      if (this.tags !== null) {
        const tags = new Float64Array(this.size * 2);
        tags.set(this.tags);
        this.tags = tags;
      }
    }
    let i = this.size++;
    const t = this.times;
    const s = this.slots;
    const g = this.tags;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (t[parent]! <= time) break;
      t[i] = t[parent]!;
      s[i] = s[parent]!;
      if (g !== null) g[i] = g[parent]!;
      i = parent;
    }
    t[i] = time;
    s[i] = slot;
    if (g !== null) g[i] = tag;
  }

  /** The oldest time held; Infinity when empty. */
  peekTime(): number {
    return this.size === 0 ? Infinity : this.times[0]!;
  }

  /** Removes the oldest entry; returns its slot. */
  pop(): number {
    const t = this.times;
    const s = this.slots;
    const g = this.tags;
    const top = s[0]!;
    if (g !== null) this.poppedTag = g[0]!;
    const n = --this.size;
    const time = t[n]!;
    const slot = s[n]!;
    const tag = g === null ? 0 : g[n]!;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && t[r]! < t[l]! ? r : l;
      if (t[c]! >= time) break;
      t[i] = t[c]!;
      s[i] = s[c]!;
      if (g !== null) g[i] = g[c]!;
      i = c;
    }
    t[i] = time;
    s[i] = slot;
    if (g !== null) g[i] = tag;
    return top;
  }

  /** Calls `f` with every entry, in no particular order. */
  forEach(f: (time: number, slot: number, tag: number) => void): void {
    for (let i = 0; i < this.size; i++) f(this.times[i]!, this.slots[i]!, this.tags === null ? 0 : this.tags[i]!);
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

/**
 * One side's rows of each key id, as a chain through their slots (doubly linked, in typed arrays), so
 * that adding a row, letting one go and walking a key's rows allocate nothing.
 */
export class SlotChains {
  private heads = new Int32Array(0);
  private nextSlot = new Int32Array(0);
  private prevSlot = new Int32Array(0);
  /** Keys that have a row here. */
  keysHeld = 0;

  /** The first slot of the key's chain; -1 when it has none. */
  first(key: number): number {
    return key < this.heads.length ? this.heads[key]! : -1;
  }

  /** The slot after `slot` in its chain; -1 at the end. */
  next(slot: number): number {
    return this.nextSlot[slot]!;
  }

  add(key: number, slot: number): void {
    if (key >= this.heads.length) this.heads = grownFilled(this.heads, key + 1);
    if (slot >= this.nextSlot.length) {
      this.nextSlot = grownFilled(this.nextSlot, slot + 1);
      this.prevSlot = grownFilled(this.prevSlot, slot + 1);
    }
    const head = this.heads[key]!;
    if (head === -1) this.keysHeld++;
    else this.prevSlot[head] = slot;
    this.nextSlot[slot] = head;
    this.prevSlot[slot] = -1;
    this.heads[key] = slot;
  }

  remove(key: number, slot: number): void {
    const prev = this.prevSlot[slot]!;
    const next = this.nextSlot[slot]!;
    if (prev === -1) {
      this.heads[key] = next;
      if (next === -1) this.keysHeld--;
    } else this.nextSlot[prev] = next;
    if (next !== -1) this.prevSlot[next] = prev;
  }

  /** The same chains under new key ids: `renumber[old]` is the new id of each key that has rows. */
  renumber(renumber: Int32Array, keys: number): void {
    const heads = new Int32Array(Math.max(keys, 16)).fill(-1);
    for (let old = 0; old < this.heads.length; old++) {
      const head = this.heads[old]!;
      if (head !== -1) heads[renumber[old]!] = head;
    }
    this.heads = heads;
  }

  /** Forgets every chain, and the room they took. */
  clear(): void {
    this.heads = new Int32Array(0);
    this.nextSlot = new Int32Array(0);
    this.prevSlot = new Int32Array(0);
    this.keysHeld = 0;
  }
}

/** A copy at least `size` long (doubling), the new part filled with -1. */
function grownFilled(array: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const out = new Int32Array(Math.max(size, array.length * 2, 16)).fill(-1);
  out.set(array);
  return out;
}
