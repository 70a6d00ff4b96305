// Enhanced fan-out consumers: RegisterStreamConsumer, DeregisterStreamConsumer, DescribeStreamConsumer, ListStreamConsumers.

import { type Consumer, EddyError } from '../../engine/index.js';
import { type AwsOperation, operation } from '../aws-protocol/aws-json-service.js';
import { integer, map, required, structure, timestamp } from '../aws-protocol/shape.js';
import type { KinesisApiDeps } from './kinesis-api-deps.js';
import { consumerARN, consumerName, nextToken, streamARN, tagKey, tagValue } from './kinesis-shapes.js';
import { issueNextToken, readNextToken } from './pagination-token.js';
import { wireConsumer } from './wire-shapes.js';

const LIST_CONSUMERS_DEFAULT_MAX = 100;

export function consumerOperations({ store, clock, subscriptions }: KinesisApiDeps): Record<string, AwsOperation> {
  /** A consumer is named by its ARN, or by StreamARN plus ConsumerName. */
  function findConsumer(input: { StreamARN?: string; ConsumerName?: string; ConsumerARN?: string }): { streamName: string; consumer: Consumer } {
    if (input.ConsumerARN !== undefined) return store.consumerByArn(input.ConsumerARN);
    if (input.StreamARN !== undefined && input.ConsumerName !== undefined) {
      const streamName = store.streamNameFromArn(input.StreamARN);
      return { streamName, consumer: store.describeConsumer(streamName, input.ConsumerName) };
    }
    throw new EddyError('InvalidArgumentException', 'Either ConsumerARN or both StreamARN and ConsumerName must be provided.');
  }

  const consumerRef = structure({ StreamARN: streamARN(), ConsumerName: consumerName(), ConsumerARN: consumerARN() });

  const register = operation(
    structure({ StreamARN: required(streamARN()), ConsumerName: required(consumerName()), Tags: map(tagKey(), tagValue(), { max: 200 }) }),
    async (input, { codec }) => {
      const consumer = await store.registerConsumer(store.streamNameFromArn(input.StreamARN), input.ConsumerName);
      return { Consumer: wireConsumer(consumer, codec) };
    },
  );

  const deregister = operation(consumerRef, async (input) => {
    const { streamName, consumer } = findConsumer(input);
    await store.deregisterConsumer(streamName, consumer.consumerName);
    subscriptions.endConsumer(consumer.consumerARN, new EddyError('ResourceNotFoundException', `Consumer ${consumer.consumerARN} was deregistered.`));
    return undefined;
  });

  const describe = operation(consumerRef, (input, { codec }) => {
    const { consumer } = findConsumer(input);
    return { ConsumerDescription: { ...wireConsumer(consumer, codec), StreamARN: consumer.streamARN } };
  });

  const listConsumers = operation(
    structure({
      StreamARN: required(streamARN()),
      NextToken: nextToken(),
      MaxResults: integer({ min: 1, max: 10000 }),
      StreamCreationTimestamp: timestamp(),
    }),
    (input, { codec }) => {
      const streamName = store.streamNameFromArn(input.StreamARN);
      const after = input.NextToken !== undefined ? readNextToken<{ after: string }>(clock, 'ListStreamConsumers', input.NextToken).after : undefined;
      const all = store
        .listConsumers(streamName)
        .slice()
        .sort((a, b) => (a.consumerName < b.consumerName ? -1 : a.consumerName > b.consumerName ? 1 : 0))
        .filter((c) => after === undefined || c.consumerName > after);
      const page = all.slice(0, input.MaxResults ?? LIST_CONSUMERS_DEFAULT_MAX);
      const out: Record<string, unknown> = { Consumers: page.map((c) => wireConsumer(c, codec)) };
      if (all.length > page.length) out.NextToken = issueNextToken(clock, 'ListStreamConsumers', { after: page[page.length - 1]!.consumerName });
      return out;
    },
  );

  return {
    RegisterStreamConsumer: register,
    DeregisterStreamConsumer: deregister,
    DescribeStreamConsumer: describe,
    ListStreamConsumers: listConsumers,
  };
}
