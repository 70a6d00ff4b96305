// Compiles an expression tree once into a JavaScript function that evaluates it over a whole batch in one
// loop over typed arrays, with SQL three-valued NULL logic. The generated source is built only from
// fixed fragments and numeric slot indexes: literals, patterns and names are handed to the function as
// data (the constants array `K`), so no SQL text can ever become code.
import type { DataType, Expr } from '../plan/expr.js';
import type { Column, ColumnSource } from '../batch/column.js';
import type { Data } from 'apache-arrow';
import { allocValues, columnOfValues, columnToArrow, columnValue, decimalColumnOfNumbers, decimalDataOfNumbers, makeColumn } from '../batch/column.js';
import { decimalParams, isDecimal } from '../plan/decimal.js';
import { decimalFromDouble, decimalToDouble, parseDecimal, pow10 } from '../batch/decimal-values.js';
import { decimalKernels } from './decimal-kernels.js';
import { parseTimestamp } from '../batch/timestamp.js';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { EddyError, unreachable } from '../errors.js';
import { compileLikePattern, type LikePattern } from './like-pattern.js';
import { compileRegexPattern, regexFlags, type RegexPattern } from './regex-pattern.js';
import { scalarFunctions } from './scalar-functions.js';
import { ceilTimeFn, extractFn, floorTimeFn } from './time-units.js';
import { UNMETERED, type WorkMeter } from './work-meter.js';
import type { Kernel } from './kernel.js';
import type { UserFunctionInvoker } from './udf-call.js';
import { scalarKernel } from './scalar-kernels.js';

/** The JavaScript operator each SQL comparison generates, in every loop that compares. */
const COMPARISON_OPERATORS = { eq: '===', ne: '!==', lt: '<', le: '<=', gt: '>', ge: '>=' } as const;

export interface CompiledExpr {
  readonly type: DataType;
  /** Input column indexes the expression reads. */
  readonly columns: readonly number[];
  /** The generated JavaScript source (exposed so tests can check that no SQL text became code). */
  readonly source: string;
  /**
   * The source of the expression's number version, if it has one: DECIMAL values as unscaled doubles
   * rather than BigInts, for batches whose every DECIMAL step stays within ±(2^53 − 1), where doubles
   * are exact; a batch with a step beyond is evaluated again by `source`. Results are the same.
   */
  readonly numberSource: string | undefined;
  evaluate(input: ColumnSource): Column;
  /** The result as Arrow data: `columnToArrow(evaluate(input))`, without BigInts for a number version's DECIMALs. */
  evaluateArrow(input: ColumnSource): Data;
}

/** What compiled expressions take from the query that runs them. */
export interface ExprContext {
  /** Clock for CURRENT_TIMESTAMP (read once per batch). */
  readonly clock?: Clock;
  /** Where pattern matching reports its work, so an over-budget batch can be stopped part-way. */
  readonly meter?: WorkMeter;
  /** Runs user functions (CREATE FUNCTION); without it, an expression that calls one does not compile. */
  readonly udfs?: UserFunctionInvoker;
}

export interface CompileOptions extends ExprContext {
  /** Types of the input columns, to check column references while compiling. */
  readonly inputTypes?: readonly DataType[];
  /** false: DECIMAL arithmetic on BigInts only, with no number version (tests compare the two). */
  readonly decimalsAsNumbers?: boolean;
}

/** The parameters of a compiled expression's function: input columns, constants, helpers, rows, output and its validity. */
export const EXPRESSION_PARAMS: readonly string[] = ['C', 'K', 'F', 'n', 'OUT', 'OV'];

type Evaluator = (C: readonly Column[], K: readonly unknown[], F: typeof scalarFunctions, n: number, OUT: Column['values'], OV: Uint8Array) => number;

interface Slot {
  /** JS expression (a variable name) holding the value; booleans are JS booleans. */
  readonly v: string;
  /** JS expression that is true when the value is NULL. */
  readonly u: string;
}

const NUMERIC: ReadonlySet<DataType> = new Set(['INT', 'BIGINT', 'DOUBLE', 'TIMESTAMP']);

function invalid(message: string): never {
  throw new EddyError('ValidationException', message);
}

function zeroOf(type: DataType, decimalsAsNumbers = false): string {
  return type === 'VARCHAR' ? "''" : type === 'BOOLEAN' ? 'false' : isDecimal(type) && !decimalsAsNumbers ? '0n' : '0';
}

/** The largest integer a double holds exactly with every integer below it: 2^53 − 1. */
const SAFE = '9007199254740991';

/** Thrown while compiling the number version of an expression that has a DECIMAL step it cannot take. */
class NoNumberVersion extends Error {}

/** The scale of a DECIMAL type; -1 for other types. */
function scaleOf(type: DataType): number {
  return isDecimal(type) ? decimalParams(type).scale : -1;
}

/** A column computed for the whole batch before the loop runs (a user function's results), held in a constant. */
interface Derived {
  readonly constant: number;
  compute(input: ColumnSource): Column;
}

class Generator {
  readonly consts: unknown[] = [];
  readonly derived: Derived[] = [];
  readonly columnSlots = new Map<number, number>();
  readonly setup: string[] = [];
  readonly lines: string[] = [];
  private next = 0;
  private meterSlot: string | undefined;
  private decimalSlot: string | undefined;

  /**
   * `decimals` is how DECIMAL values are held in the generated code: unscaled BigInts, or unscaled
   * doubles, where each step checks that its result is a safe integer and, if not, returns -1 so the
   * caller evaluates the batch again on BigInts (see compileExpr).
   */
  constructor(
    private readonly options: CompileOptions,
    private readonly decimals: 'bigint' | 'number' = 'bigint',
  ) {}

  zero(type: DataType): string {
    return zeroOf(type, this.decimals === 'number');
  }

  /** In the number version, a statement that gives the batch up to BigInts when `v` is not a safe integer. */
  private exact(v: string): string {
    return `if (!(${v} <= ${SAFE} && ${v} >= -${SAFE})) return -1;`;
  }

  fresh(): string {
    return String(this.next++);
  }

  constant(value: unknown): string {
    const j = this.consts.length;
    this.consts.push(value);
    this.setup.push(`const k${j} = K[${j}];`);
    return `k${j}`;
  }

  /** The constant holding the DECIMAL kernels. */
  dec(): string {
    return (this.decimalSlot ??= this.constant(decimalKernels));
  }

