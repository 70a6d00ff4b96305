// Patterns that made a backtracking matcher run for minutes on one short value, the hostile-client kind:
// each is evaluated in a worker on the current sources, so a regression fails with "did not finish"
// instead of hanging the test run. The time limit only stops a hang; a linear matcher takes microseconds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, col, lit } from './helpers.js';
import { sourcesInWorker, type SourcesInWorker } from './in-worker.js';

describe('pattern matching on hostile input', () => {
  let worker: SourcesInWorker;
  beforeAll(() => {
    worker = sourcesInWorker('hostile-patterns');
  });
  afterAll(() => worker?.cleanup());

  it('answers LIKE with many % against one 120-byte value at once', async () => {
    const expr = call('like', 'BOOLEAN', col(0, 'VARCHAR'), lit('%a%a%a%a%a%a%b', 'VARCHAR'));
    expect(await worker.evaluate(expr, ['a'.repeat(120), `${'a'.repeat(119)}b`], 20_000)).toEqual([false, true]);
  });

  it('answers REGEXP_LIKE with a nested repetition at once', async () => {
    const expr = call('regexp_like', 'BOOLEAN', col(0, 'VARCHAR'), lit('^(a+)+$', 'VARCHAR'));
    expect(await worker.evaluate(expr, [`${'a'.repeat(40)}!`, 'aaaa'], 20_000)).toEqual([false, true]);
  });
});
