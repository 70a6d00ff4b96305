// Flink's math functions beyond the arithmetic compile-expr.ts writes inline. Outside a function's
// domain the result is NaN, as Java's Math gives it (LOG(-1), ASIN(2)), not NULL.
import { plain, type Kernel } from './kernel.js';

/**
 * TRUNCATE(x, digits): x cut toward zero at `digits` decimal places (negative digits zero whole places),
 * on the shortest decimal form of x, as Flink's BigDecimal.valueOf does: TRUNCATE(0.29, 2) is 0.29,
 * although 0.29 * 100 is 28.999999999999996 in binary floating point.
 */
function truncate(x: number, digits = 0): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const [mantissa, exponent] = Math.abs(x).toExponential().split('e') as [string, string];
  const all = mantissa.replace('.', '');
  const wholeDigits = Number(exponent) + 1;
  const keep = wholeDigits + Math.trunc(digits);
  if (keep <= 0) return 0;
  const kept = all.slice(0, keep);
  return Math.sign(x) * Number(`${kept}e${wholeDigits - kept.length}`);
}

/** A seeded generator (mulberry32): RAND(seed) gives the same sequence for the same seed. */
function seeded(seed: number): () => number {
  let a = Math.trunc(seed) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** rand() or rand(seed): a seed known when the query is built starts one sequence per call site. */
const rand: Kernel = {
  arity: [0, 1],
  make(_ctx, literals) {
    const seed = literals[0];
    const next = typeof seed === 'number' ? seeded(seed) : Math.random;
    return () => next();
  },
};

/** rand_integer(bound) or rand_integer(seed, bound): an integer in [0, bound). */
const randInteger: Kernel = {
  arity: [1, 2],
  make(_ctx, literals) {
    const seed = literals.length === 2 ? literals[0] : undefined;
    const next = typeof seed === 'number' ? seeded(seed) : Math.random;
    return (...args: number[]) => {
      const bound = Math.trunc(args[args.length - 1]!);
      return bound <= 0 ? null : Math.floor(next() * bound);
    };
  },
};

const unary = (f: (x: number) => number): Kernel => plain(1, f);

export const MATH_KERNELS: Readonly<Record<string, Kernel>> = {
  log: plain([1, 2], (a: number, b?: number) => (b === undefined ? Math.log(a) : Math.log(b) / Math.log(a))),
  log2: unary(Math.log2),
  log10: unary(Math.log10),
  exp: unary(Math.exp),
  sign: unary((x) => (x > 0 ? 1 : x < 0 ? -1 : x)),
  truncate: plain([1, 2], truncate),
  sin: unary(Math.sin),
  cos: unary(Math.cos),
  tan: unary(Math.tan),
  cot: unary((x) => 1 / Math.tan(x)),
  asin: unary(Math.asin),
  acos: unary(Math.acos),
  atan: unary(Math.atan),
  atan2: plain(2, Math.atan2),
  sinh: unary(Math.sinh),
  cosh: unary(Math.cosh),
  tanh: unary(Math.tanh),
  degrees: unary((x) => (x * 180) / Math.PI),
  radians: unary((x) => (x * Math.PI) / 180),
  pi: plain(0, () => Math.PI),
  e: plain(0, () => Math.E),
  rand,
  rand_integer: randInteger,
  /** greatest and least of values of one type (numbers, text, timestamps, booleans), NULL if any is. */
  /** step(x, n): the largest multiple of n at or below x (KDA's STEP; timestamps are epoch ms). */
  step: plain(2, (x: number, n: number) => Math.floor(x / n) * n),
  greatest: plain([1, Infinity], (...values: (number | string | boolean)[]) => values.reduce((a, b) => (b > a ? b : a))),
  least: plain([1, Infinity], (...values: (number | string | boolean)[]) => values.reduce((a, b) => (b < a ? b : a))),
};
