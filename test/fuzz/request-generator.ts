// Builds fuzzing requests for the AWS JSON services from their own input shapes: a value that follows the
// shape (names drawn from a vocabulary of real and hostile names, iterators and sequence numbers harvested
// from earlier answers), then mutated — members dropped, retyped, blown up, nested, or the encoded bytes
// flipped and cut — so most requests reach deep into an operation and the rest probe its edges.

import { encode as encodeCbor } from 'cbor2';
import type { Shape, StructureShape } from '../../src/server/aws-protocol/shape.js';
import type { SeededRandom } from './seeded-random.js';

/** Names a client might send: ordinary ones that exist, and ones meant to escape, overflow or confuse. */
export const HOSTILE_NAMES = [
  '.',
  '..',
  '/',
  'a/../b',
  '../../etc',
  '\u0000',
  'a\u0000b',
  'x'.repeat(1000),
  '%2e%2e',
  '__firehose_fz',
  '__proto__',
  'constructor',
  ' ',
  'CON',
  'ü',
  '',
];

export interface Vocabulary {
  /** Stream, delivery stream and consumer names the run created; never the protected ones. */
  readonly names: readonly string[];
  readonly region: string;
  readonly accountId: string;
}

/** Strings taken from answers (iterators, sequence numbers, ARNs, tokens), by member name. */
export class Harvest {
  private readonly byMember = new Map<string, string[]>();

  /** Answers name every stream (ListStreams); the ones in `protectedNames` must never be sent back. */
  constructor(private readonly protectedNames: readonly string[] = []) {}

  add(answer: unknown, depth = 0): void {
    if (depth > 6 || answer === null || typeof answer !== 'object') return;
    for (const [key, value] of Object.entries(answer as Record<string, unknown>)) {
      if (typeof value === 'string' && value.length < 4096 && !this.protectedNames.some((n) => value.includes(n))) {
        const pool = this.byMember.get(key) ?? [];
        if (pool.length >= 64) pool.splice(0, 1);
        pool.push(value);
        this.byMember.set(key, pool);
      } else this.add(value, depth + 1);
    }
  }

  get(member: string): readonly string[] {
    const direct = this.byMember.get(member) ?? [];
    // Answers name them NextShardIterator, StartingSequenceNumber, … requests ShardIterator, SequenceNumber, …
    const related = [...this.byMember.entries()].filter(([k]) => k !== member && k.endsWith(member)).flatMap(([, v]) => v);
    return [...direct, ...related];
  }
}

const ROLE = 'arn:aws:iam::000000000000:role/firehose';
const S3 = (extra: Record<string, unknown> = {}) => ({ RoleARN: ROLE, BucketARN: 'arn:aws:s3:::fz-bucket', ...extra });

