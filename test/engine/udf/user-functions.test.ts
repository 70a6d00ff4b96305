// User functions run in a worker thread, inside a node:vm context with nothing but JavaScript's own
// globals: these tests load modules from a directory of their own, call them as a query does (one batch
// at a time, synchronously), and try what a hostile module would try.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import type { WorkMeter } from '../../../src/engine/expr/work-meter.js';
import { UserFunctions, type UserFunctionRuntime } from '../../../src/engine/udf/user-functions.js';

let root: string;
let dir: string;
let functions: UserFunctions;
const runtimes: UserFunctionRuntime[] = [];

const MODULES: Record<string, string> = {
  'geo.mjs': `
    const R = 6371;
    const rad = (d) => (d * Math.PI) / 180;
    export function haversine(lat1, lon1, lat2, lon2) {
      const a = Math.sin(rad(lat2 - lat1) / 2) ** 2 + Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(rad(lon2 - lon1) / 2) ** 2;
      return 2 * R * Math.asin(Math.sqrt(a));
    }
    export default function double(x) { return x === null ? null : x * 2; }
  `,
  'dates.mjs': `
    export function weekday(d) { return d === null ? 'none' : ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()]; }
    export function later(d, minutes) { return new Date(d.getTime() + minutes * 60000); }
  `,
  'reach.mjs': `
    const tries = {
      process: () => typeof process,
      require: () => typeof require,
      importMeta: () => typeof import.meta.resolve,
      globalConstructor: () => globalThis.constructor.constructor('return typeof process')(),
      functionConstructor: () => (() => {}).constructor('return 1')(),
      eval: () => eval('1 + 1'),
      fetch: () => typeof fetch,
      timers: () => typeof setTimeout,
      buffer: () => typeof Buffer,
    };
    export default function reach(what) {
      try { return String(tries[what]()); } catch (e) { return 'refused: ' + e.name; }
    }
  `,
  'spin.mjs': `export default function spin() { for (;;) {} }`,
  'object.mjs': `export default function object() { return { a: 1 }; }`,
  'throws.mjs': `export default function fails(x) { if (x > 1) throw new Error('too big: ' + x); return x; }`,
  'imports.mjs': `import { readFileSync } from 'node:fs'; export default function read() { return readFileSync('/etc/hostname', 'utf8'); }`,
  'dynamic.mjs': `
    let outcome = 'imported';
    try { await import('node:fs'); } catch (e) { outcome = 'refused: ' + e.name; }
    export default function load() { return outcome; }
  `,
  'nothing.mjs': `export const answer = 42;`,
  'typed.ts': `export function shout(s: string | null): string | null { return s === null ? null : s.toUpperCase() + '!'; }`,
};

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'eddy-udf-'));
  dir = join(root, 'udfs');
  await mkdir(dir);
  for (const [name, text] of Object.entries(MODULES)) await writeFile(join(dir, name), text);
  await writeFile(join(root, 'outside.mjs'), 'export default function () { return "outside"; }');
  await symlink(join(root, 'outside.mjs'), join(dir, 'link.mjs'));
  let typescript: string | undefined;
  try {
    typescript = createRequire(import.meta.url).resolve('typescript/package.json');
  } catch {
    typescript = undefined;
  }
  functions = new UserFunctions({ dir, ...(typescript ? { typescript } : {}) });
});

