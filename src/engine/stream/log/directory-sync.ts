// Fsyncing directories, so that files created, renamed or deleted in them stay that way after a crash.

import fs from 'node:fs';

/**
 * Fsyncs a directory without blocking. It is opened for each call rather than kept open: a store with
 * many shards should not hold a descriptor per shard for it.
 */
export function fsyncDirectory(dir: string, done: (error: NodeJS.ErrnoException | null) => void): void {
  fs.open(dir, 'r', (openError, fd) => {
    if (openError) return done(openError);
    fs.fsync(fd, (syncError) => fs.close(fd, (closeError) => done(syncError ?? closeError)));
  });
}

/** Fsyncs a directory, blocking (start-up and creation paths only). */
export function syncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
