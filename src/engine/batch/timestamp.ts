// TIMESTAMP values in records: ISO-8601 text (a missing zone means UTC) or epoch milliseconds.

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Parses ISO-8601 text or a decimal epoch-ms string; undefined when it is neither. */
export function parseTimestamp(text: string): number | undefined {
  const m = ISO.exec(text);
  if (!m) {
    if (/^-?\d+(\.\d+)?$/.test(text)) return Math.floor(Number(text));
    return undefined;
  }
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] ? Number(m[4]) : 0;
  const minute = m[5] ? Number(m[5]) : 0;
  const second = m[6] ? Number(m[6]) : 0;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  const ms = m[7] ? Math.floor(Number(m[7].padEnd(3, '0').slice(0, 3))) : 0;
  let t = Date.UTC(Number(m[1]), month - 1, day, hour, minute, second, ms);
  const zone = m[8];
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offset = Number(digits.slice(0, 2)) * 60 + (digits.length > 2 ? Number(digits.slice(2, 4)) : 0);
    t -= sign * offset * 60_000;
  }
  return Number.isFinite(t) ? t : undefined;
}

/** ISO-8601 UTC with milliseconds, as results are shown to users. */
export function formatTimestamp(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}
