// `npm run demo:fraud` as a newcomer runs it, short and seeded, against a running Eddy that already holds
// a user's own stream, table and query. Every planted fraud must be found by every rule written for its pattern, and each
// rule's printed precision must be what the alerts in the alerts stream (read back through the Kinesis
// API, not the demo's WebSocket) flag among the generator's labelled transactions.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleModule, readStream, runExample, startExampleServer, type ExampleServer } from './example-harness.js';

interface Transaction {
  readonly txn_id: string;
  readonly card_id: string;
  readonly device_id: string | null;
  readonly amount: number;
  readonly ms: number;
  readonly label: string | null;
}
interface Instance {
  readonly id: string;
  readonly pattern: string;
  readonly rule: string;
  readonly txnIds: readonly string[];
}
interface Generator {
  generateTransactions(options: { seed: number; count: number; days: number; frauds: number }): { transactions: Transaction[]; instances: Instance[] };
  PATTERNS: readonly { pattern: string; rule: string }[];
}

let eddy: ExampleServer;

beforeAll(async () => {
  eddy = await startExampleServer();
});

afterAll(async () => {
  await eddy?.close();
});

async function v1(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${eddy.endpoint}/v1${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  expect(res.ok, `${method} ${path}: HTTP ${res.status}`).toBe(true);
  return (await res.json()) as Record<string, unknown>;
}

describe('npm run demo:fraud', () => {
  it('finds every planted fraud, prints each rule’s precision and recall, and leaves a user’s own streams, tables and queries alone', async () => {
    // The Quickstart's stream and query, a stream whose name is close to the demo's prefix, and a table of the user's.
    await mkdir(eddy.tablesDir, { recursive: true });
    await writeFile(join(eddy.tablesDir, 'cards.csv'), 'card_id,holder\ncard-000001,Ada\n');
    await v1('POST', '/sql', {
      sql: "CREATE STREAM clicks (user_id VARCHAR, ts TIMESTAMP) WITH (format = 'json'); CREATE STREAM demo_fraud (x INT); CREATE TABLE cards (card_id VARCHAR PRIMARY KEY, holder VARCHAR) WITH (path = 'cards.csv', format = 'csv', header = true)",
    });
    const mine = await v1('POST', '/queries', { sql: 'SELECT user_id FROM clicks', name: 'my-clicks' });

    const run = await runExample('fraud-detection', ['--endpoint', eddy.endpoint, '--tables-dir', eddy.tablesDir, '--short', '--seed', '7']);
    expect(run.stderr).toBe('');
    expect(run.code, run.stdout).toBe(0);
    // 20 instances, 4 of each of 5 patterns; spend spikes are looked for by two rules (spend_spike and the
    // Random Cut Forest's anomaly_score), so 24 finds.
    expect(run.stdout).toContain('Every planted fraud was found by every rule written for its pattern (24/24).');
    expect(run.stdout).toContain('ALERT anomaly_score ');
    expect(run.stdout).toMatch(/#\/queries\/[0-9a-f-]{36}/);

    // The same transactions, with their labels, from the generator the demo used.
    const { generateTransactions, PATTERNS } = await exampleModule<Generator>('fraud-detection/transactions.mjs');
    const { transactions, instances } = generateTransactions({ seed: 7, count: 3000 * 2, days: 2, frauds: 4 });
    const sent = (await readStream(eddy.endpoint, 'demo_fraud_transactions')).filter((t) => t['txn_id'] !== 'heartbeat');
    expect(sent.map((t) => t['txn_id']).sort()).toEqual(transactions.map((t) => t.txn_id).sort());

    // What each rule's alerts flag: the card's (device's) transactions in the alert's span, of at least its amount floor.
    const alerts = await readStream(eddy.endpoint, 'demo_fraud_alerts');
    // Every rule's rows are final when written (OVER rows, closed windows, joined pairs), so the demo saw them all.
    expect(run.stdout).toContain(`\n${alerts.length.toLocaleString('en-US')} alerts raised (0 late transactions dropped, 0 that did not decode).`);
    const flagged = new Map<string, Set<Transaction>>(PATTERNS.map((p) => [p.rule, new Set()]));
    for (const a of alerts) {
      const from = Date.parse(a['first_ts'] as string);
      const to = Date.parse(a['last_ts'] as string);
      const floor = (a['min_amount'] as number | null) ?? 0;
      const byCard = a['card_id'] !== null;
      for (const t of transactions) {
        const same = byCard ? t.card_id === a['card_id'] : t.device_id === a['device_id'];
        if (same && t.ms >= from && t.ms <= to && t.amount >= floor) flagged.get(a['rule'] as string)?.add(t);
      }
    }

    for (const instance of instances) {
      const rules = PATTERNS.filter((p) => p.pattern === instance.pattern).map((p) => p.rule);
      expect(rules.length).toBe(instance.pattern === 'spend_spike' ? 2 : 1);
      for (const rule of rules) {
        const set = flagged.get(rule)!;
        expect([...set].some((t) => instance.txnIds.includes(t.txn_id)), `${instance.id} found by ${rule}`).toBe(true);
      }
    }
    for (const { rule, pattern } of PATTERNS) {
      const set = [...flagged.get(rule)!];
      const fraudulent = set.filter((t) => t.label !== null).length;
      const precision = `${((100 * fraudulent) / set.length).toFixed(1)}%`;
      const ofPattern = transactions.filter((t) => t.label === pattern);
      const caught = ofPattern.filter((t) => set.includes(t)).length;
      const line = run.lines.find((l) => l.startsWith(`  ${rule} `));
      expect(line, rule).toBeDefined();
      expect(line!.trim().split(/\s+/).slice(0, 6)).toEqual([
        rule,
        set.length.toLocaleString('en-US'),
        fraudulent.toLocaleString('en-US'),
        precision,
        `${((100 * caught) / ofPattern.length).toFixed(1)}%`,
        `(${caught}`,
      ]);
    }

    // The user's stream, the stream beside the prefix and the user's query are all still there.
    const streams = ((await v1('GET', '/streams'))['streams'] as { name: string }[]).map((s) => s.name);
    expect(streams).toEqual(expect.arrayContaining(['clicks', 'demo_fraud', 'demo_fraud_transactions', 'demo_fraud_alerts']));
    const status = await v1('GET', `/queries/${mine['id'] as string}`);
    expect(status['status']).toBe('running');
    const [tables] = (await v1('POST', '/sql', { sql: 'SHOW TABLES' }))['results'] as { rows: { name: string }[] }[];
    expect(tables!.rows.map((t) => t.name).sort()).toEqual(['cards', 'demo_fraud_cards']);
  }, 90_000);
});
