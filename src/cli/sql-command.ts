// `eddy sql "<statements>"`: runs SQL through the /v1 API. DDL, SHOW, DESCRIBE and EXPLAIN print their
// results; a SELECT starts a query whose rows are printed (one JSON object per line on stdout) as they
// arrive over its WebSocket, until Ctrl-C, which deletes the query. Errors print with a caret under the
// offending SQL and exit non-zero. Every request carries a token or a signature (api-auth.ts).

import type { SqlErrorCode } from '../sql/index.js';
import type { QuerySummary, StatementResult } from '../statements/index.js';
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

/** A started query, as /v1/sql and /v1/queries answer it. */
type StartedQuery = QuerySummary;

/** The options `sql` understands, and whether each takes a value; anything else bare is the SQL text. */
const VALUE_OPTIONS = new Set(['--sql', '--name', '--endpoint', '--token', '--region']);

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
    'row as one JSON object per line on stdout. The query is there for this command alone: it is deleted',
    'when eddy sql ends, whether by Ctrl-C (SIGINT), SIGTERM, a closed terminal (SIGHUP), a reader of its',
    'output that went away (`eddy sql "SELECT ..." | head`: the next row finds the pipe closed), or, should',
    'eddy sql be killed outright, by the server when its WebSocket closes. INSERT INTO ... SELECT starts a',
    'query that keeps running in the server; its id is printed. So does a single SELECT or INSERT INTO',
    'given a --name: its rows are printed the same way, and it keeps running when eddy sql ends.',
    '',
    'The rows of a changelog (GROUP BY without a window, windows with allowed lateness) start with their',
    'kind, "_op": "+I" (new), "-U" (the row an update replaces), "+U" (the row replacing it) or "-D".',
    '',
    'Records the query cannot decode (not JSON, a value of the wrong type) are skipped; the server says so,',
    'at most every few seconds, and eddy sql prints that as a "Warning:" line on stderr.',
    '',
    'A server with credentials needs a bearer token from its credentials file (--token or $EDDY_TOKEN), or',
    "requests signed with SigV4: without a token, eddy signs with the credentials the aws CLI would use",
    '(AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the AWS_PROFILE / default profile of ~/.aws/credentials).',
  ].join('\n'),
  options: [
    { name: 'sql', type: 'string', description: 'The statements (usually given as the first argument).', placeholder: 'statements' },
    { name: 'name', type: 'string', description: 'Starts one SELECT or INSERT INTO under this name; it keeps running after eddy sql ends.', placeholder: 'name' },
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
    const name = values.name as string | undefined;

    const auth = await apiAuth(values.token as string | undefined, values.region as string | undefined, io.env);
    const api = async <T>(method: string, path: string, payload?: unknown): Promise<{ ok: true; body: T } | { ok: false; error: ApiError }> => {
      const text = payload === undefined ? '' : JSON.stringify(payload);
      const res = await fetch(`${endpoint}${path}`, {
        method,
        headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...(await authHeaders(auth, method, `${endpoint}${path}`, text)) },
        ...(payload === undefined ? {} : { body: text }),
      });
      const body = (await res.json().catch(() => ({}))) as T & { error?: ApiError };
      return res.ok ? { ok: true, body } : { ok: false, error: body.error ?? { code: `HTTP ${res.status}`, message: res.statusText } };
    };

    if (name !== undefined) {
      const started = await api<StartedQuery>('POST', '/v1/queries', { sql, name });
      if (!started.ok) {
        io.stderr.write(`${await renderError(started.error, sql)}\n`);
        return EXIT.serviceError;
      }
      const status = await api<{ sink?: { kind: string } }>('GET', `/v1/queries/${encodeURIComponent(started.body.id)}`);
      if (status.ok && status.body.sink?.kind === 'stream') {
        io.stdout.write(`Started query '${started.body.name}' (${started.body.id}); its rows go to the stream named in its INSERT INTO and it keeps running in the server.\n`);
        return EXIT.ok;
      }
      return streamRows(endpoint, auth, [started.body], io, { keepRunning: true });
    }

    const answer = await api<{ results?: StatementResult[] }>('POST', '/v1/sql', { sql, ephemeral: true });
    if (!answer.ok || !answer.body.results) {
      io.stderr.write(`${await renderError(answer.ok ? { code: 'InvalidResponse', message: 'the server answered without results' } : answer.error, sql)}\n`);
      return EXIT.serviceError;
    }
    const selects: StartedQuery[] = [];
    for (const result of answer.body.results) {
      if (result.kind === 'query') selects.push(result.query);
      else io.stdout.write(describeResult(result));
    }
    if (selects.length === 0) return EXIT.ok;
    return streamRows(endpoint, auth, selects, io, { keepRunning: false });
  },
};

