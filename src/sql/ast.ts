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
  /**
   * `exact`: the digits of a number written with a point and no exponent (`-0.908`), an exact numeric
   * literal (DECIMAL), as SQL reads it; `1e3` and integers have none.
   */
  | { readonly kind: 'numberLiteral'; readonly value: number; readonly integer: boolean; readonly exact?: string; readonly span: SourceSpan }
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
      /** `FILTER (WHERE …)` after the call, with the span of the word FILTER. */
      readonly filter?: { readonly where: Expression; readonly span: SourceSpan };
      readonly span: SourceSpan;
    }
  /** EXTRACT(unit FROM ts) */
  | { readonly kind: 'extract'; readonly unit: TimeUnit; readonly operand: Expression; readonly span: SourceSpan }
  /** FLOOR(ts TO unit), CEIL(ts TO unit) */
  | { readonly kind: 'floorTime'; readonly ceil: boolean; readonly unit: TimeUnit; readonly operand: Expression; readonly span: SourceSpan }
  | { readonly kind: 'trim'; readonly side: 'BOTH' | 'LEADING' | 'TRAILING'; readonly characters?: Expression; readonly operand: Expression; readonly span: SourceSpan }
  | { readonly kind: 'currentTimestamp'; readonly span: SourceSpan }
  | OverExpression;

/** `SUM(x) OVER (…)`, `ROW_NUMBER() OVER w`: a call computed over a window of rows (see over-windows.ts). */
export interface OverExpression {
  readonly kind: 'over';
  readonly call: Extract<Expression, { readonly kind: 'call' }>;
  /** The window written inline, or the name of one in the query's WINDOW clause. */
  readonly window: WindowSpecification | Name;
  readonly span: SourceSpan;
}

/** `PARTITION BY … ORDER BY … frame`, inside OVER (…) or WINDOW w AS (…). */
export interface WindowSpecification {
  readonly kind: 'windowSpecification';
  readonly partitionBy: readonly Expression[];
  readonly orderBy: readonly OrderItem[];
  readonly frame?: WindowFrame;
  readonly span: SourceSpan;
}

export interface OrderItem {
  readonly expr: Expression;
  readonly descending: boolean;
  /** NULLS FIRST / NULLS LAST as written; absent when not written. */
  readonly nullsFirst?: boolean;
  readonly span: SourceSpan;
}

/** `ROWS BETWEEN 5 PRECEDING AND CURRENT ROW`; `end` is absent for the short form (`ROWS 5 PRECEDING`). */
export interface WindowFrame {
  readonly unit: 'ROWS' | 'RANGE';
  readonly start: FrameBound;
  readonly end?: FrameBound;
  readonly span: SourceSpan;
}

export type FrameBound =
  | { readonly kind: 'unboundedPreceding' | 'unboundedFollowing' | 'currentRow'; readonly span: SourceSpan }
  /** `5 PRECEDING`, `INTERVAL '10' MINUTE PRECEDING`. */
  | { readonly kind: 'preceding' | 'following'; readonly offset: Expression; readonly span: SourceSpan };

/** `WINDOW w AS (PARTITION BY … ORDER BY …)`. */
export interface NamedWindow {
  readonly name: Name;
  readonly spec: WindowSpecification;
  readonly span: SourceSpan;
}

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
      readonly window: 'TUMBLE' | 'HOP' | 'CUMULATE' | 'SESSION';
      readonly stream: Name;
      /** SESSION(TABLE s PARTITION BY k, …): sessions are kept apart per value of these columns. */
      readonly partitionBy?: readonly Name[];
      readonly timeColumn: Name;
      /** TUMBLE: [size, offset?]. HOP: [slide, size, offset?]. CUMULATE: [step, size, offset?]. SESSION: [gap]. */
      readonly intervals: readonly Expression[];
      readonly alias?: Name;
      readonly span: SourceSpan;
    }
  | {
      /** KDA's TABLE(RANDOM_CUT_FOREST(CURSOR(SELECT …), …)) and the like (analytics-functions.ts). */
      readonly kind: 'analyticsTable';
      readonly fn: 'RANDOM_CUT_FOREST' | 'RANDOM_CUT_FOREST_WITH_EXPLANATION' | 'HOTSPOTS';
      readonly fnSpan: SourceSpan;
      /** The rows the function reads: CURSOR(SELECT …). */
      readonly cursor: Query;
      readonly cursorSpan: SourceSpan;
      /** The arguments after the cursor, as written (constants). */
      readonly args: readonly Expression[];
      readonly alias?: Name;
      readonly span: SourceSpan;
    };

/** A GROUP BY element: an expression, a list (a, b) or (), ROLLUP (…), CUBE (…) or GROUPING SETS (…). */
export type GroupingElement =
  | { readonly kind: 'expr'; readonly expr: Expression }
  | { readonly kind: 'tuple'; readonly columns: readonly Expression[]; readonly span: SourceSpan }
  /** Each item is a column or a list of columns written together, as in ROLLUP (a, (b, c)). */
  | { readonly kind: 'rollup' | 'cube'; readonly items: readonly (readonly Expression[])[]; readonly span: SourceSpan }
  | { readonly kind: 'groupingSets'; readonly items: readonly GroupingElement[]; readonly span: SourceSpan };

