// Aggregate kernels: the per-row loops of window and group aggregates, written as JavaScript source and
// compiled once per shape with `new Function`. Every line of generated code is built here.
//
// Why generate code: a GROUP BY of count(*), sum(x) and max(x) would otherwise run one loop per
// accumulator over the batch, each reading the row's slot again; one generated loop updates every
// accumulator of a row in one place, and a loop made for the batch's exact shape has no per-row tests
// for NULLs that the batch does not have, or branches for aggregates the query does not compute.
//
// What a kernel sees (parameter names are part of the contract with the operators that call them):
//   A[0]    S: the numeric slot fields of every group (AggregateState.data), `stride` per slot; slot s
//           starts at o = s * stride, field 0 counts its rows, the accumulators' fields follow.
//   V, Q    each distinct argument column's values and validity bytes (null: no NULLs in the batch).
//   slots   group kernels: the slot of each row (-1 skips the row), found by the operator.
//   pairs, tv, keyIds, openFrom, paneMs, W
//           window kernels: event times as Int32 pairs and their validity, each row's key id (or, for a
//           single INT key without NULLs, its value), the start of the first window not fired yet (rows
//           before it are left to the operator), the pane size, and the operator, which the loop calls
//           back (W.paneSlots, W.newSlot, …) when a row opens a pane or a group.
// A kernel is made per NULL mask: bit j is set when argument j has NULLs in the batch (arguments past
// the 30th share bit 29, and test their validity array for null), and window kernels use bit 31 for
// NULL event times and bit 30 for the direct INT-key path. The argument types go into the text as a
// comment, so operators whose columns are different typed arrays get different functions and each
// stays monomorphic. Kernels are cached by their source text, which depends only on the aggregate
// kinds, argument types and mask: operators of one shape share one function, optimised once.
//
// Safety: the text is built from fixed fragments and numeric indexes only. Names, literals and any other
// text from SQL never reach it (the argument expressions are compiled separately, see
// expr/compile-expr.ts), so no query can become code.
//
// `EXPLAIN CODEGEN SELECT …` prints the kernels of a query, with its compiled expressions (see
// explain-codegen.ts).

import type { DataType } from '../plan/expr.js';
import type { Column } from '../batch/column.js';
import { unreachable } from '../errors.js';

/**
 * How an accumulator whose state is all slot fields updates them for one row: the data the kernel turns
 * into code. `nulls` is the field counting the row's NULL arguments (the non-NULL count is the slot's row
 * count minus it), absent for COUNT(*).
 */
export type FusedUpdate =
  | { readonly kind: 'count'; readonly nulls?: number }
  | { readonly kind: 'sum'; readonly sum: number; readonly nulls: number }
  | { readonly kind: 'min' | 'max'; readonly value: number; readonly nulls: number };

/** What the loop of an aggregation depends on: its arguments' types and each accumulator's update. */
export interface KernelShape {
  /** The slot fields per slot. */
  readonly stride: number;
  /** The type of each distinct argument column, `V[j]`. */
  readonly argTypes: readonly DataType[];
  /** Per accumulator, in order: the argument it reads (-1 for none) and its update. */
  readonly updates: readonly { readonly arg: number; readonly update: FusedUpdate }[];
}

/** Arguments past the 30th share the last bit, so the mask stays exact; bits 30 and 31 are the window's. */
const LAST_BIT = 29;

/** The NULL-mask bit of argument j. */
export function nullBit(j: number): number {
  return 1 << Math.min(j, LAST_BIT);
}

/** Window kernels: set when the event-time column has NULLs in the batch. */
export const TIME_NULLS = 1 << 31;
/** Window kernels: set when slots are found by a single INT key's values rather than by key ids. */
export const DIRECT_INT_KEY = 1 << 30;

export type GroupKernel = (slots: Int32Array, n: number, A: readonly Float64Array[], V: readonly Column['values'][], Q: readonly (Uint8Array | null)[]) => void;

