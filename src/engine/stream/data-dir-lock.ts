// One process per data directory. Node has no flock, so the lock is a file, `<dataDir>/eddy.lock`, naming
// its owner (pid, host, process start time). It is published with link(2), which fails if the name exists,
// from a temporary file already holding the whole text: no one ever reads a half-written lock. (On a file
// system without hard links it is created with O_EXCL and then written, so a lock that cannot be read is
// left alone while it is young.) A lock whose owner is gone (killed with SIGKILL, say) is stale and taken
// over; a pid that now belongs to another process is told apart by its start time where /proc has it.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { EddyError } from '../errors.js';
import { makeConfiguredDirectory } from '../configured-directory.js';

export const DATA_DIR_LOCK_FILE = 'eddy.lock';

/** Takeovers raced by other starting processes are retried this many times before giving up. */
const MAX_ATTEMPTS = 5;
/** A lock file that cannot be read and is younger than this may still be being written. */
const UNREADABLE_GRACE_MS = 10_000;
/** link(2) failures that mean the file system has no hard links. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  /** Clock ticks after boot at which the process started (/proc/<pid>/stat); absent off Linux. */
  readonly startTime?: string;
  /** Epoch ms at which the lock was taken. */
  readonly since: number;
  /** Tells this lock apart from any later one, so release removes only its own file. */
  readonly token: string;
}

export class DataDirLock {
  private released = false;

  private constructor(
    readonly dataDir: string,
    readonly path: string,
    readonly owner: LockOwner,
  ) {}

  /**
   * Takes the data directory's lock, or fails with ResourceInUseException naming the directory and the
   * process holding it. Creates the directory if it does not exist.
   */
  static async acquire(dataDir: string): Promise<DataDirLock> {
    await makeConfiguredDirectory(dataDir, 'Data directory');
    const path = join(dataDir, DATA_DIR_LOCK_FILE);
    const owner: LockOwner = {
      pid: process.pid,
      host: hostname(),
      ...optional('startTime', processStartTime(process.pid)),
      since: Date.now(),
      token: randomBytes(8).toString('hex'),
    };
    const text = JSON.stringify(owner) + '\n';
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (await publish(path, text, owner.token)) return new DataDirLock(dataDir, path, owner);
      let seen: string;
      try {
        seen = await readFile(path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw e;
      }
      const holder = parseOwner(seen);
      if (holder !== undefined && isAlive(holder)) throw inUse(dataDir, path, holder);
      if (holder === undefined && (await ageOf(path)) < UNREADABLE_GRACE_MS) {
        throw new EddyError(
          'ResourceInUseException',
          `Data directory ${dataDir} is being locked by another process (lock file ${path} is not complete yet); try again, ` +
            `or delete ${path} if no process is using the directory.`,
        );
      }
      await takeOver(path, seen, owner.token);
    }
    throw new EddyError('ResourceInUseException', `Data directory ${dataDir} could not be locked: its lock file ${path} kept changing while other processes started.`);
  }

  /** Removes the lock file if it is still this lock's (someone may have deleted it by hand and started). */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    try {
      const holder = parseOwner(await readFile(this.path, 'utf8'));
      if (holder?.token === this.owner.token) await unlink(this.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
}

/** Creates the lock file with its full text, atomically; false if a lock file already exists. */
async function publish(path: string, text: string, token: string): Promise<boolean> {
  const temp = `${path}.${token}.tmp`;
  await writeFile(temp, text);
  try {
    await link(temp, path);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === undefined || !NO_HARD_LINKS.has(code)) throw e;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  try {
    await writeFile(path, text, { flag: 'wx' });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/** Milliseconds since the file was last written; Infinity if it is gone. */
async function ageOf(path: string): Promise<number> {
  try {
    return Date.now() - (await stat(path)).mtimeMs;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return Infinity;
    throw e;
  }
}

/**
 * Moves a stale lock aside under a name of our own, then checks that what moved is the lock judged
 * stale: if another process took it over in between, its fresh lock is put back.
 */
async function takeOver(path: string, stale: string, token: string): Promise<void> {
  const aside = `${path}.${token}.stale`;
  try {
    await rename(path, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  try {
    if ((await readFile(aside, 'utf8')) !== stale) await link(aside, path).catch(() => undefined);
  } finally {
    await unlink(aside).catch(() => undefined);
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    if (!Number.isSafeInteger(o.pid) || typeof o.host !== 'string' || typeof o.token !== 'string') return undefined;
    return o as LockOwner;
  } catch {
    return undefined;
  }
}

/** Whether the lock's owner may still be running. A process on another host cannot be checked, so it counts as alive. */
function isAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    // EPERM: the process exists but belongs to another user.
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  if (owner.startTime === undefined) return true;
  const startTime = processStartTime(owner.pid);
  return startTime === undefined || startTime === owner.startTime;
}

/** Field 22 of /proc/<pid>/stat; the command name before it may hold spaces and parentheses. */
function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function inUse(dataDir: string, path: string, owner: LockOwner): EddyError {
  const where = owner.host === hostname() ? 'on this host' : `on host ${owner.host}`;
  const since = Number.isFinite(owner.since) ? ` since ${new Date(owner.since).toISOString()}` : '';
  const remedy = owner.host === hostname() ? '' : ` If that process is gone, delete ${path}.`;
  return new EddyError(
    'ResourceInUseException',
    `Data directory ${dataDir} is in use by process ${owner.pid} ${where}${since} (lock file ${path}); only one process may open it at a time.${remedy}`,
  );
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
