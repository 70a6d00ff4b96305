// Shard ids: `shardId-` and a 12-digit, zero-padded index that resharding only ever appends to.

const SHARD_ID_PATTERN = /^shardId-(\d{12})$/;
const MAX_SHARD_INDEX = 2147483647;

export function formatShardId(index: number): string {
  // A negative index (which only a foreign sequence number can encode) is written as AWS writes it.
  if (index < 0) return 'shardId--' + String(-index).padStart(11, '0');
  return 'shardId-' + String(index).padStart(12, '0');
}

/** The index of a well-formed shard id, or undefined. */
export function parseShardId(shardId: string): number | undefined {
  const match = SHARD_ID_PATTERN.exec(shardId);
  return match ? Number(match[1]) : undefined;
}

/**
 * A shard id as Kinesis reads one: the digits after its first `-`, or the whole id when it has none, so
 * `shardId-000000000001`, `shardId-1`, `shard-1`, `anything-1` and `1` all name shard 1. Undefined when
 * that part is not digits or is above 2147483647 (Kinesis then says it cannot find the shard).
 */
export function resolveShardId(shardId: string): { readonly index: number; readonly shardId: string } | undefined {
  if (typeof shardId !== 'string') return undefined;
  const digits = shardId.split('-')[1] || shardId;
  if (!/^\d+$/.test(digits)) return undefined;
  const index = Number(digits);
  if (!(index <= MAX_SHARD_INDEX)) return undefined;
  return { index, shardId: formatShardId(index) };
}