/** The operator a window kernel calls back, with the pane-slot arrays it reads meanwhile. */
export interface WindowKernelHost {
  readonly noSlots: Int32Array;
  paneSlots(index: number): Int32Array;
  newSlot(key: number): number;
  paneByValue(index: number): Int32Array;
  currentByValue(): Int32Array;
  slotOfValue(value: number): number;
}

export type WindowKernel = (
  pairs: Int32Array,
  tv: Uint8Array | null,
  /** Key ids per row, or, for a single INT key without NULLs in the batch, its values. */
  keyIds: Int32Array,
  n: number,
  openFrom: number,
  paneMs: number,
  W: WindowKernelHost,
  A: readonly Float64Array[],
  V: readonly Column['values'][],
  Q: readonly (Uint8Array | null)[],
) => number;

export const GROUP_KERNEL_PARAMS: readonly string[] = ['slots', 'n', 'A', 'V', 'Q'];
export const WINDOW_KERNEL_PARAMS: readonly string[] = ['pairs', 'tv', 'keyIds', 'n', 'openFrom', 'paneMs', 'W', 'A', 'V', 'Q'];

/** The statements of one update, given the expression of a slot field, the value `x` and its NULL test. */
function updateCode(update: FusedUpdate, at: (field: number) => string, x: string, nul: string | undefined): string {
  switch (update.kind) {
    case 'count':
      return update.nulls === undefined || nul === undefined ? '' : `if (${nul}) ${at(update.nulls)}++;`;
    case 'sum':
      return nul === undefined ? `${at(update.sum)} += ${x};` : `if (${nul}) ${at(update.nulls)}++; else ${at(update.sum)} += ${x};`;
    case 'min':
    case 'max': {
      const keep = `if (${x} ${update.kind === 'max' ? '>' : '<'} ${at(update.value)}) ${at(update.value)} = ${x};`;
      return nul === undefined ? keep : `if (${nul}) ${at(update.nulls)}++; else ${keep}`;
    }
    default:
      return unreachable(update, 'fused update');
  }
}

/**
 * The shared part of both loops: `setup` binds the slot fields and the argument columns, `updates`
 * count row `i` in slot `s` and update every accumulator. Only arguments in `nullMask` are tested for NULL.
 */
function fusedParts(shape: KernelShape, nullMask: number): { setup: string[]; updates: string[] } {
  const setup: string[] = [`// arguments: ${shape.argTypes.join(', ')}`, 'const S = A[0];'];
  const updates: string[] = [`const o = s * ${shape.stride};`, 'S[o]++;'];
  const nullable = (j: number): boolean => j >= 0 && (nullMask & nullBit(j)) !== 0;
  shape.argTypes.forEach((_, j) => {
    const used = shape.updates.filter((u) => u.arg === j);
    if (used.length === 0) return;
    setup.push(`const v${j} = V[${j}]${nullable(j) ? `, q${j} = Q[${j}]` : ''};`);
    if (used.some((u) => u.update.kind !== 'count')) updates.push(`const x${j} = v${j}[i];`);
    // Arguments sharing the last mask bit may have no NULLs themselves even when the bit is set.
    if (nullable(j)) updates.push(`const n${j} = ${j >= LAST_BIT ? `q${j} !== null && ` : ''}q${j}[i] === 0;`);
  });
  const at = (field: number): string => `S[o + ${field}]`;
  for (const { arg, update } of shape.updates) {
    const code = updateCode(update, at, `x${arg}`, nullable(arg) ? `n${arg}` : undefined);
    if (code) updates.push(code);
  }
  return { setup, updates };
}

/** The source of a group aggregate's loop over rows whose slots the operator found. */
export function groupKernelSource(shape: KernelShape, nullMask: number): string {
  const parts = fusedParts(shape, nullMask);
  return ["'use strict';", ...parts.setup, 'for (let i = 0; i < n; i++) {', '  const s = slots[i];', '  if (s < 0) continue;', ...parts.updates.map((u) => `  ${u}`), '}'].join('\n');
}

