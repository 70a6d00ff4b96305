// User functions (CREATE FUNCTION name AS 'module.js' RETURNS type): modules in the one directory the
// server's operator names (`eddy serve --udf-dir`), run in worker threads (see udf-worker-source.ts).
// A module path that would leave the directory, by `..`, an absolute path or a symbolic link, is refused.
// Each running query calls its functions through a runtime of its own: one worker, loaded on first use,
// called synchronously once per batch and bounded by the query's CPU budget, which stops the worker.

import { readFileSync, realpathSync, statSync } from 'node:fs';
import { extname, isAbsolute, join, resolve, sep } from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { EddyError } from '../errors.js';
import type { Value } from '../expr/kernel.js';
import type { UserFunctionArgument, UserFunctionCall, UserFunctionInvoker } from '../expr/udf-call.js';
import type { WorkMeter } from '../expr/work-meter.js';
import { isStrictlyInside } from '../safe-path.js';
import { UDF_WORKER_SOURCE } from './udf-worker-source.js';
import type { DataType } from '../plan/expr.js';

/** The types a module may declare for a function's result. */
const DATA_TYPES: readonly DataType[] = ['BOOLEAN', 'INT', 'BIGINT', 'DOUBLE', 'VARCHAR', 'TIMESTAMP'];

/** Module files user functions may be written in: JavaScript modules, and TypeScript when it is installed. */
const MODULE_EXTENSIONS = new Set(['.js', '.mjs', '.ts', '.mts']);
/** The largest module read. */
export const MAX_MODULE_BYTES = 1_048_576;
/** How long a module may take to load, or a batch to run where no query budget bounds it (a query's default budget). */
const UNBUDGETED_MILLIS = 5000;
/** The V8 heap each worker of user functions may use. */
export const USER_FUNCTION_MEMORY_MB = 128;

/** Atomics.waitAsync, which Node 20 has and the ES2023 library types lack. */
interface AtomicsWaitAsync {
  waitAsync(array: Int32Array, index: number, value: number, timeout: number): { async: false; value: string } | { async: true; value: Promise<string> };
}

interface ModuleText {
  readonly path: string;
  readonly source: string;
  readonly typescript: boolean;
}

export interface UserFunctionsOptions {
  /** The directory modules are loaded from, and only from. */
  readonly dir: string;
  /** Where `typescript` resolves from (its package.json), for .ts modules; absent: TypeScript modules are refused. */
  readonly typescript?: string;
  readonly memoryMb?: number;
}

/** Why a module path from SQL text cannot name a module, or undefined when it can (checked again against the files). */
export function modulePathProblem(module: string): string | undefined {
  if (module === '' || isAbsolute(module) || /^[A-Za-z]:/.test(module)) return 'must be a path relative to the directory of user functions';
  if (module.split(/[\\/]/).includes('..')) return "must not climb out of the directory of user functions with '..'";
  if (!MODULE_EXTENSIONS.has(extname(module).toLowerCase())) return 'must be a .js, .mjs, .ts or .mts module';
  if (/[\u0000-\u001f]/.test(module)) return 'must not hold control characters';
  return undefined;
}

export class UserFunctions {
  readonly dir: string;

  /** Public so that a query on a worker thread can open the same directory there (query/threads). */
  constructor(readonly options: UserFunctionsOptions) {
    this.dir = resolve(options.dir);
  }

  /** Reads a module, refusing one outside the directory (through `..`, an absolute path or a link). */
  read(module: string): ModuleText {
    const problem = modulePathProblem(module);
    if (problem !== undefined) throw new EddyError('InvalidArgumentException', `Function module '${module}' ${problem}`);
    const path = join(this.dir, module);
    let real: string;
    let realDir: string;
    try {
      realDir = realpathSync(this.dir);
      real = realpathSync(path);
    } catch {
      throw new EddyError('InvalidArgumentException', `Function module '${module}' does not exist in the directory of user functions`);
    }
    if (!isStrictlyInside(this.dir, path) || !isStrictlyInside(realDir, real) || !real.startsWith(realDir + sep)) {
      throw new EddyError('InvalidArgumentException', `Function module '${module}' is outside the directory of user functions`);
    }
    const st = statSync(real);
    if (!st.isFile()) throw new EddyError('InvalidArgumentException', `Function module '${module}' is not a file`);
    if (st.size > MAX_MODULE_BYTES) throw new EddyError('InvalidArgumentException', `Function module '${module}' is ${st.size.toLocaleString('en-US')} bytes, more than the ${MAX_MODULE_BYTES.toLocaleString('en-US')} allowed`);
    return { path: module, source: readFileSync(real, 'utf8'), typescript: /\.m?ts$/i.test(module) };
  }

  /** A runtime for one query's calls; close it when the query ends. */
  runtime(): UserFunctionRuntime {
    return new UserFunctionRuntime(this, this.options);
  }

  /**
   * Loads a module in a worker of its own and gives the result type it declares for the function `name`
   * (`f.returns = 'BIGINT'`), or undefined when it declares none; fails as `check` does on a module
   * without that function.
   */
  async declaredReturns(module: string, name: string): Promise<DataType | undefined> {
    const runtime = this.runtime();
    try {
      const declared = await runtime.load({ name, module, returns: 'VARCHAR' });
      if (declared === undefined) return undefined;
      const type = declared.trim().toUpperCase();
      if (!(DATA_TYPES as readonly string[]).includes(type)) {
        throw new EddyError('InvalidArgumentException', `Function module '${module}' declares ${name}.returns = ${JSON.stringify(declared.slice(0, 40))}, which is not one of ${DATA_TYPES.join(', ')}`);
      }
      return type as DataType;
    } finally {
      runtime.close();
    }
  }