  /** A BigInt constant (10^k factors, limits). */
  big(v: bigint): string {
    return this.constant(v);
  }

  /** The constant holding the work meter, which matchers are called with. */
  meter(): string {
    return (this.meterSlot ??= this.options.meter ? this.constant(this.options.meter) : 'undefined');
  }

  column(index: number, type: DataType): Slot {
    if (!Number.isInteger(index) || index < 0) invalid(`column index ${index} is not valid`);
    const types = this.options.inputTypes;
    if (types) {
      if (index >= types.length) invalid(`column index ${index} is out of range (input has ${types.length} columns)`);
      if (types[index] !== type) invalid(`column ${index} is ${types[index]}, expression expects ${type}`);
    }
    if (this.decimals === 'number' && isDecimal(type)) throw new NoNumberVersion();
    let j = this.columnSlots.get(index);
    if (j === undefined) {
      j = this.columnSlots.size;
      this.columnSlots.set(index, j);
      this.setup.push(`const c${j} = C[${j}].values, c${j}v = C[${j}].valid;`);
    }
    const id = this.fresh();
    this.lines.push(`const t${id} = ${type === 'BOOLEAN' ? `c${j}[i] === 1` : `c${j}[i]`};`);
    this.lines.push(`const u${id} = c${j}v !== null && c${j}v[i] === 0;`);
    return { v: `t${id}`, u: `u${id}` };
  }

  literal(value: unknown, type: DataType): Slot {
    if (value === null || value === undefined) return { v: this.zero(type), u: 'true' };
    let v = value;
    if (type === 'TIMESTAMP' && typeof v === 'string') {
      const t = parseTimestamp(v);
      if (t === undefined) invalid(`invalid TIMESTAMP literal ${JSON.stringify(v)}`);
      v = t;
    }
    if (type === 'VARCHAR' && typeof v !== 'string') v = String(v);
    if (isDecimal(type)) {
      const { precision, scale } = decimalParams(type);
      const d = typeof v === 'string' || typeof v === 'number' ? parseDecimal(String(v), precision, scale) : undefined;
      if (d === undefined || d === null) invalid(`literal ${JSON.stringify(value)} is not a ${type}`);
      if (this.decimals === 'number') {
        if (d > BigInt(SAFE) || d < -BigInt(SAFE)) throw new NoNumberVersion();
        return { v: this.constant(Number(d)), u: 'false' };
      }
      return { v: this.constant(d), u: 'false' };
    }
    if (NUMERIC.has(type) && typeof v !== 'number') invalid(`literal ${JSON.stringify(value)} is not a ${type}`);
    if (type === 'BOOLEAN' && typeof v !== 'boolean') invalid(`literal ${JSON.stringify(value)} is not a BOOLEAN`);
    return { v: this.constant(v), u: 'false' };
  }

  /** A function of non-NULL arguments: NULL in, NULL out. `mayBeNull`: the result can be null/NaN too. */
  strict(args: readonly Slot[], type: DataType, body: (v: readonly string[]) => string, mayBeNull = false): Slot {
    const id = this.fresh();
    const u = args.length === 0 ? 'false' : args.map((a) => a.u).join(' || ');
    this.lines.push(`let u${id} = ${u};`, `let t${id} = ${this.zero(type)};`);
    if (mayBeNull) {
      this.lines.push(`if (!u${id}) { const r = ${body(args.map((a) => a.v))}; if (r === null || r !== r) u${id} = true; else t${id} = r; }`);
    } else {
      this.lines.push(`if (!u${id}) t${id} = ${body(args.map((a) => a.v))};`);
    }
    return { v: `t${id}`, u: `u${id}` };
  }

  /** Declares a result slot assigned inside nested blocks. */
  declare(type: DataType): { id: string; slot: Slot } {
    const id = this.fresh();
    this.lines.push(`let t${id} = ${this.zero(type)}, u${id} = true;`);
    return { id, slot: { v: `t${id}`, u: `u${id}` } };
  }

  emit(e: Expr): Slot {
    switch (e.kind) {
      case 'column':
        return this.column(e.index, e.type);
      case 'literal':
        return this.literal(e.value, e.type);
      case 'call':
        return this.call(e.fn, e.args, e.type);
      case 'cast':
        return this.cast(this.emit(e.expr), e.expr.type, e.type);
      case 'case': {
        // One block per WHEN after the first, each skipped once a WHEN has matched: blocks side by side
        // rather than nested, so a CASE with thousands of WHENs neither recurses here nor nests as deep.
        const out = this.declare(e.type);
        const matched = `m${out.id}`;
        this.lines.push(`let ${matched} = false;`);
        e.whens.forEach(({ when, then }, k) => {
          if (k > 0) this.lines.push(`if (!${matched}) {`);
          const w = this.emit(when);
          this.lines.push(`if (!(${w.u}) && ${w.v}) {`);
          const t = this.emit(then);
          this.lines.push(`t${out.id} = ${t.v}; u${out.id} = ${t.u}; ${matched} = true;`, '}');
          if (k > 0) this.lines.push('}');
        });
        if (e.else) {
          this.lines.push(`if (!${matched}) {`);
          const s = this.emit(e.else);
          this.lines.push(`t${out.id} = ${s.v}; u${out.id} = ${s.u};`, '}');
        }
        return out.slot;
      }
      case 'in':
        return this.inList(e);
      case 'between': {
        const x = this.emit(e.expr);
        const lo = this.emit(e.low);
        const hi = this.emit(e.high);
        const ge = this.strict([x, lo], 'BOOLEAN', ([a, b]) => `${a} >= ${b}`);
        const le = this.strict([x, hi], 'BOOLEAN', ([a, b]) => `${a} <= ${b}`);
        const both = this.and(ge, le);
        return e.negated ? this.strict([both], 'BOOLEAN', ([a]) => `!${a}`) : both;
      }
      default:
        return unreachable(e, 'expression', 'ValidationException');
    }
  }

  and(a: Slot, b: Slot): Slot {
    const id = this.fresh();
    this.lines.push(
      `let t${id} = false, u${id} = false;`,
      `if ((!(${a.u}) && !${a.v}) || (!(${b.u}) && !${b.v})) t${id} = false;`,
      `else if (${a.u} || ${b.u}) u${id} = true;`,
      `else t${id} = true;`,
    );
    return { v: `t${id}`, u: `u${id}` };
  }

