// A stream joined with a table. With a table read from a file (a reference table), each row is looked
// up, as it arrives, in the table as it is then: a lookup join, written `JOIN cards ON …` or, as Flink
// writes it, `JOIN cards FOR SYSTEM_TIME AS OF o.proc_time AS c ON …`. The ON condition must equate
// something of the stream with something of the table; the rest is checked on each pair.

import type { Expr, TableSchema } from '../engine/plan/index.js';
import type { FromItem } from './ast.js';
import type { ExpressionTyper } from './expression-typer.js';
import { JOIN_TYPES, relationWidth, shiftColumns, sideOfColumns, type Conjunct, type JoinItem, type PendingConjuncts } from './joins.js';
import type { LookupInput } from './logical-plan.js';
import type { Relation, ScopeColumn } from './scope.js';
import { call, type Fail } from './typing.js';

type TableItem = Extract<FromItem, { kind: 'stream' }>;
type ConditionParts = (item: JoinItem, combined: Relation, width: number, pending: PendingConjuncts) => Conjunct[];

export class TableJoinAnalyzer {
  constructor(
    private readonly typer: ExpressionTyper,
    private readonly fail: Fail,
    private readonly conditionParts: ConditionParts,
  ) {}

  join(item: JoinItem, left: Relation, table: TableSchema, tableItem: TableItem, pending: PendingConjuncts): Relation {
    const width = relationWidth(left);
    const qualifiers = [table.name, ...(tableItem.alias ? [tableItem.alias.text] : [])];
    const tableScope: ScopeColumn[] = table.columns.map((c, i) => ({ name: c.name, qualifiers, type: c.type, index: width + i, hidden: false }));
    const label = `${left.label} and ${table.name}`;
    const combined: Relation = { input: left.input, scope: [...left.scope, ...tableScope], label, source: left.source, sources: left.sources };
    if (tableItem.asOf) {
      // The version's time is of the stream's row; a reference table has one version, the current one.
      const asOf = this.typer.expr(tableItem.asOf, { relation: left, clause: 'FOR SYSTEM_TIME AS OF' });
      if (asOf.type !== 'TIMESTAMP') this.fail('TypeMismatch', `FOR SYSTEM_TIME AS OF expects a TIMESTAMP of the stream's row, got ${asOf.type}`, tableItem.asOf.span);
    }
    const joinType = JOIN_TYPES[item.joinKind];
    if (joinType !== 'inner' && joinType !== 'left') {
      this.fail('InvalidStatement', `A join with the table '${table.name}' keeps the stream's rows: write JOIN or LEFT JOIN (${joinType.toUpperCase()} JOIN of a table is not supported)`, item.keywordSpan);
    }
    const conjuncts = this.conditionParts(item, combined, width, pending);
    const keys: Expr[] = [];
    const tableKeys: Expr[] = [];
    const rest: Expr[] = [];
    for (const c of conjuncts) {
      const e = c.ir;
      if (e.kind === 'call' && e.fn === 'eq') {
        const [a, b] = e.args as [Expr, Expr];
        const [sa, sb] = [sideOfColumns(a, width), sideOfColumns(b, width)];
        if ((sa === 'left' && sb === 'right') || (sa === 'right' && sb === 'left')) {
          const [l, r] = sa === 'left' ? [a, b] : [b, a];
          keys.push(l);
          tableKeys.push(shiftColumns(r, -width));
          continue;
        }
      }
      rest.push(e);
    }
    if (keys.length === 0) {
      this.fail('InvalidStatement', `A join with the table '${table.name}' needs an equality between the stream and the table, as in ON s.id = ${tableItem.alias?.text ?? table.name}.${table.primaryKey[0] ?? 'id'}`, item.on?.span ?? item.keywordSpan);
    }
    if (table.source.kind === 'stream') {
      this.fail(
        'InvalidStatement',
        `The table '${table.name}' is kept from stream '${table.source.stream}': join it with FOR SYSTEM_TIME AS OF the stream's event time (a temporal join); temporal joins are not supported yet`,
        tableItem.name.span,
      );
    }
    const condition = rest.reduce<Expr | undefined>((a, b) => (a === undefined ? b : call('and', [a, b], 'BOOLEAN')), undefined);
    const input: LookupInput = {
      kind: 'lookup',
      input: left.input,
      join: { kind: 'lookupJoin', joinType, table: table.name, tableColumns: table.columns, keys, tableKeys, ...(condition ? { condition } : {}) },
    };
    // The stream's rows pass straight through, so its time attributes stay what they were.
    return { input, scope: combined.scope, label, source: left.source, sources: left.sources };
  }
}
