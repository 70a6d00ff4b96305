// compileKdaApplication's contract: what an application's code compiles into, the names its streams and
// tables get, how inputs are read, and the mistakes it refuses (with the place in the code).
import { describe, expect, it } from 'vitest';
import { applicationStreamName, compileKdaApplication, explainPlan, isSqlError, renderSqlError, staticCatalog, type KdaApplicationSource } from '../../src/sql/index.js';

const catalog = staticCatalog([]);

const app = (code: string, extra: Partial<KdaApplicationSource> = {}): KdaApplicationSource => ({
  name: 'orders-app',
  code,
  inputs: [
    {
      namePrefix: 'SOURCE_SQL_STREAM',
      stream: 'orders-in',
      columns: [
        { name: 'ORDER_ID', sqlType: 'BIGINT', mapping: '$.id' },
        { name: 'customer', sqlType: 'VARCHAR(16)', mapping: '$.who["name"]' },
        { name: 'AMOUNT', sqlType: 'DECIMAL(10,2)', mapping: '$.amount' },
      ],
      format: { type: 'JSON', recordRowPath: '$' },
    },
  ],
  ...extra,
});

const CODE = `
  CREATE OR REPLACE STREAM "BIG" (order_id BIGINT, "customer" VARCHAR(16), amount DOUBLE);
  CREATE OR REPLACE STREAM "PER_MINUTE" ("customer" VARCHAR(16), n INTEGER);
  CREATE OR REPLACE PUMP "BIG_PUMP" AS INSERT INTO "BIG"
    SELECT STREAM order_id, "customer", amount FROM "SOURCE_SQL_STREAM_001" WHERE amount > 100;
  CREATE OR REPLACE PUMP "MINUTE_PUMP" AS INSERT INTO "PER_MINUTE"
    SELECT STREAM "customer", COUNT(*) FROM "BIG" GROUP BY "customer", STEP("BIG".ROWTIME BY INTERVAL '1' MINUTE);`;

