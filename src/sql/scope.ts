// Names in scope: streams resolved against the catalog, and the columns a FROM item makes visible (with
// their qualifiers, hidden system columns, time attributes and window bounds), found by name as SQL
// finds them.

import { ARRIVAL_TIME_COLUMN, ROWTIME, SYSTEM_COLUMNS, type DataType, type StreamSchema, type TableSchema, type ViewSchema, type WindowSpec } from '../engine/plan/index.js';
import type { Expression, Name, Query } from './ast.js';
import { closest, didYouMean } from './did-you-mean.js';
import type { LogicalInput, NamedWindowSpec, ScanInput } from './logical-plan.js';
import type { SqlCatalog } from './sql-catalog.js';
import type { SourceSpan } from './sql-error.js';
import type { Fail } from './typing.js';
import type { WindowFunction } from './window-table-functions.js';

/**
 * The column a subquery or CURSOR carries its rows' ROWTIME out in, for KDA's pumps and stream functions
 * (every KDA stream has a ROWTIME); hidden from `*`, so it is read only where it is named.
 */
export const CARRIED_ROWTIME = '$rowtime';

/** A name as SQL matches it: quoted names exactly, unquoted ones without regard to case. */
export function nameMatches(candidate: string, name: Name): boolean {
  return name.quoted ? candidate === name.text : candidate.toLowerCase() === name.text.toLowerCase();
}

/** A column that can be an event-time window's time column, and the source column it comes from. */
export interface TimeAttribute {
  readonly scan: ScanInput;
  readonly sourceColumn: number;
  readonly delayMs: number;
  /** A PROCTIME() column: processing time, whose watermark is the clock. */
  readonly processingTime?: true;
}

export interface ScopeColumn {
  readonly name: string;
  readonly qualifiers: readonly string[];
  readonly type: DataType;
  /** Index into the relation's rows; -1 for window_start/window_end of a window table. */
  readonly index: number;
  /** System columns: resolvable by name, left out of `*`. */
  readonly hidden: boolean;
  readonly timeAttr?: TimeAttribute;
  readonly window?: 'start' | 'end';
  /**
   * window_start or window_end: of rows from a window table (`FROM TABLE(TUMBLE(…))` not aggregated), a real
   * column; or passed on by a subquery from a windowed aggregate's bounds (window Top-N partitions on them).
   */
  readonly windowOf?: { readonly bound: 'start' | 'end'; readonly spec: WindowSpec };
  /**
   * Of a column an un-aliased subquery passes through unchanged, the qualifiers it had inside (its
   * stream's name and alias): `A.id` outside `(SELECT A.id … FROM auction AS A …)` finds it when no
   * stream or alias A is in scope itself (Nexmark q6 is written so).
   */
  readonly origins?: readonly string[];
}

/** What a FROM item produces: its input, the columns in scope, and the stream its rows come from. */
export interface Relation {
  readonly input: LogicalInput;
  readonly scope: readonly ScopeColumn[];
  /** For messages: "in clicks". */
  readonly label: string;
  /** The first stream the relation's rows come from (the leftmost of a join). */
  readonly source: StreamSchema;
  /** Every stream its rows come from: one, or those of both sides of a join. */
  readonly sources: readonly StreamSchema[];
  /** Why no column of the relation is a time attribute, where that is not for the usual reasons (after a join, say). */
  readonly noTimeAttributes?: string;
  readonly windowTable?: {
    readonly spec: NamedWindowSpec;
    readonly timeColumn: number;
    readonly fn: WindowFunction;
    /** SESSION(TABLE s PARTITION BY …): the partition columns, as written. */
    readonly partitionBy?: readonly Name[];
  };
}

export class Scope {
  constructor(
    private readonly catalog: SqlCatalog,
    private readonly fail: Fail,
  ) {}

  /** Whether a name refers to a stream with a schema. */
  hasStream(name: Name): boolean {
    if (this.catalog.stream(name.text)) return true;
    return !name.quoted && this.catalog.streamNames().filter((n) => n.toLowerCase() === name.text.toLowerCase()).length === 1;
  }

  /** The table a name refers to, if it names one: exact match first, then (unquoted) the only case-insensitive match. */
  table(name: Name): TableSchema | undefined {
    const exact = this.catalog.table?.(name.text);
    if (exact || name.quoted) return exact;
    const matches = (this.catalog.tableNames?.() ?? []).filter((n) => n.toLowerCase() === name.text.toLowerCase());
    return matches.length === 1 ? this.catalog.table?.(matches[0]!) : undefined;
  }

