// Every built-in scalar function that compiled expressions call through a kernel (see kernel.ts), by the
// IR name the SQL analyzer emits. compile-expr.ts looks names up here after its inline operators.
import type { Kernel } from './kernel.js';
import { JSON_KERNELS } from './json-kernels.js';
import { MATH_KERNELS } from './math-kernels.js';
import { REGEX_KERNELS } from './regex-kernels.js';
import { STRING_KERNELS } from './string-kernels.js';
import { TIME_KERNELS } from './time-kernels.js';

const ALL: readonly Readonly<Record<string, Kernel>>[] = [STRING_KERNELS, REGEX_KERNELS, TIME_KERNELS, MATH_KERNELS, JSON_KERNELS];

const byName = new Map<string, Kernel>();
for (const family of ALL) {
  for (const [name, kernel] of Object.entries(family)) {
    if (byName.has(name)) throw new Error(`internal error: two kernels are named ${name}`);
    byName.set(name, kernel);
  }
}

/** The kernel of an IR function name, if the engine has one. */
export function scalarKernel(fn: string): Kernel | undefined {
  return byName.get(fn);
}
