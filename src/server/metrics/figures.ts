// One Prometheus metric family per figure: HELP and TYPE lines, then one labelled sample per item. The
// stream, delivery and query figures on /metrics are all tables of this shape.

export interface Figure<T> {
  readonly name: string;
  readonly type: 'counter' | 'gauge';
  readonly help: string;
  readonly pick: (item: T) => number;
}

/** Lines of the text format; `labels` returns the text between the braces, already escaped. */
export function renderFigures<T>(figures: readonly Figure<T>[], items: readonly T[], labels: (item: T) => string): string[] {
  const lines: string[] = [];
  for (const figure of figures) {
    lines.push(`# HELP ${figure.name} ${figure.help}`, `# TYPE ${figure.name} ${figure.type}`);
    for (const item of items) lines.push(`${figure.name}{${labels(item)}} ${figure.pick(item)}`);
  }
  return lines;
}
