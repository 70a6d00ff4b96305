// Shard ids: `shardId-` and a 12-digit, zero-padded index that resharding only ever appends to.

const SHARD_ID_PATTERN = /^shardId-(\d{12})$/;

export function formatShardId(index: number): string {
  return 'shardId-' + String(index).padStart(12, '0');
}

/** The index of a well-formed shard id, or undefined. */
export function parseShardId(shardId: string): number | undefined {
  const match = SHARD_ID_PATTERN.exec(shardId);
  return match ? Number(match[1]) : undefined;
}
