// Typed, resolved expressions: the output of the SQL analyzer and the input of the expression compiler.
// Column references are by index into the input batch, so the engine never resolves names.

export type DataType = 'BOOLEAN' | 'INT' | 'BIGINT' | 'DOUBLE' | 'VARCHAR' | 'TIMESTAMP';

export type Expr =
  | { readonly kind: 'column'; readonly index: number; readonly name: string; readonly type: DataType }
  | { readonly kind: 'literal'; readonly value: boolean | number | string | null; readonly type: DataType }
  /**
   * Operators and scalar functions by name, e.g. `add`, `sub`, `mul`, `div`, `mod`, `neg`, `eq`, `ne`,
   * `lt`, `le`, `gt`, `ge`, `and`, `or`, `not`, `is_null`, `is_not_null`, `like`, `concat`, `lower`,
   * `upper`, `substring`, `trim`, `char_length`, `regexp_like`, `abs`, `round`, `floor`, `ceil`,
   * `power`, `sqrt`, `ln`, `coalesce`, `floor_time` (args: ts, unit literal), `extract` (unit literal,
   * ts), `current_timestamp`.
   */
  | { readonly kind: 'call'; readonly fn: string; readonly args: readonly Expr[]; readonly type: DataType }
  | { readonly kind: 'cast'; readonly expr: Expr; readonly type: DataType }
  | {
      readonly kind: 'case';
      readonly whens: readonly { readonly when: Expr; readonly then: Expr }[];
      readonly else?: Expr;
      readonly type: DataType;
    }
  | { readonly kind: 'in'; readonly expr: Expr; readonly list: readonly Expr[]; readonly negated: boolean; readonly type: 'BOOLEAN' }
  | { readonly kind: 'between'; readonly expr: Expr; readonly low: Expr; readonly high: Expr; readonly negated: boolean; readonly type: 'BOOLEAN' };
