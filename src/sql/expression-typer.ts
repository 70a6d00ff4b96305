// Expression typing: an AST expression in its scope becomes a typed expression in the engine's IR
// (column references by index), with operands coerced to agreeing types and every type error located.

import { unreachable } from '../engine/errors.js';
import { isDecimal, literalDecimalType, type DataType, type Expr, type UserFunctionSchema } from '../engine/plan/index.js';
import { additionType, asDecimal, divisionType, moduloType, multiplicationType } from './decimal-rules.js';
import type { Expression, OverExpression } from './ast.js';
import { AGGREGATES, GROUPING_FUNCTIONS, WINDOW_AUX } from './group-functions.js';
import type { Grouping } from './grouping.js';
import { SCALAR_FUNCTIONS, typeScalarCall } from './scalar-calls.js';
import { isUnitArgument } from './functions/index.js';
import { typeUserFunctionCall } from './user-functions.js';
import type { Relation, Scope } from './scope.js';
import { call, isNumeric, lit, widest, type Fail, type Typed, type TypeRules } from './typing.js';

/** Where an expression stands: what it may read, and how to name it in messages. */
export interface ExprContext {
  readonly relation: Relation;
  /** Where the expression stands, for messages: 'WHERE', 'SELECT', 'GROUP BY', 'HAVING', 'AGGREGATE'. */
  readonly clause: string;
  /** Present after GROUP BY or with aggregates: expressions then read the aggregate's output. */
  readonly grouping?: Grouping;
  /** A select item that is exactly an aggregate call names that aggregate after its output column. */
  readonly nameHint?: { readonly expr: Expression; readonly name: string };
  /** Where OVER windows are allowed (the select list and QUALIFY): the column each one becomes (over-windows.ts). */
  readonly over?: (e: OverExpression, ctx: ExprContext) => Typed;
}

/** After grouping, an expression may be an output column of the aggregate (see grouping.ts). */
export type GroupedLookup = (e: Expression, ctx: ExprContext, grouping: Grouping) => Typed | undefined;

export class ExpressionTyper {
  private readonly fail: Fail;

  constructor(
    private readonly scope: Scope,
    readonly rules: TypeRules,
    private readonly grouped: GroupedLookup,
    /** User functions (CREATE FUNCTION) by name; built-in names are never theirs. */
    private readonly userFunction: (name: string) => UserFunctionSchema | undefined = () => undefined,
  ) {
    this.fail = rules.failWith;
  }

