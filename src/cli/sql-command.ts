// `eddy sql "<statements>"`: runs SQL through the /v1 API. DDL, SHOW, DESCRIBE and EXPLAIN print their
// results; a SELECT starts a query whose rows are printed (one JSON object per line on stdout) as they
// arrive over its WebSocket, until Ctrl-C, which deletes the query. Errors print with a caret under the
// offending SQL and exit non-zero. Every request carries a token or a signature (api-auth.ts).

import type { WebSocket } from 'ws';
import type { SqlErrorCode } from '../sql/index.js';
import type { StatementResult } from '../statements/index.js';
import { type ApiAuth, apiAuth, authHeaders } from './api-auth.js';
import { UsageError } from './cli-options.js';
import { type CliIo, type Command, EXIT, type OptionValues } from './command.js';
import { DEFAULT_ENDPOINT } from './kinesis-client.js';

interface ApiError {
  readonly code: string;
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
  readonly token?: string;
}

/** A statement that started a query whose rows go to subscribers. */
type SelectResult = Extract<StatementResult, { kind: 'query' | 'insert' }>;

/** The options `sql` understands, and whether each takes a value; anything else bare is the SQL text. */
const VALUE_OPTIONS = new Set(['--sql', '--endpoint', '--token', '--region']);

/**
 * `eddy sql "<statements>" [--endpoint url]`: the first bare argument is the SQL. It is passed on as
 * `--sql=<text>` so text that starts with `-` (a `--` comment) is not taken for an option.
 */
export function sqlArguments(argv: readonly string[]): string[] {
  const out: string[] = [];
  let sqlSeen = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (VALUE_OPTIONS.has(arg) && i + 1 < argv.length) {
      out.push(`${arg}=${argv[++i]!}`);
    } else if (arg.startsWith('--') && (VALUE_OPTIONS.has(arg.split('=')[0]!) || arg === '--help')) {
      out.push(arg);
    } else if (!sqlSeen && (!arg.startsWith('-') || arg === '-' || /^--(\s|$)/.test(arg))) {
      out.push(`--sql=${arg}`);
      sqlSeen = true;
    } else {
      out.push(arg);
    }
  }
  return out;
}

