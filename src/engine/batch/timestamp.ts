// TIMESTAMP values in records: ISO-8601 text (a missing zone means UTC) or epoch milliseconds.

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1–12). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function digits(text: string, at: number, count: number): number {
  let v = 0;
  for (let i = at; i < at + count; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * The common shape `YYYY-MM-DDTHH:MM:SS[.fff]Z`, read by character codes: records carry it in nearly
 * every row, and this is several times faster than the general pattern.
 */
function parseIsoUtc(text: string): number | undefined {
  const n = text.length;
  if (n < 20 || text.charCodeAt(n - 1) !== 90 /* Z */ || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84) return undefined;
  if (text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) return undefined;
  let ms = 0;
  if (n > 20) {
    if (text.charCodeAt(19) !== 46 || n - 21 < 1 || n - 21 > 9) return undefined;
    const frac = digits(text, 20, Math.min(3, n - 21));
    if (frac < 0 || (n - 21 > 3 && digits(text, 23, n - 24) < 0)) return undefined;
    ms = n - 21 === 1 ? frac * 100 : n - 21 === 2 ? frac * 10 : frac;
  }
  return daysFromCivil(year, month, day) * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000 + ms;
}

function byteDigits(d: Uint8Array, at: number, count: number): number {
  let v = 0;
  for (let i = at; i < at + count; i++) {
    const c = d[i]! - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * The minute the last parseIsoUtcBytes read (`YYYY-MM-DDTHH:MM`, 16 bytes) and its epoch ms: a stream's
 * records mostly carry times of the same minute, so the date and hour are compared rather than parsed
 * again. Only a minute that parsed and passed every check is kept.
 */
const MINUTE_BYTES = 16;
const lastMinute = new Uint8Array(MINUTE_BYTES);
let lastMinuteMs = Number.NaN;

/** parseIsoUtc over UTF-8 bytes d[a, b): the same shape, read without making a string. */
export function parseIsoUtcBytes(d: Uint8Array, a: number, b: number): number | undefined {
  const n = b - a;
  if (n < 20 || d[b - 1] !== 90 || d[a + 16] !== 58) return undefined;
  let k = 0;
  while (k < MINUTE_BYTES && d[a + k] === lastMinute[k]) k++;
  let minuteMs = lastMinuteMs;
  if (k < MINUTE_BYTES || Number.isNaN(minuteMs)) {
    if (d[a + 4] !== 45 || d[a + 7] !== 45 || d[a + 10] !== 84 || d[a + 13] !== 58) return undefined;
    const year = byteDigits(d, a, 4);
    const month = byteDigits(d, a + 5, 2);
    const day = byteDigits(d, a + 8, 2);
    const hour = byteDigits(d, a + 11, 2);
    const minute = byteDigits(d, a + 14, 2);
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59) return undefined;
    minuteMs = daysFromCivil(year, month, day) * 86_400_000 + hour * 3_600_000 + minute * 60_000;
    lastMinute.set(d.subarray(a, a + MINUTE_BYTES));
    lastMinuteMs = minuteMs;
  }
  const second = byteDigits(d, a + 17, 2);
  if (second < 0 || second > 60) return undefined;
  let ms = 0;
  if (n > 20) {
    const f = n - 21;
    if (d[a + 19] !== 46 || f < 1 || f > 9) return undefined;
    const frac = byteDigits(d, a + 20, Math.min(3, f));
    if (frac < 0 || (f > 3 && byteDigits(d, a + 23, f - 3) < 0)) return undefined;
    ms = f === 1 ? frac * 100 : f === 2 ? frac * 10 : frac;
  }
  return minuteMs + second * 1000 + ms;
}

/** Parses ISO-8601 text or a decimal epoch-ms string; undefined when it is neither. */
export function parseTimestamp(text: string): number | undefined {
  const fast = parseIsoUtc(text);
  if (fast !== undefined) return fast;
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