  or(a: Slot, b: Slot): Slot {
    const id = this.fresh();
    this.lines.push(
      `let t${id} = false, u${id} = false;`,
      `if ((!(${a.u}) && ${a.v}) || (!(${b.u}) && ${b.v})) t${id} = true;`,
      `else if (${a.u} || ${b.u}) u${id} = true;`,
      `else t${id} = false;`,
    );
    return { v: `t${id}`, u: `u${id}` };
  }

  inList(e: Extract<Expr, { kind: 'in' }>): Slot {
    if (this.decimals === 'number' && isDecimal(e.expr.type)) throw new NoNumberVersion();
    const x = this.emit(e.expr);
    let result: Slot;
    if (e.list.every((item) => item.kind === 'literal')) {
      const values = new Set<unknown>();
      let hasNull = false;
      for (const item of e.list) {
        if (item.kind !== 'literal') continue;
        if (item.value === null) hasNull = true;
        else if (e.expr.type === 'TIMESTAMP' && typeof item.value === 'string') values.add(parseTimestamp(item.value));
        else if (NUMERIC.has(e.expr.type)) values.add(Number(item.value));
        else if (isDecimal(e.expr.type)) {
          const { precision, scale } = decimalParams(e.expr.type);
          const d = parseDecimal(String(item.value), precision, scale);
          if (d === undefined) invalid(`literal ${JSON.stringify(item.value)} is not a ${e.expr.type}`);
          if (d !== null) values.add(d);
        }
        else if (e.expr.type === 'VARCHAR') values.add(String(item.value));
        else values.add(item.value);
      }
      const set = this.constant(values);
      const id = this.fresh();
      this.lines.push(
        `let t${id} = false, u${id} = ${x.u};`,
        `if (!u${id}) { t${id} = ${set}.has(${x.v}); if (!t${id} && ${hasNull ? 'true' : 'false'}) u${id} = true; }`,
      );
      result = { v: `t${id}`, u: `u${id}` };
    } else {
      let acc: Slot | undefined;
      for (const item of e.list) {
        const s = this.emit(item);
        const eq = this.strict([x, s], 'BOOLEAN', ([a, b]) => `${a} === ${b}`);
        acc = acc ? this.or(acc, eq) : eq;
      }
      result = acc ?? { v: 'false', u: 'false' };
    }
    return e.negated ? this.strict([result], 'BOOLEAN', ([a]) => `!${a}`) : result;
  }

  cast(s: Slot, from: DataType, to: DataType): Slot {
    if (from === to) return s;
    if (isDecimal(from) || isDecimal(to)) return this.decimals === 'number' ? this.numberDecimalCast(s, from, to) : this.decimalCast(s, from, to);
    if (to === 'VARCHAR') {
      const t = this.constant(from);
      return this.strict([s], to, ([a]) => `F.toText(${a}, ${t})`);
    }
    if (from === 'VARCHAR') {
      switch (to) {
        case 'BOOLEAN':
          return this.strict([s], to, ([a]) => `F.parseBoolean(${a})`, true);
        case 'TIMESTAMP':
          return this.strict([s], to, ([a]) => `F.parseTimestamp(${a})`, true);
        case 'DOUBLE':
          return this.strict([s], to, ([a]) => `F.parseNumber(${a})`, true);
        default: {
          const n = this.strict([s], 'DOUBLE', ([a]) => `F.parseNumber(${a})`, true);
          return this.strict([n], to, ([a]) => `Math.trunc(${a})`, true);
        }
      }
    }
    if (from === 'BOOLEAN') return this.strict([s], to, ([a]) => `(${a} ? 1 : 0)`);
    switch (to) {
      case 'BOOLEAN':
        return this.strict([s], to, ([a]) => `${a} !== 0`);
      case 'INT':
      case 'BIGINT':
        return from === 'DOUBLE' ? this.strict([s], to, ([a]) => `Math.trunc(${a})`, true) : s;
      case 'TIMESTAMP':
        return this.strict([s], to, ([a]) => `Math.floor(${a})`, true);
      default:
        return s;
    }
  }

