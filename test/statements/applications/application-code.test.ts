import { describe, expect, it } from 'vitest';
import { compileApplicationCode } from '../../../src/statements/applications/application-code.js';
import { streamSchemaOf } from '../../../src/statements/applications/source-schema.js';

const input = {
  schema: streamSchemaOf('SOURCE_SQL_STREAM_001', {
    RecordFormat: { RecordFormatType: 'JSON', MappingParameters: { JSONMappingParameters: { RecordRowPath: '$' } } },
    RecordColumns: [
      { Name: 'ticker', Mapping: '$.ticker', SqlType: 'VARCHAR(4)' },
      { Name: 'price', Mapping: '$.quote.price', SqlType: 'DOUBLE' },
    ],
  }),
  stream: 'trades',
};

describe('application code', () => {
  it('compiles each INSERT INTO into a pump reading the input stream', () => {
    const code = 'CREATE STREAM DESTINATION_SQL_STREAM (ticker VARCHAR, price DOUBLE);\nINSERT INTO DESTINATION_SQL_STREAM SELECT ticker, price * 2 AS price FROM SOURCE_SQL_STREAM_001 WHERE price > 1;';
    const compiled = compileApplicationCode(code, [input], []);
    expect(compiled.streams).toEqual(['DESTINATION_SQL_STREAM']);
    expect(compiled.pumps).toHaveLength(1);
    expect(compiled.pumps[0]!.target).toBe('DESTINATION_SQL_STREAM');
    expect(JSON.stringify(compiled.pumps[0]!.plan.root)).toContain('"stream":"trades"');
    expect(JSON.stringify(compiled.pumps[0]!.plan.root)).not.toContain('SOURCE_SQL_STREAM_001');
  });

  it('refuses code with a mistake as a CodeValidationException naming its line and column', () => {
    const code = 'CREATE STREAM D (ticker VARCHAR);\nINSERT INTO D SELECT tickr FROM SOURCE_SQL_STREAM_001;';
    expect(() => compileApplicationCode(code, [input], [])).toThrowError(expect.objectContaining({ code: 'CodeValidationException', message: expect.stringMatching(/^Line 2, column 22: .*tickr/) }));
  });

  it('refuses a bare SELECT, which feeds no in-application stream', () => {
    expect(() => compileApplicationCode('SELECT ticker FROM SOURCE_SQL_STREAM_001', [input], [])).toThrowError(
      expect.objectContaining({ code: 'CodeValidationException', message: expect.stringContaining('INSERT INTO') }),
    );
  });
});
