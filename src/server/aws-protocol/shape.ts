// Input shapes for AWS JSON/CBOR operations and the validator that checks a request body against them
// in AWS's two steps. First every member present is converted to its type, in the order the body gives
// them: the first that cannot be is a SerializationException worded as AWS's deserializer words it
// (`class java.lang.Boolean can not be converted to an String`), naming no member. Then the constraints
// are checked member by member in the order the shape declares them (AWS's order, which is neither the
// model's nor the alphabet's), each member's constraints in AWS's order, and the first 10 violations are
// one ValidationException: `2 validation errors detected: Value '' at 'streamName' failed to satisfy
// constraint: …; …`.

import { AwsProtocolError } from './aws-protocol-error.js';
import type { WireFormat } from './wire-format.js';

export interface StringShape<E extends string = string> {
  readonly kind: 'string';
  readonly min?: number;
  readonly max?: number;
  /** Anchored; its source between `^(?:` and `)$` is the model's pattern, quoted in messages. */
  readonly pattern?: RegExp;
  readonly enum?: readonly E[];
}
export interface NumberShape {
  /** `integer` is Java's int: larger numbers become 2147483647, as AWS's deserializer truncates them. */
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
  /**
   * How AWS quotes an instance inside a list in a validation message: Java's default toString of the
   * model class (`com.amazonaws.kinesis.v20131202.PutRecordsRequestEntry@c965e310`).
   */
  readonly javaName?: string;
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

export type Member = Shape & {
  readonly required?: boolean;
  /**
   * Required unless the named member is present: `StreamName` unless `StreamARN`. Reported, when both are
   * missing, as AWS reported the member when it was required: `Value null at 'streamName' … must not be null`.
   */
  readonly requiredUnless?: string;
};
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

/** The model's text of each pattern made by modelPattern, as messages quote it (RegExp#source escapes `/`). */
const patternTexts = new WeakMap<RegExp, string>();

/** A model pattern (`[a-zA-Z0-9_.-]+`, `0|([1-9]\d{0,38})`) matched against the whole value, as Java's matches() does. */
export function modelPattern(source: string): RegExp {
  const pattern = new RegExp(`^(?:${source})$`);
  patternTexts.set(pattern, source);
  return pattern;
}

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
export const structure = <M extends Members>(members: M, options: { javaName?: string } = {}): StructureShape<M> => ({
  kind: 'structure',
  members,
  ...(options.javaName !== undefined ? { javaName: options.javaName } : {}),
});
export const required = <S extends Shape>(shape: S): S & { readonly required: true } => ({ ...shape, required: true });
export const requiredUnless = <S extends Shape>(other: string, shape: S): S & { readonly requiredUnless: string } => ({ ...shape, requiredUnless: other });

const INT_MAX = 2147483647;
const INT_MIN = -2147483648;

/** AWS names members in validation messages with a lower-case first letter. */
const memberPath = (parent: string, name: string): string => {
  const lowered = name.charAt(0).toLowerCase() + name.slice(1);
  return parent ? `${parent}.${lowered}` : lowered;
};

/**
 * The longest value quoted in a message. AWS quotes values whole (a 501-record list is 501 entries); this
 * bound only keeps a hostile body (49,000 records in 150 KB) from being answered with megabytes.
 */
const QUOTED_CHARS = 65_536;

const bounded = (text: string): string => (text.length > QUOTED_CHARS ? `${text.slice(0, QUOTED_CHARS)}…` : text);

// ---- step 1: types ---------------------------------------------------------------------------------
//
// Which wording: AWS's JSON services share one deserializer (Coral), and it has spoken two dialects.
// Kinesis was recorded in the first (`class java.lang.Boolean can not be converted to an String`,
// `class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String`), and
// these are the messages kinesalite's test suite checks against Kinesis to this day. DynamoDB has since
// moved to the second (`TRUE_VALUE cannot be converted to String`, `NUMBER_VALUE cannot be converted to
// String`, `Unexpected field type`), as dynalite's recordings show; no recording of Kinesis answering in
// the second was found, so Eddy answers in the first, the one Kinesis clients have been seen to receive.

const NUMBER_CLASS = 'class com.amazon.coral.value.json.numbers.TruncatingBigNumber';
const START_OF_LIST = 'Start of list found where not expected';
const START_OF_STRUCTURE = 'Start of structure or map found where not expected.';

const serialization = (message: string): AwsProtocolError => new AwsProtocolError('SerializationException', message);

const isBytes = (value: unknown): value is Uint8Array => value instanceof Uint8Array;
const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !isBytes(value) && !(value instanceof Date);

/** The message for a JSON value (or CBOR value) that cannot become `shape`, by what the value is. */
function typeError(value: unknown, shape: Shape): AwsProtocolError {
  const a = (kind: string) => (kind === 'Blob' ? `a ${kind}` : `an ${kind}`);
  const containers = (): string | undefined => (Array.isArray(value) ? START_OF_LIST : isPlainObject(value) || value instanceof Map ? START_OF_STRUCTURE : undefined);
  switch (shape.kind) {
    case 'string':
    case 'blob': {
      const target = shape.kind === 'string' ? 'String' : 'Blob';
      if (typeof value === 'boolean') return serialization(`class java.lang.Boolean can not be converted to ${a(target)}`);
      if (typeof value === 'number' || typeof value === 'bigint') return serialization(`${NUMBER_CLASS} can not be converted to ${a(target)}`);
      if (isBytes(value)) return serialization(`class java.nio.HeapByteBuffer can not be converted to ${a(target)}`);
      return serialization(containers() ?? `Expected ${target.toLowerCase()}`);
    }
    case 'boolean':
      if (typeof value === 'string') return serialization(`'${bounded(value.toUpperCase())}' can not be converted to an Boolean`);
      if (typeof value === 'number' || typeof value === 'bigint') return serialization(`${NUMBER_CLASS} can not be converted to an Boolean`);
      return serialization(containers() ?? 'Expected boolean');
    case 'integer':
    case 'long': {
      const target = shape.kind === 'integer' ? 'Integer' : 'Long';
      if (typeof value === 'boolean') return serialization(`class java.lang.Boolean can not be converted to an ${target}`);
      if (typeof value === 'string') return serialization(`class java.lang.String can not be converted to an ${target}`);
      return serialization(containers() ?? `Expected ${target.toLowerCase()}`);
    }
    case 'timestamp':
      if (typeof value === 'boolean') return serialization('class java.lang.Boolean can not be converted to milliseconds since epoch');
      if (typeof value === 'string') return serialization('class java.lang.String can not be converted to milliseconds since epoch');
      return serialization(containers() ?? 'Expected timestamp');
    case 'list':
      return serialization(isPlainObject(value) || value instanceof Map ? START_OF_STRUCTURE : 'Expected list or null');
    case 'map':
      return serialization(Array.isArray(value) ? START_OF_LIST : 'Expected map or null');
    case 'structure':
      return serialization(Array.isArray(value) ? START_OF_LIST : 'Expected null');
    default: {
      const never: never = shape;
      throw new Error(`unknown shape ${String(never)}`);
    }
  }
}

const BASE64_SHAPE = /[^a-zA-Z0-9+/=]|=[^=]/;

/** Base64 text as AWS's deserializer reads it, with its words for each way the text can be wrong. */
function base64Bytes(text: string): Buffer {
  const quoted = `'${bounded(text)}' can not be converted to a Blob: `;
  if (text.length % 4 !== 0) throw serialization(`${quoted}Base64 encoded length is expected a multiple of 4 bytes but found: ${text.length}`);
  const bad = BASE64_SHAPE.exec(text);
  if (bad) throw serialization(`${quoted}Invalid Base64 character: '${bad[0][0]!}'`);
  const bytes = Buffer.from(text, 'base64');
  // Non-zero bits after the last character's data, or stray padding, do not survive a round trip.
  if (bytes.toString('base64') !== text) throw serialization(`${quoted}Invalid last non-pad Base64 character dectected`);
  return bytes;
}

const BOOLEAN_WORDS: Readonly<Record<string, boolean>> = { TRUE: true, FALSE: false, YES: true, NO: false, '1': true, '0': false };

/** Step 1 for one value: its converted form, or a SerializationException. `null` members are absent. */
function convert(value: unknown, shape: Shape, format: WireFormat): unknown {
  switch (shape.kind) {
    case 'string':
      if (typeof value !== 'string') throw typeError(value, shape);
      return value;
    case 'integer':
    case 'long': {
      let n: number;
      if (typeof value === 'number') n = value;
      else if (typeof value === 'bigint') n = Number(value);
      else throw typeError(value, shape);
      n = Math.floor(n);
      if (shape.kind === 'integer') n = Math.min(INT_MAX, Math.max(INT_MIN, n));
      else if (!Number.isFinite(n)) n = n > 0 ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
      return n;
    }
    case 'boolean': {
      if (typeof value === 'boolean') return value;
      // AWS's deserializer takes a few words for booleans and upper-cases anything else in its message.
      if (typeof value === 'string' && Object.hasOwn(BOOLEAN_WORDS, value.toUpperCase())) return BOOLEAN_WORDS[value.toUpperCase()];
      throw typeError(value, shape);
    }
    case 'blob':
      if (format === 'cbor' && isBytes(value)) return value;
      if (typeof value === 'string') return base64Bytes(value);
      throw typeError(value, shape);
    case 'timestamp':
      if (value instanceof Date) return value.getTime();
      if (typeof value === 'number' && Number.isFinite(value)) return format === 'cbor' ? value : Math.round(value * 1000);
      throw typeError(value, shape);
    case 'list': {
      if (!Array.isArray(value)) throw typeError(value, shape);
      const out = new Array<unknown>(value.length);
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        out[i] = item === null || item === undefined ? undefined : convert(item, shape.member, format);
      }
      return out;
    }
    case 'map': {
      if (!isPlainObject(value) && !(value instanceof Map)) throw typeError(value, shape);
      const out: Record<string, unknown> = {};
      const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
      for (const [k, v] of entries) {
        if (typeof k !== 'string') throw typeError(k, shape.key);
        out[k] = v === null || v === undefined ? undefined : convert(v, shape.value, format);
      }
      return out;
    }
    case 'structure': {
      if (!isPlainObject(value)) throw typeError(value, shape);
      const out: Record<string, unknown> = {};
      // In the body's order: the first member that cannot be converted is the one reported.
      for (const key in value) {
        if (!Object.hasOwn(shape.members, key)) continue;
        const v = value[key];
        if (v === null || v === undefined) continue;
        out[key] = convert(v, shape.members[key]!, format);
      }
      return out;
    }
    default: {
      const never: never = shape;
      throw new Error(`unknown shape ${String(never)}`);
    }
  }
}

