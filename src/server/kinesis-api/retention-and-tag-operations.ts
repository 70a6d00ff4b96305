// Retention changes and stream tags.

import { type AwsOperation, operation } from '../aws-protocol/aws-json-service.js';
import { integer, list, map, required, structure } from '../aws-protocol/shape.js';
import type { KinesisApiDeps } from './kinesis-api-deps.js';
import { streamTargetMembers, tagKey, tagValue } from './kinesis-shapes.js';
import { resolveStreamName } from './stream-target.js';

const LIST_TAGS_DEFAULT_LIMIT = 50;

export function retentionAndTagOperations({ store }: KinesisApiDeps): Record<string, AwsOperation> {
  const retentionInput = structure({ ...streamTargetMembers(), RetentionPeriodHours: required(integer()) });

  const increaseRetention = operation(retentionInput, async (input) => {
    await store.increaseRetentionPeriod(resolveStreamName(store, input), input.RetentionPeriodHours);
    return undefined;
  });

  const decreaseRetention = operation(retentionInput, async (input) => {
    await store.decreaseRetentionPeriod(resolveStreamName(store, input), input.RetentionPeriodHours);
    return undefined;
  });

  const addTags = operation(
    structure({ ...streamTargetMembers(), Tags: required(map(tagKey(), tagValue(), { min: 1, max: 200 })) }),
    async (input) => {
      await store.addTags(resolveStreamName(store, input), input.Tags);
      return undefined;
    },
  );

  const removeTags = operation(
    structure({ ...streamTargetMembers(), TagKeys: required(list(tagKey(), { min: 1, max: 50 })) }),
    async (input) => {
      await store.removeTags(resolveStreamName(store, input), input.TagKeys);
      return undefined;
    },
  );

  const listTags = operation(
    structure({ ...streamTargetMembers(), ExclusiveStartTagKey: tagKey(), Limit: integer({ min: 1, max: 50 }) }),
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
