// The abstract syntax tree: readonly, `kind`-tagged nodes built by cst-to-ast.ts. Every node keeps the
// span of the text it came from, so later passes can point at it in their errors.

import type { DataType } from '../engine/plan/index.js';
import type { SourceSpan } from './sql-error.js';

/** A name as written: `quoted` names match exactly, unquoted ones case-insensitively. */
export interface Name {
  readonly text: string;
  readonly quoted: boolean;
  readonly span: SourceSpan;
}

export type TimeUnit = 'MILLISECOND' | 'SECOND' | 'MINUTE' | 'HOUR' | 'DAY' | 'WEEK' | 'MONTH' | 'QUARTER' | 'YEAR' | 'DOW' | 'DOY' | 'EPOCH';

export type BinaryOperator =
  | '+' | '-' | '*' | '/' | '%' | '||'
  | '=' | '<>' | '<' | '<=' | '>' | '>='
  | 'AND' | 'OR';

export type Expression =
  | { readonly kind: 'columnRef'; readonly qualifier?: Name; readonly name: Name; readonly span: SourceSpan }
  | { readonly kind: 'numberLiteral'; readonly value: number; readonly integer: boolean; readonly span: SourceSpan }
  | { readonly kind: 'stringLiteral'; readonly value: string; readonly span: SourceSpan }
  | { readonly kind: 'booleanLiteral'; readonly value: boolean; readonly span: SourceSpan }
  | { readonly kind: 'nullLiteral'; readonly span: SourceSpan }
  /** INTERVAL '5' SECOND, already in milliseconds. */
  | { readonly kind: 'intervalLiteral'; readonly ms: number; readonly text: string; readonly span: SourceSpan }
  /** TIMESTAMP '2024-01-01 10:00:00', already as epoch ms (UTC). */
  | { readonly kind: 'timestampLiteral'; readonly ms: number; readonly text: string; readonly span: SourceSpan }
  | { readonly kind: 'binary'; readonly op: BinaryOperator; readonly left: Expression; readonly right: Expression; readonly span: SourceSpan; readonly opSpan: SourceSpan }
  | { readonly kind: 'unary'; readonly op: '-' | 'NOT'; readonly operand: Expression; readonly span: SourceSpan }
  | { readonly kind: 'isNull'; readonly operand: Expression; readonly negated: boolean; readonly span: SourceSpan }
  | { readonly kind: 'inList'; readonly operand: Expression; readonly list: readonly Expression[]; readonly negated: boolean; readonly span: SourceSpan }
  | { readonly kind: 'between'; readonly operand: Expression; readonly low: Expression; readonly high: Expression; readonly negated: boolean; readonly span: SourceSpan }
  | { readonly kind: 'like'; readonly operand: Expression; readonly pattern: Expression; readonly negated: boolean; readonly span: SourceSpan }
  | {
      readonly kind: 'case';
      /** Present for the simple form `CASE x WHEN 1 THEN …`. */
      readonly operand?: Expression;
      readonly whens: readonly { readonly when: Expression; readonly then: Expression }[];
      readonly else?: Expression;
      readonly span: SourceSpan;
    }
  | { readonly kind: 'cast'; readonly operand: Expression; readonly type: TypeName; readonly span: SourceSpan }
  | {
      readonly kind: 'call';
      /** Upper-cased function name. */
      readonly name: string;
      readonly nameSpan: SourceSpan;
      readonly args: readonly Expression[];
      /** COUNT(*). */
      readonly star: boolean;
      readonly distinct: boolean;
      readonly span: SourceSpan;
    }
  /** EXTRACT(unit FROM ts) */
  | { readonly kind: 'extract'; readonly unit: TimeUnit; readonly operand: Expression; readonly span: SourceSpan }
  /** FLOOR(ts TO unit), CEIL(ts TO unit) */
  | { readonly kind: 'floorTime'; readonly ceil: boolean; readonly unit: TimeUnit; readonly operand: Expression; readonly span: SourceSpan }
  | { readonly kind: 'trim'; readonly side: 'BOTH' | 'LEADING' | 'TRAILING'; readonly characters?: Expression; readonly operand: Expression; readonly span: SourceSpan }
  | { readonly kind: 'currentTimestamp'; readonly span: SourceSpan };

export interface TypeName {
  readonly type: DataType;
  /** As written, for messages: `VARCHAR(20)`. */
  readonly text: string;
  readonly span: SourceSpan;
}

