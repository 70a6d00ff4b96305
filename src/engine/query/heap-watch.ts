// The process's heap as the last full garbage collection left it, which is what the queries' state holds
// (and little garbage). A query's state bound counts keys and rows, not bytes, so a bound set high, or rows
// larger than guessed, could fill the heap before any query meets it, and V8 would end the process and
// every query in it. Past a share of the heap's limit, the query holding the most state is failed instead,
// with an error that says so; the others go on.
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { EddyError } from '../errors.js';

/** Past this share of V8's heap limit, after a full collection, the query holding the most state fails. */
export const DEFAULT_MAX_HEAP_FRACTION = 0.85;

export interface HeapReading {
  readonly usedBytes: number;
  readonly limitBytes: number;
}

/** A running query as the watch sees it. */
export interface HeapWatched {
  stateEntries(): number;
}

function readHeap(): HeapReading {
  const h = getHeapStatistics();
  return { usedBytes: h.used_heap_size, limitBytes: h.heap_size_limit };
}

export class HeapWatch {
  /** The heap after the last full collection, until a query has been failed for it. */
  private reading: HeapReading | undefined;
  private readonly queries = new Set<HeapWatched>();
  private observer: PerformanceObserver | undefined;

  /** `observe`: whether full collections are watched for (tests call `collected` themselves). */
  constructor(
    readonly maxFraction = DEFAULT_MAX_HEAP_FRACTION,
    private readonly read: () => HeapReading = readHeap,
    private readonly observe = true,
  ) {
    if (!(maxFraction > 0 && maxFraction <= 1)) throw new EddyError('ValidationException', `the heap share past which a query fails must be above 0 and at most 1, got ${maxFraction}`);
  }

  /** A full collection has just finished: reads the heap. */
  collected(): void {
    this.reading = this.read();
  }

  add(query: HeapWatched): void {
    this.queries.add(query);
    if (this.observe && this.observer === undefined) {
      this.observer = new PerformanceObserver((list) => {
        if (list.getEntries().some((e) => (e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)) this.collected();
      });
      this.observer.observe({ entryTypes: ['gc'] });
    }
  }

  delete(query: HeapWatched): void {
    this.queries.delete(query);
    if (this.queries.size === 0) {
      this.observer?.disconnect();
      this.observer = undefined;
    }
  }

  /**
   * Throws, for the query holding the most state, once the last full collection left the heap past its
   * share of the limit; once per collection, so the next one sees what failing it let go.
   */
  check(query: HeapWatched): void {
    const r = this.reading;
    if (r === undefined || r.usedBytes <= this.maxFraction * r.limitBytes) return;
    const held = query.stateEntries();
    for (const other of this.queries) if (other !== query && other.stateEntries() > held) return;
    this.reading = undefined;
    const mib = (b: number) => Math.round(b / 2 ** 20).toLocaleString('en-US');
    throw new EddyError(
      'LimitExceededException',
      `the server's heap was ${Math.round((100 * r.usedBytes) / r.limitBytes)}% full after garbage collection (${mib(r.usedBytes)} of ${mib(r.limitBytes)} MiB, past ${Math.round(100 * this.maxFraction)}%), ` +
        `and this query held the most state (${held.toLocaleString('en-US')} keys): it is failed so that the process and the other queries go on; ` +
        'lower --max-query-state-keys so that queries fail by it first, or give Node a larger heap (--max-old-space-size)',
    );
  }
}

/** The one watch of the process's heap that running queries share. */
export const processHeapWatch = new HeapWatch();
