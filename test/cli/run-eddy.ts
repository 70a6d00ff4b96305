// Runs the `eddy` CLI as a user would: a separate node process on compiled JavaScript. The sources are
// transpiled once per version of the sources into a git-ignored directory inside the repository (so node_modules
// resolve), which keeps the tests on the current code without a full `npm run build`.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { buildSync } from 'esbuild';

const repo = resolve(__dirname, '..', '..');
const src = join(repo, 'src');

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourcesUnder(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/**
 * Transpiles src/ into tmp/cli-<hash of the sources>/ and returns the path of cli/main.js. Test files that
 * run on the same sources share one build (made in a private folder and renamed into place, so parallel
 * workers never see half of one); transpiling every file again per test file cost a loaded machine more
 * than a hook's timeout. `name` only labels the private folder.
 */
export function buildCli(name: string): { main: string; cleanup(): void } {
  const files = sourcesUnder(src).sort();
  const hash = createHash('sha256');
  for (const file of files) hash.update(relative(src, file)).update('\0').update(readFileSync(file)).update('\0');
  const tmp = join(repo, 'tmp');
  const id = hash.digest('hex').slice(0, 16);
  const out = join(tmp, `cli-${id}`);
  const main = join(out, 'cli', 'main.js');
  if (!existsSync(join(out, BUILD_COMPLETE))) {
    const staging = join(tmp, `${name}-${process.pid}-${randomUUID()}`);
    // esbuild strips types file by file (no bundling, imports kept as written) in a fraction of tsc's time.
    buildSync({ entryPoints: files, outdir: staging, outbase: src, format: 'esm', platform: 'node', target: 'es2022', bundle: false, logLevel: 'silent' });
    writeFileSync(join(staging, BUILD_COMPLETE), '');
    try {
      renameSync(staging, out);
    } catch {
      // Another worker finished the same build first; its copy is identical.
      rmSync(staging, { recursive: true, force: true });
    }
    // Builds of sources that have since changed are of no further use.
    for (const entry of readdirSync(tmp)) {
      if (entry.startsWith('cli-') && entry !== `cli-${id}` && existsSync(join(tmp, entry, BUILD_COMPLETE))) {
        rmSync(join(tmp, entry), { recursive: true, force: true });
      }
    }
  }
  // The shared build stays for the next test file; it is git-ignored and replaced when the sources change.
  return { main, cleanup: () => {} };
}

const BUILD_COMPLETE = '.complete';

export interface EddyRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The environment a user's shell gives eddy: without the switch the test runner sets to keep the AWS
 * SDK's Node-version warning out of test output, so a warning eddy would print shows up here too.
 */
function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: _runnerSwitch, ...env } = process.env;
  return { ...env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', ...extra };
}

export function runEddy(main: string, args: readonly string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<EddyRun> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [main, ...args],
      { env: userEnv(options.env), timeout: 30_000 },
      (error, stdout, stderr) => done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (options.input !== undefined) child.stdin!.end(options.input);
    else child.stdin!.end();
  });
}

/**
 * Starts a long-running eddy command (serve, tail) and hands back the process; with `openFileLimit`, under
 * that `ulimit -n` (through /bin/sh, which then execs node).
 */
export function startEddy(main: string, args: readonly string[], env: NodeJS.ProcessEnv = {}, options: { openFileLimit?: number } = {}): ChildProcess {
  if (options.openFileLimit === undefined) return spawn(process.execPath, [main, ...args], { env: userEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  const script = `ulimit -n ${options.openFileLimit} && exec "$0" "$@"`;
  return spawn('/bin/sh', ['-c', script, process.execPath, main, ...args], { env: userEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Resolves with all output once `pattern` appears in the process's stdout. */
export function waitForOutput(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((done, fail) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      if (pattern.test(seen)) {
        child.stdout!.off('data', onData);
        done(seen);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => fail(new Error(`eddy exited with ${code} before printing ${pattern}: ${seen}`)));
  });
}

/** Resolves with the exit code (null if a signal ended it) once the process has exited, or at once if it has. */
export const exitOf = (child: ChildProcess): Promise<number | null> =>
  // A process a signal ended has no exit code, only a signal code: waiting for its 'exit' then would be forever.
  new Promise((done) => (child.exitCode !== null || child.signalCode !== null ? done(child.exitCode) : child.once('exit', (code) => done(code))));

/** `eddy serve` options for tests that use a stream as soon as they create (reshard, delete) it. */
export const NO_STREAM_STATES: readonly string[] = ['--create-stream-ms', '0', '--delete-stream-ms', '0', '--update-stream-ms', '0'];
