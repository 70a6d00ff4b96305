// The analyzer's type rules: which types combine, the one type a group of operands meets in, and how
// operands are coerced to it (literals retyped, other values cast) so the engine sees agreeing types.

import { isDecimal, type DataType, type Expr } from '../engine/plan/index.js';
import { asDecimal, commonDecimalType, literalFits } from './decimal-rules.js';
import type { Expression } from './ast.js';
import { parseTimestampText } from './cst-to-ast.js';
import type { SourceSpan, SqlErrorCode } from './sql-error.js';

/** DataType plus the two types only the analyzer sees: a bare NULL and an INTERVAL (a ms constant). */
export type SqlType = DataType | 'NULL' | 'INTERVAL';

/** An analyzed expression. For INTERVAL, `ir` is a BIGINT literal of milliseconds. */
export interface Typed {
  readonly ir: Expr;
  readonly type: SqlType;
}

export type Fail = (code: SqlErrorCode, message: string, span: SourceSpan) => never;

const NUMERIC: ReadonlySet<SqlType> = new Set(['INT', 'BIGINT', 'DOUBLE']);
export const isNumeric = (t: SqlType): boolean => NUMERIC.has(t) || isDecimal(t);
const NUMERIC_RANK: Readonly<Record<string, number>> = { INT: 0, BIGINT: 1, DOUBLE: 2 };

export const lit = (value: boolean | number | string | null, type: DataType): Expr => ({ kind: 'literal', value, type });
export const call = (fn: string, args: readonly Expr[], type: DataType): Expr => ({ kind: 'call', fn, args, type });

/**
 * The widest numeric type among `types` (INT < BIGINT < DECIMAL < DOUBLE); non-numeric types are
 * ignored. DECIMALs meet in one that holds each of them and the integers among them, as Flink's
 * common type; a DOUBLE makes it DOUBLE.
 */
export function widest(types: readonly SqlType[]): DataType {
  if (types.includes('DOUBLE')) return 'DOUBLE';
  if (types.some((t) => isDecimal(t))) {
    const decimals = types.flatMap((t) => asDecimal(t) ?? []);
    return decimals.slice(1).reduce<DataType>((acc, d) => commonDecimalType(asDecimal(acc)!, d), commonDecimalType(decimals[0]!, decimals[0]!));
  }
  let best: DataType = 'INT';
  for (const t of types) if (isNumeric(t) && NUMERIC_RANK[t]! > NUMERIC_RANK[best]!) best = t as DataType;
  return best;
}

export class TypeRules {
  constructor(private readonly fail: Fail) {}

  /** The same failure function, for helpers that type calls with these rules. */
  get failWith(): Fail {
    return this.fail;
  }

  expectBoolean(typed: Typed, clause: string, span: SourceSpan): Expr {
    if (typed.type === 'NULL') return lit(null, 'BOOLEAN');
    if (typed.type !== 'BOOLEAN') this.fail('TypeMismatch', `${clause} expects BOOLEAN, got ${typed.type}`, span);
    return typed.ir;
  }

  /**
   * The one type a group of operands is compared or combined in: numbers widen to the widest; a
   * VARCHAR literal next to a TIMESTAMP is read as a timestamp; NULL takes the others' type.
   */
  commonType(typed: readonly Typed[], exprs: readonly Expression[], what: string, span?: SourceSpan): DataType {
    const known = typed.map((t, i) => ({ t, e: exprs[i]! })).filter((x) => x.t.type !== 'NULL');
    for (const { t, e } of known) {
      if (t.type === 'INTERVAL') this.fail('TypeMismatch', `An INTERVAL cannot be used with ${what}; add it to a TIMESTAMP`, e.span);
    }
    if (known.length === 0) return 'VARCHAR';
    if (known.every((x) => isNumeric(x.t.type))) return widest(known.map((x) => x.t.type));
    const hasTimestamp = known.some((x) => x.t.type === 'TIMESTAMP');
    const first = known.find((x) => !(hasTimestamp && x.t.type === 'VARCHAR' && x.t.ir.kind === 'literal'))?.t.type ?? known[0]!.t.type;
    for (const { t, e } of known) {
      const ok = t.type === first || (first === 'TIMESTAMP' && t.type === 'VARCHAR' && t.ir.kind === 'literal');
      if (!ok) {
        const types = `${first} with ${t.type}`;
        this.fail('TypeMismatch', what.startsWith("'") ? `Operator ${what} cannot compare ${types}` : `${what} cannot mix ${types}`, span ?? e.span);
      }
    }
    return first as DataType;
  }

  /** An operand as `type`: literals are retyped, other values cast; assumes commonType approved it. */
  coerce(typed: Typed, type: DataType, span: SourceSpan): Expr {
    const ir = typed.ir;
    if (typed.type === type) return ir;
    if (typed.type === 'NULL') return lit(null, type);
    if (ir.kind === 'literal') {
      if (type === 'TIMESTAMP' && typeof ir.value === 'string') {
        const ms = parseTimestampText(ir.value);
        if (ms === undefined) this.fail('TypeMismatch', `Cannot read '${ir.value}' as a TIMESTAMP; write ISO-8601 such as '2024-05-01T12:30:00Z'`, span);
        return lit(ms, 'TIMESTAMP');
      }
      // DECIMAL literals are their digits as text: they stay literals wherever those digits fit.
      if (isDecimal(type) && (typeof ir.value === 'number' || isDecimal(ir.type)) && literalFits(String(ir.value), type)) return lit(String(ir.value), type);
      if (isDecimal(type)) return { kind: 'cast', expr: ir, type };
      if (isNumeric(type) && isDecimal(ir.type) && typeof ir.value === 'string') return type === 'DOUBLE' ? lit(Number(ir.value), type) : { kind: 'cast', expr: ir, type };
      if (isNumeric(type) && typeof ir.value === 'number') return lit(ir.value, type);
    }
    return { kind: 'cast', expr: ir, type };
  }

  toVarchar(typed: Typed, what: string, span: SourceSpan): Expr {
    if (typed.type === 'INTERVAL') this.fail('TypeMismatch', `${what} cannot take an INTERVAL`, span);
    if (typed.type === 'VARCHAR') return typed.ir;
    if (typed.type === 'NULL') return lit(null, 'VARCHAR');
    return { kind: 'cast', expr: typed.ir, type: 'VARCHAR' };
  }

  expectType(typed: Typed, type: DataType | 'numeric', what: string, span: SourceSpan): Expr {
    if (typed.type === 'NULL') return lit(null, type === 'numeric' ? 'INT' : type);
    const ok = type === 'numeric' ? isNumeric(typed.type) : typed.type === type;
    if (!ok) this.fail('TypeMismatch', `${what} expects ${type === 'numeric' ? 'a number' : type}, got ${typed.type}`, span);
    return typed.ir;
  }
}
