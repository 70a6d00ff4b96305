// Retention changes and stream tags.

import { type AwsOperation, operation } from '../aws-protocol/aws-json-service.js';
import { integer, list, map, required, structure } from '../aws-protocol/shape.js';
import type { KinesisApiDeps } from './kinesis-api-deps.js';
import { streamTargetMembers, tagKey, tagValue } from './kinesis-shapes.js';
import { resolveStreamName } from './stream-target.js';

const LIST_TAGS_DEFAULT_LIMIT = 50;
/** Tags one AddTagsToStream call may set: AWS's published 10 (a stream holds up to 50). */
const TAGS_PER_CALL = 10;
/** AWS's retention bounds; below 24 hours is refused after the stream is found, with its own message. */
const RETENTION_HOURS = { min: 1, max: 8760 };

export function retentionAndTagOperations({ store }: KinesisApiDeps): Record<string, AwsOperation> {
  const retentionInput = structure({ RetentionPeriodHours: required(integer(RETENTION_HOURS)), ...streamTargetMembers() });

  const increaseRetention = operation(retentionInput, async (input) => {
    await store.increaseRetentionPeriod(resolveStreamName(store, input), input.RetentionPeriodHours);
    return undefined;
  });

  const decreaseRetention = operation(retentionInput, async (input) => {
    await store.decreaseRetentionPeriod(resolveStreamName(store, input), input.RetentionPeriodHours);
    return undefined;
  });

  const addTags = operation(
    structure({ Tags: required(map(tagKey(), tagValue(), { min: 1, max: TAGS_PER_CALL })), ...streamTargetMembers() }),
    async (input) => {
      await store.addTags(resolveStreamName(store, input), input.Tags);
      return undefined;
    },
  );

  const removeTags = operation(
    structure({ TagKeys: required(list(tagKey(), { min: 1, max: 50 })), ...streamTargetMembers() }),
    async (input) => {
      await store.removeTags(resolveStreamName(store, input), input.TagKeys);
      return undefined;
    },
  );

  const listTags = operation(
    structure({ Limit: integer({ min: 1, max: 50 }), ExclusiveStartTagKey: tagKey(), ...streamTargetMembers() }),
    (input) => {
      const tags = store.listTags(resolveStreamName(store, input));
      const after = input.ExclusiveStartTagKey;
      const keys = Object.keys(tags)
        .sort()
        .filter((k) => after === undefined || k > after);
      const page = keys.slice(0, input.Limit ?? LIST_TAGS_DEFAULT_LIMIT);
      return { Tags: page.map((k) => ({ Key: k, Value: tags[k] })), HasMoreTags: keys.length > page.length };
    },
  );

  return {
    IncreaseStreamRetentionPeriod: increaseRetention,
    DecreaseStreamRetentionPeriod: decreaseRetention,
    AddTagsToStream: addTags,
    RemoveTagsFromStream: removeTags,
    ListTagsForStream: listTags,
  };
}
