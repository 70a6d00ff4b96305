// FLOOR(ts TO unit) and EXTRACT(unit FROM ts) on epoch milliseconds, in UTC. Fixed-size units are plain
// arithmetic; calendar units go through Date's UTC fields.

const FIXED: Readonly<Record<string, number>> = {
  MILLISECOND: 1,
  SECOND: 1000,
  MINUTE: 60_000,
  HOUR: 3_600_000,
  DAY: 86_400_000,
};

/** Returns a function flooring epoch ms to the unit, or undefined for an unknown unit. */
export function floorTimeFn(unit: string): ((ms: number) => number) | undefined {
  const u = unit.toUpperCase();
  const size = FIXED[u];
  if (size !== undefined) return (ms) => Math.floor(ms / size) * size;
  switch (u) {
    case 'WEEK':
      // ISO weeks start on Monday; 1970-01-01 was a Thursday, so Mondays are 4 days past a 7-day boundary.
      return (ms) => Math.floor((ms - 4 * 86_400_000) / 604_800_000) * 604_800_000 + 4 * 86_400_000;
    case 'MONTH':
      return (ms) => {
        const d = new Date(ms);
        return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
      };
    case 'QUARTER':
      return (ms) => {
        const d = new Date(ms);
        return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - (d.getUTCMonth() % 3), 1);
      };
    case 'YEAR':
      return (ms) => Date.UTC(new Date(ms).getUTCFullYear(), 0, 1);
    default:
      return undefined;
  }
}

/** CEIL(ts TO unit): the first unit boundary at or after ts. */
export function ceilTimeFn(unit: string): ((ms: number) => number) | undefined {
  const floor = floorTimeFn(unit);
  if (!floor) return undefined;
  const u = unit.toUpperCase();
  const size = FIXED[u] ?? (u === 'WEEK' ? 604_800_000 : undefined);
  const months = u === 'MONTH' ? 1 : u === 'QUARTER' ? 3 : u === 'YEAR' ? 12 : 0;
  return (ms) => {
    const f = floor(ms);
    if (f === ms) return ms;
    if (size !== undefined) return f + size;
    const d = new Date(f);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1);
  };
}

export function extractFn(unit: string): ((ms: number) => number) | undefined {
  switch (unit.toUpperCase()) {
    case 'MILLISECOND':
      return (ms) => new Date(ms).getUTCMilliseconds();
    case 'SECOND':
      return (ms) => new Date(ms).getUTCSeconds();
    case 'MINUTE':
      return (ms) => new Date(ms).getUTCMinutes();
    case 'HOUR':
      return (ms) => new Date(ms).getUTCHours();
    case 'DAY':
      return (ms) => new Date(ms).getUTCDate();
    case 'DOW':
      return (ms) => new Date(ms).getUTCDay();
    case 'DOY':
      return (ms) => {
        const d = new Date(ms);
        return Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
      };
    case 'WEEK':
      return isoWeek;
    case 'MONTH':
      return (ms) => new Date(ms).getUTCMonth() + 1;
    case 'QUARTER':
      return (ms) => Math.floor(new Date(ms).getUTCMonth() / 3) + 1;
    case 'YEAR':
      return (ms) => new Date(ms).getUTCFullYear();
    case 'EPOCH':
      return (ms) => ms / 1000;
    default:
      return undefined;
  }
}

function isoWeek(ms: number): number {
  const d = new Date(ms);
  const day = (d.getUTCDay() + 6) % 7; // Monday = 0
  const thursday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day + 3);
  const yearStart = Date.UTC(new Date(thursday).getUTCFullYear(), 0, 1);
  return Math.floor((thursday - yearStart) / 604_800_000) + 1;
}
