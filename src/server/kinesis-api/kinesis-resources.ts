// The resource each Kinesis request acts on, for permission checks, as IAM names it: the stream
// (`stream/<name>`), or the consumer (`stream/<name>/consumer/<name>:<time>`) for requests that name one.
// Streams are read from the same places the operations read them, and with the same parsers, so a request
// cannot be checked against one stream and act on another.

import { type Clock, parseConsumerArn, parseStreamArn, type StreamStore } from '../../engine/index.js';
import { readNextToken } from './pagination-token.js';

export function kinesisResourceOf(store: StreamStore, clock: Clock): (operation: string, input: unknown) => string {
  return (operation, input) => {
    const i = input as { ConsumerARN?: unknown; ShardIterator?: unknown; NextToken?: unknown; StreamARN?: unknown; StreamName?: unknown };
    if (typeof i.ConsumerARN === 'string') {
      parseConsumerArn(i.ConsumerARN);
      return i.ConsumerARN.split(':').slice(5).join(':');
    }
    if (typeof i.ShardIterator === 'string') return `stream/${store.streamOfShardIterator(i.ShardIterator)}`;
    // A ListShards page token carries the stream in place of StreamName.
    if (operation === 'ListShards' && typeof i.NextToken === 'string') return `stream/${readNextToken<{ stream: string }>(clock, 'ListShards', i.NextToken).stream}`;
    if (typeof i.StreamARN === 'string') return `stream/${parseStreamArn(i.StreamARN).streamName}`;
    if (typeof i.StreamName === 'string') return `stream/${i.StreamName}`;
    return '*';
  };
}
