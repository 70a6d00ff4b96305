// A windowed query's results as a live chart (uPlot): x the window, one series per group (the top groups by
// value), as grouped bars or lines, redrawn as windows close. Times are shown in UTC, as Eddy keeps them.

import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import type { ResultSubscription } from './result-subscriptions.js';
import { valueColumns, type ChartData } from './window-series.js';

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#475569', '#ea580c', '#0d9488', '#9333ea'];
const HEIGHT = 280;

type Mode = 'bars' | 'lines';

export function ResultsChart({ results }: { readonly results: ResultSubscription }) {
  const [mode, setMode] = useState<Mode>('bars');
  const [maxGroups, setMaxGroups] = useState(8);
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<{ chart: uPlot; signature: string } | null>(null);
  const series = results.series;
  const data = series?.data(maxGroups);
  const numeric = results.shape ? valueColumns(results.columns, results.shape) : [];

  useEffect(() => {
    const el = host.current;
    if (!el || !data) return;
    // Series labels and the drawing mode are fixed when a uPlot is made; a change makes a new one.
    const signature = JSON.stringify([mode, data.series.map((s) => s.label), data.stepSeconds]);
    const aligned = [data.xs, ...data.series.map((s) => s.values)] as uPlot.AlignedData;
    if (plot.current && plot.current.signature === signature) {
      plot.current.chart.setData(aligned);
      return;
    }
    plot.current?.chart.destroy();
    const chart = new uPlot(chartOptions(data, mode, el.clientWidth || 800), aligned, el);
    plot.current = { chart, signature };
  });

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const observer = new ResizeObserver(() => plot.current?.chart.setSize({ width: el.clientWidth || 800, height: HEIGHT }));
    observer.observe(el);
    return () => {
      observer.disconnect();
      plot.current?.chart.destroy();
      plot.current = null;
    };
  }, []);

  const points = data ? data.series.reduce((n, s) => n + s.values.filter((v) => v !== null).length, 0) : 0;
  return (
    <div class="results-chart-panel">
      <div class="toolbar">
        <h2>Chart</h2>
        <label>
          Value
          <select aria-label="Value column" value={results.valueColumn} onChange={(e) => results.chartColumn(e.currentTarget.value)}>
            {numeric.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <label>
          Groups
          <select aria-label="Groups shown" value={String(maxGroups)} onChange={(e) => setMaxGroups(Number(e.currentTarget.value))}>
            {[3, 5, 8, 12].map((n) => (
              <option key={n} value={String(n)}>
                top {n}
              </option>
            ))}
          </select>
        </label>
        <div class="segmented" role="group" aria-label="Chart style">
          {(['bars', 'lines'] as const).map((m) => (
            <button key={m} type="button" class={mode === m ? 'on' : ''} aria-pressed={mode === m} onClick={() => setMode(m)}>
              {m}
            </button>
          ))}
        </div>
        {data && data.hiddenGroups > 0 ? <span class="muted">{data.hiddenGroups} smaller groups not shown</span> : null}
      </div>
      <div class="chart" ref={host} data-points={points} data-series={data?.series.length ?? 0} data-windows={data?.xs.length ?? 0} />
      {data && data.xs.length === 0 ? <p class="muted chart-empty">Points appear as windows close.</p> : null}
    </div>
  );
}

function chartOptions(data: ChartData, mode: Mode, width: number): uPlot.Options {
  const step = data.stepSeconds;
  const n = Math.max(1, data.series.length);
  const slot = step * 0.8;
  return {
    width,
    height: HEIGHT,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    scales: {
      x: {
        time: true,
        // A window's bars stand in its slot; room for half a window either side keeps the outer ones whole.
        range: (_u, min, max) => (min === max || mode === 'bars' ? [min - step, max + step] : [min, max]),
      },
      y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.05 : 1] },
    },
    legend: { live: false },
    cursor: { points: { show: mode === 'lines' } },
    series: [
      { label: 'window (UTC)' },
      ...data.series.map((s, i): uPlot.Series => {
        const color = PALETTE[i % PALETTE.length]!;
        if (mode === 'lines') return { label: s.label, stroke: color, width: 2, points: { show: true, size: 5 }, spanGaps: false };
        const barPaths = uPlot.paths.bars?.({
          size: [1, Infinity],
          disp: {
            x0: { unit: 1 as uPlot.Series.BarsPathBuilderFacetUnit, values: (u) => (u.data[0] as number[]).map((x) => x - slot / 2 + (i * slot) / n) },
            size: { unit: 1 as uPlot.Series.BarsPathBuilderFacetUnit, values: () => [slot / n] },
          },
        });
        return { label: s.label, stroke: color, fill: `${color}cc`, width: 0, points: { show: false }, ...(barPaths ? { paths: barPaths } : {}) };
      }),
    ],
  };
}
