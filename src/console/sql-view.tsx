// SQL: an editor for scripts (run with the button or Ctrl-Enter through POST /v1/sql), what each
// statement did, and the running queries.

import { useState } from 'preact/hooks';
import { api, ApiError } from './api-client.js';
import type { StatementResult } from './api-types.js';
import { formatValue } from './format.js';
import { QueriesTable } from './queries-table.js';
import type { SqlErrorMark } from './sql-editor.js';
import { useLazy } from './use-lazy.js';
import { href } from './use-route.js';

const loadEditor = () => import('./sql-editor.js');

const DRAFT_KEY = 'eddy.sql';
const EXAMPLE = `-- Ctrl-Enter runs the script. A windowed query, for example:
-- CREATE STREAM clicks (user_id VARCHAR, url VARCHAR, amount DOUBLE, ts TIMESTAMP,
--   WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) WITH (shards = 2, format = 'json');
-- SELECT window_start, user_id, COUNT(*) AS clicks, SUM(amount) AS spent
--   FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
--   GROUP BY window_start, window_end, user_id;
`;

function loadDraft(): string {
  try {
    return localStorage.getItem(DRAFT_KEY) ?? EXAMPLE;
  } catch {
    return EXAMPLE;
  }
}

/** What the last run did, kept while the user looks at other views. */
let lastRun: { results: readonly StatementResult[]; error: ApiError | undefined } = { results: [], error: undefined };

export function SqlView() {
  const [text, setText] = useState(loadDraft);
  const [results, setResultsState] = useState<readonly StatementResult[]>(lastRun.results);
  const [error, setErrorState] = useState<ApiError | undefined>(lastRun.error);
  const setResults = (next: readonly StatementResult[]): void => {
    lastRun = { ...lastRun, results: next };
    setResultsState(next);
  };
  const setError = (next: ApiError | undefined): void => {
    lastRun = { ...lastRun, error: next };
    setErrorState(next);
  };
  const [running, setRunning] = useState(false);
  const [queriesTick, setQueriesTick] = useState(0);
  const editor = useLazy(loadEditor);

  const change = (next: string): void => {
    setText(next);
    setError(undefined);
    try {
      localStorage.setItem(DRAFT_KEY, next);
    } catch {
      // The draft is a convenience; without storage it is simply not kept.
    }
  };

  const run = async (): Promise<void> => {
    if (running) return;
    setRunning(true);
    try {
      const answer = await api<{ results: StatementResult[] }>('POST', '/v1/sql', { sql: text });
      setResults(answer.results);
      setError(undefined);
      setQueriesTick((t) => t + 1);
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'Error', String(e)));
      setResults([]);
    } finally {
      setRunning(false);
    }
  };

  const mark: SqlErrorMark | undefined =
    error && error.line !== undefined && error.column !== undefined ? { line: error.line, column: error.column, token: error.token, message: error.message } : undefined;

  return (
    <section class="view sql-view">
      <header class="view-header">
        <h1>SQL</h1>
        <span class="muted">POST /v1/sql runs the whole script, or none of it when a statement is wrong.</span>
      </header>
      {editor ? (
        <editor.SqlEditor initial={text} onChange={change} onRun={() => void run()} error={mark} />
      ) : (
        <div class="sql-editor loading">Loading the editor…</div>
      )}
      <div class="toolbar">
        <button type="button" class="primary" onClick={() => void run()} disabled={running}>
          {running ? 'Running…' : 'Run'}
        </button>
        <span class="muted">Ctrl-Enter</span>
      </div>
      {error ? (
        <div class="sql-error" role="alert">
          <span class="code">{error.code}</span>
          {mark ? (
            <span class="where">
              line {mark.line}, column {mark.column}
              {mark.token ? `, at '${mark.token}'` : ''}:
            </span>
          ) : null}{' '}
          {error.message}
        </div>
      ) : null}
      <StatementResults results={results} />
      <h2>Queries</h2>
      <QueriesTable refresh={queriesTick} />
    </section>
  );
}

function StatementResults({ results }: { readonly results: readonly StatementResult[] }) {
  if (results.length === 0) return null;
  return (
    <ol class="statement-results" aria-label="Statement results">
      {results.map((r, i) => (
        <li key={i}>
          <code class="statement">{r.sql.length > 120 ? `${r.sql.slice(0, 117)}…` : r.sql}</code>
          <StatementResultBody result={r} />
        </li>
      ))}
    </ol>
  );
}

function StatementResultBody({ result }: { readonly result: StatementResult }) {
  switch (result.kind) {
    case 'createStream':
    case 'dropStream':
    case 'createView':
    case 'dropView':
    case 'createFunction':
    case 'dropFunction':
      return <p class="ok">{result.message}</p>;
    case 'explain':
      return <pre class="explain">{result.text}</pre>;
    case 'query':
    case 'insert':
      return (
        <p class="ok">
          {result.kind === 'query' ? 'Query started: ' : 'INSERT INTO started: '}
          <a href={href.query(result.query.id)} class="query-link">
            {result.kind === 'query' ? 'watch its results' : result.query.name}
          </a>
        </p>
      );
    case 'showStreams':
    case 'showQueries':
    case 'showViews':
    case 'showFunctions':
    case 'describe':
      return (
        <table class="grid">
          <thead>
            <tr>
              {result.columns.map((c) => (
                <th key={c.name}>{c.name}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {result.rows.map((row, i) => (
              <tr key={i}>
                {result.columns.map((c) => (
                  <td key={c.name}>{formatValue(row[c.name])}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      );
    default:
      return null;
  }
}
