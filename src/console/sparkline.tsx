// A small line of a rate's last minute, drawn as SVG (one polyline, no axes).

export interface SparklineProps {
  readonly values: readonly number[];
  readonly label: string;
  readonly width?: number;
  readonly height?: number;
}

export function Sparkline({ values, label, width = 120, height = 28 }: SparklineProps) {
  const max = Math.max(1e-9, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`).join(' ');
  return (
    <svg class="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label} data-points={values.length}>
      <title>{label}</title>
      {values.length > 1 ? <polyline points={points} fill="none" stroke="currentColor" stroke-width="1.5" /> : <line x1="0" x2={width} y1={height - 2} y2={height - 2} stroke="currentColor" stroke-opacity="0.3" />}
    </svg>
  );
}
