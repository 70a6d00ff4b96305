// Input shapes for AWS JSON/CBOR operations and the validator that checks a request body against them
// the way AWS does: a wrong type is a SerializationException (first one wins), constraint violations are
// collected into one ValidationException ("2 validation errors detected: …; …").

import { AwsProtocolError } from './aws-protocol-error.js';
import type { WireFormat } from './wire-format.js';

export interface StringShape<E extends string = string> {
  readonly kind: 'string';
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: RegExp;
  readonly enum?: readonly E[];
}
export interface NumberShape {
  readonly kind: 'integer' | 'long';
  readonly min?: number;
  readonly max?: number;
}
export interface BooleanShape {
  readonly kind: 'boolean';
}
export interface BlobShape {
  readonly kind: 'blob';
  readonly max?: number;
}
/** Epoch milliseconds inside Eddy; epoch seconds on the JSON wire, epoch millis (or a tag-1 date) in CBOR. */
export interface TimestampShape {
  readonly kind: 'timestamp';
}
export interface ListShape<M extends Shape = Shape> {
  readonly kind: 'list';
  readonly member: M;
  readonly min?: number;
  readonly max?: number;
}
export interface MapShape<V extends Shape = Shape> {
  readonly kind: 'map';
  readonly key: StringShape;
  readonly value: V;
  readonly min?: number;
  readonly max?: number;
}
export interface StructureShape<M extends Members = Members> {
  readonly kind: 'structure';
  readonly members: M;
}

export type Shape =
  | StringShape
  | NumberShape
  | BooleanShape
  | BlobShape
  | TimestampShape
  | ListShape
  | MapShape
  | StructureShape;

export type Member = Shape & { readonly required?: boolean };
export type Members = Readonly<Record<string, Member>>;

type RequiredKeys<M extends Members> = { [K in keyof M]: M[K] extends { required: true } ? K : never }[keyof M];
type OptionalKeys<M extends Members> = Exclude<keyof M, RequiredKeys<M>>;

/** The validated value type of a shape. */
export type Infer<S> = S extends StringShape<infer E>
  ? E
  : S extends NumberShape
    ? number
    : S extends BooleanShape
      ? boolean
      : S extends BlobShape
        ? Uint8Array
        : S extends TimestampShape
          ? number
          : S extends ListShape<infer M>
            ? Infer<M>[]
            : S extends MapShape<infer V>
              ? Record<string, Infer<V>>
              : S extends StructureShape<infer M>
                ? { [K in RequiredKeys<M>]: Infer<M[K]> } & { [K in OptionalKeys<M>]?: Infer<M[K]> }
                : never;

// Small constructors keep operation definitions close to the AWS model's text.
export const string = <E extends string = string>(c: Omit<StringShape<E>, 'kind'> = {}): StringShape<E> => ({ kind: 'string', ...c });
export const enumOf = <E extends string>(...values: E[]): StringShape<E> => ({ kind: 'string', enum: values });
export const integer = (c: Omit<NumberShape, 'kind'> = {}): NumberShape => ({ kind: 'integer', ...c });
export const long = (c: Omit<NumberShape, 'kind'> = {}): NumberShape => ({ kind: 'long', ...c });
export const boolean = (): BooleanShape => ({ kind: 'boolean' });
export const blob = (c: Omit<BlobShape, 'kind'> = {}): BlobShape => ({ kind: 'blob', ...c });
export const timestamp = (): TimestampShape => ({ kind: 'timestamp' });
export const list = <M extends Shape>(member: M, c: { min?: number; max?: number } = {}): ListShape<M> => ({ kind: 'list', member, ...c });
export const map = <V extends Shape>(key: StringShape, value: V, c: { min?: number; max?: number } = {}): MapShape<V> => ({
  kind: 'map',
  key,
  value,
  ...c,
});
export const structure = <M extends Members>(members: M): StructureShape<M> => ({ kind: 'structure', members });
export const required = <S extends Shape>(shape: S): S & { readonly required: true } => ({ ...shape, required: true });

/** AWS names members in validation messages with a lower-case first letter. */
const memberPath = (parent: string, name: string): string => {
  const lowered = name.charAt(0).toLowerCase() + name.slice(1);
  return parent ? `${parent}.${lowered}` : lowered;
};

const DESCRIBED_CHARS = 256;

/**
 * AWS quotes values in validation messages; long values are shortened so a message stays readable, and
 * a list or structure is described only as far as is shown, however many elements it has.
 */
