// Maps group keys (one or more columns, NULL allowed) to dense ids through a Map, remembering each id's
// key values so results can carry them.
import type { DataType } from '../plan/expr.js';
import type { Column } from '../batch/column.js';
import { columnOfValues, int32Values } from '../batch/column.js';
import { decodeUtf8, encodeUtf8 } from '../batch/utf8.js';

/** A key column's value; DECIMAL values are unscaled BigInts. */
export type KeyValue = string | number | bigint | null;

export class KeyMapper {
  private index = new Map<string | number | bigint, number>();
  private nullId = -1;
  private stored: KeyValue[][];
  size = 0;
  /** For a single VARCHAR key: an open-addressing table over the UTF-8 bytes, so rows need no decoding. */
  private bytes: Utf8KeyTable | undefined;
  /** For a single INT key: an open-addressing table of the values themselves. */
  private ints: Int32KeyTable | undefined;

  constructor(readonly types: readonly DataType[]) {
    this.stored = types.map(() => []);
    if (types.length === 1 && types[0] === 'VARCHAR') this.bytes = new Utf8KeyTable();
    if (types.length === 1 && types[0] === 'INT') this.ints = new Int32KeyTable();
  }

  private assignInt32(col: Column, n: number, out: Int32Array): void {
    const values = int32Values(col);
    const valid = col.valid;
    const table = this.ints!;
    // Small non-negative keys are one array read; the table's direct array only changes on a new key.
    let direct = table.direct;
    for (let i = 0; i < n; i++) {
      if (valid !== null && valid[i] === 0) {
        if (this.nullId < 0) this.nullId = this.add([null]);
        out[i] = this.nullId;
        continue;
      }
      const v = values[i]!;
      let id = v >>> 0 < direct.length ? direct[v]! : -1;
      if (id < 0) {
        id = table.find(v);
        if (id < 0) {
          id = this.add([v]);
          table.insert(v, id);
          direct = table.direct;
        }
      }
      out[i] = id;
    }
  }

  clear(): void {
    this.index = new Map();
    this.nullId = -1;
    this.stored = this.types.map(() => []);
    this.size = 0;
    if (this.bytes) this.bytes = new Utf8KeyTable();
    if (this.ints) this.ints = new Int32KeyTable();
  }

  /** A mapper for the same key types with no keys yet. */
  emptyCopy(): KeyMapper {
    return new KeyMapper(this.types);
  }

  /** Whether `assignUtf8` may be used (a single VARCHAR key). */
  get acceptsUtf8(): boolean {
    return this.bytes !== undefined;
  }

  /**
   * Key ids for a single VARCHAR key given as an Arrow Utf8 column (offsets, bytes, validity bitmap),
   * hashing the bytes directly. Ids agree with `assign` on the same strings.
   */
  assignUtf8(offsets: Int32Array, data: Uint8Array, bitmap: Uint8Array | null, n: number, out: Int32Array): void {
    const table = this.bytes!;
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    // The short-key table, held in locals: it changes only when a new key is added.
    let short = table.short;
    let mask = table.shortMask;
    for (let i = 0; i < n; i++) {
      if (bitmap !== null && ((bitmap[i >> 3]! >> (i & 7)) & 1) === 0) {
        if (this.nullId < 0) this.nullId = this.add([null]);
        out[i] = this.nullId;
        continue;
      }
      const a = offsets[i]!;
      const b = offsets[i + 1]!;
      const len = b - a;
      let id = -1;
      if (len <= SHORT_KEY) {
        // Up to eight bytes are two words (the first four and the last four, overlapping when shorter):
        // with the length they are the whole key, so lookups compare three integers and touch no bytes.
        let w0 = 0;
        let w1 = 0;
        if (len >= 4) {
          w0 = view.getInt32(a, true);
          w1 = view.getInt32(b - 4, true);
        } else for (let k = a; k < b; k++) w0 = (w0 << 8) | data[k]!;
        let slot = shortHash(len, w0, w1) & mask;
        for (;;) {
          const e = slot << 2;
          const l = short[e]!;
          if (l === len && short[e + 1] === w0 && short[e + 2] === w1) {
            id = short[e + 3]!;
            break;
          }
          if (l < 0) break;
          slot = (slot + 1) & mask;
        }
      } else id = table.find(data, view, a, b);
      if (id < 0) {
        id = this.addUtf8(table, data, a, b);
        short = table.short;
        mask = table.shortMask;
      }
      out[i] = id;
    }
  }

  private addUtf8(table: Utf8KeyTable, data: Uint8Array, a: number, b: number): number {
    const text = decodeUtf8(data, a, b);
    let id = this.index.get(text) ?? -1;
    if (id < 0) {
      id = this.add([text]);
      this.index.set(text, id);
    }
    table.insert(data, a, b, id);
    return id;
  }