/** Requests that an operation accepts, with NAME where a stream or delivery stream name goes. */
const SEED_REQUESTS: Record<string, readonly Record<string, unknown>[]> = {
  CreateDeliveryStream: [
    { DeliveryStreamName: 'NAME', DeliveryStreamType: 'DirectPut', ExtendedS3DestinationConfiguration: S3({ BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 } }) },
    {
      DeliveryStreamName: 'NAME',
      ExtendedS3DestinationConfiguration: S3({
        Prefix: 'p/!{timestamp:yyyy}/!{partitionKeyFromQuery:k}/',
        ErrorOutputPrefix: 'e/!{firehose:error-output-type}/',
        CompressionFormat: 'GZIP',
        DynamicPartitioningConfiguration: { Enabled: true },
        ProcessingConfiguration: {
          Enabled: true,
          Processors: [{ Type: 'MetadataExtraction', Parameters: [{ ParameterName: 'MetadataExtractionQuery', ParameterValue: '{k: .k}' }, { ParameterName: 'JsonParsingEngine', ParameterValue: 'JQ-1.6' }] }],
        },
      }),
    },
    {
      DeliveryStreamName: 'NAME',
      DeliveryStreamType: 'KinesisStreamAsSource',
      KinesisStreamSourceConfiguration: { KinesisStreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/NAME', RoleARN: ROLE },
      ExtendedS3DestinationConfiguration: S3(),
    },
  ],
  DeleteDeliveryStream: [{ DeliveryStreamName: 'NAME' }, { DeliveryStreamName: 'NAME', AllowForceDelete: true }],
  PutRecordBatch: [{ DeliveryStreamName: 'NAME', Records: [{ Data: Buffer.from('{"k":"a"}') }, { Data: Buffer.from('x') }] }],
  CreateStream: [{ StreamName: 'NAME', ShardCount: 1 }, { StreamName: 'NAME', StreamModeDetails: { StreamMode: 'ON_DEMAND' } }],
  PutRecords: [{ StreamName: 'NAME', Records: [{ PartitionKey: 'a', Data: Buffer.from('{"k":"a","v":1}') }, { PartitionKey: 'b', Data: Buffer.from('x'), ExplicitHashKey: '1' }] }],
  GetShardIterator: [
    { StreamName: 'NAME', ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' },
    { StreamName: 'NAME', ShardId: 'shardId-000000000001', ShardIteratorType: 'LATEST' },
  ],
  SplitShard: [{ StreamName: 'NAME', ShardToSplit: 'shardId-000000000000', NewStartingHashKey: '85070591730234615865843651857942052864' }],
  MergeShards: [{ StreamName: 'NAME', ShardToMerge: 'shardId-000000000000', AdjacentShardToMerge: 'shardId-000000000001' }],
  UpdateShardCount: [{ StreamName: 'NAME', TargetShardCount: 4, ScalingType: 'UNIFORM_SCALING' }],
};

export class RequestGenerator {
  constructor(
    private readonly random: SeededRandom,
    private readonly vocabulary: Vocabulary,
    private readonly harvest: Harvest,
  ) {}

  /** A value for an operation's input: often a known-good request with its names swapped, else one built from the shape. */
  input(operation: string, shape: StructureShape): Record<string, unknown> {
    const seeds = SEED_REQUESTS[operation];
    if (seeds !== undefined && this.random.chance(0.6)) {
      const { names } = this.vocabulary;
      const name = this.random.chance(0.75) ? this.random.pick(names) : this.random.pick(HOSTILE_NAMES);
      return JSON.parse(JSON.stringify(this.random.pick(seeds)).replaceAll('NAME', JSON.stringify(name).slice(1, -1))) as Record<string, unknown>;
    }
    return this.structure(shape, 0);
  }

  private value(shape: Shape, member: string, depth: number): unknown {
    const r = this.random;
    switch (shape.kind) {
      case 'structure':
        return this.structure(shape, depth + 1);
      case 'string':
        return this.string(shape, member);
      case 'integer':
      case 'long': {
        const min = shape.min ?? 0;
        const max = Math.min(shape.max ?? 10_000, min + 1_000);
        return r.chance(0.9) ? r.int(min, max) : r.pick([-1, 0, 2 ** 31, 2 ** 53, 1e300, shape.max ?? 1e6, (shape.max ?? 1e6) + 1]);
      }
      case 'boolean':
        return r.chance(0.5);
      case 'blob':
        return r.chance(0.8) ? Buffer.from(JSON.stringify({ n: r.int(0, 99), s: r.text(r.int(0, 20)) })) : r.bytes(r.int(0, 2048));
      case 'timestamp':
        return r.chance(0.8) ? Date.now() / 1000 - r.int(0, 86_400) : r.pick([0, -1, 1e15, 253402300800]);
      case 'list': {
        const n = r.chance(0.9) ? r.int(shape.min ?? 0, Math.min(shape.max ?? 10, 10)) : r.int(0, 600);
        return Array.from({ length: n }, () => this.value(shape.member, member, depth + 1));
      }
      case 'map': {
        const out: Record<string, unknown> = {};
        const n = r.int(shape.min ?? 0, Math.min(shape.max ?? 5, 5));
        for (let i = 0; i < n; i++) out[this.string(shape.key, 'Key')] = this.value(shape.value, member, depth + 1);
        return out;
      }
      default: {
        const never: never = shape;
        throw new Error(`no generator for ${JSON.stringify(never)}`);
      }
    }
  }

  private structure(shape: StructureShape, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, member] of Object.entries(shape.members)) {
      if (member.required || this.random.chance(depth === 0 ? 0.5 : 0.3)) out[name] = this.value(member, name, depth);
    }
    return out;
  }

  private string(shape: Extract<Shape, { kind: 'string' }>, member: string): string {
    const r = this.random;
    if (shape.enum && r.chance(0.9)) return r.pick(shape.enum);
    const harvested = this.harvest.get(member);
    if (harvested.length > 0 && r.chance(0.7)) return r.pick(harvested);
    const { names, region, accountId } = this.vocabulary;
    if (/Name$/.test(member)) return r.chance(0.8) ? r.pick(names) : r.pick(HOSTILE_NAMES);
    if (/ARN$/i.test(member)) {
      const name = r.chance(0.8) ? r.pick(names) : r.pick(HOSTILE_NAMES);
      const arns = {
        stream: `arn:aws:kinesis:${region}:${accountId}:stream/${name}`,
        deliveryStream: `arn:aws:firehose:${region}:${accountId}:deliverystream/${name}`,
        consumer: `arn:aws:kinesis:${region}:${accountId}:stream/${name}/consumer/${name}:1`,
        role: `arn:aws:iam::${accountId}:role/${name}`,
        bucket: `arn:aws:s3:::${name}`,
      };
      // Mostly the kind of ARN the member names, so requests get past validation.
      const meant = /Bucket/.test(member) ? arns.bucket : /Role/.test(member) ? arns.role : /Consumer/.test(member) ? arns.consumer : /DeliveryStream/.test(member) ? arns.deliveryStream : arns.stream;
      return r.chance(0.85) ? meant : r.pick(Object.values(arns));
    }
    if (/ShardId$/.test(member)) return r.pick(['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000099', 'shardId-0', 'nope']);
    if (/HashKey/.test(member)) return r.pick(['0', '170141183460469231731687303715884105727', '340282366920938463463374607431768211455', '340282366920938463463374607431768211456', '-1']);
    if (/SequenceNumber/.test(member)) return r.pick(['0', '1', '49' + '0'.repeat(28), '9'.repeat(129)]);
    const min = shape.min ?? 0;
    const max = Math.min(shape.max ?? 64, 64);
    return r.text(r.int(min, Math.max(min, max)));
  }
}