  /** The typed IR of an expression in its context; after grouping, aggregate output columns come first. */
  expr(e: Expression, ctx: ExprContext): Typed {
    if (ctx.grouping) {
      const grouped = this.grouped(e, ctx, ctx.grouping);
      if (grouped) return grouped;
    }
    switch (e.kind) {
      case 'columnRef': {
        const column = this.scope.findColumn(e, ctx.relation);
        if (column.window) {
          this.fail('InvalidGrouping', `${column.name} is only available in the select list and HAVING of a query grouped by window_start, window_end`, e.span);
        }
        if (ctx.grouping) {
          this.fail('InvalidGrouping', `Column '${column.name}' must be in GROUP BY or inside an aggregate function such as MAX(${column.name})`, e.span);
        }
        return { ir: { kind: 'column', index: column.index, name: column.name, type: column.type }, type: column.type };
      }
      case 'numberLiteral': {
        // 0.908 is exact, DECIMAL(4, 3), as in Flink; 1e3 is a DOUBLE (and so is a literal over 38 digits).
        const exact = e.exact === undefined ? undefined : literalDecimalType(e.exact);
        if (exact !== undefined) return { ir: lit(e.exact!, exact), type: exact };
        if (!e.integer) return { ir: lit(e.value, 'DOUBLE'), type: 'DOUBLE' };
        return Math.abs(e.value) <= 2 ** 31 - 1 || e.value === -(2 ** 31)
          ? { ir: lit(e.value, 'INT'), type: 'INT' }
          : { ir: lit(e.value, 'BIGINT'), type: 'BIGINT' };
      }
      case 'stringLiteral':
        return { ir: lit(e.value, 'VARCHAR'), type: 'VARCHAR' };
      case 'booleanLiteral':
        return { ir: lit(e.value, 'BOOLEAN'), type: 'BOOLEAN' };
      case 'nullLiteral':
        return { ir: lit(null, 'VARCHAR'), type: 'NULL' };
      case 'intervalLiteral':
        return { ir: lit(e.ms, 'BIGINT'), type: 'INTERVAL' };
      case 'timestampLiteral':
        return { ir: lit(e.ms, 'TIMESTAMP'), type: 'TIMESTAMP' };
      case 'currentTimestamp':
        return { ir: call('current_timestamp', [], 'TIMESTAMP'), type: 'TIMESTAMP' };
      case 'binary':
        return this.binary(e, ctx);
      case 'unary': {
        const operand = this.expr(e.operand, ctx);
        if (e.op === 'NOT') {
          return { ir: call('not', [this.rules.expectBoolean(operand, 'NOT', e.operand.span)], 'BOOLEAN'), type: 'BOOLEAN' };
        }
        if (operand.type === 'INTERVAL' && operand.ir.kind === 'literal') {
          return { ir: lit(-(operand.ir.value as number), 'BIGINT'), type: 'INTERVAL' };
        }
        if (operand.type === 'NULL') return { ir: lit(null, 'INT'), type: 'INT' };
        if (!isNumeric(operand.type)) this.fail('TypeMismatch', `Unary '-' expects a number, got ${operand.type}`, e.span);
        return { ir: call('neg', [operand.ir], operand.type as DataType), type: operand.type };
      }
      case 'isNull': {
        const operand = this.expr(e.operand, ctx);
        if (operand.type === 'INTERVAL') this.fail('TypeMismatch', 'An INTERVAL is never NULL', e.operand.span);
        return { ir: call(e.negated ? 'is_not_null' : 'is_null', [operand.ir], 'BOOLEAN'), type: 'BOOLEAN' };
      }
      case 'inList': {
        const operand = this.expr(e.operand, ctx);
        const list = e.list.map((x) => this.expr(x, ctx));
        const type = this.rules.commonType([operand, ...list], [e.operand, ...e.list], 'IN');
        return {
          ir: { kind: 'in', expr: this.rules.coerce(operand, type, e.operand.span), list: list.map((x, i) => this.rules.coerce(x, type, e.list[i]!.span)), negated: e.negated, type: 'BOOLEAN' },
          type: 'BOOLEAN',
        };
      }
      case 'between': {
        const parts = [e.operand, e.low, e.high];
        const typed = parts.map((x) => this.expr(x, ctx));
        const type = this.rules.commonType(typed, parts, 'BETWEEN');
        const [x, low, high] = typed.map((t, i) => this.rules.coerce(t, type, parts[i]!.span)) as [Expr, Expr, Expr];
        return { ir: { kind: 'between', expr: x, low, high, negated: e.negated, type: 'BOOLEAN' }, type: 'BOOLEAN' };
      }
      case 'like': {
        const operand = this.rules.expectType(this.expr(e.operand, ctx), 'VARCHAR', 'LIKE', e.operand.span);
        const pattern = this.rules.expectType(this.expr(e.pattern, ctx), 'VARCHAR', 'LIKE', e.pattern.span);
        const like = call('like', [operand, pattern], 'BOOLEAN');
        return { ir: e.negated ? call('not', [like], 'BOOLEAN') : like, type: 'BOOLEAN' };
      }
      case 'case':
        return this.caseExpr(e, ctx);
      case 'cast':
        return this.cast(e, ctx);
      case 'call':
        return this.call(e, ctx);
      case 'extract': {
        const ts = this.rules.expectType(this.expr(e.operand, ctx), 'TIMESTAMP', 'EXTRACT', e.operand.span);
        return { ir: call('extract', [lit(e.unit, 'VARCHAR'), ts], 'BIGINT'), type: 'BIGINT' };
      }
      case 'floorTime': {
        const fn = e.ceil ? 'CEIL' : 'FLOOR';
        const ts = this.rules.expectType(this.expr(e.operand, ctx), 'TIMESTAMP', `${fn}(… TO ${e.unit})`, e.operand.span);
        return { ir: call(e.ceil ? 'ceil_time' : 'floor_time', [ts, lit(e.unit, 'VARCHAR')], 'TIMESTAMP'), type: 'TIMESTAMP' };
      }
      case 'trim': {
        const s = this.rules.expectType(this.expr(e.operand, ctx), 'VARCHAR', 'TRIM', e.operand.span);
        const chars = e.characters ? this.rules.expectType(this.expr(e.characters, ctx), 'VARCHAR', 'TRIM', e.characters.span) : lit(' ', 'VARCHAR');
        return { ir: call('trim', [s, chars, lit(e.side, 'VARCHAR')], 'VARCHAR'), type: 'VARCHAR' };
      }
      case 'over':
        if (!ctx.over) this.fail('InvalidWindow', `OVER windows are only allowed in the select list and QUALIFY, not in ${ctx.clause}`, e.span);
        return ctx.over(e, ctx);
      default:
        return unreachable(e, 'expression');
    }
  }

