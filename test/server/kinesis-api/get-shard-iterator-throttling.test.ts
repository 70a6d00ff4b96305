// GetShardIterator's per-shard quota through the AWS SDK, streams in memory.
import { describeGetShardIteratorThrottling } from './get-shard-iterator-throttling-conformance.js';
import { inMemory } from './test-backends.js';

describeGetShardIteratorThrottling(inMemory);