  /** The id of a non-NULL value of a single INT key, adding it if new. */
  intId(v: number): number {
    const table = this.ints!;
    let id = table.find(v);
    if (id < 0) {
      id = this.add([v]);
      table.insert(v, id);
    }
    return id;
  }

  /** Writes each row's key id into `out`. */
  assign(cols: readonly Column[], n: number, out: Int32Array): void {
    const k = cols.length;
    if (k === 0) {
      if (this.size === 0) this.size = 1;
      out.fill(0, 0, n);
      return;
    }
    if (k === 1 && this.ints !== undefined) {
      this.assignInt32(cols[0]!, n, out);
      return;
    }
    if (k === 1) {
      const col = cols[0]!;
      const values: ArrayLike<string | number | bigint> = col.values;
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
          if (this.bytes) {
            const b = encodeUtf8(v as string);
            this.bytes.insert(b, 0, b.length, id);
          }
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
        const v = col.valid !== null && col.valid[i] === 0 ? null : (col.values[i] as string | number | bigint);
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
    const cols: Column[] = this.types.map((type, c) => columnOfValues(type, [values[c] ?? null]));
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
      return columnOfValues(type, Array.from({ length: count }, (_, i) => stored[ids[i]!]), count);
    });
  }
}

/** Keys of at most this many UTF-8 bytes are held as (length, two words) rather than bytes. */
const SHORT_KEY = 8;

/**
 * Hashes a short key's two words. Keys often share a word ("user_12" and "user_34" share "user"), so
 * both go through a multiplication, and the high half is folded down because the table uses low bits.
 */
function shortHash(len: number, w0: number, w1: number): number {
  const h = Math.imul(w0 ^ Math.imul(w1, 0x85ebca6b) ^ len, 0x9e3779b1);
  return h ^ (h >>> 16);
}

function emptyShortTable(entries: number): Int32Array {
  const t = new Int32Array(entries * 4);
  for (let e = 0; e < t.length; e += 4) t[e] = -1;
  return t;
}

/** FNV-style hash of bytes d[a, b), taking four bytes per step where it can. */
function hashBytes(d: Uint8Array, view: DataView, a: number, b: number): number {
  let h = (0x811c9dc5 ^ (b - a)) | 0;
  let k = a;
  for (; k + 4 <= b; k += 4) {
    h = Math.imul(h ^ view.getInt32(k, true), 0x01000193);
    h ^= h >>> 15;
  }
  for (; k < b; k++) h = Math.imul(h ^ d[k]!, 0x01000193);
  return h;
}

/**
 * Maps UTF-8 byte strings to ids. Short keys live in their own table as (length, two words); longer
 * ones by FNV-style hash with linear probing, their bytes kept in one arena.
 */
class Utf8KeyTable {
  /** Entries of four words side by side, so a probe reads one place: length (-1: empty), w0, w1, id. */
  short = emptyShortTable(1024);
  shortMask = 1023;
  private shortCount = 0;
  table = new Int32Array(1024).fill(-1);
  mask = 1023;
  hashes = new Int32Array(256);
  starts = new Int32Array(256);
  lengths = new Int32Array(256);
  ids = new Int32Array(256);
  arena = new Uint8Array(4096);
  arenaView = new DataView(this.arena.buffer);
  private used = 0;
  private count = 0;

  private insertShort(data: Uint8Array, a: number, b: number, id: number): void {
    const len = b - a;
    let w0 = 0;
    let w1 = 0;
    if (len >= 4) {
      const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
      w0 = view.getInt32(a, true);
      w1 = view.getInt32(b - 4, true);
    } else for (let k = a; k < b; k++) w0 = (w0 << 8) | data[k]!;
    // At most a quarter full: nearly every lookup is found at its first slot.
    if ((this.shortCount + 1) * 4 > this.shortMask + 1) {
      const old = this.short;
      const size = (this.shortMask + 1) * 2;
      this.short = emptyShortTable(size);
      this.shortMask = size - 1;
      for (let e = 0; e < old.length; e += 4) if (old[e]! >= 0) this.placeShort(old[e]!, old[e + 1]!, old[e + 2]!, old[e + 3]!);
    }
    this.shortCount++;
    this.placeShort(len, w0, w1, id);
  }

  private placeShort(len: number, w0: number, w1: number, id: number): void {
    let slot = shortHash(len, w0, w1) & this.shortMask;
    while (this.short[slot << 2]! >= 0) slot = (slot + 1) & this.shortMask;
    const e = slot << 2;
    this.short[e] = len;
    this.short[e + 1] = w0;
    this.short[e + 2] = w1;
    this.short[e + 3] = id;
  }

