import { describe, expect, it } from 'vitest';
import type { ResultShape } from '../../src/console/api-types.js';
import { valueColumns, WindowSeries } from '../../src/console/window-series.js';

const shape: ResultShape = {
  changelog: 'append',
  keys: ['window_start', 'window_end', 'user_id'],
  window: { kind: 'tumble', sizeMs: 60_000, slideMs: 60_000, startColumn: 'window_start', endColumn: 'window_end' },
};
const minute = (m: number) => new Date(Date.UTC(2026, 10, 25, 10, m)).toISOString();
const row = (m: number, user_id: string, clicks: number) => ({ window_start: minute(m), window_end: minute(m + 1), user_id, clicks });

describe('chart data of windowed results', () => {
  it('offers the numeric columns that are not keys as values', () => {
    const columns = [
      { name: 'window_start', type: 'TIMESTAMP' },
      { name: 'window_end', type: 'TIMESTAMP' },
      { name: 'user_id', type: 'VARCHAR' },
      { name: 'clicks', type: 'BIGINT' },
      { name: 'spent', type: 'DOUBLE' },
      { name: 'last_url', type: 'VARCHAR' },
    ];
    expect(valueColumns(columns, shape)).toEqual(['clicks', 'spent']);
  });

  it('has x the window in seconds and one series per group, with gaps where a group had no row', () => {
    const s = new WindowSeries(shape, 'clicks');
    s.add([row(1, 'bob', 2), row(0, 'ann', 3), row(1, 'ann', 1)]);
    expect(s.data(10)).toEqual({
      xs: [Date.parse(minute(0)) / 1000, Date.parse(minute(1)) / 1000],
      series: [
        { label: 'ann', values: [3, 1] },
        { label: 'bob', values: [null, 2] },
      ],
      hiddenGroups: 0,
      stepSeconds: 60,
    });
  });

  it('shows the top groups by their total over the kept windows', () => {
    const s = new WindowSeries(shape, 'clicks');
    s.add([row(0, 'a', 1), row(0, 'b', 10), row(0, 'c', 5), row(1, 'a', 20)]);
    const data = s.data(2);
    expect(data.series.map((x) => x.label)).toEqual(['a', 'b']);
    expect(data.hiddenGroups).toBe(1);
  });

  it("applies a window's revisions: the +U after a -U replaces the point, a -D removes it", () => {
    const s = new WindowSeries({ ...shape, changelog: 'retract' }, 'clicks');
    s.add([
      { _op: '+I', ...row(0, 'ann', 3) },
      { _op: '+I', ...row(0, 'bob', 1) },
    ]);
    s.add([
      { _op: '-U', ...row(0, 'ann', 3) },
      { _op: '+U', ...row(0, 'ann', 5) },
      { _op: '-D', ...row(0, 'bob', 1) },
    ]);
    expect(s.data(10).series).toEqual([{ label: 'ann', values: [5] }]);
  });

  it('keeps the latest windows only', () => {
    const s = new WindowSeries(shape, 'clicks', 3);
    s.add([0, 1, 2, 3, 4].map((m) => row(m, 'a', m)));
    expect(s.data(5).series[0]!.values).toEqual([2, 3, 4]);
  });

  it('labels a group by all its key columns, and uses the window end when the start is not selected', () => {
    const s = new WindowSeries(
      { changelog: 'append', keys: ['window_end', 'country', 'device'], window: { kind: 'hop', sizeMs: 60_000, slideMs: 10_000, endColumn: 'window_end' } },
      'n',
    );
    s.add([{ window_end: minute(1), country: 'FR', device: null, n: 4 }]);
    expect(s.data(5)).toMatchObject({ xs: [Date.parse(minute(1)) / 1000], series: [{ label: 'FR · NULL', values: [4] }], stepSeconds: 10 });
  });
});
