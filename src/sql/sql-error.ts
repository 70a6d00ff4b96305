// Located SQL errors: every error a user can cause names the line, the column and the token, and renders
// with a caret under the offending text.

import { EddyError } from '../engine/errors.js';

/** What kind of mistake the SQL holds; stable strings that clients and tests may match on. */
export type SqlErrorCode =
  | 'LexError'
  | 'SyntaxError'
  | 'UnknownStream'
  | 'UnknownColumn'
  | 'AmbiguousColumn'
  | 'UnknownFunction'
  | 'TypeMismatch'
  | 'InvalidWindow'
  | 'InvalidGrouping'
  | 'InvalidOption'
  | 'InvalidStatement'
  | 'StreamExists'
  | 'UnknownTable'
  | 'TableExists'
  | 'ViewExists'
  | 'UnknownView'
  | 'FunctionExists'
  /** A table function's argument of the wrong kind or out of its range (RANDOM_CUT_FOREST(…, 0)). */
  | 'InvalidArgument'
  /** Text too long, or nested too deeply, to compile safely. */
  | 'LimitExceeded';

/** Where in the SQL text something is. Lines and columns count from 1, offsets from 0. */
export interface SourceSpan {
  readonly offset: number;
  readonly length: number;
  readonly line: number;
  readonly column: number;
}

export class SqlError extends EddyError {
  readonly sqlCode: SqlErrorCode;
  readonly line: number;
  readonly column: number;
  readonly offset: number;
  readonly length: number;
  /** The text of the offending token (empty at the end of the input). */
  readonly token: string;
  /** The whole SQL text the location refers to. */
  readonly sql: string;

  constructor(sqlCode: SqlErrorCode, message: string, span: SourceSpan, sql: string) {
    super('SqlError', message, 'user');
    this.sqlCode = sqlCode;
    this.line = span.line;
    this.column = span.column;
    this.offset = span.offset;
    this.length = span.length;
    this.token = sql.slice(span.offset, span.offset + span.length);
    this.sql = sql;
  }

  /** The message, its location, and the offending line with a caret under the token. */
  render(): string {
    return renderSqlError(this);
  }
}

export const isSqlError = (e: unknown): e is SqlError => e instanceof SqlError;

export function renderSqlError(error: SqlError): string {
  const lines = error.sql.split(/\r\n|\r|\n/);
  const lineText = lines[error.line - 1] ?? '';
  const gutter = String(error.line);
  const pad = ' '.repeat(gutter.length);
  const start = Math.max(0, error.column - 1);
  const width = Math.max(1, Math.min(error.length, lineText.length - start));
  return [
    `error[${error.sqlCode}]: ${error.message}`,
    `${pad}--> line ${error.line}, column ${error.column}`,
    `${gutter} | ${lineText}`,
    `${pad} | ${' '.repeat(start)}${'^'.repeat(width)}`,
  ].join('\n');
}

/** The span of the text between two offsets (end exclusive), with line and column computed from the text. */
export function spanAt(sql: string, offset: number, length: number): SourceSpan {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < sql.length; i++) {
    const c = sql.charCodeAt(i);
    if (c === 10 || (c === 13 && sql.charCodeAt(i + 1) !== 10)) {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset, length, line, column: offset - lineStart + 1 };
}
