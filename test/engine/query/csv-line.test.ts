import { describe, expect, it } from 'vitest';
import { csvLine } from '../../../src/engine/query/stream-sink.js';

describe('a row as a CSV record', () => {
  it('writes the columns in order, NULL as an empty field, ending with a line feed', () => {
    expect(csvLine({ ticker: 'AMZN', price: 12.5, qty: 3, ok: true, note: null })).toBe('AMZN,12.5,3,true,\n');
  });

  it('quotes a field holding a comma, quote or line break, doubling its quotes', () => {
    expect(csvLine({ a: 'x,y', b: 'say "hi"', c: 'two\nlines', d: 'plain' })).toBe('"x,y","say ""hi""","two\nlines",plain\n');
  });
});
