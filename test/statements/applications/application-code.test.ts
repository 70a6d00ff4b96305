import { describe, expect, it } from 'vitest';
import { staticCatalog } from '../../../src/sql/index.js';
import { bindingOf, compileApplication, outputPlan } from '../../../src/statements/applications/application-code.js';

const source = (code: string) => ({
  name: 'trades-app',
  code,
  inputs: [
    {
      namePrefix: 'SOURCE_SQL_STREAM',
      stream: 'trades',
      columns: [
        { name: 'ticker', sqlType: 'VARCHAR(4)', mapping: '$.ticker' },
        { name: 'price', sqlType: 'DOUBLE', mapping: '$.quote.price' },
      ],
      format: { type: 'JSON' as const, recordRowPath: '$' },
    },
  ],
  referenceTables: [],
});

describe('application code', () => {
  it('compiles pumps that read the input stream and write the application’s own stream, which outputs copy', () => {
    const code =
      'CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker VARCHAR(4), doubled DOUBLE);\n' +
      'CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM" SELECT STREAM "ticker", "price" * 2 FROM "SOURCE_SQL_STREAM_001" WHERE "price" > 1;';
    const compiled = compileApplication(source(code), staticCatalog([]));
    expect(compiled.pumps.map((p) => p.name)).toEqual(['STREAM_PUMP']);
    expect(compiled.streams.map((s) => s.name)).toEqual(['__kda_trades-2dapp.DESTINATION_SQL_STREAM']);
    const binding = bindingOf(compiled, 'destination_sql_stream');
    expect(binding?.stream).toBe('__kda_trades-2dapp.DESTINATION_SQL_STREAM');
    const plan = outputPlan(binding!, 'out', 'csv');
    expect(plan.sink).toEqual({ kind: 'stream', stream: 'out', recordFormat: 'csv' });
    expect(plan.columns.map((c) => c.name)).toEqual(['TICKER', 'DOUBLED']);
  });

  it('refuses code with a mistake as a CodeValidationException naming its line and column', () => {
    const code = 'CREATE OR REPLACE STREAM "D" (ticker VARCHAR(4));\nCREATE OR REPLACE PUMP "P" AS INSERT INTO "D" SELECT STREAM "tickr" FROM "SOURCE_SQL_STREAM_001";';
    expect(() => compileApplication(source(code), staticCatalog([]))).toThrowError(expect.objectContaining({ code: 'CodeValidationException', message: expect.stringMatching(/^Line 2, column 61: .*tickr/) }));
  });

  it('refuses a pump whose rows would have no ROWTIME as a CodeValidationException, rather than giving them the time they are written', () => {
    const code =
      'CREATE OR REPLACE STREAM "D" (ticker VARCHAR(4), total DOUBLE);\n' +
      'CREATE OR REPLACE PUMP "TOTAL_PUMP" AS INSERT INTO "D" SELECT STREAM "ticker", SUM("price") FROM "SOURCE_SQL_STREAM_001" GROUP BY "ticker";';
    expect(() => compileApplication(source(code), staticCatalog([]))).toThrowError(
      expect.objectContaining({ code: 'CodeValidationException', message: expect.stringMatching(/^Line 2, column 56: Pump 'TOTAL_PUMP' cannot give the rows it writes a ROWTIME.*aggregate without a window/) }),
    );
  });
});