export type SelectItem =
  | { readonly kind: 'star'; readonly qualifier?: Name; readonly span: SourceSpan }
  | { readonly kind: 'expr'; readonly expr: Expression; readonly alias?: Name; readonly span: SourceSpan };

/** How a FROM clause joins two items: `,` and CROSS JOIN put their condition in WHERE. */
export type JoinKind = 'inner' | 'left' | 'right' | 'full' | 'cross';

export type FromItem =
  | {
      readonly kind: 'stream';
      /** A stream or a table. */
      readonly name: Name;
      /** `FOR SYSTEM_TIME AS OF expr`: a table's version as of that time. */
      readonly asOf?: Expression;
      readonly alias?: Name;
      readonly span: SourceSpan;
    }
  | {
      readonly kind: 'join';
      readonly joinKind: JoinKind;
      /** `a, b` rather than a JOIN keyword. */
      readonly comma: boolean;
      readonly left: FromItem;
      readonly right: FromItem;
      readonly on?: Expression;
      /** Where the join is written (its keyword, or the comma), for messages. */
      readonly keywordSpan: SourceSpan;
      readonly span: SourceSpan;
    }
  | { readonly kind: 'subquery'; readonly query: Query; readonly alias?: Name; readonly span: SourceSpan }
  | {
      readonly kind: 'windowTable';
      readonly window: 'TUMBLE' | 'HOP';
      readonly stream: Name;
      readonly timeColumn: Name;
      /** TUMBLE: [size]. HOP: [slide, size]. */
      readonly intervals: readonly Expression[];
      readonly alias?: Name;
      readonly span: SourceSpan;
    };

export interface Query {
  readonly kind: 'query';
  readonly items: readonly SelectItem[];
  readonly from: FromItem;
  readonly where?: Expression;
  readonly groupBy: readonly Expression[];
  readonly having?: Expression;
  /** EMIT ON WINDOW CLOSE, EMIT CHANGES [EVERY …]: when results go out (emit-clause.ts). */
  readonly emit?: EmitClause;
  /** `… WITH (bad_records = 'x', allowed_lateness = '1 minute')` after the query: how the query runs, not what it computes. */
  readonly options?: readonly OptionEntry[];
  readonly span: SourceSpan;
}

export type EmitClause =
  | { readonly kind: 'onWindowClose'; readonly span: SourceSpan }
  | { readonly kind: 'changes'; readonly every?: { readonly ms: number; readonly span: SourceSpan }; readonly span: SourceSpan };

export interface ColumnDefinition {
  readonly name: Name;
  readonly type: TypeName;
  /** PATH '$.payload.user.id' as written. */
  readonly path?: { readonly text: string; readonly span: SourceSpan };
  readonly span: SourceSpan;
}

export interface WatermarkDefinition {
  readonly column: Name;
  readonly expr: Expression;
  readonly span: SourceSpan;
}

export interface OptionEntry {
  /** Lower-cased key, dotted parts joined: `csv.delimiter`. */
  readonly key: string;
  readonly value: string | number | boolean | null;
  readonly span: SourceSpan;
  readonly valueSpan: SourceSpan;
}

export type Statement =
  | {
      readonly kind: 'createStream';
      readonly name: Name;
      readonly ifNotExists: boolean;
      readonly columns: readonly ColumnDefinition[];
      readonly watermark?: WatermarkDefinition;
      readonly options: readonly OptionEntry[];
      /** CREATE STREAM x AS SELECT … */
      readonly query?: Query;
      readonly span: SourceSpan;
    }
  | { readonly kind: 'dropStream'; readonly name: Name; readonly ifExists: boolean; readonly span: SourceSpan }
  | { readonly kind: 'showStreams'; readonly span: SourceSpan }
  | { readonly kind: 'showQueries'; readonly span: SourceSpan }
  | { readonly kind: 'describe'; readonly name: Name; readonly span: SourceSpan }
  | {
      readonly kind: 'explain';
      readonly statement: SelectStatementNode | InsertStatementNode;
      /** EXPLAIN CODEGEN: the generated code too. */
      readonly codegen: boolean;
      readonly span: SourceSpan;
    }
  | SelectStatementNode
  | InsertStatementNode;

export interface SelectStatementNode {
  readonly kind: 'select';
  readonly query: Query;
  readonly span: SourceSpan;
}

export interface InsertStatementNode {
  readonly kind: 'insert';
  readonly target: Name;
  /** INSERT INTO t (a, b) SELECT …: the target columns the query fills, in order; others get NULL. */
  readonly columns?: readonly Name[];
  readonly query: Query;
  readonly span: SourceSpan;
}