function describeResult(result: StatementResult): string {
  switch (result.kind) {
    case 'createStream':
    case 'dropStream':
    case 'createTable':
    case 'dropTable':
    case 'refreshTable':
    case 'createView':
    case 'dropView':
    case 'createFunction':
    case 'dropFunction':
    case 'createTable':
    case 'dropTable':
    case 'set':
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

/** A frame of a query's result stream (ws/query-results-socket.ts). */
interface ResultFrame {
  readonly type: string;
  readonly rows?: unknown[];
  readonly message?: string;
}

/**
 * Follows every started SELECT until they all end, or until eddy sql is told to stop: a signal (Ctrl-C,
 * SIGTERM, SIGHUP when its terminal closes) or a closed stdout (its reader went away: EPIPE, as SIGPIPE
 * arrives in Node). Then the queries are deleted, unless they were started to keep running.
 */
async function streamRows(endpoint: string, auth: ApiAuth, queries: readonly StartedQuery[], io: CliIo, options: { keepRunning: boolean }): Promise<number> {
  const { WebSocket } = await import('ws');
  // Exact DECIMAL digits in and out; loaded here, as ws is, so other commands start without it.
  const { parseJsonExact, toJson } = await import('../engine/batch/json-text.js');
  const wsBase = endpoint.replace(/^http/, 'ws');
  const many = queries.length > 1;
  let failed = false;
  let stopped: 'signal' | 'hangup' | 'pipe' | undefined;
  let requestStop: () => void = () => undefined;
  const stopRequested = new Promise<void>((resolve) => (requestStop = resolve));
  const stop = (why: 'signal' | 'hangup' | 'pipe'): void => {
    stopped ??= why;
    requestStop();
  };
  // After a hangup or a closed pipe, writes fail; they must not take the process down before it cleans up.
  const say = (text: string): void => {
    if (stopped === 'hangup') return;
    io.stderr.write(text);
  };
  // EPIPE (or a destroyed stream): nobody reads the rows any more.
  const onStdoutError = (): void => stop('pipe');
  const ignore = (): void => undefined;
  io.stdout.on('error', onStdoutError);
  io.stderr.on('error', ignore);
  const onSignal = (): void => stop('signal');
  const onHangup = (): void => stop('hangup');
  // Once each: a second Ctrl-C while the queries are being deleted ends eddy sql at once.
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('SIGHUP', onHangup);

  const sockets: InstanceType<typeof WebSocket>[] = [];
  const upgrades = await Promise.all(
    queries.map(async (q) => {
      const path = `/v1/queries/${encodeURIComponent(q.id)}/results`;
      return { url: `${wsBase}${path}`, headers: await authHeaders(auth, 'GET', `${endpoint}${path}`) };
    }),
  );
  const ended = queries.map((q, i) => {
    const ws = new WebSocket(upgrades[i]!.url, { headers: upgrades[i]!.headers });
    sockets.push(ws);
    const prefix = many ? `${q.name}\t` : '';
    return new Promise<void>((resolve) => {
      ws.on('open', () => {
        const until = options.keepRunning ? "Ctrl-C stops printing; the query keeps running" : 'Ctrl-C to stop';
        say(`Query ${options.keepRunning ? `'${q.name}' (${q.id})` : q.id} started; printing its rows as they arrive (${until}).\n`);
      });
      ws.on('message', (data) => {
        if (stopped !== undefined) return;
        // DECIMAL values keep their digits from the frame to the printed row (12.300 stays 12.300).
        const frame = parseJsonExact(String(data)) as ResultFrame;
        if (frame.type === 'rows') io.stdout.write(frame.rows!.map((r) => `${prefix}${toJson(r)}\n`).join(''));
        else if (frame.type === 'warning') say(`Warning: query ${q.id}: ${frame.message}\n`);
        else if (frame.type === 'error') {
          failed = true;
          say(`Query ${q.id}: ${frame.message}\n`);
        }
      });
      ws.on('error', (err) => {
        failed = true;
        say(`Query ${q.id}: ${err.message}\n`);
      });
      ws.on('close', (code, reason) => {
        if (stopped === undefined && code !== 1000) {
          failed = true;
          if (code === 1001) say(`Query ${q.id}: the server shut down\n`);
          else if (reason.length > 0 && code !== 1011 && code !== 4008) say(`Query ${q.id}: ${String(reason)}\n`);
        }
        resolve();
      });
    });
  });
  void Promise.all(ended).then(requestStop);

  try {
    await stopRequested;
    if (stopped === undefined) return failed ? EXIT.serviceError : EXIT.ok;
    if (options.keepRunning) {
      for (const q of queries) say(`Query '${q.name}' (${q.id}) keeps running in the server; stop it with DELETE /v1/queries/${q.id}.\n`);
    } else {
      // The queries existed only to feed this command's output.
      await Promise.all(
        queries.map(async (q) => {
          const url = `${endpoint}/v1/queries/${encodeURIComponent(q.id)}`;
          const res = await fetch(url, { method: 'DELETE', headers: await authHeaders(auth, 'DELETE', url) }).catch(() => undefined);
          if (res && res.status !== 204 && res.status !== 404) say(`Could not delete query ${q.id}: HTTP ${res.status}\n`);
        }),
      );
    }
    for (const ws of sockets) ws.close();
    await Promise.all(ended);
    return EXIT.ok;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onHangup);
    io.stdout.off('error', onStdoutError);
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}
