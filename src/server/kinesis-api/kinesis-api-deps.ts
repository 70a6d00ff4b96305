// What the Kinesis operations need from the server: the store and a clock (token expiry, subscriptions).

import type { Clock, StreamStore } from '../../engine/index.js';
import type { ShardSubscriptions } from './shard-subscriptions.js';

export interface KinesisApiDeps {
  readonly store: StreamStore;
  readonly clock: Clock;
  readonly subscriptions: ShardSubscriptions;
}
