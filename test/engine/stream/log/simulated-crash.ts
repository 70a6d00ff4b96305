// A crash in-process: a log is written and closed, then its offset marks are put back as they were when it
// opened. On disk that is what a process killed after its last write leaves: the records, a reservation
// taken at start-up, and a durable mark that had not yet caught up (it lags by up to a second).
import fs from 'node:fs';
import path from 'node:path';
import { openFileShardLog, type FileShardLogOptions } from '../../../../src/engine/stream/log/file-shard-log.js';
import { OFFSET_MARKS_FILE } from '../../../../src/engine/stream/log/offset-marks.js';
import type { ShardLog } from '../../../../src/engine/stream/log/shard-log.js';

/** Opens the log in `dir`, lets `write` use it, then leaves the directory as a crash right after would. */
export async function writeThenCrash(dir: string, options: FileShardLogOptions, write: (log: ShardLog) => Promise<void>): Promise<void> {
  const log = await openFileShardLog(dir, options);
  const marks = fs.readFileSync(path.join(dir, OFFSET_MARKS_FILE));
  await write(log);
  await log.close();
  fs.writeFileSync(path.join(dir, OFFSET_MARKS_FILE), marks);
}