// ---- step 2: constraints ---------------------------------------------------------------------------

const LISTED_PROBLEMS = 10;

/** Thrown once a message holds as many problems as AWS lists. */
class Enough extends Error {}

/** How AWS quotes a value: Java's toString of the deserialized value. */
function javaText(value: unknown, shape: Shape): string {
  if (isBytes(value)) return `java.nio.HeapByteBuffer[pos=0 lim=${value.length} cap=${value.length}]`;
  if (Array.isArray(value) && shape.kind === 'list') {
    const member = shape.member;
    let text = '[';
    for (let i = 0; i < value.length && text.length <= QUOTED_CHARS; i++) text += (i === 0 ? '' : ', ') + memberText(value[i], member);
    return `${text}]`;
  }
  if (shape.kind === 'map' && typeof value === 'object' && value !== null) {
    let text = '{';
    let first = true;
    const entries = value as Record<string, unknown>;
    for (const k of hashMapOrder(Object.keys(entries))) {
      if (text.length > QUOTED_CHARS) break;
      text += `${first ? '' : ', '}${k}=${memberText(entries[k], shape.value)}`;
      first = false;
    }
    return `${text}}`;
  }
  return String(value);
}

/** Java's String.hashCode: s[0]·31^(n−1) + … + s[n−1], in 32-bit arithmetic over UTF-16 units. */
function javaStringHash(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
  return hash;
}