function describeValue(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  let text: string;
  if (value instanceof Uint8Array) text = `java.nio.HeapByteBuffer[pos=0 lim=${value.length} cap=${value.length}]`;
  else if (Array.isArray(value)) text = `[${joinUpTo(value, (v) => (typeof v === 'object' ? JSON.stringify(v) : String(v)))}]`;
  else if (typeof value === 'object') text = `{${joinUpTo(Object.entries(value), ([k, v]) => `${k}=${String(v)}`)}}`;
  else text = String(value);
  return `'${text.length > DESCRIBED_CHARS ? `${text.slice(0, DESCRIBED_CHARS)}…` : text}'`;
}

function joinUpTo<T>(items: readonly T[], describe: (item: T) => string): string {
  let text = '';
  for (let i = 0; i < items.length && text.length <= DESCRIBED_CHARS; i++) text += (i === 0 ? '' : ', ') + describe(items[i]!);
  return text;
}

/**
 * Problems quoted in one ValidationException. Validation stops at the next one, so a 150 KB PutRecords
 * body of 49,000 empty records is answered after 101 problems (not 98,000 of them in a 10 MB message).
 */
const LISTED_PROBLEMS = 100;

/** Thrown by Validation once it has found more problems than a message lists. */
class TooManyProblems extends Error {}

function wireTypeName(value: unknown): string {
  if (value === null) return 'NULL_VALUE';
  if (typeof value === 'string') return 'STRING_VALUE';
  if (typeof value === 'number') return Number.isInteger(value) ? 'NUMBER_VALUE' : 'DECIMAL_VALUE';
  if (typeof value === 'boolean') return 'BOOLEAN_VALUE';
  if (Array.isArray(value)) return 'START_ARRAY';
  if (value instanceof Uint8Array) return 'BYTE_STRING';
  return 'START_OBJECT';
}

const TARGET_NAMES: Record<Shape['kind'], string> = {
  string: 'a String',
  integer: 'an Integer',
  long: 'a Long',
  boolean: 'a Boolean',
  blob: 'a Blob',
  timestamp: 'a Timestamp',
  list: 'a List',
  map: 'a Map',
  structure: 'a Structure',
};

function typeError(value: unknown, shape: Shape, path: string): AwsProtocolError {
  return new AwsProtocolError(
    'SerializationException',
    `${wireTypeName(value)} can not be converted to ${TARGET_NAMES[shape.kind]} (at '${path}')`,
  );
}

class Validation {
  readonly problems: string[] = [];
  constructor(private readonly format: WireFormat) {}

  private fail(value: unknown, path: string, constraint: string): void {
    if (this.problems.length === LISTED_PROBLEMS) throw new TooManyProblems();
    this.problems.push(`Value ${describeValue(value)} at '${path}' failed to satisfy constraint: Member must ${constraint}`);
  }

  private lengthChecks(value: unknown, length: number, path: string, min?: number, max?: number): void {
    if (min !== undefined && length < min) this.fail(value, path, `have length greater than or equal to ${min}`);
    if (max !== undefined && length > max) this.fail(value, path, `have length less than or equal to ${max}`);
  }

