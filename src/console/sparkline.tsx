// A small line of a rate's last minute, drawn as SVG (one polyline, no axes).

export interface SparklineProps {
  readonly values: readonly number[];
  readonly label: string;
  readonly width?: number;
  readonly height?: number;
  /** Points the width holds (the server keeps a minute, one point a second); newer points are on the right. */
  readonly slots?: number;
}

export function Sparkline({ values, label, width = 120, height = 28, slots = 60 }: SparklineProps) {
  const peak = Math.max(0, ...values);
  const max = Math.max(1e-9, peak);
  const step = width / Math.max(1, Math.max(slots, values.length) - 1);
  const last = values.length - 1;
  const points = values.map((v, i) => `${(width - (last - i) * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`).join(' ');
  return (
    <svg class="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label} data-points={values.length} data-peak={peak}>
      <title>{label}</title>
      <line x1="0" x2={width} y1={height - 2} y2={height - 2} stroke="currentColor" stroke-opacity="0.25" />
      {values.length > 1 ? <polyline points={points} fill="none" stroke="currentColor" stroke-width="1.5" /> : null}
    </svg>
  );
}
