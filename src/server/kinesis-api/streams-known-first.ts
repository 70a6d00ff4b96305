// Processes sharing a NATS JetStream store learn of each other's streams by a watch, a moment after the
// change. A request that names a stream this process has not heard of yet (created a moment ago through
// another process) waits for the store to read it from the shared storage before the operation runs, so
// a stream created through any process is known to all at once and not-found means not found anywhere.
// A stream this process knows, and every request on a store of its own, run as before, with no wait.

import { streamNameInArn, type Clock, type StreamStore } from '../../engine/index.js';
import type { AwsOperation } from '../aws-protocol/aws-json-service.js';
import { isInternalStream } from './kinesis-visible-streams.js';
import { readNextToken } from './pagination-token.js';

export function streamsKnownFirst(
  store: StreamStore,
  clock: Clock,
  operations: Readonly<Record<string, AwsOperation>>,
): Record<string, AwsOperation> {
  const wrapped: Record<string, AwsOperation> = {};
  for (const [name, op] of Object.entries(operations)) {
    wrapped[name] = {
      ...op,
      handle: (input, ctx) => {
        const stream = streamNamedBy(name, input, clock);
        const lookup = stream === undefined ? undefined : store.knowStream(stream);
        return lookup === undefined ? op.handle(input, ctx) : lookup.then(() => op.handle(input, ctx));
      },
    };
  }
  return wrapped;
}

/**
 * The stream a request names, where it names one: by StreamName, StreamARN, ConsumerARN, or a ListShards
 * page token. Undefined for anything the operation itself refuses (a malformed ARN or token is its error
 * to word) and for Eddy's own streams, which the Kinesis API answers as not found in any case. A shard
 * iterator names its stream too; GetRecords has the store look that one up itself, as it decodes it.
 */
function streamNamedBy(operation: string, input: unknown, clock: Clock): string | undefined {
  const i = input as { ConsumerARN?: unknown; NextToken?: unknown; StreamARN?: unknown; StreamName?: unknown };
  let name: string | undefined;
  try {
    if (typeof i.StreamName === 'string') name = i.StreamName;
    else if (typeof i.StreamARN === 'string') name = streamNameInArn(i.StreamARN);
    else if (typeof i.ConsumerARN === 'string') name = streamNameInArn(i.ConsumerARN);
    else if (operation === 'ListShards' && typeof i.NextToken === 'string') name = readNextToken<{ stream?: unknown }>(clock, 'ListShards', i.NextToken).stream as string | undefined;
  } catch {
    return undefined;
  }
  return typeof name === 'string' && !isInternalStream(name) ? name : undefined;
}