export const sqlCommand: Command = {
  name: 'sql',
  summary: 'Runs SQL statements; for a SELECT, prints its result rows as they arrive until Ctrl-C.',
  details: [
    'Usage: eddy sql "<statements>" [--endpoint url] [--token token]   (or --sql "<statements>"; "-" reads them from stdin)',
    '',
    'Statements are separated by ";". DDL (CREATE STREAM, DROP STREAM), SHOW STREAMS, SHOW QUERIES,',
    'DESCRIBE and EXPLAIN print their results. A SELECT starts a continuous query and prints each result',
    'row as one JSON object per line on stdout; Ctrl-C stops printing and deletes the query. INSERT INTO',
    '... SELECT starts a query that keeps running in the server; its id is printed.',
    '',
    'A server with credentials needs a bearer token from its credentials file (--token or $EDDY_TOKEN), or',
    "requests signed with SigV4: without a token, eddy signs with the credentials the aws CLI would use",
    '(AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the AWS_PROFILE / default profile of ~/.aws/credentials).',
  ].join('\n'),
  options: [
    { name: 'sql', type: 'string', description: 'The statements (usually given as the first argument).', placeholder: 'statements' },
    { name: 'endpoint', type: 'string', description: 'Eddy endpoint URL.', defaultText: `$EDDY_ENDPOINT or ${DEFAULT_ENDPOINT}`, placeholder: 'url' },
    { name: 'token', type: 'string', description: 'Bearer token for a server with credentials.', defaultText: '$EDDY_TOKEN', placeholder: 'token' },
    { name: 'region', type: 'string', description: 'Region used for signing when there is no token.', defaultText: '$AWS_REGION or us-east-1', placeholder: 'region' },
  ],
  async run(values: OptionValues, io: CliIo): Promise<number> {
    let sql = values.sql as string | undefined;
    if (sql === undefined) throw new UsageError('the SQL statements are required: eddy sql "<statements>"');
    if (sql === '-') sql = await readAll(io.stdin);
    if (sql.trim() === '') throw new UsageError('the SQL statements are empty');
    const endpoint = ((values.endpoint as string | undefined) ?? io.env.EDDY_ENDPOINT ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');

    const auth = await apiAuth(values.token as string | undefined, values.region as string | undefined, io.env);
    const requestBody = JSON.stringify({ sql });
    const res = await fetch(`${endpoint}/v1/sql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await authHeaders(auth, 'POST', `${endpoint}/v1/sql`, requestBody)) },
      body: requestBody,
    });
    const body = (await res.json().catch(() => ({}))) as { results?: StatementResult[]; error?: ApiError };
    if (!res.ok || !body.results) {
      io.stderr.write(`${await renderError(body.error ?? { code: `HTTP ${res.status}`, message: res.statusText }, sql)}\n`);
      return EXIT.serviceError;
    }

    const selects: SelectResult[] = [];
    for (const result of body.results) {
      if (result.kind === 'query') selects.push(result);
      else io.stdout.write(describeResult(result));
    }
    if (selects.length === 0) return EXIT.ok;
    return streamRows(endpoint, auth, selects, io);
  },
};

function describeResult(result: StatementResult): string {
  switch (result.kind) {
    case 'createStream':
    case 'dropStream':
    case 'createTable':
    case 'dropTable':
    case 'refreshTable':
      return `${result.message}\n`;
    case 'explain':
      return `${result.text}\n`;
    case 'query':
    case 'insert':
      return `Started query ${result.query.id} (${result.query.status}); its rows go to the stream named in its INSERT INTO and it keeps running in the server.\n`;
    default:
      // A kind this CLI does not know yet (from a newer server) still prints what it can.
      return renderTable(result.columns ?? [], result.rows ?? []);
  }
}

/** Rows as an aligned text table, NULL shown as NULL. */
export function renderTable(columns: readonly { name: string }[], rows: readonly Record<string, unknown>[]): string {
  // A multi-line value (a query's SQL) is folded onto one line so the table stays aligned.
  const cell = (v: unknown): string => (v === null || v === undefined ? 'NULL' : typeof v === 'string' ? v.replace(/\s*[\r\n]+\s*/g, ' ') : JSON.stringify(v));
  const table = [columns.map((c) => c.name), ...rows.map((r) => columns.map((c) => cell(r[c.name])))];
  const widths = columns.map((_c, i) => Math.max(...table.map((line) => line[i]!.length)));
  const lines = table.map((line) => line.map((v, i) => (i === line.length - 1 ? v : v.padEnd(widths[i]!))).join('  ').trimEnd());
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return `${lines.join('\n')}\n(${rows.length} row${rows.length === 1 ? '' : 's'})\n`;
}

/**
 * A located error renders with the SQL line and a caret under the token; others as code and message.
 * The SQL module (and its parser) is loaded only here: at module load it would slow every `eddy` command.
 */
export async function renderError(error: ApiError, sql: string): Promise<string> {
  if (error.line !== undefined && error.column !== undefined) {
    const { SqlError } = await import('../sql/index.js');
    const offset = offsetOf(sql, error.line, error.column);
    const length = Math.max(1, error.token?.length ?? 1);
    return new SqlError(error.code as SqlErrorCode, error.message, { offset, length, line: error.line, column: error.column }, sql).render();
  }
  return `error[${error.code}]: ${error.message}`;
}

function offsetOf(sql: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const next = /\r\n|\r|\n/g;
    next.lastIndex = offset;
    const m = next.exec(sql);
    if (!m) break;
    offset = m.index + m[0].length;
  }
  return offset + column - 1;
}

/** Follows every started SELECT until Ctrl-C (then deletes them) or until they all end. */
async function streamRows(endpoint: string, auth: ApiAuth, selects: readonly SelectResult[], io: CliIo): Promise<number> {
  const { WebSocket } = await import('ws');
  const wsBase = endpoint.replace(/^http/, 'ws');
  const many = selects.length > 1;
  let failed = false;
  let interrupted = false;
  const sockets: WebSocket[] = [];
  const upgrades = await Promise.all(
    selects.map(async (select) => {
      const path = `/v1/queries/${encodeURIComponent(select.query.id)}/results`;
      return { url: `${wsBase}${path}`, headers: await authHeaders(auth, 'GET', `${endpoint}${path}`) };
    }),
  );
  const ended = selects.map((select, i) => {
    const q = select.query;
    const ws = new WebSocket(upgrades[i]!.url, { headers: upgrades[i]!.headers });
    sockets.push(ws);
    const prefix = many ? `${q.name}\t` : '';
    return new Promise<void>((resolve) => {
      ws.on('open', () => io.stderr.write(`Query ${q.id} started; printing its rows as they arrive (Ctrl-C to stop).\n`));
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data)) as { type: string; rows?: unknown[]; message?: string };
        if (frame.type === 'rows') io.stdout.write(frame.rows!.map((r) => `${prefix}${JSON.stringify(r)}\n`).join(''));
        else if (frame.type === 'error') {
          failed = true;
          io.stderr.write(`Query ${q.id}: ${frame.message}\n`);
        }
      });
      ws.on('error', (err) => {
        failed = true;
        io.stderr.write(`Query ${q.id}: ${err.message}\n`);
      });
      ws.on('close', (code, reason) => {
        if (!interrupted && code !== 1000) {
          failed = true;
          if (code === 1001) io.stderr.write(`Query ${q.id}: the server shut down\n`);
          else if (reason.length > 0 && code !== 1011 && code !== 4008) io.stderr.write(`Query ${q.id}: ${String(reason)}\n`);
        }
        resolve();
      });
    });
  });

  const stop = new Promise<void>((resolve) => {
    const onSignal = (): void => {
      interrupted = true;
      resolve();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    void Promise.all(ended).then(() => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve();
    });
  });
  await stop;
  if (interrupted) {
    // The queries existed only to feed this terminal.
    await Promise.all(
      selects.map(async (s) => {
        const url = `${endpoint}/v1/queries/${encodeURIComponent(s.query.id)}`;
        const res = await fetch(url, { method: 'DELETE', headers: await authHeaders(auth, 'DELETE', url) }).catch(() => undefined);
        if (res && res.status !== 204 && res.status !== 404) io.stderr.write(`Could not delete query ${s.query.id}: HTTP ${res.status}\n`);
      }),
    );
    for (const ws of sockets) ws.close();
    await Promise.all(ended);
    return EXIT.ok;
  }
  return failed ? EXIT.serviceError : EXIT.ok;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}
