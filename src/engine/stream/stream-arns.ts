// Stream and consumer ARNs: `arn:aws:kinesis:<region>:<account>:stream/<name>` and
// `<stream ARN>/consumer/<name>:<creation epoch seconds>`.

import type { Account } from './stream-errors.js';
import type { Consumer } from './stream-store.js';
import { Violations } from './validation.js';

const STREAM_ARN_PATTERN = /^arn:aws[^:]*:kinesis:([^:]*):(\d{12}):stream\/([a-zA-Z0-9_.-]{1,128})$/;
const CONSUMER_ARN_PATTERN = /^(arn:aws[^:]*:kinesis:[^:]*:\d{12}:stream\/[a-zA-Z0-9_.-]{1,128})\/consumer\/([a-zA-Z0-9_.-]{1,128}):(\d+)$/;

export function streamArn(account: Account, streamName: string): string {
  return `arn:aws:kinesis:${account.region}:${account.accountId}:stream/${streamName}`;
}

export function consumerFor(streamARN: string, consumerName: string, createdAt: number): Consumer {
  return {
    consumerName,
    consumerARN: `${streamARN}/consumer/${consumerName}:${Math.floor(createdAt / 1000)}`,
    consumerStatus: 'ACTIVE',
    consumerCreationTimestamp: createdAt,
    streamARN,
  };
}

/** Splits a stream ARN; a malformed one is a ValidationException naming it. */
export function parseStreamArn(arn: string): { region: string; accountId: string; streamName: string } {
  const match = typeof arn === 'string' ? STREAM_ARN_PATTERN.exec(arn) : null;
  if (!match) {
    throw new Violations()
      .add(arn, 'streamARN', 'Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+')
      .throwIfAny() as never;
  }
  return { region: match[1]!, accountId: match[2]!, streamName: match[3]! };
}

/** Splits a consumer ARN into its stream's ARN and the consumer name; malformed is a ValidationException. */
export function parseConsumerArn(arn: string): { streamARN: string; consumerName: string } {
  const match = typeof arn === 'string' ? CONSUMER_ARN_PATTERN.exec(arn) : null;
  if (!match) {
    throw new Violations()
      .add(
        arn,
        'consumerARN',
        'Member must satisfy regular expression pattern: ^(arn):aws.*:kinesis:.*:\\d{12}:.*stream\\/[a-zA-Z0-9_.-]+\\/consumer\\/[a-zA-Z0-9_.-]+:[0-9]+',
      )
      .throwIfAny() as never;
  }
  return { streamARN: match[1]!, consumerName: match[2]! };
}

/** The stream a stream ARN or a stream consumer ARN names; undefined for anything else (its user words that). */
export function streamNameInArn(arn: string): string | undefined {
  if (typeof arn !== 'string') return undefined;
  const stream = STREAM_ARN_PATTERN.exec(arn) ?? STREAM_ARN_PATTERN.exec(CONSUMER_ARN_PATTERN.exec(arn)?.[1] ?? '');
  return stream?.[3];
}