  /** The schema a name refers to: exact match first, then (unquoted) the only case-insensitive match. */
  resolveStream(name: Name): StreamSchema {
    const exact = this.catalog.stream(name.text);
    if (exact) return exact;
    const names = this.catalog.streamNames();
    if (!name.quoted) {
      const matches = names.filter((n) => n.toLowerCase() === name.text.toLowerCase());
      if (matches.length === 1) return this.catalog.stream(matches[0]!)!;
    }
    const table = this.table(name);
    if (table) {
      this.fail(
        'InvalidStatement',
        `'${table.name}' is a table, which a query reads by joining it to a stream: FROM stream s JOIN ${table.name} ${table.source.kind === 'stream' ? 'FOR SYSTEM_TIME AS OF s.ts ' : ''}ON …`,
        name.span,
      );
    }
    this.fail(
      'UnknownStream',
      `Unknown stream '${name.text}'${didYouMean(name.text, names)}${names.length === 0 ? ' (no stream has a schema yet; declare one with CREATE STREAM)' : ''}`,
      name.span,
    );
  }

  /** What a FROM name reads: a stream, or a view; exact names first, then (unquoted) the only case-insensitive match. */
  resolveTable(name: Name): { readonly stream: StreamSchema } | { readonly view: ViewSchema } {
    const exact = this.catalog.stream(name.text);
    if (exact) return { stream: exact };
    const view = this.catalog.view?.(name.text);
    if (view) return { view };
    const sink = this.catalog.sinkTable?.(name.text) ?? this.catalog.sinkTableNames?.().filter((n) => !name.quoted && n.toLowerCase() === name.text.toLowerCase()).map((n) => this.catalog.sinkTable!(n)!)[0];
    if (sink) this.fail('InvalidStatement', `'${sink.name}' is a ${sink.connector} table: it takes rows from INSERT INTO and cannot be read`, name.span);
    const views = this.catalog.viewNames?.() ?? [];
    if (views.length === 0) return { stream: this.resolveStream(name) };
    if (!name.quoted) {
      const lower = name.text.toLowerCase();
      const streams = this.catalog.streamNames().filter((n) => n.toLowerCase() === lower);
      const matchingViews = views.filter((n) => n.toLowerCase() === lower);
      if (streams.length + matchingViews.length === 1) {
        return streams.length === 1 ? { stream: this.catalog.stream(streams[0]!)! } : { view: this.catalog.view!(matchingViews[0]!)! };
      }
    }
    this.fail('UnknownStream', `Unknown stream or view '${name.text}'${didYouMean(name.text, [...this.catalog.streamNames(), ...views])}`, name.span);
  }

  /** The column a reference names in the relation: exact case first, then (unquoted) any case; never two. */
  findColumn(ref: Extract<Expression, { kind: 'columnRef' }>, relation: Relation): ScopeColumn {
    let candidates = relation.scope;
    let throughSubquery = false;
    const qualifier = ref.qualifier;
    if (qualifier) {
      candidates = candidates.filter((c) => c.qualifiers.some((q) => nameMatches(q, qualifier)));
      // A qualifier of a source inside an un-aliased subquery: the columns the subquery passes on from it.
      if (candidates.length === 0) {
        candidates = relation.scope.filter((c) => c.origins?.some((q) => nameMatches(q, qualifier)));
        throughSubquery = candidates.length > 0;
      }
      if (candidates.length === 0) {
        const known = [...new Set(relation.scope.flatMap((c) => c.qualifiers))];
        this.fail('UnknownStream', `Unknown stream or alias '${qualifier.text}'${didYouMean(qualifier.text, known)}`, qualifier.span);
      }
    }
    const name = ref.name;
    const wanted = !name.quoted && name.text.toLowerCase() === ROWTIME ? { ...name, text: ARRIVAL_TIME_COLUMN } : name;
    let matches = candidates.filter((c) => c.name === wanted.text);
    if (matches.length === 0 && !wanted.quoted) matches = candidates.filter((c) => nameMatches(c.name, wanted));
    if (matches.length > 1 && throughSubquery) {
      this.fail('AmbiguousColumn', `Column '${qualifier!.text}.${name.text}' is ambiguous in ${relation.label}: more than one subquery passes on a column ${name.text} from a ${qualifier!.text}; give the subqueries aliases and qualify with those`, ref.span);
    }
    if (matches.length > 1) {
      const owners = [...new Set(matches.map((m) => m.qualifiers[m.qualifiers.length - 1]))];
      if (owners.length > 1 && owners.every((o) => o !== undefined)) {
        this.fail('AmbiguousColumn', `Column '${name.text}' is ambiguous in ${relation.label}; qualify it, as in ${owners.map((o) => `${o}.${name.text}`).join(' or ')}`, ref.span);
      }
      this.fail('AmbiguousColumn', `Column '${name.text}' is ambiguous in ${relation.label}; quote it with the exact case`, ref.span);
    }
    const found = matches[0];
    if (found) return found;
    const suggestion = closest(name.text, candidates.map((c) => c.name));
    this.fail(
      'UnknownColumn',
      `Unknown column '${name.text}' in ${relation.label}${suggestion ? `; did you mean '${suggestion}'?` : ''}`,
      ref.span,
    );
  }

