// Row kinds in batches. A changelog batch (plan/changelog.ts) has one column more than its operator's
// output columns: the last, named ROW_KIND_COLUMN, an Arrow Int8 column holding each row's kind as its
// code (0 +I, 1 -U, 2 +U, 3 -D: the index into ROW_KINDS). An append-only batch has no such column.
// Column indexes of the declared columns are the same either way, so operators that read columns by
// index need not care, and the take kernel (filters) carries the kinds along with the rows. Operators
// that build new batches from old ones (projections) carry the column over with withRowKindsOf.
import { Field, Int8, Schema, makeData, type Data, type RecordBatch } from 'apache-arrow';
import { ROW_KIND_COLUMN } from '../plan/changelog.js';
import { makeBatch } from './arrow-types.js';

/** The codes of the row kinds, as batches hold them. */
export const INSERT = 0;
export const UPDATE_BEFORE = 1;
export const UPDATE_AFTER = 2;
export const DELETE = 3;

const KIND_FIELD = new Field(ROW_KIND_COLUMN, new Int8(), false);

const changelogSchemas = new WeakMap<Schema, Schema>();

/** The schema of changelog batches with these columns: the same fields, then the row kind. */
export function changelogSchema(schema: Schema): Schema {
  let out = changelogSchemas.get(schema);
  if (!out) changelogSchemas.set(schema, (out = new Schema([...schema.fields, KIND_FIELD])));
  return out;
}

/** Whether a batch is a changelog batch (its last column holds row kinds). */
export function hasRowKinds(batch: RecordBatch): boolean {
  const fields = batch.schema.fields;
  return fields.length > 0 && fields[fields.length - 1]!.name === ROW_KIND_COLUMN && fields[fields.length - 1]!.type instanceof Int8;
}

/** The row kind codes of a changelog batch, or null for an append-only batch (every row +I). */
export function rowKindsOf(batch: RecordBatch): Int8Array | null {
  if (!hasRowKinds(batch)) return null;
  const data = batch.data.children[batch.data.children.length - 1]!;
  return (data.values as Int8Array).subarray(data.offset, data.offset + batch.numRows);
}

/** Arrow data for a column of row kind codes. */
export function rowKindData(kinds: Int8Array): Data {
  return makeData({ type: new Int8(), length: kinds.length, nullCount: 0, data: kinds });
}

/**
 * A changelog batch: `columns` (the operator's output columns, as `schema` describes them) with `kinds`
 * appended. `kindSchema` is changelogSchema(schema), made once by the caller.
 */
export function changelogBatch(kindSchema: Schema, columns: readonly Data[], kinds: Int8Array): RecordBatch {
  return makeBatch(kindSchema, [...columns, rowKindData(kinds)], kinds.length);
}

/**
 * A batch an operator built from `input` row for row (same rows, same order), given the row kinds of
 * `input` if it has them. Projections use it so a changelog stays one through them.
 */
export function withRowKindsOf(input: RecordBatch, output: RecordBatch): RecordBatch {
  if (!hasRowKinds(input)) return output;
  const kinds = input.data.children[input.data.children.length - 1]!;
  return makeBatch(changelogSchema(output.schema), [...output.data.children, kinds], output.numRows);
}