  call(fn: string, argExprs: readonly Expr[], type: DataType): Slot {
    const arity = (min: number, max = min): void => {
      if (argExprs.length < min || argExprs.length > max) {
        invalid(`function ${fn} expects ${min === max ? min : `${min} to ${max}`} arguments, got ${argExprs.length}`);
      }
    };
    const literalText = (e: Expr | undefined, what: string): string => {
      if (!e || e.kind !== 'literal' || typeof e.value !== 'string') invalid(`${fn} expects ${what} as a literal`);
      return e.value;
    };
    const isInt = type === 'INT' || type === 'BIGINT';
    if (isDecimal(type) || argExprs.some((a) => isDecimal(a.type))) {
      if (this.decimals === 'number') {
        const slot = this.numberDecimalCall(fn, argExprs, type);
        if (slot) return slot;
        // These only move a value or test it for NULL, whatever holds it.
        if (fn !== 'coalesce' && fn !== 'is_null' && fn !== 'is_not_null') throw new NoNumberVersion();
      } else {
        const slot = this.decimalCall(fn, argExprs, type);
        if (slot) return slot;
      }
    }
    switch (fn) {
      case 'add':
      case 'sub':
      case 'mul': {
        arity(2);
        const op = fn === 'add' ? '+' : fn === 'sub' ? '-' : '*';
        return this.strict(argExprs.map((a) => this.emit(a)), type, ([a, b]) => `${a} ${op} ${b}`);
      }
      case 'div': {
        arity(2);
        // Division by zero yields NULL rather than failing the query.
        const body = isInt ? ([a, b]: readonly string[]) => `(${b} === 0 ? null : Math.trunc(${a} / ${b}))` : ([a, b]: readonly string[]) => `(${b} === 0 ? null : ${a} / ${b})`;
        return this.strict(argExprs.map((a) => this.emit(a)), type, body, true);
      }
      case 'mod':
        arity(2);
        return this.strict(argExprs.map((a) => this.emit(a)), type, ([a, b]) => `(${b} === 0 ? null : ${a} % ${b})`, true);
      case 'neg':
        arity(1);
        return this.strict([this.emit(argExprs[0]!)], type, ([a]) => `-${a}`);
      case 'eq':
      case 'ne':
      case 'lt':
      case 'le':
      case 'gt':
      case 'ge': {
        arity(2);
        const op = COMPARISON_OPERATORS[fn];
        return this.strict(argExprs.map((a) => this.emit(a)), 'BOOLEAN', ([a, b]) => `${a} ${op} ${b}`);
      }
      case 'and':
      case 'or': {
        if (argExprs.length < 2) arity(2);
        let acc = this.emit(argExprs[0]!);
        for (const a of argExprs.slice(1)) acc = fn === 'and' ? this.and(acc, this.emit(a)) : this.or(acc, this.emit(a));
        return acc;
      }
      case 'not':
        arity(1);
        return this.strict([this.emit(argExprs[0]!)], 'BOOLEAN', ([a]) => `!${a}`);
      case 'is_null':
      case 'is_not_null': {
        arity(1);
        const s = this.emit(argExprs[0]!);
        const id = this.fresh();
        this.lines.push(`const t${id} = ${fn === 'is_null' ? '' : '!'}(${s.u});`);
        return { v: `t${id}`, u: 'false' };
      }
      case 'like': {
        arity(2, 3);
        const [s, p, esc] = argExprs;
        const str = this.emit(s!);
        if (p!.kind === 'literal' && (esc === undefined || esc.kind === 'literal')) {
          if (p!.value === null || (esc !== undefined && esc.kind === 'literal' && esc.value === null)) return { v: 'false', u: 'true' };
          let pattern: LikePattern;
          try {
            pattern = compileLikePattern(String(p!.value), esc?.kind === 'literal' ? String(esc.value) : undefined);
          } catch (err) {
            invalid(`invalid LIKE pattern ${JSON.stringify(p!.value)}: ${(err as Error).message}`);
          }
          const k = this.constant(pattern);
          const m = this.meter();
          return this.strict([str], 'BOOLEAN', ([a]) => `${k}.test(${a}, ${m})`);
        }
        if (esc !== undefined) invalid('LIKE with ESCAPE needs a literal pattern and escape');
        const m = this.meter();
        return this.strict([str, this.emit(p!)], 'BOOLEAN', ([a, b]) => `F.likeDynamic(${a}, ${b}, ${m})`);
      }
      case 'regexp_like': {
        arity(2, 3);
        const [s, p, flags] = argExprs;
        const str = this.emit(s!);
        if (flags !== undefined && (flags.kind !== 'literal' || typeof flags.value !== 'string')) invalid('REGEXP_LIKE flags must be a VARCHAR literal');
        const f = flags?.kind === 'literal' ? String(flags.value) : '';
        try {
          regexFlags(f);
        } catch (err) {
          invalid(`invalid REGEXP_LIKE flags ${JSON.stringify(f)}: ${(err as Error).message}`);
        }
        if (p!.kind === 'literal') {
          if (p!.value === null) return { v: 'false', u: 'true' };
          let pattern: RegexPattern;
          try {
            pattern = compileRegexPattern(String(p!.value), f);
          } catch (err) {
            invalid(`invalid regular expression ${JSON.stringify(p!.value)}: ${(err as Error).message}`);
          }
          const k = this.constant(pattern);
          const m = this.meter();
          return this.strict([str], 'BOOLEAN', ([a]) => `${k}.test(${a}, ${m})`);
        }
        const fk = this.constant(f);
        const m = this.meter();
        return this.strict([str, this.emit(p!)], 'BOOLEAN', ([a, b]) => `F.regexDynamic(${a}, ${b}, ${fk}, ${m})`, true);
      }
      case 'concat': {
        if (argExprs.length < 1) arity(1, Infinity);
        const slots = argExprs.map((a) => {
          const s = this.emit(a);
          return a.type === 'VARCHAR' ? s : this.cast(s, a.type, 'VARCHAR');
        });
        return this.strict(slots, 'VARCHAR', (vs) => vs.join(' + '));
      }
      case 'lower':
        arity(1);
        return this.strict([this.emit(argExprs[0]!)], type, ([a]) => `${a}.toLowerCase()`);
      case 'upper':
        arity(1);
        return this.strict([this.emit(argExprs[0]!)], type, ([a]) => `${a}.toUpperCase()`);
      case 'substring':
        arity(2, 3);
        return this.strict(argExprs.map((a) => this.emit(a)), type, (vs) => `F.substring(${vs.join(', ')})`);
      case 'trim': {
        // trim(s) | trim(s, chars) | trim(s, chars, 'LEADING' | 'TRAILING' | 'BOTH')
        arity(1, 3);
        const slots = argExprs.map((a) => this.emit(a));
        return this.strict(slots, type, ([a, b, c]) => `F.trim(${a}, ${b ?? 'undefined'}, ${c ?? 'undefined'})`);
      }
      case 'ltrim':
      case 'rtrim': {
        arity(1);
        const mode = this.constant(fn === 'ltrim' ? 'LEADING' : 'TRAILING');
        return this.strict([this.emit(argExprs[0]!)], type, ([a]) => `F.trim(${a}, undefined, ${mode})`);
      }
      case 'char_length':
        // UTF-16 code units, as the plan contract defines it.
        arity(1);
        return this.strict([this.emit(argExprs[0]!)], type, ([a]) => `${a}.length`);
      case 'abs':
        arity(1);
        return this.strict([this.emit(argExprs[0]!)], type, ([a]) => `Math.abs(${a})`);
      case 'round': {
        arity(1, 2);
        const slots = argExprs.map((a) => this.emit(a));
        return this.strict(slots, type, ([a, b]) => `F.round(${a}, ${b ?? '0'})`, true);
      }
      case 'floor':
      case 'ceil': {
        arity(1);
        const m = fn === 'floor' ? 'Math.floor' : 'Math.ceil';
        return this.strict([this.emit(argExprs[0]!)], type, ([a]) => `${m}(${a})`);
      }
      // Outside their domains these give NaN, as JavaScript does (the plan contract says so).
      case 'power':
        arity(2);
        return this.strict(argExprs.map((a) => this.emit(a)), type, ([a, b]) => `Math.pow(${a}, ${b})`);
      case 'sqrt':
        arity(1);
        return this.strict([this.emit(argExprs[0]!)], type, ([a]) => `Math.sqrt(${a})`);
      case 'ln':
        arity(1);
        return this.strict([this.emit(argExprs[0]!)], type, ([a]) => `Math.log(${a})`);
      case 'coalesce': {
        if (argExprs.length < 1) arity(1, Infinity);
        // Each argument is evaluated only while the result is still NULL, in blocks side by side (as CASE).
        const out = this.declare(type);
        argExprs.forEach((arg, k) => {
          if (k > 0) this.lines.push(`if (u${out.id}) {`);
          const s = this.emit(arg);
          this.lines.push(`if (!(${s.u})) { t${out.id} = ${s.v}; u${out.id} = false; }`);
          if (k > 0) this.lines.push('}');
        });
        return out.slot;
      }
      case 'floor_time':
      case 'ceil_time': {
        arity(2);
        const unit = literalText(argExprs[1], 'a time unit');
        const f = (fn === 'floor_time' ? floorTimeFn(unit) : ceilTimeFn(unit)) ?? invalid(`${fn === 'floor_time' ? 'FLOOR' : 'CEIL'} cannot round a timestamp to ${JSON.stringify(unit)}`);
        const k = this.constant(f);
        return this.strict([this.emit(argExprs[0]!)], 'TIMESTAMP', ([a]) => `${k}(${a})`);
      }
      case 'extract': {
        arity(2);
        const unit = literalText(argExprs[0], 'a time unit');
        const f = extractFn(unit) ?? invalid(`EXTRACT does not know the unit ${JSON.stringify(unit)}`);
        const k = this.constant(f);
        return this.strict([this.emit(argExprs[1]!)], type, ([a]) => `${k}(${a})`);
      }
      case 'current_timestamp': {
        arity(0);
        const clock = this.constant(this.options.clock ?? systemClock);
        const id = this.fresh();
        this.setup.push(`const now${id} = ${clock}.now();`);
        return { v: `now${id}`, u: 'false' };
      }
      case 'udf':
        return this.userFunction(argExprs, type);
      default: {
        const kernel = scalarKernel(fn);
        return kernel ? this.kernelCall(fn, kernel, argExprs, type) : invalid(`unknown function '${fn}'`);
      }
    }
  }

