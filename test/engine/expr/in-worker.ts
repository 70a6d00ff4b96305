// Runs a compiled expression in a worker thread on the current sources, so a test of something that
// once took exponential time fails with "did not finish" instead of hanging the whole test run.
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildCli } from '../../cli/run-eddy.js';
import type { Expr } from '../../../src/engine/plan/expr.js';

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.module).then(({ compileExpr }) => {
  const values = workerData.values;
  const column = { type: 'VARCHAR', length: values.length, values, valid: null };
  const out = compileExpr(workerData.expr).evaluate({ length: values.length, column: () => column });
  parentPort.postMessage(Array.from(out.values, (v, i) => (out.valid && !out.valid[i] ? null : v === 1)));
});
`;

export interface SourcesInWorker {
  /** Evaluates a BOOLEAN expression over one VARCHAR column; resolves 'did not finish' after `timeoutMs`. */
  evaluate(expr: Expr, values: readonly string[], timeoutMs: number): Promise<(boolean | null)[] | 'did not finish'>;
  cleanup(): void;
}

export function sourcesInWorker(name: string): SourcesInWorker {
  const built = buildCli(name);
  const module = pathToFileURL(join(built.main, '..', '..', 'engine', 'expr', 'compile-expr.js')).href;
  return {
    evaluate(expr, values, timeoutMs) {
      const worker = new Worker(WORKER, { eval: true, workerData: { module, expr, values } });
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          void worker.terminate();
          resolve('did not finish');
        }, timeoutMs);
        worker.once('message', (result: (boolean | null)[]) => {
          clearTimeout(timer);
          void worker.terminate();
          resolve(result);
        });
        worker.once('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
      });
    },
    cleanup: built.cleanup,
  };
}
