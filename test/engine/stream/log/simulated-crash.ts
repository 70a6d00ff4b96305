// A crash in-process: a log is written and closed, then its offset marks are put back as they were at an
// earlier moment. On disk that is what a process killed after its last write leaves: the records, and the
// marks it had last fsynced (a clean close would have brought the reservation down to the exact end).
import fs from 'node:fs';
import path from 'node:path';
import { openFileShardLog, type FileShardLogOptions } from '../../../../src/engine/stream/log/file-shard-log.js';
import { OFFSET_MARKS_FILE } from '../../../../src/engine/stream/log/offset-marks.js';
import type { ShardLog } from '../../../../src/engine/stream/log/shard-log.js';

/**
 * Opens the log in `dir`, lets `write` use it, then leaves the directory as a crash right after would.
 * `marksAsAt` `open`: the marks of start-up (the durable mark, which lags by up to a second, had not
 * caught up with any write); `end`: the last ones written before the crash (reservations renewed since).
 */
export async function writeThenCrash(
  dir: string,
  options: FileShardLogOptions,
  write: (log: ShardLog) => Promise<void>,
  marksAsAt: 'open' | 'end' = 'open',
): Promise<void> {
  const marksFile = path.join(dir, OFFSET_MARKS_FILE);
  const log = await openFileShardLog(dir, options);
  let marks = fs.readFileSync(marksFile);
  await write(log);
  if (marksAsAt === 'end') marks = fs.readFileSync(marksFile);
  await log.close();
  fs.writeFileSync(marksFile, marks);
}