  find(data: Uint8Array, view: DataView, a: number, b: number): number {
    const h = hashBytes(data, view, a, b);
    const len = b - a;
    const slots = this.table;
    const mask = this.mask;
    const hashes = this.hashes;
    let slot = h & mask;
    for (;;) {
      const e = slots[slot]!;
      if (e < 0) return -1;
      if (hashes[e] === h && this.lengths[e] === len) {
        const s = this.starts[e]!;
        const arena = this.arenaView;
        let k = 0;
        // Four bytes at a time, then the tail.
        while (k + 4 <= len && arena.getInt32(s + k, true) === view.getInt32(a + k, true)) k += 4;
        if (k + 4 > len) {
          const bytes = this.arena;
          while (k < len && bytes[s + k] === data[a + k]) k++;
        }
        if (k === len) return this.ids[e]!;
      }
      slot = (slot + 1) & mask;
    }
  }

  insert(data: Uint8Array, a: number, b: number, id: number): void {
    const len = b - a;
    if (len <= SHORT_KEY) return this.insertShort(data, a, b, id);
    if (this.used + len > this.arena.length) {
      const grown = new Uint8Array(Math.max(this.arena.length * 2, this.used + len));
      grown.set(this.arena.subarray(0, this.used));
      this.arena = grown;
      this.arenaView = new DataView(grown.buffer);
    }
    if (this.count === this.hashes.length) {
      const cap = this.count * 2;
      const grow = (x: Int32Array) => {
        const y = new Int32Array(cap);
        y.set(x);
        return y;
      };
      this.hashes = grow(this.hashes);
      this.starts = grow(this.starts);
      this.lengths = grow(this.lengths);
      this.ids = grow(this.ids);
    }
    if ((this.count + 1) * 4 > this.table.length) this.rehash(this.table.length * 2);
    const e = this.count++;
    const h = hashBytes(data, new DataView(data.buffer, data.byteOffset, data.byteLength), a, b);
    this.arena.set(data.subarray(a, b), this.used);
    this.hashes[e] = h;
    this.starts[e] = this.used;
    this.lengths[e] = len;
    this.ids[e] = id;
    this.used += len;
    this.place(e);
  }

  private place(e: number): void {
    let slot = this.hashes[e]! & this.mask;
    while (this.table[slot]! >= 0) slot = (slot + 1) & this.mask;
    this.table[slot] = e;
  }

  private rehash(size: number): void {
    this.table = new Int32Array(size).fill(-1);
    this.mask = size - 1;
    for (let e = 0; e < this.count; e++) this.place(e);
  }
}

/**
 * Maps INT values to ids. Small non-negative values (the usual ids and codes) index a dense array
 * directly; others go through open addressing on a multiplicative hash.
 */
class Int32KeyTable {
  private static readonly DIRECT_LIMIT = 1 << 16;
  direct = new Int32Array(1024).fill(-1);
  private keys = new Int32Array(1024);
  private ids = new Int32Array(1024).fill(-1);
  private mask = 1023;
  private count = 0;

  find(v: number): number {
    if (v >= 0 && v < this.direct.length) return this.direct[v]!;
    if (v >= 0 && v < Int32KeyTable.DIRECT_LIMIT) return -1;
    const keys = this.keys;
    const ids = this.ids;
    const mask = this.mask;
    const h = Math.imul(v, 0x9e3779b1);
    let slot = (h ^ (h >>> 15)) & mask;
    for (;;) {
      const id = ids[slot]!;
      if (id < 0 || keys[slot] === v) return id;
      slot = (slot + 1) & mask;
    }
  }

  insert(v: number, id: number): void {
    if (v >= 0 && v < Int32KeyTable.DIRECT_LIMIT) {
      if (v >= this.direct.length) {
        let size = this.direct.length * 2;
        while (size <= v) size *= 2;
        const grown = new Int32Array(size).fill(-1);
        grown.set(this.direct);
        this.direct = grown;
      }
      this.direct[v] = id;
      return;
    }
    if ((this.count + 1) * 2 > this.ids.length) {
      const oldKeys = this.keys;
      const oldIds = this.ids;
      this.keys = new Int32Array(oldKeys.length * 2);
      this.ids = new Int32Array(oldIds.length * 2).fill(-1);
      this.mask = this.ids.length - 1;
      for (let i = 0; i < oldIds.length; i++) if (oldIds[i]! >= 0) this.place(oldKeys[i]!, oldIds[i]!);
    }
    this.count++;
    this.place(v, id);
  }

  private place(v: number, id: number): void {
    const h = Math.imul(v, 0x9e3779b1);
    let slot = (h ^ (h >>> 15)) & this.mask;
    while (this.ids[slot]! >= 0) slot = (slot + 1) & this.mask;
    this.keys[slot] = v;
    this.ids[slot] = id;
  }
}