/**
 * The source of a window aggregate's loop: the time check, the row's pane and slot, and every update in
 * one pass; it returns how many rows it left to the operator, being before `openFrom` (in windows that
 * have fired: the operator finds them again and decides whether they are late).
 */
export function windowKernelSource(shape: KernelShape, mask: number): string {
  const parts = fusedParts(shape, mask & ~(TIME_NULLS | DIRECT_INT_KEY));
  const direct = (mask & DIRECT_INT_KEY) !== 0;
  // A single INT key's small non-negative values index the pane's slots directly (`SV`): no key id
  // lookup on the way. A value with no slot there yet (new to the pane, new altogether, negative or
  // large) goes through the operator, which fills the entry in when the value is small enough.
  const slot = direct
    ? ['  const kv = keyIds[i];', '  let s = SV[kv];', '  if (!(s >= 0)) {', '    s = W.slotOfValue(kv);', '    SV = W.currentByValue();', '  }']
    : ['  const k = keyIds[i];', '  let s = slotOfKey[k];', '  if (s < 0) s = W.newSlot(k);'];
  return [
    "'use strict';",
    ...parts.setup,
    direct ? 'let behind = 0, SV = W.noSlots;' : 'let behind = 0, slotOfKey = W.noSlots;',
    // The current pane from openFrom on, [lo, paneEnd), as a high word and an offset `span` from
    // the low word `loBase`: rows in it are recognised with integer operations only. Empty (span 0)
    // until the first row sets it.
    'let hiCur = 0, loBase = 0, span = 0;',
    'for (let i = 0; i < n; i++) {',
    ...((mask & TIME_NULLS) !== 0 ? ['  if (tv[i] === 0) continue;'] : []),
    '  const lw = pairs[2 * i], hw = pairs[2 * i + 1];',
    // Consecutive rows mostly fall in the same pane, at or after openFrom: one range check covers
    // both, and the division and the time test run only when it fails.
    '  if (hw !== hiCur || ((lw - loBase) >>> 0) >= span) {',
    '    const ts = hw * 4294967296 + (lw >>> 0);',
    '    if (ts < openFrom) { behind++; continue; }',
    '    const p = Math.floor(ts / paneMs);',
    direct ? '    SV = W.paneByValue(p);' : '    slotOfKey = W.paneSlots(p);',
    '    const paneStart = p * paneMs;',
    '    const paneEnd = paneStart + paneMs;',
    '    const lo = paneStart > openFrom ? paneStart : openFrom;',
    '    const loHi = Math.floor(lo / 4294967296);',
    // A range across a high-word boundary is left empty: its rows take this slower path, still right.
    '    if (Math.floor((paneEnd - 1) / 4294967296) === loHi) {',
    '      hiCur = loHi | 0;',
    '      loBase = (lo - loHi * 4294967296) | 0;',
    '      span = paneEnd - lo;',
    '    } else span = 0;',
    '  }',
    ...slot,
    ...parts.updates.map((u) => `  ${u}`),
    '}',
    'return behind;',
  ].join('\n');
}

/** Compiled kernels by parameter list and source text, shared by every operator of the same shape. */
const compiled = new Map<string, unknown>();

function compile<F>(params: readonly string[], body: string): F {
  const key = `${params.join(',')}\n${body}`;
  let fn = compiled.get(key);
  if (fn === undefined) {
    fn = new Function(...params, body);
    compiled.set(key, fn);
  }
  return fn as F;
}

/** The group aggregate's loop for a batch with these NULLs. */
export function groupKernel(shape: KernelShape, nullMask: number): GroupKernel {
  return compile<GroupKernel>(GROUP_KERNEL_PARAMS, groupKernelSource(shape, nullMask));
}

/** The window aggregate's loop for a batch with these NULLs (and this key path). */
export function windowKernel(shape: KernelShape, mask: number): WindowKernel {
  return compile<WindowKernel>(WINDOW_KERNEL_PARAMS, windowKernelSource(shape, mask));
}
