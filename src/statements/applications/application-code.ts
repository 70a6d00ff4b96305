// An application's code compiled into the continuous queries that run it. Until the KDA SQL dialect's
// own entry point is in src/sql, the code is compiled by Eddy's SQL: CREATE STREAM declares an
// in-application stream, and each INSERT INTO … SELECT is a pump from the application's input stream
// into one of them. A pump feeding a stream that an output names becomes one query per output, reading
// the input's Kinesis stream and writing the output's destination in its record format.

import { EddyError, isEddyError, type QueryPlan, type StreamSchema, type TableSchema } from '../../engine/index.js';
import { compileSql, isSqlError, staticCatalog } from '../../sql/index.js';

/** An in-application input stream and the stream in Eddy's store its records come from. */
export interface InAppInput {
  readonly schema: StreamSchema;
  readonly stream: string;
}

/** One INSERT INTO of the code: the in-application stream it feeds, and its plan over the in-application names. */
export interface CompiledPump {
  readonly target: string;
  readonly sql: string;
  readonly plan: QueryPlan;
}

export interface CompiledCode {
  /** The in-application streams the code declares. */
  readonly streams: readonly string[];
  readonly pumps: readonly CompiledPump[];
}

/** Compiles the code against the application's in-application inputs and reference tables. */
export function compileApplicationCode(code: string, inputs: readonly InAppInput[], tables: readonly TableSchema[]): CompiledCode {
  if (code.trim() === '') return { streams: [], pumps: [] };
  let statements;
  try {
    statements = compileSql(code, staticCatalog(inputs.map((i) => i.schema), [], [], tables));
  } catch (e) {
    throw codeError(e);
  }
  const streams: string[] = [];
  const pumps: CompiledPump[] = [];
  const inputStreams = new Map(inputs.map((i) => [i.schema.name, i.stream]));
  for (const statement of statements) {
    switch (statement.kind) {
      case 'createStream':
        streams.push(statement.name);
        break;
      case 'insert': {
        const sink = statement.plan.sink;
        if (sink.kind !== 'stream') throw located(statement, 'a pump must INSERT INTO an in-application stream');
        const sources = sourceNames(statement.plan.root);
        const unknown = sources.find((s) => !inputStreams.has(s));
        if (unknown !== undefined) {
          throw located(statement, `reading the in-application stream ${unknown}, which another pump feeds, is not supported yet: read the input stream (${[...inputStreams.keys()].join(', ')})`);
        }
        pumps.push({ target: sink.stream, sql: statement.sql, plan: { ...statement.plan, root: withSources(statement.plan.root, inputStreams) } });
        break;
      }
      case 'query':
        throw located(statement, 'a SELECT in application code must feed an in-application stream: write INSERT INTO <stream> SELECT …');
      default:
        throw located(statement, `${statement.sql.trim().split(/\s+/).slice(0, 2).join(' ').toUpperCase()} is not supported in application code`);
    }
  }
  return { streams, pumps };
}

/** A compile error as the service answered it: a CodeValidationException naming the line and column. */
function codeError(e: unknown): unknown {
  if (isSqlError(e)) {
    return new EddyError('CodeValidationException', `Line ${e.line}, column ${e.column}: ${e.message}${e.token === '' ? '' : ` (at '${e.token}')`}`);
  }
  if (isEddyError(e) && e.fault === 'user') return new EddyError('CodeValidationException', e.message);
  return e;
}

function located(statement: { readonly span: { readonly line: number; readonly column: number } }, message: string): EddyError {
  return new EddyError('CodeValidationException', `Line ${statement.span.line}, column ${statement.span.column}: ${message}`);
}

type PlanNode = QueryPlan['root'];

/** The streams a plan's source nodes read. */
function sourceNames(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) sourceNames(n, found);
  else if (node !== null && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (o.kind === 'source' && typeof o.stream === 'string') found.push(o.stream);
    else for (const v of Object.values(o)) sourceNames(v, found);
  }
  return found;
}

/** The plan with each in-application input's source reading the store's stream instead. */
function withSources(root: PlanNode, streams: ReadonlyMap<string, string>): PlanNode {
  const map = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(map);
    if (node === null || typeof node !== 'object') return node;
    const o = node as Record<string, unknown>;
    if (o.kind === 'source' && typeof o.stream === 'string') return { ...o, stream: streams.get(o.stream) ?? o.stream };
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, map(v)]));
  };
  return map(root) as PlanNode;
}