  /**
   * DECIMAL arithmetic, comparisons and the math functions that keep DECIMAL (undefined for others).
   * Operands may differ in scale: each result is computed exactly at its natural scale, then brought
   * to the call's type (HALF_UP) and checked against its precision (overflow: NULL).
   */
  decimalCall(fn: string, argExprs: readonly Expr[], type: DataType): Slot | undefined {
    const D = this.dec();
    const scales = argExprs.map((a) => scaleOf(a.type));
    const out = scaleOf(type);
    const limit = isDecimal(type) ? this.big(pow10(decimalParams(type).precision)) : '';
    /** A value at scale `from` as one at scale `to` (≥ from): multiplied by 10^(to − from). */
    const up = (v: string, from: number, to: number): string => (to === from ? v : `(${v} * ${this.big(pow10(to - from))})`);
    /** A value at scale `from` as the result: rounded when digits go, then checked. */
    const result = (v: string, from: number): string => `${D}.fit(${from > out ? `${D}.down(${v}, ${from - out})` : up(v, from, out)}, ${limit})`;
    const args = (): Slot[] => argExprs.map((a) => this.emit(a));
    switch (fn) {
      case 'add':
      case 'sub':
      case 'mod': {
        if (argExprs.length !== 2 || !isDecimal(type)) return undefined;
        const [sa, sb] = scales as [number, number];
        const s = Math.max(sa, sb);
        const body =
          fn === 'mod'
            ? ([a, b]: readonly string[]) => `${D}.fit(${D}.mod(${up(a!, sa, s)}, ${up(b!, sb, s)}), ${limit})`
            : ([a, b]: readonly string[]) => result(`${up(a!, sa, s)} ${fn === 'add' ? '+' : '-'} ${up(b!, sb, s)}`, s);
        return this.strict(args(), type, body, true);
      }
      case 'mul': {
        if (argExprs.length !== 2 || !isDecimal(type)) return undefined;
        return this.strict(args(), type, ([a, b]) => result(`${a} * ${b}`, scales[0]! + scales[1]!), true);
      }
      case 'div':
        if (argExprs.length !== 2 || !isDecimal(type)) return undefined;
        return this.strict(args(), type, ([a, b]) => `${D}.fit(${D}.divide(${a}, ${scales[0]}, ${b}, ${scales[1]}, ${out}), ${limit})`, true);
      case 'neg':
        if (argExprs.length !== 1 || !isDecimal(type)) return undefined;
        return this.strict(args(), type, ([a]) => `-${a}`);
      case 'abs':
        if (argExprs.length !== 1 || !isDecimal(type)) return undefined;
        return this.strict(args(), type, ([a]) => result(`(${a} < 0n ? -${a} : ${a})`, scales[0]!), true);
      case 'sign':
        if (argExprs.length !== 1 || !isDecimal(type)) return undefined;
        return this.strict(args(), type, ([a]) => `(${a} > 0n ? ${this.big(pow10(out))} : ${a} < 0n ? -${this.big(pow10(out))} : 0n)`);
      case 'floor':
      case 'ceil': {
        if (argExprs.length !== 1 || !isDecimal(type)) return undefined;
        const divisor = this.big(pow10(scales[0]!));
        return this.strict(args(), type, ([a]) => result(`${D}.${fn}(${a}, ${divisor})`, 0), true);
      }
      case 'round':
      case 'truncate': {
        if (!isDecimal(type)) return undefined;
        const digits = argExprs[1];
        if (digits !== undefined && (digits.kind !== 'literal' || typeof digits.value !== 'number')) invalid(`${fn.toUpperCase()} of a DECIMAL needs its digits as a literal`);
        const d = digits?.kind === 'literal' ? (digits.value as number) : 0;
        return this.strict([this.emit(argExprs[0]!)], type, ([a]) => `${D}.fit(${D}.${fn}(${a}, ${scales[0]}, ${d}, ${out}), ${limit})`, true);
      }
      case 'eq':
      case 'ne':
      case 'lt':
      case 'le':
      case 'gt':
      case 'ge': {
        if (argExprs.length !== 2 || !isDecimal(argExprs[0]!.type) || !isDecimal(argExprs[1]!.type)) return undefined;
        const op = COMPARISON_OPERATORS[fn];
        const [sa, sb] = scales as [number, number];
        const s = Math.max(sa, sb);
        return this.strict(args(), 'BOOLEAN', ([a, b]) => `${up(a!, sa, s)} ${op} ${up(b!, sb, s)}`);
      }
      default:
        return undefined;
    }
  }

