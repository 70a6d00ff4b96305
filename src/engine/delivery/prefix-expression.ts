// Firehose's S3 prefix expressions (`!{namespace:value}`): parsed and validated once, evaluated per object.

import { randomInt } from 'node:crypto';
import { EddyError, unreachable } from '../errors.js';
import { compileJavaDatePattern, javaDatePatternShape, type InstantFormatter } from '../expr/java-date-pattern.js';
import { encodeKeySegment, unsafeKeyReason } from './safe-object-path.js';

export type PrefixPart =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'timestamp'; readonly pattern: string; readonly format: InstantFormatter }
  | { readonly kind: 'randomString' }
  | { readonly kind: 'errorOutputType' }
  | { readonly kind: 'partitionKeyFromQuery'; readonly key: string }
  | { readonly kind: 'partitionKeyFromLambda'; readonly key: string };

export interface ParsedPrefix {
  readonly text: string;
  readonly parts: readonly PrefixPart[];
}

export interface PrefixContext {
  /** The approximate arrival time of the oldest record in the object, epoch ms. */
  readonly timestamp: number;
  readonly zone: string;
  readonly errorOutputType?: string;
  readonly partitionKeys?: Readonly<Record<string, string>>;
}

/** Firehose's `ErrorOutputType` values that can appear in an error prefix. */
export type ErrorOutputType = 'processing-failed' | 'format-conversion-failed';

/** The largest evaluated prefix Firehose accepts. */
export const MAX_EVALUATED_PREFIX = 512;

const invalid = (message: string) => new EddyError('InvalidArgumentException', message);

/** Parses a Prefix or ErrorOutputPrefix; `what` names the field in error messages. */
export function parsePrefix(what: string, text: string): ParsedPrefix {
  const parts: PrefixPart[] = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    const start = text.indexOf('!{', i);
    if (start < 0) {
      literal += text.slice(i);
      break;
    }
    literal += text.slice(i, start);
    const end = text.indexOf('}', start + 2);
    if (end < 0) throw invalid(`${what} '${text}' has an expression starting at position ${start} with no closing '}'.`);
    const body = text.slice(start + 2, end);
    if (body.includes('!{')) throw invalid(`${what} '${text}' has a nested expression; expressions cannot be nested.`);
    if (literal) parts.push({ kind: 'literal', text: literal });
    literal = '';
    parts.push(parseExpression(what, text, body));
    i = end + 1;
  }
  if (literal) parts.push({ kind: 'literal', text: literal });
  // Check the shape the prefix will have once evaluated: expression values stand in as one safe word
  // (partition keys are encoded to stay one segment), literal text, quoted timestamp text included, as is.
  const shape = parts
    .map((p) => (p.kind === 'literal' ? p.text : p.kind === 'timestamp' ? javaDatePatternShape(p.pattern) : 'X'))
    .join('');
  const reason = unsafeKeyReason(shape);
  if (reason) throw invalid(`${what} '${text}' ${reason}.`);
  return { text, parts };
}

function parseExpression(what: string, text: string, body: string): PrefixPart {
  const colon = body.indexOf(':');
  if (colon < 0) throw invalid(`${what} '${text}' has the expression '!{${body}}', which is not of the form !{namespace:value}.`);
  const namespace = body.slice(0, colon);
  const value = body.slice(colon + 1);
  switch (namespace) {
    case 'timestamp':
      if (value === '') throw invalid(`${what} '${text}' has an empty timestamp pattern.`);
      return { kind: 'timestamp', pattern: value, format: compileJavaDatePattern(value) };
    case 'firehose':
      if (value === 'random-string') return { kind: 'randomString' };
      if (value === 'error-output-type') return { kind: 'errorOutputType' };
      throw invalid(`${what} '${text}' uses '!{firehose:${value}}'; the firehose namespace supports only random-string and error-output-type.`);
    case 'partitionKeyFromQuery':
    case 'partitionKeyFromLambda':
      if (!/^[A-Za-z0-9_]+$/.test(value)) throw invalid(`${what} '${text}' has the partition key name '${value}', which must be letters, digits and underscores.`);
      return { kind: namespace, key: value };
    default:
      throw invalid(`${what} '${text}' uses the unknown namespace '${namespace}'; supported: timestamp, firehose, partitionKeyFromQuery, partitionKeyFromLambda.`);
  }
}

export const hasExpressions = (p: ParsedPrefix): boolean => p.parts.some((x) => x.kind !== 'literal');
export const hasPart = (p: ParsedPrefix, kind: PrefixPart['kind']): boolean => p.parts.some((x) => x.kind === kind);
export const partitionKeysOf = (p: ParsedPrefix): string[] =>
  p.parts.flatMap((x) => (x.kind === 'partitionKeyFromQuery' || x.kind === 'partitionKeyFromLambda' ? [x.key] : []));

const RANDOM_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function randomString(length = 11): string {
  let s = '';
  for (let i = 0; i < length; i++) s += RANDOM_ALPHABET[randomInt(RANDOM_ALPHABET.length)];
  return s;
}

/**
 * Evaluates a prefix. Every timestamp expression uses the same instant; partition key values are encoded
 * so they stay one path segment. Throws when the result would be longer than Firehose allows.
 */
export function evaluatePrefix(prefix: ParsedPrefix, ctx: PrefixContext): string {
  let out = '';
  for (const p of prefix.parts) {
    switch (p.kind) {
      case 'literal':
        out += p.text;
        break;
      case 'timestamp':
        out += p.format(ctx.timestamp, ctx.zone);
        break;
      case 'randomString':
        out += randomString();
        break;
      case 'errorOutputType':
        out += ctx.errorOutputType ?? 'processing-failed';
        break;
      case 'partitionKeyFromQuery':
      case 'partitionKeyFromLambda': {
        const v = ctx.partitionKeys?.[p.key];
        if (v === undefined) throw invalid(`Partition key '${p.key}' has no value for this record.`);
        out += encodeKeySegment(v);
        break;
      }
      default:
        return unreachable(p, 'prefix part');
    }
  }
  if (out.length > MAX_EVALUATED_PREFIX) throw invalid(`Evaluated prefix '${out.slice(0, 64)}…' is longer than ${MAX_EVALUATED_PREFIX} characters.`);
  return out;
}
