// Flink's date-time functions over epoch milliseconds in UTC (Eddy's TIMESTAMP): formatting and parsing
// with Java patterns, Unix seconds, and calendar arithmetic. Text that does not parse gives NULL.
import { EddyError } from '../errors.js';
import { compileDateParser, type DateParser } from './java-date-parse.js';
import { compileJavaDatePattern, type InstantFormatter } from './java-date-pattern.js';
import type { Kernel, KernelContext, Value } from './kernel.js';
import { floorTimeFn } from './time-units.js';

/** Flink's default for TO_TIMESTAMP, UNIX_TIMESTAMP and FROM_UNIXTIME; a fraction of a second may follow. */
export const DEFAULT_TIMESTAMP_PATTERN = 'yyyy-MM-dd HH:mm:ss';
const DEFAULT_TIMESTAMP_PARSE = 'yyyy-MM-dd HH:mm:ss[.SSSSSSSSS]';
/** Flink's default for TO_DATE. */
export const DEFAULT_DATE_PATTERN = 'yyyy-MM-dd';

const MAX_CACHED = 64;

function cachedCompile<T>(fn: string, literal: Value | undefined, compile: (pattern: string) => T): (pattern: string) => T | null {
  if (typeof literal === 'string') {
    let compiled: T;
    try {
      compiled = compile(literal);
    } catch (e) {
      throw new EddyError('ValidationException', `${fn}: ${(e as Error).message}`);
    }
    return () => compiled;
  }
  // A pattern from the rows: one that is not valid gives NULL.
  const cache = new Map<string, T | null>();
  return (pattern) => {
    let c = cache.get(pattern);
    if (c === undefined) {
      if (cache.size >= MAX_CACHED) cache.clear();
      try {
        c = compile(pattern);
      } catch {
        c = null;
      }
      cache.set(pattern, c);
    }
    return c;
  };
}

function formatter(fn: string, literal: Value | undefined): (pattern: string) => InstantFormatter | null {
  return cachedCompile(fn, literal, compileJavaDatePattern);
}

function parser(fn: string, literal: Value | undefined): (pattern: string) => DateParser | null {
  return cachedCompile(fn, literal, compileDateParser);
}

const defaultParser = compileDateParser(DEFAULT_TIMESTAMP_PARSE);
const dateParser = compileDateParser(DEFAULT_DATE_PATTERN);
const defaultFormat = compileJavaDatePattern(DEFAULT_TIMESTAMP_PATTERN);
const floorDay = floorTimeFn('DAY')!;

/** date_format(ts, pattern) → VARCHAR. */
const dateFormat: Kernel = {
  arity: [2, 2],
  make(_ctx, literals) {
    const format = formatter('DATE_FORMAT', literals[1]);
    return (ts: number, pattern: string) => format(pattern)?.(ts, 'utc') ?? null;
  },
};

/** to_timestamp(text [, pattern]) → TIMESTAMP. */
const toTimestamp: Kernel = {
  arity: [1, 2],
  make(_ctx, literals) {
    const parse = parser('TO_TIMESTAMP', literals[1]);
    return (text: string, pattern?: string) => (pattern === undefined ? defaultParser : parse(pattern))?.(text) ?? null;
  },
};

/** to_date(text [, pattern]) → TIMESTAMP at midnight UTC of that day (Eddy has no DATE type). */
const toDate: Kernel = {
  arity: [1, 2],
  make(_ctx, literals) {
    const parse = parser('TO_DATE', literals[1]);
    return (text: string, pattern?: string) => {
      const ms = (pattern === undefined ? dateParser : parse(pattern))?.(text);
      return ms === undefined ? null : floorDay(ms);
    };
  },
};

/** unix_timestamp() → BIGINT seconds now (the query's clock); unix_timestamp(text [, pattern]) → seconds of that time. */
const unixTimestamp: Kernel = {
  arity: [0, 2],
  make(ctx: KernelContext, literals) {
    const parse = parser('UNIX_TIMESTAMP', literals[1]);
    return (text?: string, pattern?: string) => {
      if (text === undefined) return Math.floor(ctx.clock.now() / 1000);
      const ms = (pattern === undefined ? defaultParser : parse(pattern))?.(text);
      return ms === undefined ? null : Math.floor(ms / 1000);
    };
  },
};

/** unix_timestamp of a TIMESTAMP: its whole seconds. */
const timestampSeconds: Kernel = { arity: [1, 1], make: () => (ts: number) => Math.floor(ts / 1000) };

