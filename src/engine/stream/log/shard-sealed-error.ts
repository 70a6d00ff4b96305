// A shared log refuses appends once another process has closed its shard by resharding: the writer then
// learns the new layout and routes the records to the shard's children.

export class ShardSealedError extends Error {
  constructor(readonly shardName: string) {
    super(`shard log ${shardName} is sealed: the shard was closed by resharding`);
    this.name = 'ShardSealedError';
  }
}
