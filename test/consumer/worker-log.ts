// Reads the files the consumer-group worker fixture writes (fixtures/group-worker.mjs): `I <shard>` when a
// worker starts on a shard's lease, `P <shard> <seq> <sub> <data> <batch>` for each record it processed,
// and `C <shard> <seq> <sub> <batch>` once the checkpoint after that batch was saved.
import { existsSync, readFileSync } from 'node:fs';

export interface WorkerLine {
  readonly kind: 'I' | 'P' | 'C';
  readonly shard: string;
  /** P: the record's data. */
  readonly data?: string;
  /** P and C: the worker's number for the processRecords call. */
  readonly batch?: number;
}

export function linesOf(file: string): WorkerLine[] {
  if (!existsSync(file)) return [];
  const lines: WorkerLine[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const f = line.split(' ');
    if (f[0] === 'I') lines.push({ kind: 'I', shard: f[1]! });
    else if (f[0] === 'P' && f.length === 6) lines.push({ kind: 'P', shard: f[1]!, data: f[4]!, batch: Number(f[5]) });
    else if (f[0] === 'C' && f.length === 5) lines.push({ kind: 'C', shard: f[1]!, batch: Number(f[4]) });
  }
  return lines;
}

/** How many times each record was processed, over every worker's file. */
export function processedCounts(files: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const f of files) for (const l of linesOf(f)) if (l.kind === 'P') counts.set(l.data!, (counts.get(l.data!) ?? 0) + 1);
  return counts;
}

/**
 * Records processed in a batch whose checkpoint was never saved: the killed worker's last batch, or one
 * whose checkpoint was refused because another worker had taken the lease meanwhile (a renewal late on a
 * loaded machine is enough). Those, and only those, may be processed again: a saved checkpoint covers its
 * batch, and whoever takes the lease afterwards starts after it.
 */
export function uncheckpointed(files: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const f of files) {
    const lines = linesOf(f);
    const saved = new Set(lines.filter((l) => l.kind === 'C').map((l) => l.batch));
    for (const l of lines) if (l.kind === 'P' && !saved.has(l.batch)) out.add(l.data!);
  }
  return out;
}

/** Records processed more than once though every processing but one was covered by a saved checkpoint. */
export function unexplainedDuplicates(files: readonly string[]): string[] {
  const again = uncheckpointed(files);
  return [...processedCounts(files)].filter(([d, n]) => n > 1 && !again.has(d)).map(([d]) => d);
}

/**
 * Where a worker handled a key's records (data `key:n`) out of order while holding its shard's lease:
 * each stretch from taking a lease to losing it must see every key's n rise.
 */
export function outOfOrder(file: string): string[] {
  const problems: string[] = [];
  const lastOf = new Map<string, Map<string, number>>();
  for (const l of linesOf(file)) {
    if (l.kind === 'I') lastOf.set(l.shard, new Map());
    if (l.kind !== 'P') continue;
    const [key, n] = l.data!.split(':') as [string, string];
    const keys = lastOf.get(l.shard) ?? new Map<string, number>();
    lastOf.set(l.shard, keys);
    if (Number(n) <= (keys.get(key) ?? -1)) problems.push(`${l.data} after ${key}:${keys.get(key)} on ${l.shard}`);
    keys.set(key, Number(n));
  }
  return problems;
}

/** What a failed check shows of each worker: counts, checkpoints and its last errors. */
export function workerSummaries(files: readonly string[]): string {
  return files
    .map((f, i) => {
      const raw = existsSync(f) ? readFileSync(f, 'utf8').split('\n') : [];
      const errors = raw.filter((l) => l.startsWith('E ')).slice(-3);
      const lines = linesOf(f);
      return `worker-${i}: ${lines.filter((l) => l.kind === 'I').length} leases taken, ${lines.filter((l) => l.kind === 'P').length} processed, ${lines.filter((l) => l.kind === 'C').length} checkpoints${errors.length > 0 ? `, last errors: ${errors.join(' | ')}` : ''}`;
    })
    .join('; ');
}
