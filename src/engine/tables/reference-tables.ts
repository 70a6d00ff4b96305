// Reference tables: files of JSON lines or CSV records under the server's tables directory, each read
// whole into memory, by primary key, when its table is created, when the server starts and on ALTER
// TABLE … REFRESH. A load replaces the table's rows at once (every query sees the new ones from its next
// batch) or, when the file cannot be read, changes nothing and says what is wrong with it, and where.
import { readFile, realpath, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { RecordDecoder } from '../batch/record-decoder.js';
import { columnFromArrow, type Column } from '../batch/column.js';
import { takeData } from '../batch/take.js';
import type { Clock } from '../clock.js';
import { EddyError } from '../errors.js';
import { joinKeys } from '../operators/join-rows.js';
import type { LookupTables, LookupTableVersion } from '../operators/lookup-join.js';
import { DEFAULT_MAX_TABLE_ROWS, MAX_TABLE_FILE_BYTES, type TableSchema } from '../plan/table.js';
import type { StreamRecord } from '../stream/stream-store.js';
import { isStrictlyInside } from '../safe-path.js';

export interface ReferenceTablesOptions {
  /** Where table files live; paths in CREATE TABLE are relative to it and may not leave it. Without one, no file table can be created. */
  readonly dir?: string;
  /** Rows one table may hold (default DEFAULT_MAX_TABLE_ROWS). */
  readonly maxRows?: number;
  readonly clock: Clock;
}

/** A table as GET /v1/tables and SHOW TABLES report it. */
export interface ReferenceTableStatus {
  readonly name: string;
  /** Rows of the version queries read now (0 before the first load). */
  readonly rows: number;
  /** When that version was read (epoch ms); undefined before the first load. */
  readonly loadedAt?: number;
  /** Why the last load failed, when it did (the version before it, if any, is still used). */
  readonly error?: string;
}

interface Loaded extends LookupTableVersion {
  readonly loadedAt: number;
}

export class ReferenceTables implements LookupTables {
  private readonly loaded = new Map<string, Loaded>();
  private readonly errors = new Map<string, string>();
  readonly maxRows: number;

  constructor(private readonly options: ReferenceTablesOptions) {
    this.maxRows = options.maxRows ?? DEFAULT_MAX_TABLE_ROWS;
    if (!(Number.isSafeInteger(this.maxRows) && this.maxRows >= 1)) throw new EddyError('ValidationException', `max table rows must be a whole number of at least 1, got ${this.maxRows}`);
  }

  get dir(): string | undefined {
    return this.options.dir;
  }

  current(name: string): LookupTableVersion | undefined {
    return this.loaded.get(name);
  }

  status(name: string): ReferenceTableStatus {
    const table = this.loaded.get(name);
    const error = this.errors.get(name);
    return { name, rows: table?.rowCount ?? 0, ...(table ? { loadedAt: table.loadedAt } : {}), ...(error === undefined ? {} : { error }) };
  }

  /**
   * Reads a file table's file and makes it the table's current version; returns its row count. Throws an
   * error naming the file and what is wrong (the table keeps its earlier version, if it had one).
   */
  async load(schema: TableSchema): Promise<number> {
    try {
      const version = await this.read(schema);
      this.loaded.set(schema.name, version);
      this.errors.delete(schema.name);
      return version.rowCount;
    } catch (e) {
      this.errors.set(schema.name, e instanceof Error ? e.message : String(e));
      throw e;
    }
  }

  /** Forgets a table: queries reading it fail at their next batch. */
  drop(name: string): void {
    this.loaded.delete(name);
    this.errors.delete(name);
  }

  private async read(schema: TableSchema): Promise<Loaded> {
    const source = schema.source;
    if (source.kind !== 'file') throw new EddyError('InternalFailure', `table '${schema.name}' is not read from a file`);
    const dir = this.options.dir;
    if (dir === undefined) {
      throw new EddyError('InvalidArgumentException', `table '${schema.name}' reads the file '${source.path}', but this server has no tables directory (eddy serve --tables-dir, or a data directory)`);
    }
    const path = await this.resolvePath(dir, source.path, schema.name);
    const size = (await stat(path)).size;
    if (size > MAX_TABLE_FILE_BYTES) {
      throw new EddyError('LimitExceededException', `table '${schema.name}': file '${source.path}' is ${size.toLocaleString('en-US')} bytes, more than the ${MAX_TABLE_FILE_BYTES.toLocaleString('en-US')} a table file may have`);
    }
    const bytes = await readFile(path);
    const records = lines(bytes, source.header);
    if (records.length > this.maxRows) {
      throw new EddyError(
        'LimitExceededException',
        `table '${schema.name}': file '${source.path}' has ${records.length.toLocaleString('en-US')} rows, more than the ${this.maxRows.toLocaleString('en-US')} a table may hold (--max-table-rows)`,
      );
    }
    const decoder = new RecordDecoder(source.format, schema.columns);
    const decoded = decoder.decode(records, 'file');
    if (decoded.errors > 0) {
      const line = decoded.lastBad?.sequenceNumber ?? '?';
      // The decoder names records of shards; here a record is a line of the file, named once.
      const problem = (decoded.lastError ?? 'unreadable').replace(/^record \S+ in shard \S+: /, '');
      throw new EddyError(
        'InvalidArgumentException',
        `table '${schema.name}': ${decoded.errors.toLocaleString('en-US')} line${decoded.errors === 1 ? '' : 's'} of '${source.path}' did not decode as ${source.format.kind.toUpperCase()} of its columns; line ${line}: ${problem}`,
      );
    }
    const batch = decoded.batch;
    const n = batch.numRows;
    // Without a primary key, every row stays (lookup joins index the table on their own keys).
    if (schema.primaryKey.length === 0) {
      const values: Column[] = schema.columns.map((c, i) => columnFromArrow(batch.data.children[i]!, c.type));
      return { columns: schema.columns, rowCount: n, values, indexes: new Map(), loadedAt: this.options.clock.now() };
    }
    // The primary key's last row wins, as a later row for a key replaces the earlier one.
    const keyIndexes = schema.primaryKey.map((name) => schema.columns.findIndex((c) => c.name === name));
    const keyColumns = keyIndexes.map((i) => columnFromArrow(batch.data.children[i]!, schema.columns[i]!.type));
    const keys = joinKeys(keyColumns, n);
    const last = new Map<string | number, number>();
    keys.forEach((key, row) => {
      if (key === null) {
        const column = keyIndexes.find((_i, k) => keyColumns[k]!.valid?.[row] === 0) ?? keyIndexes[0]!;
        throw new EddyError('InvalidArgumentException', `table '${schema.name}': line ${records[row]!.sequenceNumber} of '${source.path}' has no value for its primary key column '${schema.columns[column]!.name}'`);
      }
      last.set(key, row);
    });
    const kept = Int32Array.from([...last.values()].sort((a, b) => a - b));
    const values: Column[] = schema.columns.map((c, i) => columnFromArrow(kept.length === n ? batch.data.children[i]! : takeData(batch.data.children[i]!, kept, kept.length), c.type));
    return { columns: schema.columns, rowCount: kept.length, values, indexes: new Map(), loadedAt: this.options.clock.now() };
  }

  /** The file's absolute path, after checking that it (and what any link in it leads to) stays inside `dir`. */
  private async resolvePath(dir: string, path: string, table: string): Promise<string> {
    const target = resolve(dir, path);
    const outside = new EddyError('InvalidArgumentException', `table '${table}': path '${path}' must name a file inside the tables directory`);
    if (!isStrictlyInside(dir, target)) throw outside;
    let real: string;
    try {
      real = await realpath(target);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new EddyError('InvalidArgumentException', `table '${table}': there is no file '${path}' in the tables directory`);
      throw e;
    }
    let realDir: string;
    try {
      realDir = await realpath(dir);
    } catch {
      throw new EddyError('InvalidArgumentException', `table '${table}': the tables directory does not exist; create it and put '${path}' in it`);
    }
    if (!isStrictlyInside(realDir, real)) throw outside;
    return real;
  }
}

/** A file's non-empty lines as records, numbered from 1 (the sequence number is the line number). */
function lines(bytes: Uint8Array, header: boolean): StreamRecord[] {
  const records: StreamRecord[] = [];
  let start = 0;
  let line = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== 10) continue;
    line++;
    let end = i;
    if (end > start && bytes[end - 1] === 13) end--;
    // A byte order mark before the first line is not part of it.
    if (line === 1 && end - start >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
    const first = line === 1 && header;
    if (end > start && !first) records.push({ sequenceNumber: String(line), arrivalTimestamp: 0, partitionKey: '', data: bytes.subarray(start, end) });
    start = i + 1;
  }
  return records;
}
