// The same rows in Eddy and in DuckDB: a query compiled from Eddy SQL runs through a pipeline over the
// rows as JSON records, and DuckDB computes an expression over a table of the same rows, so tests can
// compare the two. Values come back as JSON-like values; TIMESTAMPs as epoch milliseconds.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { ManualClock } from '../../src/engine/clock.js';
import { batchToRows } from '../../src/engine/batch/rows.js';
import { Pipeline } from '../../src/engine/query/pipeline.js';
import type { DataType } from '../../src/engine/plan/expr.js';
import type { StreamSchema } from '../../src/engine/plan/schema.js';
import { compileSql, staticCatalog, type CompiledStatement } from '../../src/sql/index.js';

export type Value = number | string | boolean | null;

const DUCK_TYPES: Readonly<Record<DataType, string>> = {
  BOOLEAN: 'BOOLEAN',
  INT: 'INTEGER',
  BIGINT: 'BIGINT',
  DOUBLE: 'DOUBLE',
  VARCHAR: 'VARCHAR',
  TIMESTAMP: 'TIMESTAMP',
};

export class DuckOracle {
  private constructor(
    private readonly duck: DuckDBConnection,
    private readonly stream: StreamSchema,
    private readonly rows: readonly Record<string, Value>[],
    readonly clock: ManualClock,
  ) {}

  /** A DuckDB table and an Eddy stream, both named after `stream`, holding `rows` (TIMESTAMPs as ISO-8601 text). */
  static async create(stream: StreamSchema, rows: readonly Record<string, Value>[]): Promise<DuckOracle> {
    const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    const duck = await instance.connect();
    await duck.run(`CREATE TABLE ${stream.name} (pos INTEGER, ${stream.columns.map((c) => `${c.name} ${DUCK_TYPES[c.type]}`).join(', ')})`);
    for (const [pos, r] of rows.entries()) {
      const values = stream.columns.map((c) => {
        const v = r[c.name] ?? null;
        if (v === null) return 'NULL';
        if (c.type === 'TIMESTAMP') return `TIMESTAMP '${String(v).replace('T', ' ').replace('Z', '')}'`;
        return typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : String(v);
      });
      await duck.run(`INSERT INTO ${stream.name} VALUES (${pos}, ${values.join(', ')})`);
    }
    return new DuckOracle(duck, stream, rows, new ManualClock(1_700_000_000_000));
  }

  close(): void {
    this.duck.closeSync();
  }

  /** Runs an Eddy SELECT over every row; returns its rows and result columns. */
  eddyRows(sql: string): { rows: Record<string, Value>[]; columns: readonly { name: string; type: DataType }[] } {
    const [statement] = compileSql(sql, staticCatalog([this.stream])) as [Extract<CompiledStatement, { kind: 'query' }>];
    const pipeline = new Pipeline(statement.plan, this.clock);
    const records = this.rows.map((r, i) => ({
      sequenceNumber: String(i + 1),
      arrivalTimestamp: 1_700_000_000_000 + i,
      partitionKey: 'k',
      data: new TextEncoder().encode(JSON.stringify(r)),
    }));
    pipeline.ingest(records, 'shardId-000000000000');
    if (pipeline.metrics.decodeErrors > 0) throw new Error(`rows did not decode: ${pipeline.metrics.lastDecodeError}`);
    pipeline.advanceWatermark(Number.MAX_SAFE_INTEGER);
    const columns = statement.plan.columns;
    return { rows: pipeline.takeOutput().flatMap((b) => batchToRows(b, columns) as Record<string, Value>[]), columns };
  }

  /** The values of one Eddy expression over every row, in row order (TIMESTAMPs as epoch ms), and its type. */
  eddy(expr: string): { values: Value[]; type: DataType } {
    const { rows, columns } = this.eddyRows(`SELECT ${expr} AS v FROM ${this.stream.name}`);
    const type = columns[0]!.type;
    return { values: rows.map((row) => (type === 'TIMESTAMP' && typeof row.v === 'string' ? Date.parse(row.v) : (row.v ?? null))), type };
  }

  /** The values of one DuckDB expression over every row, in row order; TIMESTAMPs as epoch ms. */
  async duckdb(expr: string, type: DataType): Promise<Value[]> {
    const select = type === 'TIMESTAMP' ? `epoch_ms(${expr})` : expr;
    const reader = await this.duck.runAndReadAll(`SELECT ${select} AS v FROM ${this.stream.name} ORDER BY pos`);
    return reader.getRowObjectsJS().map((r) => {
      const v = r.v as unknown;
      if (typeof v === 'bigint') return Number(v);
      if (v === undefined) return null;
      return v as Value;
    });
  }
}

/** Doubles compared to 12 significant digits: the two engines may round the last bit differently. */
export function normalise(values: readonly Value[]): Value[] {
  return values.map((v) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(12)) : v));
}
