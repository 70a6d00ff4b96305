// What the tests of window aggregates whose windows open per key at times the rows decide (session and
// stagger windows) share: the input as (time, key, values…) rows, the brute-force oracle's cutting of each
// key's rows into windows, the order results are compared in, and driving an operator with a watermark
// that trails the rows.
import type { Row } from '../../../src/engine/batch/rows.js';
import type { Operator } from '../../../src/engine/operators/operator.js';
import type { ColumnSchema } from '../../../src/engine/plan/schema.js';
import type { Harness, Value } from './helpers.js';

/** A column reference into `input` by index, as plan nodes hold them. */
export function columnOf(input: readonly ColumnSchema[]): (index: number) => { kind: 'column'; index: number; name: string; type: ColumnSchema['type'] } {
  return (index) => ({ kind: 'column', index, name: input[index]!.name, type: input[index]!.type });
}

export const iso = (ms: number): string => new Date(ms).toISOString();

/** A deterministic pseudo-random sequence, so failures reproduce. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/**
 * Windows by brute force: rows (time first, key second) grouped by key, each key's in time order, cut
 * before every row for which `startsNew(window so far, row)` holds. Rows without a time belong to none.
 */
export function windowsByKey(rows: readonly (readonly Value[])[], startsNew: (window: readonly (readonly Value[])[], row: readonly Value[]) => boolean): { key: Value; rows: (readonly Value[])[] }[] {
  const byKey = new Map<string, (readonly Value[])[]>();
  for (const r of rows) {
    if (r[0] === null) continue;
    const k = JSON.stringify(r[1]);
    byKey.set(k, [...(byKey.get(k) ?? []), r]);
  }
  const out: { key: Value; rows: (readonly Value[])[] }[] = [];
  for (const [k, list] of byKey) {
    list.sort((a, b) => (a[0] as number) - (b[0] as number));
    let window: (readonly Value[])[] = [];
    for (const r of list) {
      if (window.length > 0 && startsNew(window, r)) {
        out.push({ key: JSON.parse(k) as Value, rows: window });
        window = [];
      }
      window.push(r);
    }
    if (window.length > 0) out.push({ key: JSON.parse(k) as Value, rows: window });
  }
  return out;
}

/** Result rows in the order tests compare them: by the key column `key` (NULL first), then window start. */
export function sortedBy(key: string): (rows: readonly Row[]) => Row[] {
  const order = (r: Row) => `${r[key] === null ? '' : `~${String(r[key])}`}|${String(r.window_start)}`;
  return (rows) => [...rows].sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}

/**
 * Pushes the batches in order, each followed by a watermark `lagMs` behind the largest time seen, then a
 * watermark at that time + `finalMs`; returns every row emitted.
 */
export function withTrailingWatermark(h: Harness, batches: readonly (readonly (readonly Value[])[])[], lagMs: number, finalMs: number): Row[] {
  const out: Row[] = [];
  let max = -Infinity;
  for (const b of batches) {
    out.push(...h.push(b));
    for (const r of b) max = Math.max(max, r[0] as number);
    out.push(...h.watermark(max - lagMs));
  }
  out.push(...h.watermark(max + finalMs));
  return out;
}

/** The operator's snapshot as a checkpoint stores it: through JSON. */
export function checkpointOf(op: Operator): unknown {
  return JSON.parse(JSON.stringify(op.snapshot!())) as unknown;
}