/** Replaces members with values of other types, adds unknown ones, or deepens the value. */
export function mutateValue(random: SeededRandom, value: Record<string, unknown>): unknown {
  const r = random;
  const keys = Object.keys(value);
  switch (r.int(0, 7)) {
    case 0:
      if (keys.length > 0) delete value[r.pick(keys)];
      return value;
    case 1:
      if (keys.length > 0) value[r.pick(keys)] = r.pick<unknown>([null, true, 1.5, -1, 'x', [], {}, [[]], 'x'.repeat(300_000), 2 ** 64]);
      return value;
    case 2:
      value[r.pick(['Unknown', '__proto__', 'constructor', 'x'.repeat(200)])] = r.text(8);
      return value;
    case 3: {
      // Nesting far beyond any operation's shape.
      let deep: unknown = 1;
      for (let i = r.int(50, 20_000); i > 0; i--) deep = r.chance(0.5) ? [deep] : { a: deep };
      if (keys.length > 0) value[r.pick(keys)] = deep;
      else return deep;
      return value;
    }
    case 4:
      return r.pick<unknown>([null, [], 'text', 42, true, [value]]);
    case 5: {
      // A wide value: many members or entries.
      const wide: Record<string, number> = {};
      for (let i = r.int(1_000, 50_000); i > 0; i--) wide[`k${i}`] = i;
      if (keys.length > 0) value[r.pick(keys)] = r.chance(0.5) ? wide : Object.values(wide);
      return value;
    }
    default:
      return value;
  }
}

/** Encodes a value as JSON (blobs as base64) or CBOR (blobs as byte strings). */
export function encodeBody(value: unknown, format: 'json' | 'cbor'): Buffer {
  if (format === 'cbor') return Buffer.from(encodeCbor(value));
  return Buffer.from(JSON.stringify(value, (_k, v: unknown) => (isBufferJson(v) ? Buffer.from(v.data).toString('base64') : v)));
}

function isBufferJson(v: unknown): v is { type: 'Buffer'; data: number[] } {
  return typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data);
}

/** Flips, cuts, repeats or splices the encoded bytes. */
export function mutateBytes(random: SeededRandom, body: Buffer): Buffer {
  const r = random;
  if (body.length === 0) return r.bytes(r.int(1, 64));
  switch (r.int(0, 4)) {
    case 0: {
      const out = Buffer.from(body);
      for (let i = r.int(1, 8); i > 0; i--) out[r.int(0, out.length - 1)] = r.int(0, 255);
      return out;
    }
    case 1:
      return body.subarray(0, r.int(0, body.length - 1));
    case 2: {
      const at = r.int(0, body.length);
      return Buffer.concat([body.subarray(0, at), r.bytes(r.int(1, 32)), body.subarray(at)]);
    }
    case 3:
      return Buffer.concat([body, body]);
    default:
      return Buffer.concat([Buffer.from('['.repeat(r.int(10, 100_000))), body]);
  }
}
