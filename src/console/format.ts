// Numbers, sizes, durations and times as the console prints them.

export function formatRate(perSecond: number): string {
  if (perSecond === 0) return '0';
  if (perSecond < 10) return perSecond.toFixed(1);
  return formatCount(Math.round(perSecond));
}

export function formatCount(n: number): string {
  if (Math.abs(n) >= 1e9) return `${(n / 1e9).toFixed(1)}G`;
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (Math.abs(n) >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(1)} GiB`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(ms / 3_600_000)} h ${Math.round((ms % 3_600_000) / 60_000)} min`;
}

/** ISO-8601 UTC as `2026-11-25 10:00:05.000` (times in Eddy are UTC). */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return iso.replace('T', ' ').replace(/Z$/, '');
}

/** A cell of a result row. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(value) ? formatTime(value) : value;
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(12)));
  return JSON.stringify(value);
}

/** Record data for a person: pretty JSON when it is JSON, the text when it is text, else base64. */
export function formatRecordData(record: { text: string | null; dataBase64: string }): { kind: 'json' | 'text' | 'binary'; shown: string } {
  if (record.text === null) return { kind: 'binary', shown: record.dataBase64 };
  try {
    const parsed: unknown = JSON.parse(record.text);
    if (parsed !== null && typeof parsed === 'object') return { kind: 'json', shown: JSON.stringify(parsed, null, 2) };
  } catch {
    // Not JSON: shown as text.
  }
  return { kind: 'text', shown: record.text };
}

/** A query's name, or the start of its id when it was not given one. */
export function queryLabel(q: { readonly id: string; readonly name: string }): string {
  return q.name === q.id ? q.id.slice(0, 8) : q.name;
}
