// Functions that can build a string longer than their input refuse, before allocating it, to build one
// past MAX_STRING_LENGTH characters; regular-expression functions report their work to the query's
// meter, so its CPU budget can stop them; patterns and formats from rows that are not valid give NULL.
import { describe, expect, it } from 'vitest';
import { MAX_STRING_LENGTH } from '../../../src/engine/expr/kernel.js';
import type { WorkMeter } from '../../../src/engine/expr/work-meter.js';
import { call, col, column, evaluate, lit } from './helpers.js';

const text = (values: (string | null)[]) => [column('VARCHAR', values)];

describe('string functions on hostile input', () => {
  it('refuses REPEAT past the longest string, naming the function and the limit', () => {
    const expr = call('repeat', 'VARCHAR', col(0, 'VARCHAR'), lit(1_000_000_000, 'INT'));
    expect(() => evaluate(expr, text(['abc']))).toThrow(/REPEAT would build a string of 3,000,000,000 characters, more than the 1,048,576/);
  });

  it('refuses LPAD and RPAD to a length past the longest string', () => {
    for (const fn of ['lpad', 'rpad']) {
      const expr = call(fn, 'VARCHAR', col(0, 'VARCHAR'), lit(2_000_000_000, 'INT'), lit('x', 'VARCHAR'));
      expect(() => evaluate(expr, text(['a']))).toThrow(new RegExp(`${fn.toUpperCase()} would build a string of 2,000,000,000 characters`));
    }
  });

  it('builds strings up to the limit', () => {
    const expr = call('repeat', 'VARCHAR', col(0, 'VARCHAR'), lit(MAX_STRING_LENGTH, 'INT'));
    expect((evaluate(expr, text(['a']))[0] as string).length).toBe(MAX_STRING_LENGTH);
  });

  it('refuses REPLACE whose replacements would pass the limit, counting them first', () => {
    const expr = call('replace', 'VARCHAR', col(0, 'VARCHAR'), lit('', 'VARCHAR'), lit('xyz', 'VARCHAR'));
    expect(() => evaluate(expr, text(['a'.repeat(400_000)]))).toThrow(/REPLACE would build a string of 1,600,003 characters/);
  });

  it('refuses REGEXP_REPLACE whose replacements would pass the limit', () => {
    const expr = call('regexp_replace', 'VARCHAR', col(0, 'VARCHAR'), lit('', 'VARCHAR'), lit('xyz', 'VARCHAR'));
    expect(() => evaluate(expr, text(['a'.repeat(400_000)]))).toThrow(/REGEXP_REPLACE would build a string of/);
  });

  it('refuses CONCAT_WS past the limit', () => {
    const big = 'a'.repeat(600_000);
    const expr = call('concat_ws', 'VARCHAR', lit(',', 'VARCHAR'), col(0, 'VARCHAR'), col(0, 'VARCHAR'));
    expect(() => evaluate(expr, text([big]))).toThrow(/CONCAT_WS would build a string of 1,200,001 characters/);
  });

  it('reports the work of REGEXP_REPLACE and REGEXP_EXTRACT to the meter, which may stop them', () => {
    const stop: WorkMeter = {
      spend: () => {
        throw new Error('over budget');
      },
    };
    for (const fn of ['regexp_extract', 'regexp_replace']) {
      const args = fn === 'regexp_extract' ? [lit('(a+)b', 'VARCHAR')] : [lit('(a+)b', 'VARCHAR'), lit('x', 'VARCHAR')];
      const expr = call(fn, 'VARCHAR', col(0, 'VARCHAR'), ...args);
      expect(() => evaluate(expr, text(['a'.repeat(10_000)]), { meter: stop })).toThrow('over budget');
    }
  });

  it('gives NULL for a pattern, format or path from a row that is not valid', () => {
    const values = text(['abc']);
    expect(evaluate(call('regexp_extract', 'VARCHAR', lit('abc', 'VARCHAR'), col(0, 'VARCHAR')), text(['(']))).toEqual([null]);
    expect(evaluate(call('regexp_replace', 'VARCHAR', lit('abc', 'VARCHAR'), col(0, 'VARCHAR'), lit('x', 'VARCHAR')), text(['(?=a)']))).toEqual([null]);
    expect(evaluate(call('date_format', 'VARCHAR', lit(0, 'TIMESTAMP'), col(0, 'VARCHAR')), text(['yyyy-qq']))).toEqual([null]);
    expect(evaluate(call('json_value', 'VARCHAR', lit('{"a":1}', 'VARCHAR'), col(0, 'VARCHAR')), text(['a.b']))).toEqual([null]);
    expect(evaluate(call('to_timestamp', 'TIMESTAMP', col(0, 'VARCHAR')), values)).toEqual([null]);
  });

  it('refuses a literal pattern the engine cannot read when the query is built', () => {
    expect(() => evaluate(call('regexp_extract', 'VARCHAR', col(0, 'VARCHAR'), lit('(', 'VARCHAR')), text(['a']))).toThrow(/invalid regular expression "\(" in REGEXP_EXTRACT/);
    expect(() => evaluate(call('to_timestamp', 'TIMESTAMP', col(0, 'VARCHAR'), lit('yyyy-qq', 'VARCHAR')), text(['a']))).toThrow(/TO_TIMESTAMP: Invalid date-time pattern/);
  });
});