  /** A cast from or to DECIMAL. */
  decimalCast(s: Slot, from: DataType, to: DataType): Slot {
    const D = this.dec();
    if (isDecimal(to)) {
      const { precision, scale } = decimalParams(to);
      const limit = this.big(pow10(precision));
      if (isDecimal(from)) {
        const f = decimalParams(from).scale;
        const body = f > scale ? (a: string) => `${D}.down(${a}, ${f - scale})` : f < scale ? (a: string) => `${a} * ${this.big(pow10(scale - f))}` : (a: string) => a;
        return this.strict([s], to, ([a]) => `${D}.fit(${body(a!)}, ${limit})`, true);
      }
      switch (from) {
        case 'INT':
        case 'BIGINT':
          return this.strict([s], to, ([a]) => `${D}.fit(${D}.fromInteger(${a}, ${this.big(pow10(scale))}), ${limit})`, true);
        case 'DOUBLE':
          return this.strict([s], to, ([a]) => `${D}.fromDouble(${a}, ${precision}, ${scale})`, true);
        case 'VARCHAR':
          return this.strict([s], to, ([a]) => `${D}.fromText(${a}, ${precision}, ${scale})`, true);
        case 'BOOLEAN':
          return this.strict([s], to, ([a]) => `${D}.fit(${a} ? ${this.big(pow10(scale))} : 0n, ${limit})`, true);
        default:
          return invalid(`cannot cast ${from} to ${to}`);
      }
    }
    if (!isDecimal(from)) return invalid(`internal error: no DECIMAL in a cast from ${from} to ${to}`);
    const f = decimalParams(from).scale;
    switch (to) {
      case 'VARCHAR':
        return this.strict([s], to, ([a]) => `${D}.toText(${a}, ${f})`);
      case 'DOUBLE':
        return this.strict([s], to, ([a]) => `${D}.toDouble(${a}, ${f})`);
      case 'INT':
        return this.strict([s], to, ([a]) => `${D}.toInteger(${a}, ${this.big(pow10(f))}, -2147483648, 2147483647)`, true);
      case 'BIGINT':
        return this.strict([s], to, ([a]) => `${D}.toInteger(${a}, ${this.big(pow10(f))}, ${Number.MIN_SAFE_INTEGER}, ${Number.MAX_SAFE_INTEGER})`, true);
      case 'BOOLEAN':
        return this.strict([s], to, ([a]) => `${a} !== 0n`);
      default:
        return invalid(`cannot cast ${from} to ${to}`);
    }
  }

  /**
   * decimalCall's steps on unscaled doubles (the number version): the same results, each checked to be
   * a safe integer before it is used, so a value the doubles cannot hold exactly sends the batch to the
   * BigInt version. Undefined for a call with no such step (division, rounding): then the expression
   * has no number version.
   */
  numberDecimalCall(fn: string, argExprs: readonly Expr[], type: DataType): Slot | undefined {
    const scales = argExprs.map((a) => scaleOf(a.type));
    const args = (): Slot[] => argExprs.map((a) => this.emit(a));
    /** Statements that set `to` to `v` (at scale `from`) at scale `at` ≥ from, or give the batch up. */
    const up = (to: string, v: string, from: number, at: number): string => (at === from ? `const ${to} = ${v};` : `const ${to} = ${v} * ${10 ** (at - from)}; ${this.exact(to)}`);
    switch (fn) {
      case 'add':
      case 'sub': {
        if (argExprs.length !== 2 || !isDecimal(type)) return undefined;
        const [sa, sb] = scales as [number, number];
        const s = Math.max(sa, sb);
        const op = fn === 'add' ? '+' : '-';
        return this.numberResult(args(), type, s, ([a, b]) => `${up('x', a!, sa, s)} ${up('y', b!, sb, s)} r = x ${op} y; ${this.exact('r')}`);
      }
      case 'mod': {
        if (argExprs.length !== 2 || !isDecimal(type)) return undefined;
        const [sa, sb] = scales as [number, number];
        const s = Math.max(sa, sb);
        // As decimalCall: the remainder at the operands' scale, checked against the precision only.
        return this.numberResult(args(), type, scaleOf(type), ([a, b], u) => `${up('x', a!, sa, s)} ${up('y', b!, sb, s)} if (y === 0) ${u} = true; else r = x % y;`);
      }
      case 'mul':
        if (argExprs.length !== 2 || !isDecimal(type)) return undefined;
        return this.numberResult(args(), type, scales[0]! + scales[1]!, ([a, b]) => `r = ${a} * ${b}; ${this.exact('r')}`);
      case 'neg':
        if (argExprs.length !== 1 || !isDecimal(type)) return undefined;
        return this.strict(args(), type, ([a]) => `(0 - ${a})`);
      case 'abs':
        if (argExprs.length !== 1 || !isDecimal(type)) return undefined;
        return this.numberResult(args(), type, scales[0]!, ([a]) => `r = Math.abs(${a});`);
      case 'eq':
      case 'ne':
      case 'lt':
      case 'le':
      case 'gt':
      case 'ge': {
        if (argExprs.length !== 2 || !isDecimal(argExprs[0]!.type) || !isDecimal(argExprs[1]!.type)) return undefined;
        const op = COMPARISON_OPERATORS[fn];
        const [sa, sb] = scales as [number, number];
        const s = Math.max(sa, sb);
        const [a, b] = args() as [Slot, Slot];
        const id = this.fresh();
        this.lines.push(`let u${id} = ${a.u} || ${b.u}, t${id} = false;`, `if (!u${id}) { ${up('x', a.v, sa, s)} ${up('y', b.v, sb, s)} t${id} = x ${op} y; }`);
        return { v: `t${id}`, u: `u${id}` };
      }
      default:
        return undefined;
    }
  }

