// Request latency per AWS operation as a Prometheus histogram. Label sets are bounded: operations come
// from the registered tables (unknown targets are counted under one label), outcomes are a fixed set.

const BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export type RequestOutcome = 'success' | 'client_error' | 'server_error';

interface Series {
  readonly service: string;
  readonly operation: string;
  readonly outcome: RequestOutcome;
  readonly counts: number[];
  sum: number;
  count: number;
}

export class RequestMetrics {
  private readonly series = new Map<string, Series>();

  observe(service: string, operation: string, outcome: RequestOutcome, seconds: number): void {
    const key = `${service}\u0000${operation}\u0000${outcome}`;
    let s = this.series.get(key);
    if (!s) {
      s = { service, operation, outcome, counts: new Array<number>(BUCKETS_SECONDS.length).fill(0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    for (let i = 0; i < BUCKETS_SECONDS.length; i++) if (seconds <= BUCKETS_SECONDS[i]!) s.counts[i]!++;
    s.sum += seconds;
    s.count++;
  }

  /** Prometheus text lines for `eddy_request_duration_seconds`. */
  render(): string[] {
    const name = 'eddy_request_duration_seconds';
    const lines = [`# HELP ${name} Time to answer an AWS API request, by operation.`, `# TYPE ${name} histogram`];
    for (const s of this.series.values()) {
      const labels = `service="${escapeLabel(s.service)}",operation="${escapeLabel(s.operation)}",outcome="${s.outcome}"`;
      BUCKETS_SECONDS.forEach((le, i) => lines.push(`${name}_bucket{${labels},le="${le}"} ${s.counts[i]}`));
      lines.push(`${name}_bucket{${labels},le="+Inf"} ${s.count}`);
      lines.push(`${name}_sum{${labels}} ${s.sum}`);
      lines.push(`${name}_count{${labels}} ${s.count}`);
    }
    return lines;
  }
}

export const escapeLabel = (value: string): string => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
