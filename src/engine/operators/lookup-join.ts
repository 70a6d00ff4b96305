// The lookup join: each row of a stream is matched, as it arrives, against the rows of a reference table
// as they are at that moment (the table's current version), on its key expressions; the rest of the ON
// condition is checked on each pair. INNER drops rows without a match, LEFT keeps them with NULLs.
// Stateless: the table belongs to the engine, and a refresh shows in every query's next batch.
import type { RecordBatch, Schema } from 'apache-arrow';
import type { LookupJoinNode } from '../plan/join.js';
import type { ColumnSchema } from '../plan/schema.js';
import { arrowSchema, makeBatch } from '../batch/arrow-types.js';
import { BatchView } from '../batch/batch-view.js';
import { allocValues, columnToArrow, makeColumn, type Column, type ColumnSource } from '../batch/column.js';
import { takeData } from '../batch/take.js';
import type { CompiledExpr, ExprContext } from '../expr/compile-expr.js';
import { compileExpr, EXPRESSION_PARAMS } from '../expr/compile-expr.js';
import { EddyError } from '../errors.js';
import type { Collector, GeneratedCode, Operator, OperatorContext } from './operator.js';
import { joinKeys } from './join-rows.js';

/** One version of a reference table's rows, as lookup joins read it. */
export interface LookupTableVersion {
  readonly columns: readonly ColumnSchema[];
  readonly rowCount: number;
  /** Each column's values, in working form. */
  readonly values: readonly Column[];
  /** Row indexes by key, one map per list of key expressions (by its JSON), made by the first join that needs it. */
  readonly indexes: Map<string, ReadonlyMap<string | number, readonly number[]>>;
}

/** Where lookup joins find the current version of each table. */
export interface LookupTables {
  /** The table's current version; undefined for a table that is not defined or has not loaded. */
  current(name: string): LookupTableVersion | undefined;
}

export class LookupJoin implements Operator {
  readonly outputColumns: readonly ColumnSchema[];
  private readonly schema: Schema;
  private readonly keys: readonly CompiledExpr[];
  private readonly tableKeys: readonly CompiledExpr[];
  private readonly indexName: string;
  private readonly condition: CompiledExpr | undefined;
  private readonly inputTypes;
  private readonly types;

  constructor(
    private readonly node: LookupJoinNode,
    input: readonly ColumnSchema[],
    context: ExprContext & { readonly tables?: LookupTables } = {},
  ) {
    if (node.joinType !== 'inner' && node.joinType !== 'left') throw new EddyError('ValidationException', `a lookup join is INNER or LEFT, not ${JSON.stringify(node.joinType)}`);
    if (node.keys.length !== node.tableKeys.length || node.keys.length === 0) {
      throw new EddyError('ValidationException', `a lookup join needs as many table keys as keys, at least one (got ${node.keys.length} and ${node.tableKeys.length})`);
    }
    node.keys.forEach((k, i) => {
      if (k.type !== node.tableKeys[i]!.type) throw new EddyError('ValidationException', `lookup key ${i + 1} is ${k.type} but the table's is ${node.tableKeys[i]!.type}`);
    });
    this.inputTypes = input.map((c) => c.type);
    const tableTypes = node.tableColumns.map((c) => c.type);
    this.keys = node.keys.map((k) => compileExpr(k, { ...context, inputTypes: this.inputTypes }));
    this.tableKeys = node.tableKeys.map((k) => compileExpr(k, { ...context, inputTypes: tableTypes }));
    this.indexName = JSON.stringify(node.tableKeys);
    this.outputColumns = [...input, ...node.tableColumns];
    this.types = this.outputColumns.map((c) => c.type);
    this.schema = arrowSchema(this.outputColumns);
    if (node.condition !== undefined && node.condition.type !== 'BOOLEAN') throw new EddyError('ValidationException', `a join condition must be BOOLEAN, got ${node.condition.type}`);
    this.condition = node.condition === undefined ? undefined : compileExpr(node.condition, { ...context, inputTypes: this.types });
    this.tables = context.tables;
    if (this.tables) this.table();
  }

  private readonly tables: LookupTables | undefined;

  generatedCode(): readonly GeneratedCode[] {
    const code = (what: string, e: CompiledExpr) => (e.source === '' ? [] : [{ what, params: EXPRESSION_PARAMS, body: e.source }]);
    return [
      ...this.keys.flatMap((k, i) => code(`key ${i + 1}`, k)),
      ...this.tableKeys.flatMap((k, i) => code(`table key ${i + 1}`, k)),
      ...(this.condition ? code('join condition', this.condition) : []),
    ];
  }