/**
 * The order a java.util.HashMap filled with `keys` (in this order) iterates them, which is how AWS quotes a
 * map: by bucket of its final table (16 buckets, doubled while more than 3/4 full; a key's bucket is its
 * hash with the high half folded in), keys sharing a bucket as they were put. Kinesis has been recorded
 * quoting 21 tags `{tag1=…, tag20=…, tag8=…, tag10=…, …}`, as this orders them.
 */
function hashMapOrder(keys: readonly string[]): string[] {
  let buckets = 16;
  while (keys.length > buckets * 0.75) buckets *= 2;
  const bucketOf = (key: string): number => {
    const hash = javaStringHash(key);
    return (hash ^ (hash >>> 16)) & (buckets - 1);
  };
  return keys
    .map((key, put) => ({ key, put, bucket: bucketOf(key) }))
    .sort((a, b) => a.bucket - b.bucket || a.put - b.put)
    .map((e) => e.key);
}

function memberText(value: unknown, shape: Shape): string {
  if (value === undefined || value === null) return 'null';
  if (shape.kind === 'structure') return shape.javaName ?? JSON.stringify(value);
  return javaText(value, shape);
}

/** The constraints of a list's or map's members, listed the way AWS lists them in brackets. */
function memberConstraints(shape: Shape): string {
  const parts: string[] = [];
  if (shape.kind === 'string') {
    if (shape.pattern) parts.push(`Member must satisfy regular expression pattern: ${patternText(shape.pattern)}`);
    if (shape.enum) parts.push(`Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
    if (shape.max !== undefined) parts.push(`Member must have length less than or equal to ${shape.max}`);
    if (shape.min !== undefined) parts.push(`Member must have length greater than or equal to ${shape.min}`);
  } else if (shape.kind === 'integer' || shape.kind === 'long') {
    if (shape.max !== undefined) parts.push(`Member must have value less than or equal to ${shape.max}`);
    if (shape.min !== undefined) parts.push(`Member must have value greater than or equal to ${shape.min}`);
  }
  return `[${parts.join(', ')}]`;
}

const patternText = (pattern: RegExp): string => patternTexts.get(pattern) ?? pattern.source.replace(/^\^|\$$/g, '');

/** True when a scalar value breaks any of its shape's constraints (for lists and maps of scalars). */
function breaks(value: unknown, shape: Shape): boolean {
  if (value === undefined) return false;
  if (shape.kind === 'string' && typeof value === 'string') {
    return (
      (shape.min !== undefined && value.length < shape.min) ||
      (shape.max !== undefined && value.length > shape.max) ||
      (shape.pattern !== undefined && !shape.pattern.test(value)) ||
      (shape.enum !== undefined && !shape.enum.includes(value))
    );
  }
  if ((shape.kind === 'integer' || shape.kind === 'long') && typeof value === 'number') {
    return (shape.min !== undefined && value < shape.min) || (shape.max !== undefined && value > shape.max);
  }
  return false;
}

const isScalar = (shape: Shape): boolean => shape.kind !== 'list' && shape.kind !== 'map' && shape.kind !== 'structure';

class Constraints {
  readonly problems: string[] = [];

  private fail(value: unknown, shape: Shape, path: string, constraint: string): void {
    const quoted = value === undefined || value === null ? 'null' : `'${bounded(javaText(value, shape))}'`;
    this.problems.push(`Value ${quoted} at '${path}' failed to satisfy constraint: ${constraint}`);
    if (this.problems.length === LISTED_PROBLEMS) throw new Enough();
  }

  check(value: unknown, shape: Shape, path: string): void {
    switch (shape.kind) {
      case 'string': {
        const s = value as string;
        if (shape.pattern && !shape.pattern.test(s)) this.fail(s, shape, path, `Member must satisfy regular expression pattern: ${patternText(shape.pattern)}`);
        if (shape.enum && !shape.enum.includes(s)) this.fail(s, shape, path, `Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
        if (shape.min !== undefined && s.length < shape.min) this.fail(s, shape, path, `Member must have length greater than or equal to ${shape.min}`);
        if (shape.max !== undefined && s.length > shape.max) this.fail(s, shape, path, `Member must have length less than or equal to ${shape.max}`);
        return;
      }
      case 'integer':
      case 'long': {
        const n = value as number;
        if (shape.min !== undefined && n < shape.min) this.fail(n, shape, path, `Member must have value greater than or equal to ${shape.min}`);
        if (shape.max !== undefined && n > shape.max) this.fail(n, shape, path, `Member must have value less than or equal to ${shape.max}`);
        return;
      }
      case 'blob': {
        const bytes = value as Uint8Array;
        if (shape.max !== undefined && bytes.length > shape.max) this.fail(bytes, shape, path, `Member must have length less than or equal to ${shape.max}`);
        return;
      }
      case 'boolean':
      case 'timestamp':
        return;
      case 'list': {
        const items = value as unknown[];
        if (shape.min !== undefined && items.length < shape.min) this.fail(items, shape, path, `Member must have length greater than or equal to ${shape.min}`);
        if (shape.max !== undefined && items.length > shape.max) this.fail(items, shape, path, `Member must have length less than or equal to ${shape.max}`);
        if (isScalar(shape.member)) {
          // Members of scalar lists are judged together, and the whole list is quoted.
          if (items.some((item) => item === undefined || breaks(item, shape.member))) {
            this.fail(items, shape, path, `Member must satisfy constraint: ${memberConstraints(shape.member)}`);
          }
          return;
        }
        for (let i = 0; i < items.length; i++) {
          const item = items[i];
          const at = `${path}.${i + 1}.member`;
          if (item === undefined) this.fail(undefined, shape.member, at, 'Member must not be null');
          else this.check(item, shape.member, at);
        }
        return;
      }
      case 'map': {
        const entries = Object.entries(value as Record<string, unknown>);
        if (shape.min !== undefined && entries.length < shape.min) this.fail(value, shape, path, `Member must have length greater than or equal to ${shape.min}`);
        if (shape.max !== undefined && entries.length > shape.max) this.fail(value, shape, path, `Member must have length less than or equal to ${shape.max}`);
        if (entries.some(([k]) => breaks(k, shape.key))) this.fail(value, shape, path, `Map keys must satisfy constraint: ${memberConstraints(shape.key)}`);
        if (isScalar(shape.value)) {
          if (entries.some(([, v]) => v === undefined || breaks(v, shape.value))) {
            this.fail(value, shape, path, `Map value must satisfy constraint: ${memberConstraints(shape.value)}`);
          }
          return;
        }
        for (const [k, v] of entries) {
          if (v === undefined) this.fail(undefined, shape.value, `${path}.${k}.member`, 'Member must not be null');
          else this.check(v, shape.value, `${path}.${k}.member`);
        }
        return;
      }
      case 'structure': {
        const input = value as Record<string, unknown>;
        for (const name in shape.members) {
          const member = shape.members[name]!;
          const v = input[name];
          const p = memberPath(path, name);
          if (v === undefined) {
            if (member.required || (member.requiredUnless !== undefined && input[member.requiredUnless] === undefined)) {
              this.fail(undefined, member, p, 'Member must not be null');
            }
            continue;
          }
          this.check(v, member, p);
        }
        return;
      }
      default: {
        const never: never = shape;
        throw new Error(`unknown shape ${String(never)}`);
      }
    }
  }
}

