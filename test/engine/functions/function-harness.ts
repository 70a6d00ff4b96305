// An engine with a functions directory in a temporary folder, handler modules written by the tests, and
// a way to read what each handler saw (they append one JSON line per invocation to a file beside them).
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type Engine, type EngineOptions } from '../../../src/engine/index.js';

export interface SeenInvocation {
  readonly event: {
    Records: { kinesis: { partitionKey: string; sequenceNumber: string; data: string; approximateArrivalTimestamp: number; kinesisSchemaVersion: string; subSequenceNumber?: number }; eventID: string; eventSource: string; eventName: string; eventSourceARN: string; awsRegion: string; eventVersion: string; invokeIdentityArn: string }[];
    window?: { start: string; end: string };
    state?: Record<string, unknown>;
    isFinalInvokeForWindow?: boolean;
    isWindowTerminatedEarly?: boolean;
    shardId?: string;
  };
  readonly functionName: string;
  readonly requestId: string;
}

export interface FunctionHarness {
  readonly engine: Engine;
  readonly functionsDir: string;
  readonly dataDir: string | undefined;
  /** Writes `<name>.mjs` whose handler records each event, then runs `body` (JavaScript) for its answer. */
  writeHandler(name: string, body: string, extension?: string): void;
  seen(name: string): SeenInvocation[];
  /** The data of every record the handler was given, as text, in the order it saw them. */
  seenData(name: string): string[];
  /** Resolves once `predicate` holds for what the handler saw (checked as its log grows). */
  waitFor(name: string, predicate: (seen: SeenInvocation[]) => boolean): Promise<SeenInvocation[]>;
  restart(options?: Partial<EngineOptions>): Promise<void>;
  close(): Promise<void>;
}

export async function startFunctionHarness(options: Partial<EngineOptions> & { durable?: boolean } = {}): Promise<FunctionHarness> {
  const functionsDir = mkdtempSync(join(tmpdir(), 'eddy-functions-'));
  const dataDir = options.durable ? mkdtempSync(join(tmpdir(), 'eddy-functions-data-')) : undefined;
  const engineOptions = (): EngineOptions => ({
    shardLimits: false,
    fsync: 'never',
    ...(dataDir ? { dataDir } : {}),
    ...options,
    functions: { functionsDir, timeoutMs: 5_000, retry: { initialDelayMs: 10, maxDelayMs: 50 }, ...options.functions },
  });
  let engine = await createEngine(engineOptions());
  const logOf = (name: string): string => join(functionsDir, `${name}.seen.jsonl`);
  const seen = (name: string): SeenInvocation[] =>
    // Only whole lines: a handler may be in the middle of appending one.
    existsSync(logOf(name)) ? readFileSync(logOf(name), 'utf8').split('\n').slice(0, -1).map((l) => JSON.parse(l) as SeenInvocation) : [];
  const harness: FunctionHarness = {
    get engine() {
      return engine;
    },
    functionsDir,
    dataDir,
    writeHandler(name, body, extension = '.mjs') {
      writeFileSync(
        join(functionsDir, `${name}${extension}`),
        [
          "import { appendFileSync } from 'node:fs';",
          `const log = new URL('./${name}.seen.jsonl', import.meta.url);`,
          'export const handler = async (event, context) => {',
          '  appendFileSync(log, JSON.stringify({ event, functionName: context.functionName, requestId: context.awsRequestId }) + "\\n");',
          `  ${body}`,
          '};',
          '',
        ].join('\n'),
      );
    },
    seen,
    seenData: (name) => seen(name).flatMap((s) => s.event.Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString())),
    async waitFor(name, predicate) {
      for (;;) {
        const now = seen(name);
        if (predicate(now)) return now;
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async restart(more = {}) {
      await engine.close();
      engine = await createEngine({ ...engineOptions(), ...more });
    },
    async close() {
      await engine.close();
      rmSync(functionsDir, { recursive: true, force: true });
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}

export const arnOf = (stream: string): string => `arn:aws:kinesis:us-east-1:000000000000:stream/${stream}`;