  private binary(e: Extract<Expression, { kind: 'binary' }>, ctx: ExprContext): Typed {
    const left = this.expr(e.left, ctx);
    const right = this.expr(e.right, ctx);
    const op = e.op;
    switch (op) {
      case 'AND':
      case 'OR':
        return {
          ir: call(op === 'AND' ? 'and' : 'or', [this.rules.expectBoolean(left, op, e.left.span), this.rules.expectBoolean(right, op, e.right.span)], 'BOOLEAN'),
          type: 'BOOLEAN',
        };
      case '||': {
        // a || b || c is one concat(a, b, c)
        const args = ([[left, e.left], [right, e.right]] as const).flatMap(([t, ast]) => {
          const coerced = this.rules.toVarchar(t, '||', ast.span);
          return coerced.kind === 'call' && coerced.fn === 'concat' && ast.kind === 'binary' && ast.op === '||' ? coerced.args : [coerced];
        });
        return { ir: call('concat', args, 'VARCHAR'), type: 'VARCHAR' };
      }
      case '=':
      case '<>':
      case '<':
      case '<=':
      case '>':
      case '>=': {
        const type = this.rules.commonType([left, right], [e.left, e.right], `'${op}'`, e.opSpan);
        const fn = { '=': 'eq', '<>': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' }[op];
        return { ir: call(fn, [this.rules.coerce(left, type, e.left.span), this.rules.coerce(right, type, e.right.span)], 'BOOLEAN'), type: 'BOOLEAN' };
      }
      case '+':
      case '-':
      case '*':
      case '/':
      case '%':
        return this.arithmetic(op, left, right, e);
      default:
        return unreachable(op, 'operator');
    }
  }

  private arithmetic(op: '+' | '-' | '*' | '/' | '%', left: Typed, right: Typed, e: Extract<Expression, { kind: 'binary' }>): Typed {
    const fn = { '+': 'add', '-': 'sub', '*': 'mul', '/': 'div', '%': 'mod' }[op];
    if (left.type === 'INTERVAL' && right.type === 'INTERVAL' && (op === '+' || op === '-')) {
      const a = left.ir.kind === 'literal' ? (left.ir.value as number) : 0;
      const b = right.ir.kind === 'literal' ? (right.ir.value as number) : 0;
      return { ir: lit(op === '+' ? a + b : a - b, 'BIGINT'), type: 'INTERVAL' };
    }
    if (left.type === 'TIMESTAMP' || right.type === 'TIMESTAMP' || left.type === 'INTERVAL' || right.type === 'INTERVAL') {
      if (left.type === 'TIMESTAMP' && right.type === 'INTERVAL' && (op === '+' || op === '-')) {
        return { ir: call(fn, [left.ir, right.ir], 'TIMESTAMP'), type: 'TIMESTAMP' };
      }
      if (left.type === 'INTERVAL' && right.type === 'TIMESTAMP' && op === '+') {
        return { ir: call('add', [right.ir, left.ir], 'TIMESTAMP'), type: 'TIMESTAMP' };
      }
      if (left.type === 'TIMESTAMP' && right.type === 'TIMESTAMP' && op === '-') {
        this.fail('TypeMismatch', 'Subtracting TIMESTAMPs is not supported; compare them, or subtract CAST(ts AS BIGINT) values (epoch milliseconds)', e.opSpan);
      }
      this.fail('TypeMismatch', `Operator '${op}' cannot combine ${left.type} and ${right.type}; a TIMESTAMP takes + or - an INTERVAL, as in ts + INTERVAL '1' MINUTE`, e.opSpan);
    }
    if (!(isNumeric(left.type) || left.type === 'NULL') || !(isNumeric(right.type) || right.type === 'NULL')) {
      this.fail('TypeMismatch', `Operator '${op}' expects numbers, got ${left.type} and ${right.type}`, e.opSpan);
    }
    const decimal = this.decimalArithmetic(op, left, right, e);
    if (decimal) return decimal;
    let type = widest([left.type, right.type]);
    if (op === '/') type = 'DOUBLE';
    return { ir: call(fn, [this.rules.coerce(left, type, e.left.span), this.rules.coerce(right, type, e.right.span)], type), type };
  }

  /**
   * Arithmetic with a DECIMAL operand and no DOUBLE one: exact, of the type Flink derives
   * (decimal-rules.ts). INT and BIGINT operands are cast to DECIMAL(10, 0) and DECIMAL(19, 0); DECIMAL
   * operands keep their own types, which the engine aligns.
   */
  private decimalArithmetic(op: '+' | '-' | '*' | '/' | '%', left: Typed, right: Typed, e: Extract<Expression, { kind: 'binary' }>): Typed | undefined {
    if (!(isDecimal(left.type) || isDecimal(right.type)) || left.type === 'DOUBLE' || right.type === 'DOUBLE') return undefined;
    const operand = (t: Typed, span: Extract<Expression, { kind: 'binary' }>['left']['span']): { ir: Expr; params: ReturnType<typeof asDecimal> & object } => {
      if (t.type === 'NULL') return { ir: lit(null, 'DECIMAL(10, 0)'), params: { precision: 10, scale: 0 } };
      const params = asDecimal(t.type)!;
      return { ir: isDecimal(t.type) ? t.ir : this.rules.coerce(t, `DECIMAL(${params.precision}, ${params.scale})`, span), params };
    };
    const a = operand(left, e.left.span);
    const b = operand(right, e.right.span);
    const rule = { '+': additionType, '-': additionType, '*': multiplicationType, '/': divisionType, '%': moduloType }[op];
    const type = rule(a.params, b.params);
    const fn = { '+': 'add', '-': 'sub', '*': 'mul', '/': 'div', '%': 'mod' }[op];
    return { ir: call(fn, [a.ir, b.ir], type), type };
  }

  private caseExpr(e: Extract<Expression, { kind: 'case' }>, ctx: ExprContext): Typed {
    const operand = e.operand ? this.expr(e.operand, ctx) : undefined;
    const whens = e.whens.map((w) => {
      const when = this.expr(w.when, ctx);
      if (operand && e.operand) {
        const type = this.rules.commonType([operand, when], [e.operand, w.when], 'CASE … WHEN');
        return call('eq', [this.rules.coerce(operand, type, e.operand.span), this.rules.coerce(when, type, w.when.span)], 'BOOLEAN');
      }
      return this.rules.expectBoolean(when, 'WHEN', w.when.span);
    });
    const results = [...e.whens.map((w) => w.then), ...(e.else ? [e.else] : [])];
    const typed = results.map((r) => this.expr(r, ctx));
    const type = this.rules.commonType(typed, results, 'CASE branches');
    const coerced = typed.map((t, i) => this.rules.coerce(t, type, results[i]!.span));
    return {
      ir: {
        kind: 'case',
        whens: whens.map((when, i) => ({ when, then: coerced[i]! })),
        ...(e.else ? { else: coerced[coerced.length - 1]! } : {}),
        type,
      },
      type,
    };
  }

  private cast(e: Extract<Expression, { kind: 'cast' }>, ctx: ExprContext): Typed {
    const operand = this.expr(e.operand, ctx);
    const to = e.type.type;
    if (operand.type === 'NULL') return { ir: lit(null, to), type: to };
    if (operand.type === 'INTERVAL') {
      if (isNumeric(to)) return { ir: lit(operand.ir.kind === 'literal' ? operand.ir.value : null, to), type: to };
      this.fail('TypeMismatch', `Cannot CAST an INTERVAL to ${to}`, e.span);
    }
    const from = operand.type;
    if (from === to) return operand;
    const allowed =
      to === 'VARCHAR' ||
      from === 'VARCHAR' ||
      (isNumeric(from) && isNumeric(to)) ||
      (from === 'TIMESTAMP' && to === 'BIGINT') ||
      (from === 'BIGINT' && to === 'TIMESTAMP') ||
      (from === 'BOOLEAN' && to === 'INT') ||
      (from === 'INT' && to === 'BOOLEAN');
    if (!allowed) this.fail('TypeMismatch', `Cannot CAST ${from} to ${to}`, e.span);
    if (from === 'VARCHAR' && to === 'TIMESTAMP' && operand.ir.kind === 'literal') {
      return { ir: this.rules.coerce(operand, 'TIMESTAMP', e.operand.span), type: 'TIMESTAMP' };
    }
    return { ir: { kind: 'cast', expr: operand.ir, type: to }, type: to };
  }

  private call(e: Extract<Expression, { kind: 'call' }>, ctx: ExprContext): Typed {
    const name = e.name;
    if (e.filter && !(name in AGGREGATES)) {
      this.fail('InvalidGrouping', `FILTER (WHERE …) is only allowed after an aggregate function such as COUNT(*), not ${name}`, e.filter.span);
    }
    if (name in AGGREGATES) {
      if (ctx.clause === 'AGGREGATE') this.fail('InvalidGrouping', 'Aggregate functions cannot be nested', e.nameSpan);
      const hint = ctx.clause === 'WHERE' ? '; filter on aggregates with HAVING' : '';
      this.fail('InvalidGrouping', `Aggregate function ${name} is not allowed in ${ctx.clause}${hint}`, e.nameSpan);
    }
    if (GROUPING_FUNCTIONS.has(name)) {
      this.fail('InvalidGrouping', `${name}(...) is only allowed in the select list and HAVING of a query with GROUP BY`, e.nameSpan);
    }
    if (name === 'TUMBLE' || name === 'HOP' || name === 'SESSION' || name === 'STAGGER') {
      this.fail('InvalidWindow', `${name}(...) belongs in GROUP BY; select its bounds with ${name}_START(...) and ${name}_END(...)`, e.nameSpan);
    }
    if (name === 'CUMULATE') this.fail('InvalidWindow', 'CUMULATE(...) is a window table function: FROM TABLE(CUMULATE(TABLE stream, DESCRIPTOR(time_column), step, size))', e.nameSpan);
    if (name in WINDOW_AUX) {
      this.fail('InvalidWindow', `${name} needs GROUP BY ${WINDOW_AUX[name]!.fn}(...) with the same arguments`, e.nameSpan);
    }
    if (name === 'DESCRIPTOR') this.fail('InvalidWindow', 'DESCRIPTOR(column) is only allowed inside a window table function such as TABLE(TUMBLE(...))', e.nameSpan);
    // A unit keyword (TIMESTAMPADD(DAY, …)) is a word, not a column: its function reads it from the AST.
    const args = e.args.map((a, i) => (isUnitArgument(name, i) ? { ir: lit(null, 'VARCHAR'), type: 'VARCHAR' as const } : this.expr(a, ctx)));
    const udf = SCALAR_FUNCTIONS.includes(name) ? undefined : this.userFunction(name);
    if (udf) return typeUserFunctionCall(udf, e, args, this.fail);
    const known = [...SCALAR_FUNCTIONS, ...Object.keys(AGGREGATES), ...Object.keys(WINDOW_AUX), ...GROUPING_FUNCTIONS, 'TUMBLE', 'HOP', 'SESSION'];
    return typeScalarCall(e, args, this.rules, known);
  }
}
