// Statements run in process, with no server: createEngine and a StatementExecutor, as the CLI, tests and
// programs that embed Eddy run them.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { SqlError, type CompiledStatement } from '../../src/sql/index.js';
import { StatementExecutor, type StatementResult } from '../../src/statements/index.js';

let engine: Engine;
let statements: StatementExecutor;
beforeEach(async () => {
  engine = await createEngine({ shardLimits: false });
  statements = new StatementExecutor(engine);
});
afterEach(async () => {
  await engine.close();
});

const kinds = (results: readonly StatementResult[]) => results.map((r) => r.kind);

describe('StatementExecutor', () => {
  it('creates a stream, attaches a schema to one made without SQL, and leaves one with a schema unchanged', async () => {
    await engine.store.createStream('orders', { shardCount: 3 });
    const results = await statements.execute(
      'CREATE STREAM clicks (user_id VARCHAR, ts TIMESTAMP) WITH (shards = 2); CREATE STREAM orders (id BIGINT); CREATE STREAM IF NOT EXISTS clicks (x INT)',
    );
    expect(results.map((r) => (r.kind === 'createStream' ? r.action : r.kind))).toEqual(['created', 'attached', 'unchanged']);
    expect(engine.store.describeStream('clicks').openShardCount).toBe(2);
    expect(engine.store.describeStream('orders').openShardCount).toBe(3);
    expect(engine.catalog.stream('clicks')?.columns.map((c) => c.name)).toEqual(['user_id', 'ts']);
  });

  it('drops a stream with its schema, and runs SHOW, DESCRIBE and EXPLAIN as rows and text', async () => {
    const results = await statements.execute(
      'CREATE STREAM a (v INT); SHOW STREAMS; DESCRIBE a; EXPLAIN SELECT v FROM a WHERE v > 1; DROP STREAM a; DROP STREAM IF EXISTS a',
    );
    expect(kinds(results)).toEqual(['createStream', 'showStreams', 'describe', 'explain', 'dropStream', 'dropStream']);
    const describe = results[2]!;
    expect(describe.kind === 'describe' && describe.rows.map((r) => r.column)).toEqual(['v', '_arrival_time', '_partition_key', '_shard_id', '_sequence_number', '_sub_sequence_number']);
    expect(results.slice(4).map((r) => r.kind === 'dropStream' && r.dropped)).toEqual([true, false]);
    expect(engine.store.listStreams()).toEqual([]);
    expect(engine.catalog.stream('a')).toBeUndefined();
  });

  it('starts continuous statements through the engine’s query manager', async () => {
    const [, select] = await statements.execute('CREATE STREAM a (v INT); SELECT v FROM a');
    expect(select?.kind).toBe('query');
    const id = select?.kind === 'query' ? select.query.id : '';
    expect(statements.listQueries().map((q) => q.id)).toEqual([id]);
    await statements.deleteQuery(id);
    expect(statements.listQueries()).toEqual([]);
  });

  it('shows every statement to the check before any runs, so a refused script changes nothing', async () => {
    const seen: CompiledStatement['kind'][] = [];
    const refuse = (s: CompiledStatement) => {
      seen.push(s.kind);
      if (s.kind === 'dropStream') throw new Error('no dropping');
    };
    await expect(statements.execute('CREATE STREAM a (v INT); DROP STREAM a', refuse)).rejects.toThrow('no dropping');
    expect(seen).toEqual(['createStream', 'dropStream']);
    expect(engine.store.listStreams()).toEqual([]);
  });

  it('starts exactly one continuous statement, refusing other text with the caller’s wording', async () => {
    await statements.execute('CREATE STREAM a (v INT)');
    const status = await statements.startQuery('SELECT v FROM a', { name: 'only-v' });
    expect(status).toMatchObject({ name: 'only-v', status: 'running', stream: 'a' });
    const refused = statements.startQuery('SHOW STREAMS', { usage: 'one SELECT, please' });
    await expect(refused).rejects.toBeInstanceOf(SqlError);
    await expect(refused).rejects.toThrow('one SELECT, please');
  });

  it('answers EXPLAIN CODEGEN with the plan and the JavaScript its operators generate', async () => {
    const results = await statements.execute(
      'CREATE STREAM c (k INT, amount DOUBLE); ' +
        "EXPLAIN CODEGEN SELECT k, COUNT(*) AS n, SUM(amount) AS total FROM TABLE(TUMBLE(TABLE c, DESCRIPTOR(_arrival_time), INTERVAL '1' MINUTE)) WHERE amount > 10 GROUP BY window_start, window_end, k; " +
        'EXPLAIN CODEGEN SELECT k, STDDEV(amount) AS sd FROM c GROUP BY k; EXPLAIN CODEGEN SELECT k FROM c; EXPLAIN SELECT k FROM c',
    );
    const texts = results.flatMap((r) => (r.kind === 'explain' ? [r.text] : []));
    const [windowed, stddev, bare, plain] = texts as [string, string, string, string];
    expect(windowed).toMatch(/^Sink: subscribers .*\n[\s\S]*WindowAggregate: TUMBLE/);
    expect(windowed).toContain('Generated code, in data-flow order:\nFilter:\n  -- predicate\n  function (C, K, F, n, OUT, OV) {');
    expect(windowed).toContain("WindowAggregate:\n  -- aggregate loop, for a batch without NULLs, slots found by the INT key's values");
    expect(windowed).toMatch(/const o = s \* \d+;\n\s+S\[o\]\+\+;\n\s+const x0 = v0\[i\];\n\s+S\[o \+ 1\] \+= x0;/);
    // The literal 10 reaches the predicate's loop as data (K[0]), never as code.
    expect(windowed.split('Generated code')[1]).not.toMatch(/\b10\b/);
    expect(stddev).toContain('GroupAggregate:\n  -- aggregate loop: none; COUNT(DISTINCT), STDDEV');
    expect(bare).toMatch(/\n\nGenerated code: none/);
    expect(plain).not.toContain('Generated code');
  });
});