afterEach(() => {
  for (const r of runtimes.splice(0)) r.close();
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function runtime(): UserFunctionRuntime {
  const r = functions.runtime();
  runtimes.push(r);
  return r;
}

const budget = (ms: number): WorkMeter => {
  const start = performance.now();
  return {
    spend() {
      if (performance.now() - start > ms) throw new Error(`over the ${ms} ms budget`);
    },
    remainingMs: () => Math.max(0, ms - (performance.now() - start)),
  };
};

describe('user functions', () => {
  it('call the export named like the SQL function, or the default export, once per row of a batch', () => {
    const r = runtime();
    const distances = r.invoke({ name: 'HAVERSINE', module: 'geo.mjs', returns: 'DOUBLE' }, [
      { type: 'DOUBLE', values: [52.52, 48.8566, null] },
      { type: 'DOUBLE', values: [13.405, 2.3522, 0] },
      { type: 'DOUBLE', values: [48.8566, 48.8566, 0] },
      { type: 'DOUBLE', values: [2.3522, 2.3522, 0] },
    ], 3, undefined);
    expect(distances[0]).toBeCloseTo(877.46, 1);
    expect(distances[1]).toBe(0);
    expect(r.invoke({ name: 'twice', module: 'geo.mjs', returns: 'BIGINT' }, [{ type: 'BIGINT', values: [21, null] }], 2, undefined)).toEqual([42, null]);
  });

  it('pass TIMESTAMPs as Dates and take Dates back', () => {
    const r = runtime();
    const at = Date.parse('2024-05-01T12:00:00Z');
    expect(r.invoke({ name: 'weekday', module: 'dates.mjs', returns: 'VARCHAR' }, [{ type: 'TIMESTAMP', values: [at, null] }], 2, undefined)).toEqual(['Wed', 'none']);
    expect(r.invoke({ name: 'later', module: 'dates.mjs', returns: 'TIMESTAMP' }, [{ type: 'TIMESTAMP', values: [at] }, { type: 'INT', values: [90] }], 1, undefined)).toEqual([at + 90 * 60_000]);
  });

  it('run TypeScript modules when typescript is installed', () => {
    expect(runtime().invoke({ name: 'shout', module: 'typed.ts', returns: 'VARCHAR' }, [{ type: 'VARCHAR', values: ['hey', null] }], 2, undefined)).toEqual(['HEY!', null]);
  });

  it('reach nothing of the worker or the server: no process, require, imports, eval, Function, fetch or timers', () => {
    const what = ['process', 'require', 'importMeta', 'globalConstructor', 'functionConstructor', 'eval', 'fetch', 'timers', 'buffer'];
    const answers = runtime().invoke({ name: 'reach', module: 'reach.mjs', returns: 'VARCHAR' }, [{ type: 'VARCHAR', values: what }], what.length, undefined);
    expect(Object.fromEntries(what.map((w, i) => [w, answers[i]]))).toEqual({
      process: 'undefined',
      require: 'undefined',
      importMeta: 'undefined',
      globalConstructor: 'refused: EvalError',
      functionConstructor: 'refused: EvalError',
      eval: 'refused: EvalError',
      fetch: 'undefined',
      timers: 'undefined',
      buffer: 'undefined',
    });
  });

  it('refuse modules that import others, statically or dynamically', () => {
    expect(() => runtime().invoke({ name: 'read', module: 'imports.mjs', returns: 'VARCHAR' }, [], 1, undefined)).toThrow('user function read (imports.mjs) does not load: it imports node:fs, and user functions cannot import other modules');
    expect(runtime().invoke({ name: 'load', module: 'dynamic.mjs', returns: 'VARCHAR' }, [], 1, undefined)).toEqual([expect.stringMatching(/^refused: /)]);
  });

  it('load only from their directory: no climbing out, no absolute paths, no links that lead out', () => {
    for (const module of ['../outside.mjs', join(root, 'outside.mjs'), 'sub/../../outside.mjs']) {
      expect(() => functions.read(module)).toThrow(/must (be a path relative to|not climb out of) the directory of user functions/);
    }
    expect(() => functions.read('link.mjs')).toThrow("Function module 'link.mjs' is outside the directory of user functions");
    expect(() => functions.read('missing.mjs')).toThrow("Function module 'missing.mjs' does not exist in the directory of user functions");
    expect(() => functions.read('geo.json')).toThrow('must be a .js, .mjs, .ts or .mts module');
  });

  it('fail with the function, the row and the reason when a function throws or answers with the wrong type', () => {
    const r = runtime();
    expect(() => r.invoke({ name: 'fails', module: 'throws.mjs', returns: 'INT' }, [{ type: 'INT', values: [1, 5] }], 2, undefined)).toThrow('user function fails (throws.mjs) threw on row 2 of its batch: too big: 5');
    expect(() => r.invoke({ name: 'object', module: 'object.mjs', returns: 'INT' }, [], 1, undefined)).toThrow('returned a value of type object, which is not an INT (row 1 of its batch)');
    expect(() => r.invoke({ name: 'twice', module: 'geo.mjs', returns: 'INT' }, [{ type: 'DOUBLE', values: [0.25] }], 1, undefined)).toThrow('returned 0.5, which is not an INT');
    expect(() => r.invoke({ name: 'answer', module: 'nothing.mjs', returns: 'INT' }, [], 1, undefined)).toThrow('user function answer (nothing.mjs) exports no function named answer and no default function');
  });

  it('stop a function that outruns the batch budget, and start a fresh worker for the next batch', () => {
    const r = runtime();
    expect(() => r.invoke({ name: 'spin', module: 'spin.mjs', returns: 'INT' }, [], 1, budget(300))).toThrow('over the 300 ms budget');
    expect(r.invoke({ name: 'twice', module: 'geo.mjs', returns: 'INT' }, [{ type: 'INT', values: [4] }], 1, undefined)).toEqual([8]);
  });

  it('check a module without blocking, as CREATE FUNCTION does', async () => {
    await expect(functions.check('geo.mjs', 'haversine', 'DOUBLE')).resolves.toBeUndefined();
    await expect(functions.check('nothing.mjs', 'answer', 'INT')).rejects.toThrow('exports no function named answer');
    await expect(functions.check('imports.mjs', 'read', 'VARCHAR')).rejects.toThrow('cannot import other modules');
  });
});
