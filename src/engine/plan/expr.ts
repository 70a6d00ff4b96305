// Typed, resolved expressions: the output of the SQL analyzer and the input of the expression compiler.
// Column references are by index into the input batch, so the engine never resolves names.

import type { DecimalType } from './decimal.js';

/** The SQL types; DECIMAL's name carries its precision and scale (plan/decimal.ts). */
export type DataType = 'BOOLEAN' | 'INT' | 'BIGINT' | 'DOUBLE' | 'VARCHAR' | 'TIMESTAMP' | DecimalType;

export type Expr =
  | { readonly kind: 'column'; readonly index: number; readonly name: string; readonly type: DataType }
  /**
   * TIMESTAMP literals are epoch milliseconds; INT and BIGINT literals are safe-integer numbers; DECIMAL
   * literals are their digits as text (`'0.908'`), exactly, with at most the type's scale after the point.
   */
  | { readonly kind: 'literal'; readonly value: boolean | number | string | null; readonly type: DataType }
  /**
   * Operators and scalar functions by name. Unless stated, a call is NULL when any argument is NULL.
   * The analyzer makes operand types agree before the engine sees them: numeric operands of
   * arithmetic, comparisons, `in`, `between`, `case` and `coalesce` are cast (or, for literals,
   * retyped) to one common type, and a NULL literal carries the type its context needs.
   *
   * Arithmetic (numbers of one type T, result T unless stated):
   *   `add`, `sub`, `mul`, `neg` (1 arg); `div` always has DOUBLE operands and result (7 / 2 = 3.5);
   *   `mod` (a, b), sign of a, result INT/BIGINT/DOUBLE as its operands.
   *   `add`/`sub` also take (TIMESTAMP, BIGINT milliseconds) → TIMESTAMP: `ts - INTERVAL '5' SECOND`
   *   is `sub(ts, 5000)`.
   * Comparisons (two operands of one type: numeric, VARCHAR, BOOLEAN or TIMESTAMP) → BOOLEAN:
   *   `eq`, `ne`, `lt`, `le`, `gt`, `ge`. VARCHAR compares by UTF-16 code units (JS `<`).
   * Logic, three-valued (SQL's NULL rules: FALSE AND NULL = FALSE, TRUE OR NULL = TRUE):
   *   `and`, `or` (2 args), `not` (1). Never NULL-propagating for the short-circuiting cases.
   * `is_null`, `is_not_null` (1 arg, any type) → BOOLEAN, never NULL.
   * Strings:
   *   `like` (s, pattern [, escape]) → BOOLEAN; `%` any run, `_` one character (a code point); the
   *     escape, a one-character literal, makes the character after it literal. Matches in time at most
   *     proportional to value length times pattern length.
   *   `concat` (VARCHAR…, ≥ 1 args) → VARCHAR; `||` and CONCAT both; non-VARCHAR args arrive cast.
   *   `lower`, `upper` (s) → VARCHAR; `char_length` (s) → INT, counting code points.
   *   `substring` (s, start [, length]) → VARCHAR; 1-based start counting code points, as SQL's SUBSTRING.
   *   `trim` (s, characters, side) → VARCHAR; characters is a VARCHAR (each of its characters is
   *     removed), side a VARCHAR literal 'BOTH' | 'LEADING' | 'TRAILING'. TRIM(s) is trim(s, ' ', 'BOTH').
   *   `regexp_like` (s, pattern [, flags]) → BOOLEAN, true when the pattern, in RE2 syntax, matches
   *     anywhere in s; matching takes time linear in s. flags is a VARCHAR literal of i (ignore case),
   *     m (^ and $ match at line breaks) and s (. matches a line break). A literal pattern RE2 refuses
   *     fails compilation; a per-row one gives NULL.
   * Math (numbers):
   *   `abs` (x) → type of x; `round` (x [, digits INT]) → type of x, half away from zero;
   *   `floor`, `ceil` (x) → type of x; `power` (x, y), `sqrt` (x), `ln` (x) → DOUBLE
   *   (NaN for sqrt/ln outside their domain, as JavaScript).
   * `coalesce` (x, …) → the first non-NULL argument; all of one type.
   * Time (TIMESTAMP is epoch milliseconds, UTC):
   *   `floor_time` (ts, unit), `ceil_time` (ts, unit) → TIMESTAMP; unit is a VARCHAR literal
   *     'MILLISECOND', 'SECOND', 'MINUTE', 'HOUR', 'DAY', 'WEEK' (ISO weeks start on Monday), 'MONTH',
   *     'QUARTER' or 'YEAR'. ceil_time of a value already on a boundary is that value.
   *   `extract` (unit, ts) → BIGINT; unit a VARCHAR literal 'MILLISECOND', 'SECOND', 'MINUTE', 'HOUR',
   *     'DAY' (of month), 'DOW' (0 = Sunday), 'DOY', 'WEEK' (ISO week of year), 'MONTH' (1–12),
   *     'QUARTER', 'YEAR' or 'EPOCH' (seconds).
   *   `current_timestamp` () → TIMESTAMP: the query clock's time when the batch is processed.
   * Flink's other built-in functions (`lpad`, `date_format`, `regexp_extract`, `json_value`, `log`, …) are
   * kernels, each documented where it is defined: engine/expr/scalar-kernels.ts lists them by name.
   */
  | { readonly kind: 'call'; readonly fn: string; readonly args: readonly Expr[]; readonly type: DataType }
  /**
   * Conversions the analyzer allows: any type → VARCHAR (TIMESTAMP as ISO-8601 UTC with milliseconds,
   * BOOLEAN as 'true'/'false', DOUBLE as JavaScript prints it); VARCHAR → any type (NULL when the text
   * does not parse; TIMESTAMP from ISO-8601 or `YYYY-MM-DD HH:MM:SS[.fff]`, UTC unless an offset is
   * given); numeric ↔ numeric (to INT/BIGINT truncates toward zero); TIMESTAMP ↔ BIGINT (epoch ms);
   * BOOLEAN ↔ INT (1/0).
   */
  | { readonly kind: 'cast'; readonly expr: Expr; readonly type: DataType }
  /** The first `when` that is TRUE gives its `then`; otherwise `else`, or NULL without one. */
  | {
      readonly kind: 'case';
      readonly whens: readonly { readonly when: Expr; readonly then: Expr }[];
      readonly else?: Expr;
      readonly type: DataType;
    }
  /** SQL IN: NULL when no item matches and the value or an item is NULL. */
  | { readonly kind: 'in'; readonly expr: Expr; readonly list: readonly Expr[]; readonly negated: boolean; readonly type: 'BOOLEAN' }
  /** low <= expr AND expr <= high (with `negated`, NOT of that), three-valued. */
  | { readonly kind: 'between'; readonly expr: Expr; readonly low: Expr; readonly high: Expr; readonly negated: boolean; readonly type: 'BOOLEAN' };
