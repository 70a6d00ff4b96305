// Runs the `eddy` CLI as a user would: a separate node process on compiled JavaScript. The sources are
// transpiled once per test file into a git-ignored directory inside the repository (so node_modules
// resolve), which keeps the tests on the current code without a full `npm run build`.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const repo = resolve(__dirname, '..', '..');
const src = join(repo, 'src');

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourcesUnder(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** Transpiles src/ into tmp/<name>/ and returns the path of cli/main.js. */
export function buildCli(name: string): { main: string; cleanup(): void } {
  const out = join(repo, 'tmp', `${name}-${process.pid}`);
  for (const file of sourcesUnder(src)) {
    const js = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, sourceMap: false },
      fileName: file,
    }).outputText;
    const target = join(out, relative(src, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, js);
  }
  return { main: join(out, 'cli', 'main.js'), cleanup: () => rmSync(out, { recursive: true, force: true }) };
}

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

export const exitOf = (child: ChildProcess): Promise<number | null> =>
  new Promise((done) => (child.exitCode !== null ? done(child.exitCode) : child.once('exit', (code) => done(code))));

/** `eddy serve` options for tests that use a stream as soon as they create (reshard, delete) it. */
export const NO_STREAM_STATES: readonly string[] = ['--create-stream-ms', '0', '--delete-stream-ms', '0', '--update-stream-ms', '0'];
