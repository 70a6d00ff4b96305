// A shared log whose cluster does not answer a read in time (a node down, a leader being elected) says so
// rather than answering nothing: a reader then knows the shard may hold records past it, and reads again
// from the same place. A log on this machine never throws it.

export class ShardUnreachableError extends Error {
  constructor(readonly shardName: string) {
    super(`shard log ${shardName} could not be read in time: its cluster did not answer`);
    this.name = 'ShardUnreachableError';
  }
}
