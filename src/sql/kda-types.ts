// Kinesis Data Analytics' SQL types as Eddy holds them. Eddy has six types, so several of KDA's share
// one; what each becomes, and what that loses, is in the README's table of KDA types.

import type { DataType } from '../engine/plan/index.js';
import { SqlError, spanAt } from './sql-error.js';

const KDA_TYPES: Readonly<Record<string, DataType>> = {
  VARCHAR: 'VARCHAR',
  CHAR: 'VARCHAR',
  CHARACTER: 'VARCHAR',
  // Bytes as text (KDA's JSON mapping reads VARBINARY from a string too).
  VARBINARY: 'VARCHAR',
  BINARY: 'VARCHAR',
  INTEGER: 'INT',
  INT: 'INT',
  SMALLINT: 'INT',
  TINYINT: 'INT',
  BIGINT: 'BIGINT',
  REAL: 'DOUBLE',
  DOUBLE: 'DOUBLE',
  FLOAT: 'DOUBLE',
  // Until Eddy has an exact DECIMAL: a DOUBLE (15 to 17 significant digits).
  DECIMAL: 'DOUBLE',
  NUMERIC: 'DOUBLE',
  DEC: 'DOUBLE',
  BOOLEAN: 'BOOLEAN',
  TIMESTAMP: 'TIMESTAMP',
  // A DATE is its midnight UTC; a TIME of day stays text ('14:05:00').
  DATE: 'TIMESTAMP',
  TIME: 'VARCHAR',
};

/** `VARCHAR(8)`, `DECIMAL(10, 2)`, `DOUBLE PRECISION`, `TIMESTAMP` → the Eddy type that holds it. */
export function kdaColumnType(sqlType: string): DataType {
  const base = sqlType.trim().replace(/\s*\(.*\)\s*$/, '').replace(/\s+PRECISION$/i, '').toUpperCase();
  const type = KDA_TYPES[base];
  if (type === undefined) {
    throw new SqlError('TypeMismatch', `Unknown SQL type '${sqlType}' (Kinesis Data Analytics types: ${Object.keys(KDA_TYPES).join(', ')})`, spanAt(sqlType, 0, Math.max(1, sqlType.length)), sqlType);
  }
  return type;
}