  /** Loads a module in a worker of its own and checks that it has a function for `name` (CREATE FUNCTION). */
  async check(module: string, name: string, returns: UserFunctionCall['returns']): Promise<void> {
    const runtime = this.runtime();
    try {
      await runtime.load({ name, module, returns });
    } finally {
      runtime.close();
    }
  }
}

/** One query's user functions: a worker, started on first use and stopped with the query. */
export class UserFunctionRuntime implements UserFunctionInvoker {
  private worker: Worker | undefined;
  private port: MessagePort | undefined;
  private flag: Int32Array | undefined;
  private readonly sent = new Set<string>();
  private nextId = 1;

  constructor(
    private readonly functions: UserFunctions,
    private readonly options: UserFunctionsOptions,
  ) {}

  invoke(call: UserFunctionCall, args: readonly UserFunctionArgument[], rows: number, meter: WorkMeter | undefined): Value[] {
    const id = this.post(call, args, rows);
    const limit = meter?.remainingMs?.() ?? UNBUDGETED_MILLIS;
    const deadline = performance.now() + limit;
    const flag = this.flag!;
    for (;;) {
      if (Atomics.load(flag, 0) === id) break;
      const left = deadline - performance.now();
      if (left <= 0) return this.timedOut(call, limit, meter);
      Atomics.wait(flag, 0, Atomics.load(flag, 0), left);
    }
    return this.answer(call, id);
  }

  /**
   * Loads a module without blocking the thread (CREATE FUNCTION checks a module this way); gives the
   * `returns` the function declares, if it is a string.
   */
  async load(call: UserFunctionCall): Promise<string | undefined> {
    const id = this.post(call, [], -1);
    const flag = this.flag!;
    const deadline = performance.now() + UNBUDGETED_MILLIS;
    while (Atomics.load(flag, 0) !== id) {
      const left = deadline - performance.now();
      if (left <= 0) {
        this.stopWorker();
        throw new EddyError('InvalidArgumentException', `Function module '${call.module}' did not load within ${UNBUDGETED_MILLIS.toLocaleString('en-US')} ms`);
      }
      const waited = (Atomics as unknown as AtomicsWaitAsync).waitAsync(flag, 0, Atomics.load(flag, 0), left);
      if (waited.async) await waited.value;
    }
    const declared = this.answer(call, id)[0];
    return typeof declared === 'string' ? declared : undefined;
  }

  close(): void {
    this.stopWorker();
  }

  private post(call: UserFunctionCall, args: readonly UserFunctionArgument[], rows: number): number {
    this.start();
    const module = this.sent.has(call.module) ? { path: call.module } : this.functions.read(call.module);
    this.sent.add(call.module);
    const id = this.nextId++;
    this.port!.postMessage({
      id,
      name: call.name,
      returns: call.returns,
      module,
      rows,
      args: args.map((a) => ({ timestamp: a.type === 'TIMESTAMP', values: a.values })),
    });
    return id;
  }

  private answer(call: UserFunctionCall, id: number): Value[] {
    const received = receiveMessageOnPort(this.port!)?.message as { id: number; ok: boolean; values?: Value[]; error?: string } | undefined;
    if (received === undefined || received.id !== id) {
      this.stopWorker();
      throw new EddyError('InternalFailure', `user function ${call.name} answered out of turn`);
    }
    if (!received.ok) throw new EddyError('InvalidArgumentException', `user function ${call.name} (${call.module}) ${received.error ?? 'failed'}`);
    return received.values!;
  }

  private timedOut(call: UserFunctionCall, limit: number, meter: WorkMeter | undefined): never {
    this.stopWorker();
    // The query's budget names the batch it was on; without one, the function is named.
    meter?.spend(Number.MAX_SAFE_INTEGER);
    throw new EddyError('LimitExceededException', `user function ${call.name} (${call.module}) did not answer within ${Math.round(limit).toLocaleString('en-US')} ms`);
  }

  private start(): void {
    if (this.worker) return;
    const { port1, port2 } = new MessageChannel();
    const shared = new SharedArrayBuffer(4);
    this.flag = new Int32Array(shared);
    const memory = this.options.memoryMb ?? USER_FUNCTION_MEMORY_MB;
    this.worker = new Worker(UDF_WORKER_SOURCE, {
      eval: true,
      // vm modules are behind this flag in Node 20 and 22; warnings about it would reach the server's stderr.
      execArgv: ['--experimental-vm-modules', '--no-warnings'],
      workerData: { port: port2, flag: shared, ...(this.options.typescript ? { typescript: this.options.typescript } : {}) },
      transferList: [port2],
      resourceLimits: { maxOldGenerationSizeMb: memory, maxYoungGenerationSizeMb: Math.min(16, Math.max(4, Math.floor(memory / 16))) },
      stdout: true,
      stderr: true,
      env: {},
    });
    // A worker that exits (out of memory, say) leaves its calls unanswered until the budget runs out.
    this.worker.on('error', () => undefined);
    this.worker.stdout.resume();
    this.worker.stderr.resume();
    this.worker.unref();
    this.port = port1;
    this.sent.clear();
  }

  private stopWorker(): void {
    const worker = this.worker;
    this.worker = undefined;
    this.port?.close();
    this.port = undefined;
    if (worker) void worker.terminate().catch(() => undefined);
  }
}