/** from_unixtime(seconds [, pattern]) → VARCHAR in UTC. */
const fromUnixtime: Kernel = {
  arity: [1, 2],
  make(_ctx, literals) {
    const format = formatter('FROM_UNIXTIME', literals[1]);
    return (seconds: number, pattern?: string) => {
      const f = pattern === undefined ? defaultFormat : format(pattern);
      return f === null ? null : f(Math.trunc(seconds) * 1000, 'utc');
    };
  },
};

const FIXED_MS: Readonly<Record<string, number>> = {
  MILLISECOND: 1,
  SECOND: 1000,
  MINUTE: 60_000,
  HOUR: 3_600_000,
  DAY: 86_400_000,
  WEEK: 604_800_000,
};
const MONTHS_PER: Readonly<Record<string, number>> = { MONTH: 1, QUARTER: 3, YEAR: 12 };

/** The unit argument of TIMESTAMPADD and TIMESTAMPDIFF, a literal the analyzer checked. */
function unitOf(fn: string, literal: Value | undefined): string {
  const unit = typeof literal === 'string' ? literal.toUpperCase() : '';
  if (FIXED_MS[unit] === undefined && MONTHS_PER[unit] === undefined) {
    throw new EddyError('ValidationException', `${fn} does not know the unit ${JSON.stringify(literal)}`);
  }
  return unit;
}

/** Adds months as the calendar does: the 31st plus a month is the last day of a shorter month. */
function addMonths(ms: number, months: number): number {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() + months;
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const result = new Date(ms);
  result.setUTCFullYear(year, month, Math.min(d.getUTCDate(), last));
  return result.getTime();
}

/** timestampadd(unit, n, ts) → TIMESTAMP. */
const timestampAdd: Kernel = {
  arity: [3, 3],
  make(_ctx, literals) {
    const unit = unitOf('TIMESTAMPADD', literals[0]);
    const fixed = FIXED_MS[unit];
    const months = MONTHS_PER[unit];
    return (_unit: string, n: number, ts: number) => (fixed !== undefined ? ts + Math.trunc(n) * fixed : addMonths(ts, Math.trunc(n) * months!));
  },
};

/** Whole months from a to b, counted as Flink does: a month is complete once the day and time of day are reached. */
function monthsBetween(a: number, b: number): number {
  const da = new Date(a);
  const db = new Date(b);
  let months = (db.getUTCFullYear() - da.getUTCFullYear()) * 12 + (db.getUTCMonth() - da.getUTCMonth());
  const restA = a - Date.UTC(da.getUTCFullYear(), da.getUTCMonth(), 1);
  const restB = b - Date.UTC(db.getUTCFullYear(), db.getUTCMonth(), 1);
  if (months > 0 && restB < restA) months--;
  else if (months < 0 && restB > restA) months++;
  return months;
}

/** timestampdiff(unit, a, b) → BIGINT: the signed number of whole units from a to b. */
const timestampDiff: Kernel = {
  arity: [3, 3],
  make(_ctx, literals) {
    const unit = unitOf('TIMESTAMPDIFF', literals[0]);
    const fixed = FIXED_MS[unit];
    const months = MONTHS_PER[unit];
    return (_unit: string, a: number, b: number) => (fixed !== undefined ? Math.trunc((b - a) / fixed) : Math.trunc(monthsBetween(a, b) / months!));
  },
};

/** to_timestamp_ltz(epoch, precision): precision 0 reads seconds, 3 milliseconds. */
const toTimestampLtz: Kernel = {
  arity: [2, 2],
  make(_ctx, literals) {
    const precision = literals[1];
    if (precision !== undefined && precision !== 0 && precision !== 3) {
      throw new EddyError('ValidationException', `TO_TIMESTAMP_LTZ precision must be 0 (seconds) or 3 (milliseconds), got ${JSON.stringify(precision)}`);
    }
    return (epoch: number, p: number) => (p === 0 ? Math.trunc(epoch * 1000) : p === 3 ? Math.trunc(epoch) : null);
  },
};

export const TIME_KERNELS: Readonly<Record<string, Kernel>> = {
  date_format: dateFormat,
  to_timestamp: toTimestamp,
  to_date: toDate,
  unix_timestamp: unixTimestamp,
  timestamp_seconds: timestampSeconds,
  from_unixtime: fromUnixtime,
  timestampadd: timestampAdd,
  timestampdiff: timestampDiff,
  to_timestamp_ltz: toTimestampLtz,
};
