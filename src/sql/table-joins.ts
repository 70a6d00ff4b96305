// A stream joined with a table. With a table read from a file (a reference table), each row is looked
// up, as it arrives, in the table as it is then: a lookup join, written `JOIN cards ON …` or, as Flink
// writes it, `JOIN cards FOR SYSTEM_TIME AS OF o.proc_time AS c ON …`. The ON condition must equate
// something of the stream with something of the table; the rest is checked on each pair. With a table
// kept from a stream, `JOIN rates FOR SYSTEM_TIME AS OF o.ts` joins each row with the version of its
// key current at its event time: a temporal join, whose ON must equate the table's whole primary key.

import { SYSTEM_COLUMNS, type Expr, type StreamSchema, type TableSchema } from '../engine/plan/index.js';
import type { FromItem } from './ast.js';
import type { ExpressionTyper } from './expression-typer.js';
import { JOIN_TYPES, relationWidth, shiftColumns, sideOfColumns, type Conjunct, type JoinItem, type PendingConjuncts } from './joins.js';
import type { JoinInput, LookupInput, ScanInput } from './logical-plan.js';
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
    let asOf: Expr | undefined;
    if (tableItem.asOf) {
      // The version's time is of the stream's row; a reference table has one version, the current one.
      asOf = this.typer.expr(tableItem.asOf, { relation: left, clause: 'FOR SYSTEM_TIME AS OF' }).ir;
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
    const condition = rest.reduce<Expr | undefined>((a, b) => (a === undefined ? b : call('and', [a, b], 'BOOLEAN')), undefined);
    if (table.source.kind === 'stream') {
      return this.temporal(item, left, table, tableItem, asOf, { joinType, keys, tableKeys, condition, combined });
    }
    const input: LookupInput = {
      kind: 'lookup',
      input: left.input,
      join: { kind: 'lookupJoin', joinType, table: table.name, tableColumns: table.columns, keys, tableKeys, ...(condition ? { condition } : {}) },
    };
    // The stream's rows pass straight through, so its time attributes stay what they were.
    return { input, scope: combined.scope, label, source: left.source, sources: left.sources };
  }

  /** A temporal join: the table's versions come from its stream, each row takes the one current at its event time. */
  private temporal(
    item: JoinItem,
    left: Relation,
    table: TableSchema,
    tableItem: TableItem,
    asOf: Expr | undefined,
    parts: { joinType: 'inner' | 'left'; keys: Expr[]; tableKeys: Expr[]; condition: Expr | undefined; combined: Relation },
  ): Relation {
    const source = table.source;
    if (source.kind !== 'stream') throw new Error('unreachable: a temporal join of a file table');
    const name = tableItem.alias?.text ?? table.name;
    if (!asOf || !tableItem.asOf) {
      this.fail('InvalidStatement', `The table '${table.name}' is kept from stream '${source.stream}': join it FOR SYSTEM_TIME AS OF the stream's event time, as in JOIN ${table.name} FOR SYSTEM_TIME AS OF s.ts AS ${name} ON …`, tableItem.name.span);
    }
    const asOfColumn = asOf.kind === 'column' ? left.scope.find((c) => c.index === asOf.index) : undefined;
    if (!asOfColumn?.timeAttr) {
      this.fail('InvalidStatement', `FOR SYSTEM_TIME AS OF a table kept from a stream takes the stream's event time: its WATERMARK column or _arrival_time`, tableItem.asOf.span);
    }
    const attr = asOfColumn.timeAttr;
    attr.scan.eventTime = { column: attr.sourceColumn, delayMs: attr.delayMs };
    // The table's primary key, each column equal to something of the stream, makes the keys; other equalities stay conditions.
    const width = relationWidth(left);
    const leftKeys: Expr[] = [];
    const rightKeys: Expr[] = [];
    let rest = parts.condition;
    const others: Expr[] = [];
    for (const key of table.primaryKey) {
      const index = table.columns.findIndex((c) => c.name === key);
      const at = parts.tableKeys.findIndex((k) => k.kind === 'column' && k.index === index);
      if (at < 0) {
        this.fail('InvalidStatement', `A temporal join with '${table.name}' needs its whole primary key in ON: add ${name}.${key} = …`, item.on?.span ?? item.keywordSpan);
      }
      leftKeys.push(parts.keys[at]!);
      rightKeys.push(parts.tableKeys[at]!);
    }
    parts.tableKeys.forEach((k, i) => {
      if (!rightKeys.includes(k)) others.push(call('eq', [parts.keys[i]!, shiftColumns(k, width)], 'BOOLEAN'));
    });
    for (const e of others) rest = rest === undefined ? e : call('and', [rest, e], 'BOOLEAN');
    // The table's stream, read with the table's columns; its event time is the WATERMARK column, or arrival time.
    const stream: StreamSchema = { name: source.stream, columns: table.columns, format: source.format, ...(source.watermark ? { watermark: source.watermark } : {}) };
    const scan: ScanInput = {
      kind: 'scan',
      stream,
      eventTime: source.watermark ? { column: table.columns.findIndex((c) => c.name === source.watermark!.column), delayMs: source.watermark.delayMs } : { column: table.columns.length, delayMs: 0 },
    };
    const join: JoinInput = {
      kind: 'join',
      left: left.input,
      right: scan,
      join: {
        kind: 'temporalJoin',
        joinType: parts.joinType,
        leftKeys,
        rightKeys,
        leftTime: asOfColumn.index,
        rightTime: scan.eventTime.column,
        ...(rest ? { condition: rest } : {}),
      },
    };
    // The right input is the stream's whole row: the table's columns, then the system columns, hidden.
    const scope = [
      ...left.scope,
      ...table.columns.map((c, i) => ({ name: c.name, qualifiers: [table.name, ...(tableItem.alias ? [tableItem.alias.text] : [])], type: c.type, index: width + i, hidden: false })),
      ...SYSTEM_COLUMNS.map((c, j) => ({ name: c.name, qualifiers: [table.name, ...(tableItem.alias ? [tableItem.alias.text] : [])], type: c.type, index: width + table.columns.length + j, hidden: true })),
    ];
    return { input: join, scope, label: parts.combined.label, source: left.source, sources: [...left.sources, stream] };
  }
}