  /** The table's current version, checked to have the columns the query was compiled against. */
  private table(): LookupTableVersion {
    const table = this.tables?.current(this.node.table);
    if (table === undefined) throw new EddyError('ResourceNotFoundException', `table '${this.node.table}' is not defined or did not load`);
    const have = table.columns.map((c) => `${c.name} ${c.type}`).join(', ');
    const want = this.node.tableColumns.map((c) => `${c.name} ${c.type}`).join(', ');
    if (have !== want) throw new EddyError('ValidationException', `table '${this.node.table}' now has columns (${have}), not the (${want}) the query was written against`);
    return table;
  }

  /** Row indexes of the table by this join's table keys, made once per version of the table. */
  private index(table: LookupTableVersion): ReadonlyMap<string | number, readonly number[]> {
    const made = table.indexes.get(this.indexName);
    if (made) return made;
    const source: ColumnSource = { length: table.rowCount, column: (i) => table.values[i]! };
    const keys = joinKeys(
      this.tableKeys.map((k) => k.evaluate(source)),
      table.rowCount,
    );
    const index = new Map<string | number, number[]>();
    keys.forEach((key, row) => {
      if (key === null) return;
      const rows = index.get(key);
      if (rows) rows.push(row);
      else index.set(key, [row]);
    });
    table.indexes.set(this.indexName, index);
    return index;
  }

  processBatch(batch: RecordBatch, _ctx: OperatorContext, out: Collector): void {
    const n = batch.numRows;
    if (n === 0) return;
    const table = this.table();
    const index = this.index(table);
    const view = new BatchView(batch, this.inputTypes);
    const keys = joinKeys(
      this.keys.map((k) => k.evaluate(view)),
      n,
    );
    const left = this.node.joinType === 'left';
    const ls: number[] = [];
    const rs: number[] = [];
    for (let i = 0; i < n; i++) {
      const key = keys[i]!;
      const rows = key === null ? undefined : index.get(key);
      if (rows === undefined) {
        if (left) {
          ls.push(i);
          rs.push(-1);
        }
        continue;
      }
      for (const r of rows) {
        ls.push(i);
        rs.push(r);
      }
    }
    if (ls.length === 0) return;
    let result = this.build(batch, table, ls, rs);
    if (this.condition) {
      const holds = this.condition.evaluate(new BatchView(result, this.types));
      const ok = holds.values as Uint8Array;
      const fine = (k: number) => rs[k]! >= 0 && ok[k] === 1 && (holds.valid === null || holds.valid[k] === 1);
      const keptL: number[] = [];
      const keptR: number[] = [];
      for (let k = 0; k < ls.length; ) {
        // The pairs of one input row are side by side: keep those that hold, or the row alone (LEFT).
        const i = ls[k]!;
        let any = false;
        for (; k < ls.length && ls[k] === i; k++) {
          if (!fine(k)) continue;
          any = true;
          keptL.push(i);
          keptR.push(rs[k]!);
        }
        if (!any && left) {
          keptL.push(i);
          keptR.push(-1);
        }
      }
      if (keptL.length === 0) return;
      if (keptL.length !== ls.length || keptR.some((r, k) => r !== rs[k])) result = this.build(batch, table, keptL, keptR);
    }
    out.emit(result);
  }

  private build(batch: RecordBatch, table: LookupTableVersion, ls: readonly number[], rs: readonly number[]): RecordBatch {
    const count = ls.length;
    const rows = Int32Array.from(ls);
    const children = batch.data.children.map((c) => takeData(c, rows, count));
    for (let c = 0; c < table.values.length; c++) {
      const from = table.values[c]!;
      const values = allocValues(from.type, count);
      const valid = new Uint8Array(count);
      for (let k = 0; k < count; k++) {
        const r = rs[k]!;
        if (r < 0 || (from.valid !== null && from.valid[r] === 0)) continue;
        (values as Column['values'])[k] = from.values[r]! as never;
        valid[k] = 1;
      }
      children.push(columnToArrow(makeColumn(from.type, values, valid, count)));
    }
    return makeBatch(this.schema, children, count);
  }

  onWatermark(): void {}
}
