// GetShardIterator's per-shard quota through the AWS SDK, streams on a three-node JetStream cluster.
import { describeGetShardIteratorThrottling } from './get-shard-iterator-throttling-conformance.js';
import { onJetStream } from './test-backends.js';

describeGetShardIteratorThrottling(onJetStream());
