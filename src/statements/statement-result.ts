// What a statement did, written once as JSON schemas: the HTTP API validates and serialises its answers
// with them, and the TypeScript types the executor builds and the CLI reads are derived from them.

import type { FromSchema } from './from-schema.js';

export const columnSchema = {
  type: 'object',
  required: ['name', 'type'],
  properties: { name: { type: 'string' }, type: { type: 'string' } },
} as const;

const columns = { type: 'array', items: columnSchema } as const;

/** A query as a statement that starts one reports it. */
export const querySummarySchema = {
  type: 'object',
  required: ['id', 'name', 'status', 'columns'],
  properties: { id: { type: 'string' }, name: { type: 'string' }, status: { type: 'string' }, columns },
} as const;

/** One value of a row of SHOW or DESCRIBE. */
const sqlValue = { type: ['string', 'number', 'boolean', 'null'] } as const;

/** What one statement did. Every result names its statement kind and carries its own SQL text. */
export const statementResultSchema = {
  anyOf: [
    {
      type: 'object',
      required: ['kind', 'sql', 'stream', 'action', 'message'],
      properties: {
        kind: { type: 'string', const: 'createStream' },
        sql: { type: 'string' },
        stream: { type: 'string' },
        action: { type: 'string', enum: ['created', 'attached', 'unchanged'] },
        message: { type: 'string' },
      },
    },
    {
      type: 'object',
      required: ['kind', 'sql', 'stream', 'dropped', 'message'],
      properties: {
        kind: { type: 'string', const: 'dropStream' },
        sql: { type: 'string' },
        stream: { type: 'string' },
        dropped: { type: 'boolean' },
        message: { type: 'string' },
      },
    },
    {
      type: 'object',
      required: ['kind', 'sql', 'table', 'message'],
      properties: {
        kind: { type: 'string', enum: ['createTable', 'dropTable', 'refreshTable'] },
        sql: { type: 'string' },
        table: { type: 'string' },
        /** CREATE TABLE: whether it made the table or found it there (IF NOT EXISTS). */
        action: { type: 'string', enum: ['created', 'unchanged'] },
        /** CREATE TABLE and REFRESH of a table read from a file: the rows it holds now. */
        rows: { type: 'integer' },
        /** DROP TABLE: whether there was a table to drop. */
        dropped: { type: 'boolean' },
        message: { type: 'string' },
      },
    },
    {
      type: 'object',
      required: ['kind', 'sql', 'view', 'action', 'message'],
      properties: {
        kind: { type: 'string', const: 'createView' },
        sql: { type: 'string' },
        view: { type: 'string' },
        action: { type: 'string', enum: ['created', 'unchanged'] },
        message: { type: 'string' },
      },
    },
    {
      type: 'object',
      required: ['kind', 'sql', 'view', 'dropped', 'message'],
      properties: {
        kind: { type: 'string', const: 'dropView' },
        sql: { type: 'string' },
        view: { type: 'string' },
        dropped: { type: 'boolean' },
        message: { type: 'string' },
      },
    },
    {
      type: 'object',
      required: ['kind', 'sql', 'function', 'action', 'message'],
      properties: {
        kind: { type: 'string', const: 'createFunction' },
        sql: { type: 'string' },
        function: { type: 'string' },
        action: { type: 'string', enum: ['created', 'unchanged'] },
        message: { type: 'string' },
      },
    },
    {
      type: 'object',
      required: ['kind', 'sql', 'function', 'dropped', 'message'],
      properties: {
        kind: { type: 'string', const: 'dropFunction' },
        sql: { type: 'string' },
        function: { type: 'string' },
        dropped: { type: 'boolean' },
        message: { type: 'string' },
      },
    },
    {
      type: 'object',
      required: ['kind', 'sql', 'columns', 'rows'],
      properties: {
        kind: { type: 'string', enum: ['showStreams', 'showQueries', 'showTables', 'showViews', 'showFunctions', 'describe', 'describeTable'] },
        sql: { type: 'string' },
        columns,
        rows: { type: 'array', items: { type: 'object', additionalProperties: sqlValue } },
      },
    },
    {
      type: 'object',
      required: ['kind', 'sql', 'key', 'value', 'message'],
      properties: { kind: { type: 'string', const: 'set' }, sql: { type: 'string' }, key: { type: 'string' }, value: { type: 'string' }, message: { type: 'string' } },
    },
    {
      type: 'object',
      required: ['kind', 'sql', 'text'],
      properties: { kind: { type: 'string', const: 'explain' }, sql: { type: 'string' }, text: { type: 'string' } },
    },
    {
      type: 'object',
      required: ['kind', 'sql', 'query'],
      properties: { kind: { type: 'string', enum: ['query', 'insert'] }, sql: { type: 'string' }, query: querySummarySchema },
    },
  ],
} as const;

/** What `POST /v1/sql` answers: one result per statement, in order. */
export const statementResultsSchema = {
  type: 'object',
  required: ['results'],
  properties: { results: { type: 'array', items: statementResultSchema } },
} as const;

export type StatementResult = FromSchema<typeof statementResultSchema>;
export type QuerySummary = FromSchema<typeof querySummarySchema>;
export type SqlValue = FromSchema<typeof sqlValue>;