  /** Returns the converted value: blobs become bytes, timestamps epoch ms. */
  check(value: unknown, shape: Shape, path: string): unknown {
    switch (shape.kind) {
      case 'string': {
        if (typeof value !== 'string') throw typeError(value, shape, path);
        this.lengthChecks(value, value.length, path, shape.min, shape.max);
        if (shape.pattern && !shape.pattern.test(value)) {
          this.fail(value, path, `satisfy regular expression pattern: ${shape.pattern.source.replace(/^\^|\$$/g, '')}`);
        }
        if (shape.enum && !shape.enum.includes(value)) this.fail(value, path, `satisfy enum value set: [${shape.enum.join(', ')}]`);
        return value;
      }
      case 'integer':
      case 'long': {
        if (typeof value !== 'number' || !Number.isInteger(value)) throw typeError(value, shape, path);
        if (shape.min !== undefined && value < shape.min) this.fail(value, path, `have value greater than or equal to ${shape.min}`);
        if (shape.max !== undefined && value > shape.max) this.fail(value, path, `have value less than or equal to ${shape.max}`);
        return value;
      }
      case 'boolean':
        if (typeof value !== 'boolean') throw typeError(value, shape, path);
        return value;
      case 'blob': {
        let bytes: Uint8Array;
        if (this.format === 'cbor' && value instanceof Uint8Array) bytes = value;
        else if (typeof value === 'string') {
          const decoded = decodeBase64(value);
          if (decoded === REJECT) throw new AwsProtocolError('SerializationException', `Base64 encoded value at '${path}' is not valid base64`);
          bytes = decoded;
        } else throw typeError(value, shape, path);
        if (shape.max !== undefined && bytes.length > shape.max) this.fail(bytes, path, `have length less than or equal to ${shape.max}`);
        return bytes;
      }
      case 'timestamp': {
        if (value instanceof Date) return value.getTime();
        if (typeof value === 'number' && Number.isFinite(value)) return this.format === 'cbor' ? value : Math.round(value * 1000);
        if (typeof value === 'string' && this.format === 'json') {
          // awsJson also accepts ISO-8601 timestamps in requests.
          const ms = Date.parse(value);
          if (!Number.isNaN(ms)) return ms;
        }
        throw typeError(value, shape, path);
      }
      case 'list': {
        if (!Array.isArray(value)) throw typeError(value, shape, path);
        // The length first: it is listed even when the members have more problems than a message lists.
        this.lengthChecks(value, value.length, path, shape.min, shape.max);
        const out = new Array<unknown>(value.length);
        for (let i = 0; i < value.length; i++) {
          const item = value[i];
          if (item === null || item === undefined) {
            this.fail(item, `${path}.${i + 1}.member`, 'not be null');
            continue;
          }
          out[i] = this.check(item, shape.member, `${path}.${i + 1}.member`);
        }
        return out;
      }
      case 'map': {
        if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
          throw typeError(value, shape, path);
        }
        const out: Record<string, unknown> = {};
        const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
        for (const [k, v] of entries) {
          this.check(k, shape.key, `${path}.key`);
          if (v === null || v === undefined) {
            this.fail(v, `${path}.${String(k)}.member`, 'not be null');
            continue;
          }
          out[String(k)] = this.check(v, shape.value, `${path}.${String(k)}.member`);
        }
        this.lengthChecks(value, entries.length, path, shape.min, shape.max);
        return out;
      }
      case 'structure':
        return this.structure(value, shape, path);
      default: {
        const never: never = shape;
        throw new Error(`unknown shape ${String(never)}`);
      }
    }
  }

  structure(value: unknown, shape: StructureShape, path: string): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
      throw typeError(value, shape, path || 'body');
    }
    const input = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const name in shape.members) {
      const member = shape.members[name]!;
      const v = input[name];
      const p = memberPath(path, name);
      if (v === undefined || v === null) {
        if (member.required) this.fail(v, p, 'not be null');
        continue;
      }
      out[name] = this.check(v, member, p);
    }
    return out;
  }
}

/** Marks a value the fast pass could not accept; the slow pass then words the error. */
const REJECT: unique symbol = Symbol('reject');

/** Bytes of valid padded base64 text, or REJECT. Node's decoder skips characters outside the alphabet, so a
 * short result means the text was not base64. */
function decodeBase64(text: string): Buffer | typeof REJECT {
  const n = text.length;
  if (n % 4 !== 0) return REJECT;
  const padding = n === 0 ? 0 : text.charCodeAt(n - 1) === 61 ? (text.charCodeAt(n - 2) === 61 ? 2 : 1) : 0;
  const bytes = Buffer.from(text, 'base64');
  return bytes.length === (n / 4) * 3 - padding ? bytes : REJECT;
}

type FastConverter = (value: unknown) => unknown;

const compiled = new WeakMap<Shape, Map<WireFormat, FastConverter>>();

/**
 * The common case, a valid request, compiled once per shape into closures that neither build member paths
 * nor messages: each converts its value or returns REJECT at the first problem of any kind.
 */
function fastConverter(shape: Shape, format: WireFormat): FastConverter {
  let byFormat = compiled.get(shape);
  if (!byFormat) compiled.set(shape, (byFormat = new Map()));
  let converter = byFormat.get(format);
  if (!converter) byFormat.set(format, (converter = compile(shape, format)));
  return converter;
}

const outOfRange = (n: number, min: number | undefined, max: number | undefined): boolean =>
  (min !== undefined && n < min) || (max !== undefined && n > max);

