// An input's or reference table's SourceSchema as Eddy reads records: SQL types become Eddy's column types,
// JSON mappings (`$.a.b`) key paths, CSV columns field positions. Checked when the configuration is
// given, so an application that was accepted can always be started.

import { EddyError, type ColumnSchema, type StreamSchema } from '../../engine/index.js';
import type { RecordColumn, SourceSchema } from './application.js';

type DataType = ColumnSchema['type'];

/** KDA's SQL types (the SQLstream dialect it ran) and the Eddy type that holds each one's values. */
const SQL_TYPES: Readonly<Record<string, DataType>> = {
  VARCHAR: 'VARCHAR',
  CHAR: 'VARCHAR',
  CHARACTER: 'VARCHAR',
  INTEGER: 'INT',
  INT: 'INT',
  SMALLINT: 'INT',
  TINYINT: 'INT',
  BIGINT: 'BIGINT',
  DOUBLE: 'DOUBLE',
  'DOUBLE PRECISION': 'DOUBLE',
  REAL: 'DOUBLE',
  FLOAT: 'DOUBLE',
  DECIMAL: 'DOUBLE',
  NUMERIC: 'DOUBLE',
  BOOLEAN: 'BOOLEAN',
  TIMESTAMP: 'TIMESTAMP',
  DATE: 'TIMESTAMP',
  TIME: 'TIMESTAMP',
};

const TYPE_TEXT = /^\s*([A-Za-z]+(?: PRECISION)?)\s*(?:\(\s*\d+\s*(?:,\s*\d+\s*)?\))?\s*$/;

/** The Eddy type of a RecordColumn's SqlType (`VARCHAR(4)`, `DECIMAL(10,2)`, `TIMESTAMP`), or an InvalidArgumentException. */
export function columnType(column: RecordColumn): DataType {
  const match = TYPE_TEXT.exec(column.SqlType);
  const type = match ? SQL_TYPES[match[1]!.toUpperCase().replace(/\s+/g, ' ')] : undefined;
  if (type === undefined) {
    throw new EddyError(
      'InvalidArgumentException',
      `Column ${column.Name} has SQL type ${column.SqlType}, which Eddy does not read; use one of ${Object.keys(SQL_TYPES).join(', ')}.`,
    );
  }
  return type;
}

/** `$.a.b` or `$.a["b c"]` → ['a', 'b c']; anything else (array indexes, wildcards) is refused. */
export function jsonMappingPath(column: RecordColumn): string[] {
  const mapping = column.Mapping;
  if (mapping === undefined || mapping === '') {
    throw new EddyError('InvalidArgumentException', `Column ${column.Name} needs a Mapping (such as $.${column.Name}) when the record format is JSON.`);
  }
  const path: string[] = [];
  const step = /\.([A-Za-z0-9_$@-]+)|\[\s*(?:"([^"]*)"|'([^']*)')\s*\]/y;
  if (!mapping.startsWith('$')) throw badMapping(column);
  step.lastIndex = 1;
  while (step.lastIndex < mapping.length) {
    const m = step.exec(mapping);
    if (!m) throw badMapping(column);
    path.push(m[1] ?? m[2] ?? m[3]!);
  }
  if (path.length === 0) throw badMapping(column);
  return path;
}

function badMapping(column: RecordColumn): EddyError {
  return new EddyError(
    'InvalidArgumentException',
    `Column ${column.Name} has Mapping ${column.Mapping ?? ''}, which Eddy does not read: a mapping is a path of keys from the record's root, such as $.ticker or $.data.price.`,
  );
}

/** Checks a schema and gives the stream schema Eddy decodes its records with, under `name`. */
export function streamSchemaOf(name: string, schema: SourceSchema): StreamSchema {
  const format = schema.RecordFormat;
  if (schema.RecordEncoding !== undefined && schema.RecordEncoding !== 'UTF-8') {
    throw new EddyError('InvalidArgumentException', `RecordEncoding ${schema.RecordEncoding} is not supported; records are read as UTF-8.`);
  }
  const seen = new Set<string>();
  for (const c of schema.RecordColumns) {
    if (c.Name.trim() === '') throw new EddyError('InvalidArgumentException', 'A record column needs a Name.');
    const key = c.Name.toUpperCase();
    if (seen.has(key)) throw new EddyError('InvalidArgumentException', `Column name ${c.Name} appears more than once in RecordColumns.`);
    seen.add(key);
  }
  const columns = schema.RecordColumns.map((c) => ({ name: c.Name, type: columnType(c) }));
  if (format.RecordFormatType === 'JSON') {
    const rowPath = format.MappingParameters?.JSONMappingParameters?.RecordRowPath ?? '$';
    if (rowPath !== '$') {
      throw new EddyError('InvalidArgumentException', `RecordRowPath ${rowPath} is not supported: Eddy reads one row from each record's root ($).`);
    }
    const mappings = Object.fromEntries(schema.RecordColumns.map((c) => [c.Name, jsonMappingPath(c)]));
    return { name, columns, format: { kind: 'json', mappings } };
  }
  const csv = format.MappingParameters?.CSVMappingParameters;
  if (csv === undefined) {
    throw new EddyError('InvalidArgumentException', 'A CSV RecordFormat needs MappingParameters.CSVMappingParameters (RecordRowDelimiter and RecordColumnDelimiter).');
  }
  const delimiter = unescape(csv.RecordColumnDelimiter);
  if (delimiter.length !== 1) {
    throw new EddyError('InvalidArgumentException', `RecordColumnDelimiter ${JSON.stringify(csv.RecordColumnDelimiter)} is not supported: Eddy splits fields on one character.`);
  }
  const rowDelimiter = unescape(csv.RecordRowDelimiter);
  if (rowDelimiter !== '\n' && rowDelimiter !== '\r\n') {
    throw new EddyError('InvalidArgumentException', `RecordRowDelimiter ${JSON.stringify(csv.RecordRowDelimiter)} is not supported: Eddy reads rows ended by a line break.`);
  }
  const mappings = Object.fromEntries(schema.RecordColumns.map((c, i) => [c.Name, i]));
  return { name, columns, format: { kind: 'csv', delimiter, mappings } };
}

/** Delimiters as the console and CLI scripts write them: `\n`, `\t` and `\r` escaped, or the characters themselves. */
export function unescape(text: string): string {
  return text.replace(/\\([ntr])/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : '\r'));
}