describe('compileKdaApplication', () => {
  it('compiles streams and pumps in order, under names of the application, reading the input with its schema', () => {
    const compiled = compileKdaApplication(app(CODE), catalog);
    expect(compiled.statements.map((s) => s.kind)).toEqual(['createStream', 'createStream', 'insert', 'insert']);
    expect(compiled.streams.map((s) => s.name)).toEqual(['__kda_orders-2dapp.BIG', '__kda_orders-2dapp.PER_MINUTE']);
    expect(compiled.streams[0]!.columns).toEqual([
      { name: 'ORDER_ID', type: 'BIGINT' },
      { name: 'customer', type: 'VARCHAR' },
      { name: 'AMOUNT', type: 'DOUBLE' },
    ]);
    expect(compiled.pumps.map((p) => [p.name, p.target])).toEqual([
      ['BIG_PUMP', '__kda_orders-2dapp.BIG'],
      ['MINUTE_PUMP', '__kda_orders-2dapp.PER_MINUTE'],
    ]);
    expect(compiled.bindings.map((b) => [b.kind, b.inApplication, b.stream])).toEqual([
      ['input', 'SOURCE_SQL_STREAM_001', 'orders-in'],
      ['stream', 'BIG', '__kda_orders-2dapp.BIG'],
      ['stream', 'PER_MINUTE', '__kda_orders-2dapp.PER_MINUTE'],
    ]);
    const [big, minute] = compiled.pumps.map((p) => explainPlan(p.statement.plan));
    // The input is the Eddy stream, decoded with the application's columns and JSONPath mappings.
    expect(big).toContain("Source: orders-in format=json columns=[ORDER_ID BIGINT, customer VARCHAR, AMOUNT DOUBLE]");
    expect(JSON.stringify(compiled.pumps[0]!.statement.plan)).toContain('"mappings":{"ORDER_ID":["id"],"customer":["who","name"],"AMOUNT":["amount"]}');
    // The second pump reads the first's stream, by ROWTIME windows.
    expect(minute).toContain('WindowAggregate: TUMBLE(size=1 min) time=_arrival_time');
    expect(minute).toContain('Source: __kda_orders-2dapp.BIG');
  });

  it('reads CSV inputs by position with their delimiter, and reference tables keyed by all their columns', () => {
    const compiled = compileKdaApplication(
      app(
        `CREATE OR REPLACE STREAM "OUT" (id BIGINT, region VARCHAR(8));
         CREATE OR REPLACE PUMP "P" AS INSERT INTO "OUT" SELECT STREAM s.ID, r."Region" FROM "IN_001" s JOIN "Regions" r ON s.CODE = r."Code";`,
        {
          inputs: [{ namePrefix: 'IN', stream: 'csv-in', columns: [{ name: 'ID', sqlType: 'INTEGER' }, { name: 'CODE', sqlType: 'CHAR(2)' }], format: { type: 'CSV', recordColumnDelimiter: '|' } }],
          referenceTables: [{ tableName: 'Regions', path: 'ref/regions.csv', columns: [{ name: 'Code', sqlType: 'CHAR(2)' }, { name: 'Region', sqlType: 'VARCHAR(8)' }], format: { type: 'CSV' } }],
        },
      ),
      catalog,
    );
    expect(compiled.tables).toHaveLength(1);
    expect(compiled.tables[0]!.schema).toEqual({
      name: '__kda_orders-2dapp.Regions',
      columns: [
        { name: 'Code', type: 'VARCHAR' },
        { name: 'Region', type: 'VARCHAR' },
      ],
      primaryKey: ['Code', 'Region'],
      source: { kind: 'file', path: 'ref/regions.csv', format: { kind: 'csv', delimiter: ',' }, header: false },
    });
    expect(compiled.statements[0]!.kind).toBe('createTable');
    const plan = explainPlan(compiled.pumps[0]!.statement.plan);
    expect(plan).toContain('Source: csv-in format=csv');
    expect(plan).toContain('LookupJoin');
  });

  it('names application streams one to one, and refuses names too long for a stream', () => {
    expect(applicationStreamName('a.b', 'c')).not.toBe(applicationStreamName('a', 'b.c'));
    expect(applicationStreamName('app', 'Ünïcode "s"')).toBe('__kda_app.-c3-9cn-c3-afcode-20-22s-22');
    expect(() => applicationStreamName('x'.repeat(100), 'y'.repeat(40))).toThrow(/longer than 128 characters/);
  });

  const failure = (code: string, extra: Partial<KdaApplicationSource> = {}): string => {
    try {
      compileKdaApplication(app(code, extra), catalog);
    } catch (e) {
      if (isSqlError(e)) return renderSqlError(e);
      throw e;
    }
    throw new Error('compiled');
  };

  it('refuses what an application cannot hold, pointing into its code', () => {
    expect(failure('SELECT STREAM * FROM "SOURCE_SQL_STREAM_001"')).toContain('An application\'s code holds CREATE OR REPLACE STREAM and CREATE OR REPLACE PUMP');
    expect(failure(`CREATE OR REPLACE PUMP "P" AS INSERT INTO "NOWHERE" SELECT STREAM * FROM "SOURCE_SQL_STREAM_001"`)).toMatch(/Unknown in-application stream 'NOWHERE'[\s\S]*line 1, column 43/);
    // Quoted names match exactly: "source_sql_stream_001" is not the input.
    expect(failure(`CREATE OR REPLACE STREAM "O" (a BIGINT); CREATE OR REPLACE PUMP "P" AS INSERT INTO "O" SELECT STREAM order_id FROM "source_sql_stream_001"`)).toContain(
      'did you mean "SOURCE_SQL_STREAM_001"?',
    );
    expect(failure(`CREATE OR REPLACE STREAM "O" (a BIGINT); CREATE OR REPLACE STREAM "O" (a BIGINT)`)).toContain("'O' is declared twice");
    expect(failure('CREATE OR REPLACE STREAM "O" (a INT)', { name: 'bad name' })).toContain("Application name 'bad name'");
    expect(
      failure('CREATE OR REPLACE STREAM "O" (a INT)', { inputs: [{ namePrefix: 'S', stream: 's', columns: [{ name: 'A', sqlType: 'INTERVAL' }], format: { type: 'JSON' } }] }),
    ).toContain("Unknown SQL type 'INTERVAL'");
  });

  it('carries each pump\'s ROWTIME into the stream it writes, through subqueries and KDA\'s table functions too', () => {
    const compiled = compileKdaApplication(
      app(`
        CREATE OR REPLACE STREAM "SCORED" (order_id BIGINT, amount DOUBLE, score DOUBLE);
        CREATE OR REPLACE STREAM "BIG" (order_id BIGINT, amount DOUBLE);
        CREATE OR REPLACE STREAM "CUSTOMERS" (n BIGINT);
        CREATE OR REPLACE PUMP "SCORE_PUMP" AS INSERT INTO "SCORED"
          SELECT STREAM ORDER_ID, AMOUNT, ANOMALY_SCORE FROM TABLE(RANDOM_CUT_FOREST(CURSOR(SELECT STREAM ORDER_ID, AMOUNT FROM "SOURCE_SQL_STREAM_001")));
        CREATE OR REPLACE PUMP "BIG_PUMP" AS INSERT INTO "BIG"
          SELECT STREAM * FROM (SELECT STREAM ORDER_ID, AMOUNT FROM "SOURCE_SQL_STREAM_001" WHERE AMOUNT > 100) AS b;
        CREATE OR REPLACE PUMP "CUSTOMERS_PUMP" AS INSERT INTO "CUSTOMERS"
          SELECT STREAM * FROM TABLE(COUNT_DISTINCT_ITEMS_TUMBLING(CURSOR(SELECT STREAM * FROM "SOURCE_SQL_STREAM_001"), 'customer', 60));`),
      catalog,
    );
    for (const pump of compiled.pumps) {
      // The records' arrival time in the stream written is the ROWTIME each row had.
      expect(pump.statement.plan.sink, pump.name).toMatchObject({ kind: 'stream', arrivalTimeColumn: '$rowtime' });
    }
    const [scored, big, customers] = compiled.pumps.map((p) => explainPlan(p.statement.plan));
    // The forest's input rows carry the input's arrival time past it (a TIMESTAMP, which the forest does not read).
    expect(scored).toContain('"$rowtime" := _arrival_time');
    expect(big).toContain('"$rowtime" := _arrival_time');
    // A window's row: the window's end, as KDA gives it.
    expect(customers).toContain('"$rowtime" := window_end');
  });

  it('refuses a pump whose rows would have no ROWTIME, naming the pump and why', () => {
    const streams = `CREATE OR REPLACE STREAM "BIG" (order_id BIGINT, amount DOUBLE); CREATE OR REPLACE STREAM "OUT" (order_id BIGINT, amount DOUBLE);
      CREATE OR REPLACE PUMP "BIG_PUMP" AS INSERT INTO "BIG" SELECT STREAM ORDER_ID, AMOUNT FROM "SOURCE_SQL_STREAM_001" WHERE AMOUNT > 100;`;
    const joined = failure(`${streams}
      CREATE OR REPLACE PUMP "JOIN_PUMP" AS INSERT INTO "OUT" SELECT STREAM s.ORDER_ID, b.AMOUNT FROM "SOURCE_SQL_STREAM_001" AS s JOIN "BIG" AS b ON s.ORDER_ID = b.ORDER_ID`);
    expect(joined).toContain("Pump 'JOIN_PUMP' cannot give the rows it writes a ROWTIME");
    expect(joined).toContain('a row of a join of two streams has two, one from each side');
    expect(joined).toMatch(/line 3, column 63/);
    const summed = failure(`${streams}
      CREATE OR REPLACE PUMP "SUM_PUMP" AS INSERT INTO "OUT" SELECT STREAM ORDER_ID, SUM(AMOUNT) FROM "BIG" GROUP BY ORDER_ID`);
    expect(summed).toContain("Pump 'SUM_PUMP' cannot give the rows it writes a ROWTIME");
    expect(summed).toContain('an aggregate without a window gives its rows none; GROUP BY a window of ROWTIME');
    // A mistake in the query itself is reported as it is.
    expect(failure(`${streams} CREATE OR REPLACE PUMP "P" AS INSERT INTO "OUT" SELECT STREAM s.ORDER_ID, b.NOPE FROM "SOURCE_SQL_STREAM_001" AS s JOIN "BIG" AS b ON s.ORDER_ID = b.ORDER_ID`)).toContain("Unknown column 'NOPE'");
  });

  it('reads unquoted names as KDA does, upper-cased', () => {
    const compiled = compileKdaApplication(
      app(`create or replace stream dest (n BIGINT); create or replace pump p as insert into dest select stream order_id from source_sql_stream_001`),
      catalog,
    );
    expect(compiled.streams[0]!.name).toBe('__kda_orders-2dapp.DEST');
    expect(compiled.pumps[0]!.name).toBe('P');
  });
});
