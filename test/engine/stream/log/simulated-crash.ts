// A crash in-process: a log is written and closed, then its offset marks are put back as they were at an
// earlier moment. On disk that is what a process killed after its last write leaves: the records, and the
// marks it had last fsynced (a clean close would have brought the reservation down to the exact end).
import fs from 'node:fs';
import path from 'node:path';
import { openFileShardLog, type FileShardLogOptions } from '../../../../src/engine/stream/log/file-shard-log.js';
import { OFFSET_MARKS_FILE } from '../../../../src/engine/stream/log/offset-marks.js';
import type { FileShardLog } from '../../../../src/engine/stream/log/file-shard-log.js';

/**
 * Opens the log in `dir`, lets `write` use it, then leaves the directory as a crash right after would.
 * `marksAsAt` `first-commit`: the marks as the first append reserved offsets (the durable mark, which lags
 * by up to a second, had not caught up with any write); `end`: the last ones written before the crash
 * (reservations renewed since).
 */
export async function writeThenCrash(
  dir: string,
  options: FileShardLogOptions,
  write: (log: FileShardLog) => Promise<void>,
  marksAsAt: 'first-commit' | 'end' = 'first-commit',
): Promise<void> {
  const marksFile = path.join(dir, OFFSET_MARKS_FILE);
  const log = await openFileShardLog(dir, options);
  let marks: Buffer | undefined;
  // A first commit comes after the first append's reservation is fsynced.
  const stop = log.onCommit(() => (marks ??= fs.readFileSync(marksFile)));
  await write(log);
  stop();
  if (marksAsAt === 'end') marks = fs.readFileSync(marksFile);
  await log.close();
  fs.writeFileSync(marksFile, marks!);
}
