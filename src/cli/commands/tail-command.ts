// tail: follows every shard of a stream and prints records as they arrive. Shards created by resharding
// are picked up as they appear; a child shard is read once its parents are drained, so records of one
// partition key print in order across a split or merge.

import type { KinesisClient, Shard, _Record } from '@aws-sdk/client-kinesis';
import { setTimeout as sleep } from 'node:timers/promises';
import { toAwsCliJson } from '../aws-output.js';
import { type CliIo, type Command, EXIT } from '../command.js';
import { connectionOptions, type KinesisSdk, kinesisClient, loadSdk } from '../kinesis-client.js';
import { streamOptions, streamTarget } from './stream-commands.js';

type Deaggregate = typeof import('../../engine/kpl/index.js').deaggregate;

/** Pause between polls when no shard had anything new (GetRecords is a polling API). */
const IDLE_POLL_MS = 200;
/** How often the shard list is refreshed to discover shards created by resharding. */
const SHARD_REFRESH_MS = 1000;

interface Followed {
  iterator: string | undefined;
  /** Set once the shard is closed and drained. */
  done: boolean;
}

async function listAllShards(sdk: KinesisSdk, client: KinesisClient, target: { StreamName?: string; StreamARN?: string }): Promise<Shard[]> {
  const { ListShardsCommand } = sdk;
  const shards: Shard[] = [];
  let page = await client.send(new ListShardsCommand({ ...target }));
  for (;;) {
    shards.push(...(page.Shards ?? []));
    if (!page.NextToken) return shards;
    page = await client.send(new ListShardsCommand({ NextToken: page.NextToken }));
  }
}

/** Prints a record, or each user record of a KPL aggregate (with its sub-sequence number); returns how many. */
function printRecord(io: CliIo, deaggregate: Deaggregate, shardId: string, record: _Record, json: boolean, limit: number): number {
  const parts = record.Data ? deaggregate(record.Data) : undefined;
  const users = parts
    ? parts.slice(0, limit).map((u, i) => ({ ...record, PartitionKey: u.partitionKey, ...(u.explicitHashKey === undefined ? {} : { ExplicitHashKey: u.explicitHashKey }), SubSequenceNumber: i, Data: u.data }))
    : [record];
  for (const r of users) {
    if (json) io.stdout.write(`${JSON.stringify(toAwsCliJson({ ShardId: shardId, ...r }))}\n`);
    else io.stdout.write(`${Buffer.from(r.Data ?? new Uint8Array()).toString('utf8')}\n`);
  }
  return users.length;
}

export const tailCommand: Command = {
  name: 'tail',
  summary: 'Follows every shard of a stream (across resharding) and prints records as they arrive.',
  details:
    'Prints each record’s data as a line of text, or with --json one JSON object per record (Data in base64).\n' +
    'KPL aggregated records print as their user records (with --json: their own PartitionKey and a SubSequenceNumber).\n' +
    'Stops on Ctrl-C, after --max-records, or when the stream is deleted (exit 0). A stream that does not exist when\n' +
    'tail starts is a service error (exit 254), as the aws CLI reports it.',
  options: [
    ...streamOptions,
    {
      name: 'from',
      type: 'string',
      choices: ['latest', 'trim-horizon'],
      description: 'Start with new records only, or with the oldest retained.',
      defaultText: 'latest',
    },
    { name: 'json', type: 'boolean', description: 'Print each record as a JSON line with its shard, sequence number and key.' },
    { name: 'max-records', type: 'integer', description: 'Exit after printing this many records.' },
    ...connectionOptions,
  ],
  async run(values, io) {
    const target = streamTarget(values);
    const fromStart = values.from === 'trim-horizon';
    const json = values.json === true;
    const maxRecords = values['max-records'] as number | undefined;
    const sdk = await loadSdk();
    // Loaded on first use, like the SDK, so --help and usage errors answer without it.
    const { deaggregate } = await import('../../engine/kpl/index.js');
    const { GetRecordsCommand, GetShardIteratorCommand } = sdk;
    const client = await kinesisClient(values, io.env);
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const followed = new Map<string, Followed>();
    let printed = 0;
    let lastRefresh = -Infinity;
    let firstRefresh = true;

    const start = async (shard: Shard, type: 'LATEST' | 'TRIM_HORIZON'): Promise<void> => {
      const out = await client.send(new GetShardIteratorCommand({ ...target, ShardId: shard.ShardId!, ShardIteratorType: type }));
      followed.set(shard.ShardId!, { iterator: out.ShardIterator, done: false });
    };

    const refresh = async (): Promise<void> => {
      const shards = await listAllShards(sdk, client, target);
      const known = new Set(shards.map((s) => s.ShardId!));
      for (const shard of shards) {
        const id = shard.ShardId!;
        if (followed.has(id)) continue;
        const closed = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
        if (firstRefresh && !fromStart) {
          // From LATEST: open shards start at their tip; closed ones hold only history.
          if (closed) followed.set(id, { iterator: undefined, done: true });
          else await start(shard, 'LATEST');
          continue;
        }
        const parents = [shard.ParentShardId, shard.AdjacentParentShardId].filter((p): p is string => p !== undefined && known.has(p));
        if (parents.every((p) => followed.get(p)?.done === true)) await start(shard, 'TRIM_HORIZON');
      }
      firstRefresh = false;
      lastRefresh = performance.now();
    };

    try {
      try {
        await refresh();
      } catch (err) {
        // A stream that is not there when tail starts is a mistake in the command, answered as the aws CLI would.
        const e = err as Error & { $metadata?: unknown };
        if (e.name !== 'ResourceNotFoundException' || e.$metadata === undefined) throw err;
        io.stderr.write(`An error occurred (${e.name}) when calling the ListShards operation: ${e.message}\n`);
        return EXIT.serviceError;
      }
      const open = [...followed.values()].filter((f) => !f.done).length;
      io.stderr.write(`Following ${open} shard${open === 1 ? '' : 's'} of ${target.StreamName ?? target.StreamARN} from ${fromStart ? 'TRIM_HORIZON' : 'LATEST'}; Ctrl-C stops.\n`);
      while (!stop.signal.aborted) {
        if (performance.now() - lastRefresh >= SHARD_REFRESH_MS) await refresh();
        let got = 0;
        let finishedOne = false;
        for (const [shardId, state] of followed) {
          if (state.done || state.iterator === undefined) continue;
          const out = await client.send(new GetRecordsCommand({ ShardIterator: state.iterator }));
          for (const record of out.Records ?? []) {
            const shown = printRecord(io, deaggregate, shardId, record, json, maxRecords === undefined ? Infinity : maxRecords - printed);
            got += shown;
            printed += shown;
            if (maxRecords !== undefined && printed >= maxRecords) return EXIT.ok;
          }
          state.iterator = out.NextShardIterator;
          if (state.iterator === undefined) {
            state.done = true;
            finishedOne = true;
          }
        }
        // A drained parent lets its children start right away rather than at the next refresh.
        if (finishedOne) await refresh();
        else if (got === 0) await sleep(IDLE_POLL_MS, undefined, { signal: stop.signal }).catch(() => undefined);
      }
      return EXIT.ok;
    } catch (err) {
      if ((err as Error).name === 'ResourceNotFoundException') {
        io.stderr.write(`Stream ${target.StreamName ?? target.StreamARN} was deleted.\n`);
        return EXIT.ok;
      }
      throw err;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      client.destroy();
    }
  },
};