  /** decimalCast in the number version; throws NoNumberVersion for the casts that go through text. */
  numberDecimalCast(s: Slot, from: DataType, to: DataType): Slot {
    if (isDecimal(to)) {
      const { scale } = decimalParams(to);
      if (isDecimal(from)) return this.numberResult([s], to, decimalParams(from).scale, ([a]) => `r = ${a};`);
      switch (from) {
        case 'INT':
        case 'BIGINT':
          // A BIGINT past 2^53 is a double BigInt() reads exactly; here it gives the batch up.
          return this.numberResult([s], to, 0, ([a]) => `r = ${a}; ${this.exact('r')}`);
        case 'BOOLEAN':
          if (scale > 15) throw new NoNumberVersion();
          return this.numberResult([s], to, scale, ([a]) => `r = ${a} ? ${10 ** scale} : 0;`);
        default:
          throw new NoNumberVersion();
      }
    }
    if (!isDecimal(from)) return invalid(`internal error: no DECIMAL in a cast from ${from} to ${to}`);
    const f = decimalParams(from).scale;
    // 10^f is exact as a double up to 10^22.
    if (f > 22) throw new NoNumberVersion();
    switch (to) {
      case 'DOUBLE':
        // Division of two exact doubles rounds once, to the double nearest the decimal's value, as its text
        // does; + 0 makes a −0 (a product with −0) the 0 BigInt gives.
        return this.strict([s], to, ([a]) => (f === 0 ? `${a} + 0` : `${a} / ${10 ** f} + 0`));
      case 'INT':
      case 'BIGINT': {
        const [min, max] = to === 'INT' ? [-2147483648, 2147483647] : [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
        return this.strict([s], to, ([a]) => `((q) => (q >= ${min} && q <= ${max} ? q : null))(${this.dec()}.truncNumber(${a}, ${10 ** f}))`, true);
      }
      case 'BOOLEAN':
        return this.strict([s], to, ([a]) => `${a} !== 0`);
      default:
        throw new NoNumberVersion();
    }
  }

  /**
   * A DECIMAL result of the number version: `body` sets `r` (at scale `from`) from non-NULL arguments, or
   * sets the slot's NULL flag; `r` is then brought to the type's scale (HALF_UP) and precision (NULL on
   * overflow), as decimalCall's `result`.
   */
  private numberResult(args: readonly Slot[], type: DataType, from: number, body: (v: readonly string[], u: string) => string): Slot {
    if (!isDecimal(type)) return invalid(`internal error: a ${type} result of DECIMAL arithmetic`);
    const { precision, scale } = decimalParams(type);
    const id = this.fresh();
    const u = args.length === 0 ? 'false' : args.map((a) => a.u).join(' || ');
    const rescale = scale === from ? '' : scale > from ? `r *= ${10 ** (scale - from)}; ${this.exact('r')}` : `r = ${this.dec()}.downNumber(r, ${10 ** (from - scale)});`;
    // Every safe integer has fewer than 16 digits, and 10^p is exact for p ≤ 15.
    const fit = precision >= 16 ? `t${id} = r;` : `if (r < ${10 ** precision} && r > -${10 ** precision}) t${id} = r; else u${id} = true;`;
    this.lines.push(`let u${id} = ${u}, t${id} = 0;`, `if (!u${id}) { let r = 0; ${body(args.map((a) => a.v), `u${id}`)} if (!u${id}) { ${rescale} ${fit} } }`);
    return { v: `t${id}`, u: `u${id}` };
  }

  /**
   * udf('name', 'module', args…): a user function, called once per batch with every row's arguments
   * (each compiled as an expression of its own), its results read in the loop like an input column.
   */
  userFunction(argExprs: readonly Expr[], type: DataType): Slot {
    const [nameArg, moduleArg, ...rest] = argExprs;
    if (nameArg?.kind !== 'literal' || typeof nameArg.value !== 'string' || moduleArg?.kind !== 'literal' || typeof moduleArg.value !== 'string') {
      invalid('udf needs the function name and module as VARCHAR literals');
    }
    // The number version may give a batch up to the BigInt one, which would call the function again.
    if (this.decimals === 'number') throw new NoNumberVersion();
    const call = { name: nameArg.value, module: moduleArg.value, returns: type };
    const udfs = this.options.udfs ?? invalid(`user function ${call.name} (${call.module}) cannot run: the server has no directory of user functions (eddy serve --udf-dir)`);
    const args = rest.map((a) => compileExpr(a, this.options));
    const meter = this.options.meter;
    const j = this.consts.length;
    this.constant(undefined);
    this.derived.push({
      constant: j,
      compute(input) {
        const n = input.length;
        const values = args.map((a) => {
          const column = a.evaluate(input);
          // A DECIMAL reaches a user function as the nearest number (JavaScript has no decimal type).
          const scale = isDecimal(a.type) ? decimalParams(a.type).scale : -1;
          const value = (i: number): boolean | number | string | null => {
            const v = columnValue(column, i);
            return typeof v === 'bigint' ? decimalToDouble(v, scale) : v;
          };
          return { type: a.type, values: Array.from({ length: n }, (_v, i) => value(i)) };
        });
        const results = udfs.invoke(call, values, n, meter);
        if (isDecimal(type)) {
          // A user function returns a DECIMAL as a number or a string of digits, read as a record's value is.
          const { precision, scale } = decimalParams(type);
          const read = (v: unknown): bigint | null => (typeof v === 'number' ? decimalFromDouble(v, precision, scale) : typeof v === 'string' ? (parseDecimal(v, precision, scale) ?? null) : null);
          return columnOfValues(type, results.map(read));
        }
        return columnOfValues(type, type === 'BOOLEAN' ? results.map((v) => (v === null ? null : v ? 1 : 0)) : (results as (number | string | null)[]));
      },
    });
    const id = this.fresh();
    this.lines.push(`const t${id} = ${type === 'BOOLEAN' ? `k${j}.values[i] === 1` : `k${j}.values[i]`};`);
    this.lines.push(`const u${id} = k${j}.valid !== null && k${j}.valid[i] === 0;`);
    return { v: `t${id}`, u: `u${id}` };
  }

  /** A call of a built-in function through its kernel (see kernel.ts): built once here, called per row. */
  kernelCall(fn: string, kernel: Kernel, argExprs: readonly Expr[], type: DataType): Slot {
    const [min, max] = kernel.arity;
    if (argExprs.length < min || argExprs.length > max) invalid(`function '${fn}' takes ${min === max ? min : `${min} to ${max}`} arguments, got ${argExprs.length}`);
    const literals = argExprs.map((a) => (a.kind === 'literal' ? a.value : undefined));
    const f = kernel.make({ clock: this.options.clock ?? systemClock, meter: this.options.meter ?? UNMETERED }, literals);
    const k = this.constant(f);
    const slots = argExprs.map((a) => this.emit(a));
    const id = this.fresh();
    if (kernel.takesNulls) {
      const args = slots.map((s) => `(${s.u} ? null : ${s.v})`).join(', ');
      this.lines.push(`let t${id} = ${this.zero(type)}, u${id} = true;`, `{ const r = ${k}(${args}); if (r !== null && r !== undefined) { t${id} = r; u${id} = false; } }`);
    } else {
      const u = slots.length === 0 ? 'false' : slots.map((s) => s.u).join(' || ');
      this.lines.push(
        `let t${id} = ${this.zero(type)}, u${id} = ${u};`,
        `if (!u${id}) { const r = ${k}(${slots.map((s) => s.v).join(', ')}); if (r === null || r === undefined) u${id} = true; else t${id} = r; }`,
      );
    }
    return { v: `t${id}`, u: `u${id}` };
  }
}

/** A generated loop over a batch, with what it needs to run. */
interface Loop {
  readonly source: string;
  readonly fn: Evaluator;
  readonly consts: unknown[];
  readonly derived: readonly Derived[];
  /** Input column indexes, in the order the loop's `C` holds them. */
  readonly columns: readonly number[];
}

function generateLoop(expr: Expr, options: CompileOptions, decimals: 'bigint' | 'number'): Loop {
  const g = new Generator(options, decimals);
  const result = g.emit(expr);
  const write = expr.type === 'BOOLEAN' ? `OUT[i] = ${result.v} ? 1 : 0;` : `OUT[i] = ${result.v};`;
  const source = [
    "'use strict';",
    ...g.setup,
    'let nulls = 0;',
    'for (let i = 0; i < n; i++) {',
    ...g.lines.map((l) => `  ${l}`),
    `  if (${result.u}) { OV[i] = 0; nulls++; } else { OV[i] = 1; ${write} }`,
    '}',
    'return nulls;',
  ].join('\n');
  return { source, fn: new Function(...EXPRESSION_PARAMS, source) as Evaluator, consts: g.consts, derived: g.derived, columns: [...g.columnSlots.keys()] };
}

/** Whether a DECIMAL value is computed anywhere in the expression. */
function computesDecimals(e: Expr): boolean {
  if (isDecimal(e.type)) return true;
  switch (e.kind) {
    case 'column':
    case 'literal':
      return false;
    case 'call':
      return e.args.some(computesDecimals);
    case 'cast':
      return computesDecimals(e.expr);
    case 'case':
      return e.whens.some((w) => computesDecimals(w.when) || computesDecimals(w.then)) || (e.else !== undefined && computesDecimals(e.else));
    case 'in':
      return computesDecimals(e.expr) || e.list.some(computesDecimals);
    case 'between':
      return computesDecimals(e.expr) || computesDecimals(e.low) || computesDecimals(e.high);
    default:
      return unreachable(e, 'expression', 'ValidationException');
  }
}

/**
 * The number version of an expression that computes DECIMALs, or undefined when it has a step the
 * number version does not take (a DECIMAL column, division, text, a user function).
 */
function numberLoop(expr: Expr, options: CompileOptions): Loop | undefined {
  if (options.decimalsAsNumbers === false || !computesDecimals(expr)) return undefined;
  try {
    return generateLoop(expr, options, 'number');
  } catch (e) {
    if (e instanceof NoNumberVersion) return undefined;
    throw e;
  }
}

/** Compiles an expression; throws a ValidationException naming the problem if it cannot. */
export function compileExpr(expr: Expr, options: CompileOptions = {}): CompiledExpr {
  const type = expr.type;
  if (expr.kind === 'column') {
    // A bare column reference is the input column itself: no loop, no copy.
    const g = new Generator(options);
    g.column(expr.index, expr.type);
    const index = expr.index;
    return { type, columns: [index], source: '', numberSource: undefined, evaluate: (input) => input.column(index), evaluateArrow: (input) => columnToArrow(input.column(index)) };
  }
  const general = generateLoop(expr, options, 'bigint');
  const fast = numberLoop(expr, options);
  /** Runs a loop over the batch into `out`; the number of NULLs, or -1 when a number loop gave the batch up. */
  const run = (loop: Loop, input: ColumnSource, out: Column['values'], valid: Uint8Array): number => {
    const cols = loop.columns.map((c) => input.column(c));
    for (const d of loop.derived) loop.consts[d.constant] = d.compute(input);
    return loop.fn(cols, loop.consts, scalarFunctions, input.length, out, valid);
  };
  const evaluateGeneral = (input: ColumnSource): Column => {
    const n = input.length;
    const out = allocValues(type, n);
    const valid = new Uint8Array(n);
    const nulls = run(general, input, out, valid);
    return makeColumn(type, out, nulls === 0 ? null : valid, n);
  };
  if (fast === undefined) {
    return { type, columns: general.columns, source: general.source, numberSource: undefined, evaluate: evaluateGeneral, evaluateArrow: (input) => columnToArrow(evaluateGeneral(input)) };
  }
  if (!isDecimal(type)) {
    // The result is no DECIMAL (a comparison, a cast to DOUBLE): the number loop writes it as the other would.
    const evaluate = (input: ColumnSource): Column => {
      const n = input.length;
      const out = allocValues(type, n);
      const valid = new Uint8Array(n);
      const nulls = run(fast, input, out, valid);
      return nulls < 0 ? evaluateGeneral(input) : makeColumn(type, out, nulls === 0 ? null : valid, n);
    };
    return { type, columns: general.columns, source: general.source, numberSource: fast.source, evaluate, evaluateArrow: (input) => columnToArrow(evaluate(input)) };
  }
  /** The unscaled results as doubles, or undefined when the batch needs BigInts. */
  const numbers = (input: ColumnSource): { values: Float64Array; valid: Uint8Array | null } | undefined => {
    const n = input.length;
    const out = new Float64Array(n);
    const valid = new Uint8Array(n);
    const nulls = run(fast, input, out, valid);
    return nulls < 0 ? undefined : { values: out, valid: nulls === 0 ? null : valid };
  };
  return {
    type,
    columns: general.columns,
    source: general.source,
    numberSource: fast.source,
    evaluate(input) {
      const r = numbers(input);
      return r === undefined ? evaluateGeneral(input) : decimalColumnOfNumbers(type, r.values, r.valid, input.length);
    },
    evaluateArrow(input) {
      const r = numbers(input);
      return r === undefined ? columnToArrow(evaluateGeneral(input)) : decimalDataOfNumbers(type, r.values, r.valid, input.length);
    },
  };
}
