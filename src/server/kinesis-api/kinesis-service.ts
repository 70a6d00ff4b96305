// The Kinesis Data Streams API (Kinesis_20131202) as an AwsJsonService over a StreamStore.

import type { Clock, StreamStore } from '../../engine/index.js';
import type { AwsJsonService } from '../aws-protocol/aws-json-service.js';
import { consumerOperations } from './consumer-operations.js';
import type { KinesisApiDeps } from './kinesis-api-deps.js';
import { kinesisResourceOf } from './kinesis-resources.js';
import { kinesisVisibleStreams } from './kinesis-visible-streams.js';
import { listShardsOperations } from './list-shards.js';
import { recordOperations } from './record-operations.js';
import { reshardingOperations } from './resharding-operations.js';
import { retentionAndTagOperations } from './retention-and-tag-operations.js';
import { ShardSubscriptions } from './shard-subscriptions.js';
import { streamLifecycleOperations } from './stream-lifecycle.js';
import { type StreamTransitionOptions, withStreamTransitions } from './stream-transitions.js';
import { streamsKnownFirst } from './streams-known-first.js';
import { type SubscribeToShardOptions, subscribeToShardOperations } from './subscribe-to-shard.js';

export const KINESIS_TARGET_PREFIX = 'Kinesis_20131202';

export interface KinesisServiceOptions {
  readonly store: StreamStore;
  readonly clock: Clock;
  readonly subscribeToShard?: SubscribeToShardOptions;
  /** How long Kinesis clients see CREATING, DELETING and UPDATING; 500 ms each by default. */
  readonly streamTransitions?: StreamTransitionOptions;
}

export interface KinesisService extends AwsJsonService {
  readonly subscriptions: ShardSubscriptions;
}

export function kinesisService(options: KinesisServiceOptions): KinesisService {
  const store = withStreamTransitions(kinesisVisibleStreams(options.store), options.clock, options.streamTransitions);
  const deps: KinesisApiDeps = { store, clock: options.clock, subscriptions: new ShardSubscriptions(options.clock) };
  return {
    targetPrefix: KINESIS_TARGET_PREFIX,
    signingName: 'kinesis',
    resourceOf: kinesisResourceOf(deps.store, deps.clock),
    subscriptions: deps.subscriptions,
    operations: streamsKnownFirst(options.store, options.clock, {
      ...streamLifecycleOperations(deps),
      ...listShardsOperations(deps),
      ...recordOperations(deps),
      ...reshardingOperations(deps),
      ...retentionAndTagOperations(deps),
      ...consumerOperations(deps),
      ...subscribeToShardOperations(deps, options.subscribeToShard),
    }),
  };
}
