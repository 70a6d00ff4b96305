// Retention changes and stream tags.

import { type AwsOperation, operation } from '../aws-protocol/aws-json-service.js';
import { integer, list, map, required, structure } from '../aws-protocol/shape.js';
import type { KinesisApiDeps } from './kinesis-api-deps.js';
import { streamTargetMembers, tagKey, tagValue } from './kinesis-shapes.js';
import { resolveStreamName } from './stream-target.js';

const LIST_TAGS_DEFAULT_LIMIT = 50;
/**
 * Tags one AddTagsToStream call may name, as Kinesis's model bounds them: 200 (a stream holds at most 50, the
 * store's rule). Kinesis once took 10 per call and was recorded refusing 11 with a ValidationException; its
 * current model and SDKs take up to 50 per call, the stream's own limit.
 */
const TAG_MAP_MAX = 200;
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
    structure({ Tags: required(map(tagKey(), tagValue(), { max: TAG_MAP_MAX })), ...streamTargetMembers() }),
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
