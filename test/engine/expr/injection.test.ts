// SQL text must never become JavaScript: literals and names reach compiled code only as data.
import { describe, expect, it } from 'vitest';
import { compileExpr } from '../../../src/engine/expr/compile-expr.js';
import type { Expr } from '../../../src/engine/plan/expr.js';
import { call, col, column, evaluate, lit } from './helpers.js';

const hostile = [
  "'); process.exit(1); ('",
  '"); process.exit(1); ("',
  '`; process.exit(1); `',
  '${process.exit(1)}',
  '*/ process.exit(1); /*',
  '\n process.exit(1); //',
  '\\"; throw new Error("escaped"); //',
  '</script>',
];

describe('compiled expressions', () => {
  it('treat hostile string literals as data', () => {
    for (const text of hostile) {
      const e = call('eq', 'BOOLEAN', col(0, 'VARCHAR'), lit(text, 'VARCHAR'));
      const compiled = compileExpr(e);
      expect(compiled.source).not.toContain('process');
      expect(compiled.source).not.toContain(text);
      expect(evaluate(e, [column('VARCHAR', [text, 'other'])])).toEqual([true, false]);
      expect(evaluate(call('concat', 'VARCHAR', lit(text, 'VARCHAR'), col(0, 'VARCHAR')), [column('VARCHAR', ['!'])])).toEqual([`${text}!`]);
    }
  });

  it('treat hostile LIKE and regular-expression patterns as data', () => {
    for (const text of hostile) {
      expect(evaluate(call('like', 'BOOLEAN', col(0, 'VARCHAR'), lit(text, 'VARCHAR')), [column('VARCHAR', [text, 'x'])])).toEqual([true, false]);
      expect(compileExpr(call('like', 'BOOLEAN', col(0, 'VARCHAR'), lit(text, 'VARCHAR'))).source).not.toContain('process');
    }
  });

  it('never put column names into the generated code', () => {
    const names = ['a`b', "x'); process.exit(1); ('", 'line\nbreak', 'back\\slash', '${1}'];
    for (const name of names) {
      const e: Expr = call('add', 'DOUBLE', { kind: 'column', index: 0, name, type: 'DOUBLE' }, lit(1, 'DOUBLE'));
      const compiled = compileExpr(e);
      expect(compiled.source).not.toContain(name);
      expect(evaluate(e, [column('DOUBLE', [1])])).toEqual([2]);
    }
  });

  it('refuse function names they do not know instead of calling them', () => {
    for (const fn of ['constructor', '__proto__', 'toString', 'process.exit', "x'); process.exit(1); ('"]) {
      expect(() => compileExpr(call(fn, 'DOUBLE', col(0, 'DOUBLE')))).toThrow(/unknown function/);
    }
  });

  it('refuse time units they do not know', () => {
    expect(() => compileExpr(call('floor_time', 'TIMESTAMP', col(0, 'TIMESTAMP'), lit("DAY'); process.exit(1); ('", 'VARCHAR')))).toThrow(/cannot round/);
    expect(() => compileExpr(call('extract', 'INT', lit('constructor', 'VARCHAR'), col(0, 'TIMESTAMP')))).toThrow(/does not know/);
  });
});
