// Result rows of queries that run on another Eddy process of the cluster, relayed to subscribers here,
// and rows of queries running here sent to subscribers elsewhere. Rows travel on the NATS subject
// `eddy-results.<query id in hex>`, at most once, and only while some process has asked for them: a
// process with subscribers to a query says so on `eddy-interest.<query id in hex>` every `interestMs`,
// and the process running the query sends rows while it has heard that in the last three intervals.
// A subscriber here is bounded as every subscriber is, by its queue in the ResultHub: one that falls
// more than its limit behind is dropped and told so, whether the query runs here or elsewhere.
import type { Clock } from '../clock.js';
import type { Row } from '../batch/rows.js';
import type { MessageBus } from '../cluster/message-bus.js';
import { keyToken, nameOfToken } from '../cluster/shared-kv.js';
import type { DecodeWarning } from './decode-warnings.js';
import type { ResultHub } from './result-hub.js';

/** What a running query hands its results to (the hub, or the hub and the cluster). */
export type ResultOutlet = Pick<ResultHub, 'publish' | 'warn' | 'fail' | 'end' | 'subscriberCount'>;

const RESULTS = 'eddy-results.';
const INTEREST = 'eddy-interest.';
export const DEFAULT_INTEREST_MS = 1_000;

type RelayMessage = { readonly from: string; readonly rows: Row[] } | { readonly from: string; readonly warning: DecodeWarning };

export interface ResultRelayOptions {
  /** This process's name: its own messages, heard back, are not relayed twice. */
  readonly process: string;
  readonly clock: Clock;
  readonly interestMs?: number;
  /** Announce interest on a timer (default); tests call tick() themselves. */
  readonly timer?: boolean;
}

export class ResultRelay {
  /** Queries followed for subscribers here: the subscription to their results subject. */
  private readonly followed = new Map<string, { unsubscribe(): void }>();
  /** Queries some other process wants rows of, until when (this clock). */
  private readonly interest = new Map<string, number>();
  private readonly interestSubscription: { unsubscribe(): void };
  private readonly interestMs: number;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();

  constructor(
    private readonly bus: MessageBus,
    private readonly hub: ResultHub,
    private readonly options: ResultRelayOptions,
  ) {
    this.interestMs = options.interestMs ?? DEFAULT_INTEREST_MS;
    this.interestSubscription = bus.subscribe(`${INTEREST}>`, (subject, data) => {
      if (this.decoder.decode(data) === options.process) return;
      this.interest.set(nameOfToken(subject.slice(INTEREST.length)), options.clock.now() + 3 * this.interestMs);
    });
    if (options.timer !== false) {
      this.timer = setInterval(() => this.tick(), this.interestMs);
      this.timer.unref();
    }
  }

  /** Where a query running here sends its results: to subscribers here, and to other processes that asked. */
  outlet(queryId: string): ResultOutlet {
    const hub = this.hub;
    return {
      publish: (id, rows) => {
        hub.publish(id, rows);
        if (this.wanted(queryId)) this.send(queryId, rows);
      },
      warn: (id, warning) => {
        hub.warn(id, warning);
        if (this.wanted(queryId)) this.sendMessage(queryId, { from: this.options.process, warning });
      },
      fail: (id, message) => hub.fail(id, message),
      end: (id) => hub.end(id),
      subscriberCount: (id) => hub.subscriberCount(id) + (this.wanted(queryId) ? 1 : 0),
    };
  }

  /** Relays the query's rows from whichever process runs it to the subscribers here, while there are any. */
  follow(queryId: string): void {
    if (!this.followed.has(queryId)) {
      const subscription = this.bus.subscribe(RESULTS + keyToken(queryId), (_, data) => this.received(queryId, data));
      this.followed.set(queryId, subscription);
    }
    this.announce(queryId);
  }

  /** Says again which queries have subscribers here; stops following those that have none left. */
  tick(): void {
    for (const [id, subscription] of [...this.followed]) {
      if (this.hub.subscriberCount(id) === 0) {
        subscription.unsubscribe();
        this.followed.delete(id);
      } else this.announce(id);
    }
    const now = this.options.clock.now();
    for (const [id, until] of [...this.interest]) if (until < now) this.interest.delete(id);
  }

  close(): void {
    clearInterval(this.timer);
    this.interestSubscription.unsubscribe();
    for (const s of this.followed.values()) s.unsubscribe();
    this.followed.clear();
  }

  private wanted(queryId: string): boolean {
    const until = this.interest.get(queryId);
    return until !== undefined && until >= this.options.clock.now();
  }

  private announce(queryId: string): void {
    this.bus.publish(INTEREST + keyToken(queryId), this.encoder.encode(this.options.process));
  }

  /** Sends rows in messages the cluster takes: a batch too large for one is halved until each fits. */
  private send(queryId: string, rows: Row[]): void {
    const data = this.encoder.encode(JSON.stringify({ from: this.options.process, rows }));
    if (data.length <= this.bus.maxPayloadBytes - 1024 || rows.length <= 1) {
      if (data.length <= this.bus.maxPayloadBytes - 1024) this.bus.publish(RESULTS + keyToken(queryId), data);
      return;
    }
    const half = Math.ceil(rows.length / 2);
    this.send(queryId, rows.slice(0, half));
    this.send(queryId, rows.slice(half));
  }

  private sendMessage(queryId: string, message: RelayMessage): void {
    this.bus.publish(RESULTS + keyToken(queryId), this.encoder.encode(JSON.stringify(message)));
  }

  private received(queryId: string, data: Uint8Array): void {
    let message: RelayMessage;
    try {
      message = JSON.parse(this.decoder.decode(data)) as RelayMessage;
    } catch {
      return;
    }
    // Rows of a query running here reach the subscribers here directly.
    if (message.from === this.options.process) return;
    if ('rows' in message) this.hub.publish(queryId, message.rows);
    else this.hub.warn(queryId, message.warning);
  }
}