export interface Query {
  readonly kind: 'query';
  readonly items: readonly SelectItem[];
  readonly from: FromItem;
  readonly where?: Expression;
  /** Every expression GROUP BY names, in order, including those inside GROUPING SETS, ROLLUP and CUBE. */
  readonly groupBy: readonly Expression[];
  /**
   * With GROUPING SETS, ROLLUP or CUBE: the sets of grouping columns, each a list of indexes into
   * `groupBy` (see grouping-sets.ts); absent for a GROUP BY that is one set.
   */
  readonly groupingSets?: { readonly sets: readonly (readonly number[])[]; readonly span: SourceSpan };
  readonly having?: Expression;
  /** The WINDOW clause: windows OVER names. */
  readonly windows?: readonly NamedWindow[];
  /** QUALIFY: a filter on the query's OVER results, as a filter in an enclosing query would be. */
  readonly qualify?: Expression;
  /** EMIT ON WINDOW CLOSE, EMIT CHANGES [EVERY …]: when results go out (emit-clause.ts). */
  readonly emit?: EmitClause;
  /** `… WITH (bad_records = 'x', allowed_lateness = '1 minute')` after the query: how the query runs, not what it computes. */
  readonly options?: readonly OptionEntry[];
  /** KDA's `WINDOWED BY STAGGER (PARTITION BY … RANGE INTERVAL …)`, in place of GROUP BY (kda-windows.ts). */
  readonly stagger?: StaggerClause;
  readonly span: SourceSpan;
}

export interface StaggerClause {
  readonly partitionBy: readonly Expression[];
  readonly range: Extract<Expression, { readonly kind: 'intervalLiteral' }>;
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
  /** `PRIMARY KEY` after the type (CREATE TABLE). */
  readonly primaryKey?: SourceSpan;
  readonly span: SourceSpan;
}

/** `PRIMARY KEY (a, b)` among a table's columns. */
export interface PrimaryKeyDefinition {
  readonly columns: readonly Name[];
  readonly span: SourceSpan;
}

/** `name AS expression` in CREATE STREAM: a column computed from the others. */
export interface ComputedColumnDefinition {
  readonly name: Name;
  readonly computed: Expression;
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
      readonly columns: readonly (ColumnDefinition | ComputedColumnDefinition)[];
      readonly watermark?: WatermarkDefinition;
      readonly options: readonly OptionEntry[];
      /** CREATE STREAM x AS SELECT … */
      readonly query?: Query;
      readonly span: SourceSpan;
    }
  | {
      readonly kind: 'createTable';
      readonly name: Name;
      readonly ifNotExists: boolean;
      /** Computed columns only in tables with a connector (see connector-tables.ts). */
      readonly columns: readonly (ColumnDefinition | ComputedColumnDefinition)[];
      readonly primaryKey?: PrimaryKeyDefinition;
      readonly watermark?: WatermarkDefinition;
      readonly options: readonly OptionEntry[];
      readonly span: SourceSpan;
    }
  | { readonly kind: 'dropStream'; readonly name: Name; readonly ifExists: boolean; readonly span: SourceSpan }
  /**
   * KDA's `CREATE OR REPLACE STREAM name (col TYPE, …)`: a stream pumps write, created (or, when it
   * exists with these columns, kept) as JSON.
   */
  | {
      readonly kind: 'createOrReplaceStream';
      readonly name: Name;
      readonly columns: readonly ColumnDefinition[];
      readonly options: readonly OptionEntry[];
      readonly span: SourceSpan;
    }
  /** KDA's `CREATE OR REPLACE PUMP name AS INSERT INTO … SELECT STREAM …`: a continuous INSERT with a name. */
  | { readonly kind: 'createPump'; readonly name: Name; readonly insert: InsertStatementNode; readonly span: SourceSpan }
  | { readonly kind: 'dropTable'; readonly name: Name; readonly ifExists: boolean; readonly span: SourceSpan }
  | { readonly kind: 'refreshTable'; readonly name: Name; readonly span: SourceSpan }
  | { readonly kind: 'showTables'; readonly span: SourceSpan }
  | {
      readonly kind: 'createView';
      readonly name: Name;
      /** TEMPORARY: kept until the server stops, not persisted. */
      readonly temporary: boolean;
      readonly ifNotExists: boolean;
      /** CREATE VIEW v (a, b) AS …: names for the query's columns. */
      readonly columns?: readonly Name[];
      readonly query: Query;
      readonly span: SourceSpan;
    }
  | { readonly kind: 'dropView'; readonly name: Name; readonly ifExists: boolean; readonly span: SourceSpan }
  | { readonly kind: 'showViews'; readonly span: SourceSpan }
  | {
      readonly kind: 'createFunction';
      readonly name: Name;
      readonly temporary: boolean;
      readonly ifNotExists: boolean;
      /** AS 'module.js': the module, relative to the directory of user functions. */
      readonly module: { readonly text: string; readonly span: SourceSpan };
      readonly language?: Name;
      /** RETURNS type; without it, the type the module declares for the function (see user-functions.ts). */
      readonly returns?: TypeName;
      readonly span: SourceSpan;
    }
  | { readonly kind: 'dropFunction'; readonly name: Name; readonly ifExists: boolean; readonly span: SourceSpan }
  /** SHOW FUNCTIONS (built-in and user functions) or SHOW USER FUNCTIONS. */
  | { readonly kind: 'showFunctions'; readonly user: boolean; readonly span: SourceSpan }
  | { readonly kind: 'showStreams'; readonly span: SourceSpan }
  /** SET 'key' = 'value': an option for the statements after it in the same script. */
  | { readonly kind: 'set'; readonly key: { readonly text: string; readonly span: SourceSpan }; readonly value: { readonly text: string; readonly span: SourceSpan }; readonly span: SourceSpan }
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
