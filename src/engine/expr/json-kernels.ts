// JSON_VALUE and JSON_EXISTS over JSON text, with the SQL/JSON path subset real queries use:
// `[lax|strict] $`, then `.key`, `."key"`, `['key']`, `["key"]` and `[n]`. Their default error
// behaviours are Flink's: text that is not JSON, a path that finds nothing or (for JSON_VALUE) finds an
// object or array gives NULL (JSON_EXISTS: FALSE). JSON.parse is linear in the text and not recursive.
import { EddyError } from '../errors.js';
import type { Kernel, Value } from './kernel.js';

type Step = string | number;

export class JsonPathError extends Error {}

/** Parses a path; throws a JsonPathError saying what is wrong. */
export function parseJsonPath(path: string): readonly Step[] {
  let rest = path.trim();
  const mode = /^(lax|strict)\s+/i.exec(rest);
  if (mode) rest = rest.slice(mode[0].length);
  if (!rest.startsWith('$')) throw new JsonPathError(`a JSON path starts with '$' (after an optional lax or strict), as in '$.user.id'`);
  rest = rest.slice(1);
  const steps: Step[] = [];
  while (rest.length > 0) {
    let m: RegExpExecArray | null;
    if ((m = /^\.([A-Za-z_$][\w$]*)/.exec(rest))) steps.push(m[1]!);
    else if ((m = /^\.?\[\s*'((?:[^'\\]|\\.)*)'\s*\]/.exec(rest)) || (m = /^\.?\[\s*"((?:[^"\\]|\\.)*)"\s*\]/.exec(rest)) || (m = /^\."((?:[^"\\]|\\.)*)"/.exec(rest))) {
      steps.push(m[1]!.replace(/\\(.)/g, '$1'));
    } else if ((m = /^\[\s*(\d+)\s*\]/.exec(rest))) steps.push(Number(m[1]));
    else throw new JsonPathError(`cannot read the path at '${rest.slice(0, 20)}' (steps: .key, ['key'], [0])`);
    rest = rest.slice(m[0].length);
  }
  return steps;
}

const MISSING = Symbol('missing');

function follow(value: unknown, steps: readonly Step[]): unknown {
  let v = value;
  for (const step of steps) {
    if (typeof step === 'number') {
      if (!Array.isArray(v) || step >= v.length) return MISSING;
      v = v[step];
    } else {
      if (v === null || typeof v !== 'object' || Array.isArray(v) || !Object.hasOwn(v, step)) return MISSING;
      v = (v as Record<string, unknown>)[step];
    }
  }
  return v;
}

/** A call site's path (compiled once when it is a literal) and its last parsed document, for repeated calls on one row. */
function jsonKernel(fn: string, answer: (found: unknown) => Value): Kernel {
  return {
    arity: [2, 2],
    make(_ctx, literals) {
      const literal = literals[1];
      let fixed: readonly Step[] | undefined;
      if (typeof literal === 'string') {
        try {
          fixed = parseJsonPath(literal);
        } catch (e) {
          throw new EddyError('ValidationException', `${fn}: invalid JSON path '${literal}': ${(e as Error).message}`);
        }
      }
      let lastText: string | undefined;
      let lastValue: unknown = MISSING;
      return (text: string, path: string) => {
        let steps = fixed;
        if (steps === undefined) {
          try {
            steps = parseJsonPath(path);
          } catch {
            return answer(MISSING);
          }
        }
        if (text !== lastText) {
          lastText = text;
          try {
            lastValue = JSON.parse(text);
          } catch {
            lastValue = MISSING;
          }
        }
        return answer(lastValue === MISSING ? MISSING : follow(lastValue, steps));
      };
    },
  };
}

export const JSON_KERNELS: Readonly<Record<string, Kernel>> = {
  /** json_value(text, path) → VARCHAR: a scalar's text (numbers as JSON writes them, booleans as true/false). */
  json_value: jsonKernel('JSON_VALUE', (found) => {
    if (typeof found === 'string') return found;
    if (typeof found === 'number' || typeof found === 'boolean') return String(found);
    return null;
  }),
  /** json_exists(text, path) → BOOLEAN. */
  json_exists: jsonKernel('JSON_EXISTS', (found) => found !== MISSING),
};
