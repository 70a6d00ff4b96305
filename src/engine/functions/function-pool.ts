// The worker threads of one function: a handler runs in a worker with a memory limit and a timeout, so a
// handler that throws, hangs, exhausts its memory or exits takes only its worker down; the invocation
// fails (and is retried by its mapping) and the next one gets a fresh worker. Workers are started on
// demand, at most `maxWorkers` at once, and reused; a module whose file changed is loaded afresh.

import { statSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { HANDLER_WORKER_SOURCE } from './handler-worker-source.js';
import { packBatch, packedSize, type BatchRecord } from './packed-batch.js';
import { TYPESCRIPT_HOOKS_URL } from './typescript-hooks-source.js';

export interface FunctionPoolOptions {
  readonly functionName: string;
  readonly functionArn: string;
  readonly modulePath: string;
  /** The V8 heap limit of each worker (Lambda's MemorySize). */
  readonly memoryMb: number;
  readonly timeoutMs: number;
  readonly maxWorkers: number;
  /** For TypeScript handlers: a path from which `typescript` resolves (its package.json, for createRequire). */
  readonly typescript?: string;
}

/** One batch for a handler: its records and, with tumbling windows, the window. */
export interface InvocationRequest {
  readonly records: readonly BatchRecord[];
  readonly shardId: string;
  readonly eventSourceARN: string;
  readonly awsRegion: string;
  readonly invokeIdentityArn: string;
  readonly window?: {
    readonly window: { readonly start: string; readonly end: string };
    readonly state: Record<string, unknown>;
    readonly isFinalInvokeForWindow: boolean;
    readonly isWindowTerminatedEarly: boolean;
  };
}

export type InvocationOutcome =
  | { readonly ok: true; readonly result: unknown; readonly requestId: string }
  | { readonly ok: false; readonly errorType: string; readonly errorMessage: string; readonly requestId: string };

interface Slot {
  readonly worker: Worker;
  readonly version: string;
  busy?: undefined | { readonly id: number; readonly requestId: string; readonly settle: (o: InvocationOutcome) => void; readonly timer: NodeJS.Timeout };
  /** Handed to an invocation that has not posted its message yet (acquire resolves a tick later). */
  reserved: boolean;
  /** Batches are packed here and read in place by the worker; replaced by a larger one when needed. */
  shared: SharedArrayBuffer | undefined;
  gone: boolean;
}

const TS_MODULE = /\.(ts|mts)$/;
const VERSION_CHECK_MS = 1000;

export class FunctionPool {
  private readonly slots = new Set<Slot>();
  private readonly waiting: (() => void)[] = [];
  private nextId = 1;
  private version: string;
  private checkedAt = 0;
  private closed = false;

  constructor(private readonly o: FunctionPoolOptions) {
    this.version = this.fileVersion();
  }

  get workerCount(): number {
    return this.slots.size;
  }

  /** Runs one invocation; never rejects: handler failures, timeouts and crashed workers are outcomes. */
  async invoke(request: InvocationRequest): Promise<InvocationOutcome> {
    if (TS_MODULE.test(this.o.modulePath) && this.o.typescript === undefined) {
      const errorMessage = `${this.o.modulePath} is TypeScript, which needs the typescript package installed beside Eddy (npm install typescript), or compile it to .mjs.`;
      return { ok: false, errorType: 'Runtime.ImportModuleError', errorMessage, requestId: randomUUID() };
    }
    const slot = await this.acquire();
    const id = this.nextId++;
    const requestId = randomUUID();
    return new Promise<InvocationOutcome>((settle) => {
      const timer = setTimeout(() => {
        this.fail(slot, 'Sandbox.Timedout', `Task timed out after ${(this.o.timeoutMs / 1000).toFixed(2)} seconds`);
      }, this.o.timeoutMs);
      slot.busy = { id, requestId, settle, timer };
      slot.reserved = false;
      // The worker is idle while its slot is ours, so writing into the buffer it reads is safe.
      const size = packedSize(request.records);
      let fresh: SharedArrayBuffer | undefined;
      if (slot.shared === undefined || slot.shared.byteLength < size) fresh = slot.shared = new SharedArrayBuffer(Math.max(size, 2 * (slot.shared?.byteLength ?? 0), 1 << 20));
      packBatch(request.records, slot.shared);
      const { records, ...rest } = request;
      slot.worker.postMessage({ ...rest, count: records.length, ...(fresh ? { shared: fresh } : {}), id, requestId, timeoutMs: this.o.timeoutMs });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w();
    await Promise.all([...this.slots].map((s) => this.retire(s)));
  }

  private async acquire(): Promise<Slot> {
    for (;;) {
      if (this.closed) throw new Error(`function ${this.o.functionName} is shutting down`);
      this.checkVersion();
      for (const s of this.slots) {
        if (!s.busy && !s.reserved && !s.gone && s.version === this.version) {
          s.reserved = true;
          return s;
        }
      }
      if (this.slots.size < this.o.maxWorkers) {
        const s = this.spawn();
        s.reserved = true;
        return s;
      }
      // Every worker is busy: wait for one to finish (bounded by the mapping lanes that can ask at once).
      await new Promise<void>((wake) => this.waiting.push(wake));
    }
  }

  private spawn(): Slot {
    // A small young generation: each batch's event dies once the handler returns, and scavenges of a
    // small space are short (8 MB gave ~20% more records/s to a trivial handler than 32 MB in paired runs).
    const young = Math.max(4, Math.min(16, Math.floor(this.o.memoryMb / 32)));
    const worker = new Worker(HANDLER_WORKER_SOURCE, {
      eval: true,
      workerData: {
        modulePath: this.o.modulePath,
        functionName: this.o.functionName,
        functionArn: this.o.functionArn,
        memoryMb: this.o.memoryMb,
        ...(TS_MODULE.test(this.o.modulePath) && this.o.typescript ? { typescriptHooks: TYPESCRIPT_HOOKS_URL, typescript: this.o.typescript } : {}),
      },
      resourceLimits: { maxOldGenerationSizeMb: this.o.memoryMb, maxYoungGenerationSizeMb: young },
      stdout: false,
      stderr: false,
    });
    const slot: Slot = { worker, version: this.version, reserved: false, shared: undefined, gone: false };
    worker.on('message', (m: { id: number; ok: boolean; result?: unknown; error?: { errorType: string; errorMessage: string } }) => {
      const busy = slot.busy;
      if (!busy || busy.id !== m.id) return;
      this.release(slot);
      busy.settle(m.ok ? { ok: true, result: m.result, requestId: busy.requestId } : { ok: false, errorType: m.error!.errorType, errorMessage: m.error!.errorMessage, requestId: busy.requestId });
    });
    worker.on('error', (e: Error & { code?: string }) => {
      const type = e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'Runtime.OutOfMemory' : 'Runtime.ExitError';
      this.fail(slot, type, type === 'Runtime.OutOfMemory' ? `Runtime exited: the handler used more than ${this.o.memoryMb} MB` : `Runtime exited with error: ${e.message}`);
    });
    worker.on('exit', (code) => this.fail(slot, 'Runtime.ExitError', `Runtime exited with exit code ${code}`));
    // A worker waiting for work must not keep the process alive.
    worker.unref();
    this.slots.add(slot);
    return slot;
  }

  private release(slot: Slot): void {
    if (slot.busy) clearTimeout(slot.busy.timer);
    slot.busy = undefined;
    if (slot.version !== this.version) void this.retire(slot);
    this.waiting.shift()?.();
  }

  /** Ends the worker's current invocation with an error and throws the worker away. */
  private fail(slot: Slot, errorType: string, errorMessage: string): void {
    const busy = slot.busy;
    slot.busy = undefined;
    if (busy) clearTimeout(busy.timer);
    void this.retire(slot);
    busy?.settle({ ok: false, errorType, errorMessage, requestId: busy.requestId });
    this.waiting.shift()?.();
  }

  private async retire(slot: Slot): Promise<void> {
    if (slot.gone) return;
    slot.gone = true;
    this.slots.delete(slot);
    await slot.worker.terminate().catch(() => undefined);
  }

  /** A changed module file is loaded by new workers; idle workers of the old version are let go. */
  private checkVersion(): void {
    const now = performance.now();
    if (now - this.checkedAt < VERSION_CHECK_MS) return;
    this.checkedAt = now;
    const current = this.fileVersion();
    if (current === this.version) return;
    this.version = current;
    for (const s of this.slots) if (!s.busy) void this.retire(s);
  }

  private fileVersion(): string {
    try {
      const st = statSync(this.o.modulePath);
      return `${st.mtimeMs}:${st.size}`;
    } catch {
      return 'missing';
    }
  }
}
