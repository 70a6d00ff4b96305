// Messages between the Eddy processes of a cluster that need no storing (a query's result rows on their
// way to WebSockets on other processes): NATS subjects, at most once, as the core protocol gives them.

import type { NatsConnection, Subscription } from '@nats-io/transport-node';

export interface MessageBus {
  publish(subject: string, data: Uint8Array): void;
  /** Calls `onMessage` with each message on `subject` (which may end in the wildcard `>`). */
  subscribe(subject: string, onMessage: (subject: string, data: Uint8Array) => void): { unsubscribe(): void };
  /** The largest message the cluster takes, in bytes. */
  readonly maxPayloadBytes: number;
}

export class NatsBus implements MessageBus {
  constructor(private readonly nc: NatsConnection) {}

  get maxPayloadBytes(): number {
    return this.nc.info?.max_payload ?? 1024 * 1024;
  }

  publish(subject: string, data: Uint8Array): void {
    try {
      this.nc.publish(subject, data);
    } catch {
      // A closed or draining connection: results on their way elsewhere are at most once.
    }
  }

  subscribe(subject: string, onMessage: (subject: string, data: Uint8Array) => void): { unsubscribe(): void } {
    // A callback subscription hands each message over as it is read off the socket: nothing queues in
    // the client, so what bounds a slow reader is the queue of its own subscription to the ResultHub.
    const sub: Subscription = this.nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err === null) onMessage(msg.subject, msg.data);
      },
    });
    return { unsubscribe: () => sub.unsubscribe() };
  }
}