function compile(shape: Shape, format: WireFormat): FastConverter {
  switch (shape.kind) {
    case 'string': {
      const { min, max, pattern } = shape;
      const allowed = shape.enum ? new Set<string>(shape.enum) : undefined;
      return (value) =>
        typeof value !== 'string' || outOfRange(value.length, min, max) || (pattern !== undefined && !pattern.test(value)) || (allowed !== undefined && !allowed.has(value))
          ? REJECT
          : value;
    }
    case 'integer':
    case 'long': {
      const { min, max } = shape;
      return (value) => (typeof value !== 'number' || !Number.isInteger(value) || outOfRange(value, min, max) ? REJECT : value);
    }
    case 'boolean':
      return (value) => (typeof value === 'boolean' ? value : REJECT);
    case 'blob': {
      const max = shape.max;
      return (value) => {
        const bytes = typeof value === 'string' ? decodeBase64(value) : format === 'cbor' && value instanceof Uint8Array ? value : REJECT;
        return bytes === REJECT || (max !== undefined && bytes.length > max) ? REJECT : bytes;
      };
    }
    case 'timestamp':
      return (value) => {
        if (typeof value === 'number' && Number.isFinite(value)) return format === 'cbor' ? value : Math.round(value * 1000);
        return value instanceof Date ? value.getTime() : REJECT;
      };
    case 'list': {
      const { min, max } = shape;
      const member = fastConverter(shape.member, format);
      return (value) => {
        if (!Array.isArray(value) || outOfRange(value.length, min, max)) return REJECT;
        const out = new Array<unknown>(value.length);
        for (let i = 0; i < value.length; i++) {
          const item = value[i];
          const converted = item === null || item === undefined ? REJECT : member(item);
          if (converted === REJECT) return REJECT;
          out[i] = converted;
        }
        return out;
      };
    }
    case 'map': {
      const { min, max } = shape;
      const key = fastConverter(shape.key, format);
      const item = fastConverter(shape.value, format);
      return (value) => {
        if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array || value instanceof Map) return REJECT;
        const out: Record<string, unknown> = {};
        let count = 0;
        for (const k in value) {
          const v = (value as Record<string, unknown>)[k];
          const converted = v === null || v === undefined || key(k) === REJECT ? REJECT : item(v);
          if (converted === REJECT) return REJECT;
          out[k] = converted;
          count++;
        }
        return outOfRange(count, min, max) ? REJECT : out;
      };
    }
    case 'structure': {
      const members = Object.entries(shape.members).map(([name, member]) => ({ name, required: member.required === true, convert: fastConverter(member, format) }));
      return (value) => {
        if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) return REJECT;
        const input = value as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (let i = 0; i < members.length; i++) {
          const m = members[i]!;
          const v = input[m.name];
          if (v === undefined || v === null) {
            if (m.required) return REJECT;
            continue;
          }
          const converted = m.convert(v);
          if (converted === REJECT) return REJECT;
          out[m.name] = converted;
        }
        return out;
      };
    }
    default: {
      const never: never = shape;
      throw new Error(`unknown shape ${String(never)}`);
    }
  }
}

/**
 * How deep a value of the shape nests objects and arrays (maps and arrays in CBOR): 1 for a structure of
 * scalars, 3 for PutRecords' structure → list → structure.
 */
export function shapeDepth(shape: Shape): number {
  switch (shape.kind) {
    case 'string':
    case 'integer':
    case 'long':
    case 'boolean':
    case 'blob':
    case 'timestamp':
      return 0;
    case 'list':
      return 1 + shapeDepth(shape.member);
    case 'map':
      return 1 + shapeDepth(shape.value);
    case 'structure': {
      let deepest = 0;
      for (const name in shape.members) deepest = Math.max(deepest, shapeDepth(shape.members[name]!));
      return 1 + deepest;
    }
    default: {
      const never: never = shape;
      throw new Error(`unknown shape ${String(never)}`);
    }
  }
}

/** Validates a decoded request body against an operation's input shape; unknown members are ignored, as AWS does. */
export function validateInput<S extends StructureShape>(shape: S, body: unknown, format: WireFormat): Infer<S> {
  const fast = fastConverter(shape, format)(body ?? {});
  if (fast !== REJECT) return fast as never;
  const validation = new Validation(format);
  let out: unknown;
  try {
    out = validation.structure(body ?? {}, shape, '');
  } catch (err) {
    if (!(err instanceof TooManyProblems)) throw err;
    throw new AwsProtocolError('ValidationException', `More than ${LISTED_PROBLEMS} validation errors detected: ${validation.problems.join('; ')}`);
  }
  const n = validation.problems.length;
  if (n > 0) {
    throw new AwsProtocolError(
      'ValidationException',
      `${n} validation error${n === 1 ? '' : 's'} detected: ${validation.problems.join('; ')}`,
    );
  }
  return out as never;
}

/**
 * The fast pass alone: the converted value when `value` is a valid instance of `shape`, else undefined
 * (the caller then runs validateInput, which words the errors).
 */
export function convertIfValid(shape: Shape, value: unknown, format: WireFormat): unknown {
  const converted = fastConverter(shape, format)(value);
  return converted === REJECT ? undefined : converted;
}
