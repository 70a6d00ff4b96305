// One process per data directory: the lock file names its owner, a second opener is refused with the
// directory and the owner's pid, and a lock left by a process that is gone is taken over.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATA_DIR_LOCK_FILE, DataDirLock } from '../../../src/engine/stream/data-dir-lock.js';
import { openStreamStore } from '../../../src/engine/stream/open-stream-store.js';
import { errorOf } from './store-helpers.js';

let dataDir: string;
let lockPath: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'eddy-lock-'));
  lockPath = join(dataDir, DATA_DIR_LOCK_FILE);
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

/** The pid of a process that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

function writeLock(owner: Record<string, unknown>): void {
  writeFileSync(lockPath, JSON.stringify({ since: 0, token: 'old', ...owner }));
}

describe('the data directory lock', () => {
  it('refuses a second store on the same directory, naming the directory and the owning pid, until the first closes', async () => {
    const first = await openStreamStore({ dataDir, shardLimits: false });
    await first.createStream('s', { shardCount: 1 });
    const refused = await errorOf(() => openStreamStore({ dataDir, shardLimits: false }));
    expect(refused.code).toBe('ResourceInUseException');
    expect(refused.message).toContain(`Data directory ${dataDir} is in use by process ${process.pid} on this host`);
    expect(refused.message).toContain(`(lock file ${lockPath})`);
    // The refused opener touched nothing: the first store still works and still holds the lock.
    await first.putRecord('s', { partitionKey: 'k', data: new Uint8Array([1]) });
    expect(JSON.parse(readFileSync(lockPath, 'utf8')).pid).toBe(process.pid);
    await first.close();
    expect(existsSync(lockPath)).toBe(false);
    const second = await openStreamStore({ dataDir, shardLimits: false });
    expect(second.listStreams().map((x) => x.streamName)).toEqual(['s']);
    await second.close();
  });

  it('records its owner: pid, host and when it was taken', async () => {
    const lock = await DataDirLock.acquire(dataDir);
    const owner = JSON.parse(readFileSync(lockPath, 'utf8'));
    expect(owner).toMatchObject({ pid: process.pid, host: hostname() });
    expect(typeof owner.since).toBe('number');
    await lock.release();
    expect(existsSync(lockPath)).toBe(false);
  });

  it('takes over a lock whose process is gone, as after SIGKILL', async () => {
    writeLock({ pid: deadPid(), host: hostname() });
    const store = await openStreamStore({ dataDir, shardLimits: false });
    expect(JSON.parse(readFileSync(lockPath, 'utf8')).pid).toBe(process.pid);
    await store.close();
  });

  it('takes over a lock whose pid now belongs to a process that started later', async () => {
    writeLock({ pid: process.pid, host: hostname(), startTime: '1' });
    const lock = await DataDirLock.acquire(dataDir);
    expect(lock.owner.token).not.toBe('old');
    await lock.release();
  });

  it('leaves alone a lock file that holds no owner yet while it is young, and takes it over once old', async () => {
    writeFileSync(lockPath, '');
    const refused = await errorOf(() => DataDirLock.acquire(dataDir));
    expect(refused.code).toBe('ResourceInUseException');
    expect(refused.message).toContain(`Data directory ${dataDir} is being locked by another process`);
    const longAgo = new Date(Date.now() - 60_000);
    utimesSync(lockPath, longAgo, longAgo);
    const lock = await DataDirLock.acquire(dataDir);
    expect(JSON.parse(readFileSync(lockPath, 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('refuses a lock held from another host, which it cannot check, and says how to clear it', async () => {
    writeLock({ pid: 4242, host: 'elsewhere.example' });
    const refused = await errorOf(() => DataDirLock.acquire(dataDir));
    expect(refused).toEqual({
      code: 'ResourceInUseException',
      message:
        `Data directory ${dataDir} is in use by process 4242 on host elsewhere.example since 1970-01-01T00:00:00.000Z ` +
        `(lock file ${lockPath}); only one process may open it at a time. If that process is gone, delete ${lockPath}.`,
    });
  });

  it('lets exactly one of several concurrent openers win', async () => {
    const results = await Promise.allSettled(Array.from({ length: 4 }, () => DataDirLock.acquire(dataDir)));
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    await (won[0] as PromiseFulfilledResult<DataDirLock>).value.release();
  });

  it('leaves alone a lock that is no longer its own when releasing', async () => {
    const lock = await DataDirLock.acquire(dataDir);
    writeLock({ pid: deadPid(), host: hostname(), token: 'someone-else' });
    await lock.release();
    expect(JSON.parse(readFileSync(lockPath, 'utf8')).token).toBe('someone-else');
  });

  it('creates a missing data directory', async () => {
    const nested = join(dataDir, 'a', 'b');
    const lock = await DataDirLock.acquire(nested);
    expect(existsSync(join(nested, DATA_DIR_LOCK_FILE))).toBe(true);
    await lock.release();
  });
});
