// repair: verifies a data directory with no server running, moves damaged records to quarantine and says
// what it dropped. A shard found damaged refuses reads across the damage until this has run.

import { resolve } from 'node:path';
import type { DataDirRepairReport, ShardRepairReport } from '../../engine/index.js';
import { UsageError } from '../cli-options.js';
import { type CliIo, type Command, EXIT } from '../command.js';

const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

function printShard(io: CliIo, shard: ShardRepairReport, dryRun: boolean): void {
  const where = `Stream ${shard.streamName}, shard ${shard.shardId}`;
  for (const t of shard.tornTails) {
    io.stdout.write(`${where}: ${dryRun ? 'would cut' : 'cut'} off ${plural(t.bytes, 'byte')} of an unfinished write at sequence number ${t.sequenceNumber} (never fsynced).\n`);
  }
  for (const r of shard.ranges) {
    const numbers = r.records === 1 ? `sequence number ${r.startingSequenceNumber}` : `sequence numbers ${r.startingSequenceNumber} to ${r.endingSequenceNumber}`;
    io.stdout.write(`${where}: ${dryRun ? 'would drop' : 'dropped'} ${plural(r.records, 'record')} (${numbers}), ${plural(r.bytes, 'damaged byte')}: ${r.reason}.\n`);
    if (r.quarantinedAs !== undefined) io.stdout.write(`  quarantined in ${r.quarantinedAs}\n`);
  }
}

function printReport(io: CliIo, report: DataDirRepairReport): void {
  const { dryRun } = report;
  io.stdout.write(`Checked ${plural(report.shardsChecked, 'shard')} of ${plural(report.streamsChecked, 'stream')} in ${report.dataDir}${dryRun ? ' (dry run: nothing is changed)' : ''}.\n`);
  for (const shard of report.shards) printShard(io, shard, dryRun);
  const damaged = report.shards.filter((s) => s.ranges.length > 0);
  if (damaged.length === 0) {
    io.stdout.write('No damaged records found.\n');
    return;
  }
  const records = damaged.reduce((n, s) => n + s.records, 0);
  const verb = dryRun ? 'Would drop' : 'Dropped';
  io.stdout.write(`${verb} ${plural(records, 'record')} in ${plural(damaged.length, 'shard')}` + (report.quarantineDir !== undefined ? `; the damaged bytes are in ${report.quarantineDir}.\n` : '.\n'));
  if (dryRun) io.stdout.write("Run again without --dry-run to quarantine them, so the shards' reads resume.\n");
  else io.stdout.write('Their sequence numbers are not reused. Reads across them resume once eddy serve starts again.\n');
}

export const repairCommand: Command = {
  name: 'repair',
  summary: 'Verifies a data directory (no server may be using it) and quarantines damaged records.',
  details:
    'A shard whose files hold damaged or missing records is marked (see /metrics and DescribeStream) and refuses\n' +
    'reads that would cross the damage. repair reads every segment of every shard (or of --stream, --shard),\n' +
    'moves the damaged bytes to <data-dir>/quarantine/<time>/<stream>/<shard>/ instead of deleting them, keeps\n' +
    'the intact records on either side, clears the mark and prints which records it dropped, by sequence number.\n' +
    'Sequence numbers are never reused: the next record still gets a number above every one handed out.\n' +
    'It takes the data directory lock, so it refuses to run while eddy serve has the directory open.',
  options: [
    { name: 'data-dir', type: 'string', required: true, description: 'The data directory to verify and repair.', placeholder: 'path' },
    { name: 'stream', type: 'string', description: 'Only this stream.', placeholder: 'name' },
    { name: 'shard', type: 'string', description: 'Only this shard of --stream (e.g. shardId-000000000000).', placeholder: 'shard id' },
    { name: 'dry-run', type: 'boolean', description: 'Only report what would be dropped; change nothing.' },
  ],
  async run(values, io) {
    const stream = values.stream as string | undefined;
    const shard = values.shard as string | undefined;
    if (shard !== undefined && stream === undefined) throw new UsageError('--shard needs --stream');
    const { repairDataDir } = await import('../../engine/index.js');
    const report = await repairDataDir({
      dataDir: resolve(values['data-dir'] as string),
      ...(stream !== undefined ? { streamName: stream } : {}),
      ...(shard !== undefined ? { shardId: shard } : {}),
      dryRun: values['dry-run'] === true,
    });
    printReport(io, report);
    return EXIT.ok;
  },
};