// ---- the fast pass ---------------------------------------------------------------------------------

/** Marks a value the fast pass could not accept; the two steps above then word the error. */
const REJECT: unique symbol = Symbol('reject');

const BASE64_VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) BASE64_VALUES['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;

/**
 * Whether the last character before `padding` `=` signs holds no bits beyond the data (`+/+=` does:
 * AWS refuses it). `code` is that character's code.
 */
export function base64TailIsClean(code: number, padding: number): boolean {
  if (padding === 0) return true;
  const value = code < 128 ? BASE64_VALUES[code]! : -1;
  return value >= 0 && (value & (padding === 1 ? 3 : 15)) === 0;
}

/** Bytes of valid padded base64 text, or REJECT. Node's decoder skips characters outside the alphabet, so a
 * short result means the text was not base64. */
function decodeBase64(text: string): Buffer | typeof REJECT {
  const n = text.length;
  if (n % 4 !== 0) return REJECT;
  const padding = n === 0 ? 0 : text.charCodeAt(n - 1) === 61 ? (text.charCodeAt(n - 2) === 61 ? 2 : 1) : 0;
  if (!base64TailIsClean(text.charCodeAt(n - 1 - padding), padding)) return REJECT;
  const bytes = Buffer.from(text, 'base64');
  return bytes.length === (n / 4) * 3 - padding ? bytes : REJECT;
}

type FastConverter = (value: unknown) => unknown;

const compiled = new WeakMap<Shape, Map<WireFormat, FastConverter>>();

/**
 * The common case, a valid request, compiled once per shape into closures that neither build member paths
 * nor messages: each converts its value or returns REJECT at the first problem of any kind (including a
 * value the slow steps would convert, such as 2.5 for an integer, so that they decide).
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
    case 'integer': {
      const { min, max } = shape;
      return (value) => (typeof value !== 'number' || !Number.isInteger(value) || value > INT_MAX || value < INT_MIN || outOfRange(value, min, max) ? REJECT : value);
    }
    case 'long': {
      const { min, max } = shape;
      return (value) => (typeof value !== 'number' || !Number.isSafeInteger(value) || outOfRange(value, min, max) ? REJECT : value);
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
          const item: unknown = value[i];
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
      const members = Object.entries(shape.members).map(([name, member]) => ({
        name,
        required: member.required === true,
        unless: member.requiredUnless,
        convert: fastConverter(member, format),
      }));
      return (value) => {
        if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) return REJECT;
        const input = value as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (let i = 0; i < members.length; i++) {
          const m = members[i]!;
          const v = input[m.name];
          if (v === undefined || v === null) {
            if (m.required || (m.unless !== undefined && (input[m.unless] === undefined || input[m.unless] === null))) return REJECT;
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

/**
 * Validates a decoded request body against an operation's input shape; unknown members are ignored, as
 * AWS does. A body that is not an object at all is a SerializationException with no message.
 */
export function validateInput<S extends StructureShape>(shape: S, body: unknown, format: WireFormat): Infer<S> {
  const fast = fastConverter(shape, format)(body);
  if (fast !== REJECT) return fast as never;
  if (!isPlainObject(body)) throw new AwsProtocolError('SerializationException', Array.isArray(body) ? START_OF_LIST : '');
  const converted = convert(body, shape, format);
  const constraints = new Constraints();
  try {
    constraints.check(converted, shape, '');
  } catch (err) {
    if (!(err instanceof Enough)) throw err;
  }
  const n = constraints.problems.length;
  if (n > 0) {
    throw new AwsProtocolError('ValidationException', `${n} validation error${n === 1 ? '' : 's'} detected: ${constraints.problems.join('; ')}`);
  }
  return converted as never;
}

/**
 * The fast pass alone: the converted value when `value` is a valid instance of `shape`, else undefined
 * (the caller then runs validateInput, which words the errors).
 */
export function convertIfValid(shape: Shape, value: unknown, format: WireFormat): unknown {
  const converted = fastConverter(shape, format)(value);
  return converted === REJECT ? undefined : converted;
}
