// Every record of a stream, read through an engine's store from each shard's start, as text: what the
// cluster tests check a query's output with (short when a read cannot go on while a node is down: read again).
import type { Engine } from '../../src/engine/engine.js';

export async function recordTexts(engine: Engine, stream: string): Promise<string[]> {
  const texts: string[] = [];
  const decoder = new TextDecoder();
  for (const shard of engine.store.describeStream(stream).shards) {
    let iterator = await engine.store.getShardIterator(stream, shard.shardId, { type: 'TRIM_HORIZON' });
    for (;;) {
      const got = await engine.store.getRecords(iterator, 10_000);
      for (const r of got.records) texts.push(decoder.decode(r.data));
      if (got.records.length === 0 || got.nextShardIterator === null) break;
      iterator = got.nextShardIterator;
    }
  }
  return texts;
}

/** The same, each record parsed as JSON. */
export async function recordObjects(engine: Engine, stream: string): Promise<Record<string, unknown>[]> {
  return (await recordTexts(engine, stream)).map((t) => JSON.parse(t) as Record<string, unknown>);
}
