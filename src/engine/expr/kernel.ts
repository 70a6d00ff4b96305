// The shape every built-in scalar function of the engine has beyond the operators compile-expr.ts writes
// inline: a table entry that builds, once per call site, the JavaScript function a compiled expression
// calls per row. Patterns, formats and units given as literals are compiled when the call site is built,
// so a bad one fails the query's compilation instead of every row.
import type { Clock } from '../clock.js';
import { EddyError } from '../errors.js';
import type { WorkMeter } from './work-meter.js';

/** A SQL value as kernels see it: numbers (INT, BIGINT, DOUBLE, TIMESTAMP as epoch ms), text, booleans, NULL. */
export type Value = number | string | boolean | null;

/** What a call site may use while it runs. */
export interface KernelContext {
  /** The query's clock: UNIX_TIMESTAMP() and the like read it. */
  readonly clock: Clock;
  /** Takes work whose cost grows faster than the values' size (regular expressions), so the CPU budget can stop it. */
  readonly meter: WorkMeter;
}

// Kernels take their arguments as the compiled loop has them; each checks its own at run time where it must.
export type KernelFunction = (...args: never[]) => Value | undefined;

export interface Kernel {
  /** The fewest and the most arguments. */
  readonly arity: readonly [number, number];
  /**
   * Whether NULL arguments reach the function (as null) for it to decide; otherwise a NULL argument makes
   * the result NULL without a call. A function returning null or undefined gives NULL either way.
   */
  readonly takesNulls?: boolean;
  /** Builds the function of one call site; `literals[i]` is argument i when it is a literal (else undefined). */
  make(ctx: KernelContext, literals: readonly (Value | undefined)[]): KernelFunction;
}

/** The longest string a function may build: REPEAT, LPAD and the like refuse to go past it. */
export const MAX_STRING_LENGTH = 1_048_576;

/** Throws the error a function gives when its result would be longer than MAX_STRING_LENGTH characters. */
export function checkLength(fn: string, length: number): void {
  if (length > MAX_STRING_LENGTH) {
    throw new EddyError(
      'InvalidArgumentException',
      `${fn} would build a string of ${Math.min(length, Number.MAX_SAFE_INTEGER).toLocaleString('en-US')} characters, more than the ${MAX_STRING_LENGTH.toLocaleString('en-US')} a string value may hold`,
    );
  }
}

/** A kernel of fixed arity whose function needs nothing from its call site. */
export function plain(arity: number | readonly [number, number], fn: KernelFunction, takesNulls = false): Kernel {
  const range: readonly [number, number] = typeof arity === 'number' ? [arity, arity] : arity;
  return { arity: range, ...(takesNulls ? { takesNulls } : {}), make: () => fn };
}
