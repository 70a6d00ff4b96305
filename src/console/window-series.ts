// A windowed query's rows as chart data: x is the window (its start, or its end when only that is
// selected), one series per group (the key columns other than the window's), y one numeric column. The
// latest windows are kept; the groups shown are the top few by their total over those windows, so a chart
// of thousands of users still shows the ones that matter.

import type { ColumnSchema, ResultShape } from './api-types.js';
import { OP_COLUMN, type Row } from './result-table.js';

export interface ChartData {
  /** Window times in seconds since the epoch (uPlot's time scale), ascending. */
  readonly xs: readonly number[];
  readonly series: readonly { readonly label: string; readonly values: readonly (number | null)[] }[];
  /** Groups seen in the kept windows but not shown. */
  readonly hiddenGroups: number;
  /** Seconds between consecutive windows (the slide), for bar widths. */
  readonly stepSeconds: number;
}

const NUMERIC = new Set(['INT', 'BIGINT', 'DOUBLE']);

/** Numeric columns that are neither the window nor a key: the values a chart can show. */
export function valueColumns(columns: readonly ColumnSchema[], shape: ResultShape): string[] {
  const keys = new Set(shape.keys);
  // DECIMAL(p, s) columns chart too (their JSON numbers read as the nearest doubles).
  return columns.filter((c) => (NUMERIC.has(c.type) || c.type.startsWith('DECIMAL(')) && !keys.has(c.name)).map((c) => c.name);
}

export class WindowSeries {
  /** window time (ms) → group label → value */
  private readonly windows = new Map<number, Map<string, number | null>>();
  private readonly timeColumn: string | undefined;
  private readonly groupColumns: readonly string[];
  private readonly stepMs: number;

  constructor(
    shape: ResultShape,
    private readonly valueColumn: string,
    private readonly maxWindows = 60,
  ) {
    const w = shape.window;
    this.timeColumn = w?.startColumn ?? w?.endColumn;
    this.groupColumns = shape.keys.filter((k) => k !== w?.startColumn && k !== w?.endColumn);
    this.stepMs = w?.slideMs ?? 1000;
  }

  /** Whether rows of this shape can be charted at all (a window column and a value to show). */
  get chartable(): boolean {
    return this.timeColumn !== undefined;
  }

  add(rows: readonly Row[]): void {
    if (this.timeColumn === undefined) return;
    for (const row of rows) {
      const at = toMillis(row[this.timeColumn]);
      if (at === undefined) continue;
      let groups = this.windows.get(at);
      if (!groups) {
        groups = new Map();
        this.windows.set(at, groups);
      }
      // A changelog's -U is followed by the +U that replaces it; a -D withdraws the group's point.
      const op = row[OP_COLUMN];
      if (op === '-U') continue;
      if (op === '-D') {
        groups.delete(this.groupLabel(row));
        continue;
      }
      const value = row[this.valueColumn];
      groups.set(this.groupLabel(row), typeof value === 'number' && Number.isFinite(value) ? value : null);
    }
    if (this.windows.size > this.maxWindows) {
      const oldest = [...this.windows.keys()].sort((a, b) => a - b).slice(0, this.windows.size - this.maxWindows);
      for (const at of oldest) this.windows.delete(at);
    }
  }

  data(maxGroups: number): ChartData {
    const times = [...this.windows.keys()].sort((a, b) => a - b);
    const totals = new Map<string, number>();
    for (const groups of this.windows.values()) {
      for (const [label, value] of groups) totals.set(label, (totals.get(label) ?? 0) + Math.abs(value ?? 0));
    }
    const shown = [...totals.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, maxGroups)
      .map(([label]) => label)
      .sort();
    return {
      xs: times.map((t) => t / 1000),
      series: shown.map((label) => ({ label, values: times.map((t) => this.windows.get(t)?.get(label) ?? null) })),
      hiddenGroups: totals.size - shown.length,
      stepSeconds: this.stepMs / 1000,
    };
  }

  private groupLabel(row: Row): string {
    if (this.groupColumns.length === 0) return this.valueColumn;
    return this.groupColumns.map((k) => (row[k] === null || row[k] === undefined ? 'NULL' : String(row[k]))).join(' · ');
  }
}

/** Timestamps arrive as ISO-8601 text (or epoch milliseconds). */
function toMillis(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
