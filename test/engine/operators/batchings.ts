// The same rows cut into batches in many ways: all at once, one row at a time, fixed sizes and seeded
// random cuts. A result that depends on batch boundaries shows up as a difference between two of them.
// (Kept to one function with the shape `everyBatching(rows, check)`, so a shared helper can replace it.)

/** The batchings `everyBatching` tries, named for failure messages. */
export function batchings<T>(rows: readonly T[]): { name: string; batches: T[][] }[] {
  const cut = (sizes: () => number): T[][] => {
    const out: T[][] = [];
    for (let i = 0; i < rows.length; ) {
      const n = Math.max(1, sizes());
      out.push(rows.slice(i, i + n));
      i += n;
    }
    return out;
  };
  const fixed = [1, 2, 3, 7, 64].map((n) => ({ name: `batches of ${n}`, batches: cut(() => n) }));
  const random = [1, 2, 3].map((seed) => {
    let s = seed * 2654435761;
    const next = () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return 1 + (s % 97);
    };
    return { name: `random batches (seed ${seed})`, batches: cut(next) };
  });
  return [{ name: 'one batch', batches: [rows.slice()] }, ...fixed, ...random];
}

/** Runs `check` once per batching of the rows; a failure names the batching. */
export function everyBatching<T>(rows: readonly T[], check: (batches: T[][], name: string) => void): void {
  for (const { name, batches } of batchings(rows)) {
    try {
      check(batches, name);
    } catch (error) {
      if (error instanceof Error) error.message = `${name}: ${error.message}`;
      throw error;
    }
  }
}
