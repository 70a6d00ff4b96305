// The store as the Kinesis API sees it: the streams Eddy keeps for itself (a DirectPut delivery stream's
// `__firehose_<name>`, which holds its records until they are in files) are not Kinesis streams to users.
// They are left out of ListStreams and refused by name or ARN as if they did not exist, so no Kinesis
// call can read a delivery's records, write into its buffer, reshard it or delete it; CreateStream
// refuses the prefix so a later delivery stream never finds its name taken.

import { EddyError, EXCHANGE_STREAM_PREFIX, INTERNAL_STREAM_PREFIX, KDA_STREAM_PREFIX, type StreamStore } from '../../engine/index.js';

/** Store methods whose first argument is a stream name. */
const BY_STREAM_NAME = [
  'deleteStream',
  'describeStream',
  'putRecord',
  'putRecords',
  'getShardIterator',
  'openCursor',
  'refreshShard',
  'splitShard',
  'mergeShards',
  'updateShardCount',
  'updateStreamMode',
  'increaseRetentionPeriod',
  'decreaseRetentionPeriod',
  'addTags',
  'removeTags',
  'listTags',
  'registerConsumer',
  'deregisterConsumer',
  'describeConsumer',
  'listConsumers',
] as const satisfies readonly (keyof StreamStore)[];

/** A stream Eddy keeps for itself: a delivery stream's records, or a split query's exchange. */
export const isInternalStream = (streamName: string): boolean => streamName.startsWith(INTERNAL_STREAM_PREFIX) || streamName.startsWith(EXCHANGE_STREAM_PREFIX);

export function kinesisVisibleStreams(store: StreamStore): StreamStore {
  /** Worded as the store words a stream that does not exist (its account is in the stream's ARN). */
  const notFound = (streamName: string): EddyError => {
    const accountId = store.describeStream(streamName).streamARN.split(':')[4];
    return new EddyError('ResourceNotFoundException', `Stream ${streamName} under account ${accountId} not found.`);
  };
  const visible = (streamName: string): string => {
    if (isInternalStream(streamName)) throw notFound(streamName);
    return streamName;
  };

  const overrides = new Map<PropertyKey, unknown>();
  for (const method of BY_STREAM_NAME) {
    const original = store[method] as (streamName: string, ...rest: unknown[]) => unknown;
    overrides.set(method, (streamName: string, ...rest: unknown[]) => original.call(store, visible(streamName), ...rest));
  }
  const replaced: Pick<StreamStore, 'createStream' | 'listStreams' | 'streamNameFromArn' | 'consumerByArn'> = {
    createStream: (streamName, options) => {
      if (isInternalStream(streamName)) {
        return Promise.reject(
          new EddyError(
            'InvalidArgumentException',
            streamName.startsWith(EXCHANGE_STREAM_PREFIX)
              ? `Stream name ${streamName} is reserved: names starting with ${EXCHANGE_STREAM_PREFIX} hold the rows the parts of split queries exchange.`
              : `Stream name ${streamName} is reserved: names starting with ${INTERNAL_STREAM_PREFIX} hold the records of Firehose delivery streams.`,
          ),
        );
      }
      if (streamName.startsWith(KDA_STREAM_PREFIX)) {
        return Promise.reject(
          new EddyError('InvalidArgumentException', `Stream name ${streamName} is reserved: names starting with ${KDA_STREAM_PREFIX} are the streams of Kinesis Data Analytics applications.`),
        );
      }
      return store.createStream(streamName, options);
    },
    listStreams: () => store.listStreams().filter((s) => !isInternalStream(s.streamName)),
    streamNameFromArn: (streamARN) => visible(store.streamNameFromArn(streamARN)),
    consumerByArn: (consumerARN) => {
      const found = store.consumerByArn(consumerARN);
      if (isInternalStream(found.streamName)) {
        throw new EddyError('ResourceNotFoundException', `Consumer ${consumerARN} under account ${found.consumer.consumerARN.split(':')[4]} not found.`);
      }
      return found;
    },
  };
  for (const [name, fn] of Object.entries(replaced)) overrides.set(name, fn);

  // Everything else (getRecords by iterator, limits, events, metrics, close) passes through unchanged.
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property) {
      if (overrides.has(property)) return overrides.get(property);
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      let fn = bound.get(property);
      if (fn === undefined) bound.set(property, (fn = value.bind(target)));
      return fn;
    },
  });
}