  /** The result column name of a bare column reference: the column's name, or ROWTIME as written. */
  columnName(ref: Extract<Expression, { kind: 'columnRef' }>, relation: Relation): string {
    const column = this.findColumn(ref, relation);
    return column.name === ARRIVAL_TIME_COLUMN && ref.name.text.toLowerCase() === ROWTIME ? ref.name.text : column.name;
  }

  /** Select items with `*` and `alias.*` replaced by one quoted column reference per column. */
  expandStars(query: Query, relation: Relation): { expr: Expression; alias?: Name; span: SourceSpan }[] {
    type Item = { expr: Expression; alias?: Name; span: SourceSpan };
    return query.items.flatMap((item): Item[] => {
      if (item.kind === 'expr') return [{ expr: item.expr, ...(item.alias ? { alias: item.alias } : {}), span: item.span }];
      const qualifier = item.qualifier;
      if (qualifier && !relation.scope.some((c) => c.qualifiers.some((q) => nameMatches(q, qualifier)))) {
        this.fail('UnknownStream', `Unknown stream or alias '${qualifier.text}' in '${qualifier.text}.*'`, qualifier.span);
      }
      const columns = relation.scope.filter((c) => !c.hidden && (!qualifier || c.qualifiers.some((q) => nameMatches(q, qualifier))));
      // Over a join, the same name from both sides becomes name, name0, name1, … as Flink names them.
      const taken = new Set<string>();
      return columns.map((c) => {
        const owner = c.qualifiers[c.qualifiers.length - 1];
        const expr: Expression = {
          kind: 'columnRef' as const,
          ...(owner !== undefined && relation.sources.length > 1 ? { qualifier: { text: owner, quoted: true, span: item.span } } : {}),
          name: { text: c.name, quoted: true, span: item.span },
          span: item.span,
        };
        let name = c.name;
        for (let i = 0; taken.has(name); i++) name = `${c.name}${i}`;
        taken.add(name);
        return { expr, ...(name === c.name ? {} : { alias: { text: name, quoted: true, span: item.span } }), span: item.span };
      });
    });
  }

  /** A read of the stream, its event time on the WATERMARK column, or on _arrival_time without one. */
  scan(stream: StreamSchema): ScanInput {
    const n = stream.columns.length;
    const watermark = stream.watermark;
    const column = watermark ? stream.columns.findIndex((c) => c.name === watermark.column) : -1;
    return {
      kind: 'scan',
      stream,
      eventTime: column >= 0 ? { column, delayMs: watermark!.delayMs } : { column: n, delayMs: 0 },
    };
  }

  /** The stream's declared columns, then its hidden system columns, under the given qualifiers. */
  streamScope(stream: StreamSchema, scan: ScanInput, qualifiers: readonly string[]): ScopeColumn[] {
    const declared = stream.columns.map((c, index): ScopeColumn => ({
      name: c.name,
      qualifiers,
      type: c.type,
      index,
      hidden: false,
      ...(stream.watermark?.column === c.name
        ? { timeAttr: { scan, sourceColumn: index, delayMs: stream.watermark.delayMs } }
        : stream.computed?.some((k) => k.column === index && k.proctime)
          ? { timeAttr: { scan, sourceColumn: index, delayMs: 0, processingTime: true as const } }
          : {}),
    }));
    const system = SYSTEM_COLUMNS.map((c, j): ScopeColumn => {
      const index = stream.columns.length + j;
      return {
        name: c.name,
        qualifiers,
        type: c.type,
        index,
        hidden: true,
        ...(c.name === ARRIVAL_TIME_COLUMN ? { timeAttr: { scan, sourceColumn: index, delayMs: 0 } } : {}),
      };
    });
    return [...declared, ...system];
  }
}
