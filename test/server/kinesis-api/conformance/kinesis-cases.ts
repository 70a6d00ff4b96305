// The conformance table: for each Kinesis operation, requests and the answer AWS gives them (status, error
// type and the whole message), as Kinesis has been recorded answering them. Where Kinesis has since moved
// (StreamARN made StreamName optional, retention up to 8760 hours, 50 tags and tag keys per call), the
// current limits are used and the case says so.
import { expect } from 'vitest';
import type { Format } from './conformance-client.js';

/** The stream every case may use: 3 shards and one record on shard 2, nothing else done to it (a case may change nothing). */
export const STREAM = 'conformance';
/** The ARN of STREAM. */
const ARN = `arn:aws:kinesis:us-east-1:000000000000:stream/${STREAM}`;
/** A stream name nobody creates. */
export const MISSING = 'missing-stream';

export interface Expected {
  readonly status: number;
  /** The error type; undefined for an answer that is not an error. */
  readonly type?: string;
  /** The message in full; a RegExp where it holds a time; undefined for none (AWS sends none). */
  readonly message?: string | RegExp;
  /** A success's whole body, decoded ('' for an empty one); asymmetric matchers where it holds ids or times. */
  readonly answer?: unknown;
}

/** What a case's body may depend on: the format, and the record the runner put on the stream's shard 2. */
export interface CaseContext {
  readonly format: Format;
  readonly sequenceNumber: string;
}

export interface Case extends Expected {
  readonly name: string;
  readonly operation: string;
  readonly body: Record<string, unknown> | ((context: CaseContext) => Record<string, unknown>);
}

const A = '000000000000';
const NAME_PATTERN = '[a-zA-Z0-9_.-]+';
const long = (n: number): string => 'a'.repeat(n);
const NAME_129 = long(129);
const hexNumber = (hex: string): string => BigInt(`0x${hex}`).toString();

const validation = (...problems: string[]): Pick<Expected, 'status' | 'type' | 'message'> => ({
  status: 400,
  type: 'ValidationException',
  message: `${problems.length} validation error${problems.length === 1 ? '' : 's'} detected: ${problems.join('; ')}`,
});
const isNull = (member: string): string => `Value null at '${member}' failed to satisfy constraint: Member must not be null`;
const quoted = (value: string, member: string, constraint: string): string => `Value '${value}' at '${member}' failed to satisfy constraint: Member must ${constraint}`;
const pattern = (value: string, member: string, p = NAME_PATTERN): string => quoted(value, member, `satisfy regular expression pattern: ${p}`);
const minLength = (value: string, member: string, n = 1): string => quoted(value, member, `have length greater than or equal to ${n}`);
const maxLength = (value: string, member: string, n: number): string => quoted(value, member, `have length less than or equal to ${n}`);
const minValue = (value: number, member: string, n: number): string => quoted(String(value), member, `have value greater than or equal to ${n}`);
const maxValue = (value: number, member: string, n: number): string => quoted(String(value), member, `have value less than or equal to ${n}`);
const emptyName = (member = 'streamName'): string[] => [pattern('', member), minLength('', member)];

const notFound = (message: string): Expected => ({ status: 400, type: 'ResourceNotFoundException', message });
const invalid = (message: string | RegExp): Expected => ({ status: 400, type: 'InvalidArgumentException', message });
const streamNotFound = (name: string): Expected => notFound(`Stream ${name} under account ${A} not found.`);
const serialization = (message: string): Expected => ({ status: 400, type: 'SerializationException', message });

const NUMBER = 'class com.amazon.coral.value.json.numbers.TruncatingBigNumber';
const LIST = 'Start of list found where not expected';
const STRUCTURE = 'Start of structure or map found where not expected.';

type Kind = 'String' | 'Integer' | 'Boolean' | 'Blob' | 'Timestamp' | 'List' | 'Map' | 'Structure';

/** Values of the wrong type for a member and AWS's words for each. */
const WRONG_TYPES: Record<Kind, readonly [unknown, string][]> = {
  String: [
    [true, 'class java.lang.Boolean can not be converted to an String'],
    [23, `${NUMBER} can not be converted to an String`],
    [-2147483648, `${NUMBER} can not be converted to an String`],
    [2147483648, `${NUMBER} can not be converted to an String`],
    [34.56, `${NUMBER} can not be converted to an String`],
    [[], LIST],
    [{}, STRUCTURE],
  ],
  Boolean: [
    ['23', "'23' can not be converted to an Boolean"],
    [23, `${NUMBER} can not be converted to an Boolean`],
    [2147483648, `${NUMBER} can not be converted to an Boolean`],
    [[], LIST],
    [{}, STRUCTURE],
  ],
  Integer: [
    ['23', 'class java.lang.String can not be converted to an Integer'],
    [true, 'class java.lang.Boolean can not be converted to an Integer'],
    [[], LIST],
    [{}, STRUCTURE],
  ],
  Blob: [
    [true, 'class java.lang.Boolean can not be converted to a Blob'],
    [23, `${NUMBER} can not be converted to a Blob`],
    [34.56, `${NUMBER} can not be converted to a Blob`],
    [[], LIST],
    [{}, STRUCTURE],
    ['23456', "'23456' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 5"],
    ['=+/=', "'=+/=' can not be converted to a Blob: Invalid Base64 character: '='"],
    ['+/+=', "'+/+=' can not be converted to a Blob: Invalid last non-pad Base64 character dectected"],
  ],
  Timestamp: [
    ['23', 'class java.lang.String can not be converted to milliseconds since epoch'],
    [true, 'class java.lang.Boolean can not be converted to milliseconds since epoch'],
    [[], LIST],
    [{}, STRUCTURE],
  ],
  List: [
    ['23', 'Expected list or null'],
    [true, 'Expected list or null'],
    [23, 'Expected list or null'],
    [34.56, 'Expected list or null'],
    [{}, STRUCTURE],
  ],
  Map: [
    ['23', 'Expected map or null'],
    [true, 'Expected map or null'],
    [23, 'Expected map or null'],
    [[], LIST],
  ],
  Structure: [
    ['23', 'Expected null'],
    [true, 'Expected null'],
    [23, 'Expected null'],
    [[], LIST],
  ],
};

/** A body with `value` at a dotted path (`Records.0.Data`: a list at `Records`, an object in it). */
function at(path: string, value: unknown): Record<string, unknown> {
  const pieces = path.split('.');
  const root: Record<string, unknown> = {};
  let node: Record<string, unknown> | unknown[] = root;
  for (let i = 0; i < pieces.length - 1; i++) {
    const child: Record<string, unknown> | unknown[] = pieces[i + 1] === '0' ? [] : {};
    if (Array.isArray(node)) node[0] = child;
    else node[pieces[i]!] = child;
    node = child;
  }
  const last = pieces[pieces.length - 1]!;
  if (Array.isArray(node)) node[0] = value;
  else node[last] = value;
  return root;
}

function typeCases(operation: string, members: readonly [string, Kind][]): Case[] {
  return members.flatMap(([path, kind]) =>
    WRONG_TYPES[kind].map(([value, message]) => ({
      name: `${path} given ${JSON.stringify(value)} is not ${kind === 'Integer' ? 'an' : 'a'} ${kind}`,
      operation,
      body: at(path, value),
      ...serialization(message),
    })),
  );
}

/** The three cases every operation naming a stream by StreamName has. */
function streamNameCases(operation: string, extra: Record<string, unknown> = {}, others: { none?: string[]; empty?: Record<string, unknown>; emptyProblems?: [string[], string[]] } = {}): Case[] {
  return [
    {
      name: 'a request naming no stream lists streamName as null',
      operation,
      body: {},
      ...validation(...(others.none ?? [isNull('streamName')])),
    },
    {
      name: 'an empty stream name breaks both its pattern and its length',
      operation,
      body: { StreamName: '', ...(others.empty ?? {}) },
      ...validation(...(others.emptyProblems?.[0] ?? []), ...emptyName(), ...(others.emptyProblems?.[1] ?? [])),
    },
    {
      name: 'a stream name of 129 characters is too long',
      operation,
      body: { StreamName: NAME_129, ...extra },
      ...validation(maxLength(NAME_129, 'streamName', 128)),
    },
  ];
}

/** 21 tags in the order Kinesis was recorded quoting them: Java HashMap buckets, then as put. */
const RECORDED_TAG_ORDER = 'tag1 tag20 tag8 tag10 tag21 tag9 tag11 tag6 tag12 tag7 tag13 tag4 tag14 tag5 tag15 tag2 tag16 tag3 tag17 tag18 tag19'.split(' ');

const INVALID_TAGS = 'Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.';
const illegalTags = (doing: string): string =>
  `Failed to ${doing} stream ${STREAM} under account ${A} because some tags contained illegal characters. The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@'.`;

const EITHER_OR = 'Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber.';
const ITERATOR_TYPES = '[AFTER_SEQUENCE_NUMBER, LATEST, AT_TIMESTAMP, AT_SEQUENCE_NUMBER, TRIM_HORIZON]';
const SEQUENCE_PATTERN = '0|([1-9]\\d{0,128})';
const HASH_PATTERN = '0|([1-9]\\d{0,38})';
const ENTRY = 'com.amazonaws.kinesis.v20131202.PutRecordsRequestEntry@c965e310';
const TWO_128 = (1n << 128n).toString();
const DATA_1MIB_PLUS_1 = Buffer.alloc(1048577, 7).toString('base64');

const badOrdering = (seq: string): Case['body'] => ({ StreamName: STREAM, PartitionKey: 'a', Data: '', SequenceNumberForOrdering: seq });
const exclusiveMinimum = (seq: string): Expected => invalid(`ExclusiveMinimumSequenceNumber ${seq} used in PutRecord on stream ${STREAM} under account ${A} is invalid.`);

export const kinesisCases: readonly Case[] = [
  // ---- AddTagsToStream ----------------------------------------------------------------------------
  ...typeCases('AddTagsToStream', [['Tags', 'Map'], ['Tags.a', 'String'], ['StreamName', 'String']]),
  // Current Kinesis's model sets no least number of tags (the recordings predate it, with at least 1).
  ...streamNameCases('AddTagsToStream', { Tags: { 'a;b': 'b' } }, { none: [isNull('tags'), isNull('streamName')], empty: { Tags: {} } }),
  {
    name: 'a tag key of 129 characters breaks the map keys’ constraint, quoting the map',
    operation: 'AddTagsToStream',
    body: { StreamName: STREAM, Tags: { a: '1', b: '2', [NAME_129]: '3' } },
    ...validation(`Value '{a=1, b=2, ${NAME_129}=3}' at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]`),
  },
  {
    name: 'a tag value of 257 characters breaks the map values’ constraint',
    operation: 'AddTagsToStream',
    body: { StreamName: STREAM, Tags: { a: '1', b: '2', c: long(257) } },
    ...validation(`Value '{a=1, b=2, c=${long(257)}}' at 'tags' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 256, Member must have length greater than or equal to 0]`),
  },
  {
    // As Kinesis was recorded quoting these 21 tags (put in this order): in the order of a Java HashMap.
    name: 'tags are quoted in the order of a Java HashMap',
    operation: 'AddTagsToStream',
    body: { StreamName: MISSING, Tags: Object.fromEntries(RECORDED_TAG_ORDER.map((k) => [k, k === 'tag19' ? long(257) : `${k}value`])) },
    ...validation(
      `Value '{${RECORDED_TAG_ORDER.map((k) => `${k}=${k === 'tag19' ? long(257) : `${k}value`}`).join(', ')}}' at 'tags' failed to satisfy constraint: ` +
        'Map value must satisfy constraint: [Member must have length less than or equal to 256, Member must have length greater than or equal to 0]',
    ),
  },
  {
    // Current Kinesis's model takes 200 tags per call (the recordings predate it, with 10).
    name: '201 tags in one call are more than the model takes',
    operation: 'AddTagsToStream',
    body: { StreamName: MISSING, Tags: Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`k${i}`, String(i)])) },
    status: 400,
    type: 'ValidationException',
    message: /^1 validation error detected: Value '\{(k\d{1,3}=\d{1,3}, ){200}k\d{1,3}=\d{1,3}\}' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 200$/,
  },
  { name: 'an unknown stream is not found', operation: 'AddTagsToStream', body: { StreamName: MISSING, Tags: { a: 'b' } }, ...streamNotFound(MISSING) },
  ...['abc;def', 'abc\tdef', 'abc\ndef', 'abc,def'].flatMap((text): Case[] => [
    { name: `a tag key ${JSON.stringify(text)} has invalid characters`, operation: 'AddTagsToStream', body: { StreamName: STREAM, Tags: { [text]: '1' } }, ...invalid(INVALID_TAGS) },
    { name: `a tag value ${JSON.stringify(text)} has invalid characters`, operation: 'AddTagsToStream', body: { StreamName: STREAM, Tags: { a: text } }, ...invalid(INVALID_TAGS) },
  ]),
  { name: 'a % in a tag key is refused with its own message', operation: 'AddTagsToStream', body: { StreamName: STREAM, Tags: { 'abc%def': '1' } }, ...invalid(illegalTags('add tags to')) },
  { name: 'a % in a tag value is refused with its own message', operation: 'AddTagsToStream', body: { StreamName: STREAM, Tags: { a: 'abc%def' } }, ...invalid(illegalTags('add tags to')) },

  // ---- CreateStream --------------------------------------------------------------------------------
  ...typeCases('CreateStream', [['StreamName', 'String'], ['ShardCount', 'Integer'], ['StreamModeDetails', 'Structure'], ['Tags', 'Map']]),
  // Current Kinesis: ShardCount is optional (an ON_DEMAND stream needs none) and has no maximum of its own.
  ...streamNameCases('CreateStream', { ShardCount: 100000000000 }, { empty: { ShardCount: 0 }, emptyProblems: [[minValue(0, 'shardCount', 1)], []] }),
  {
    name: 'a stream mode outside the enum is listed with its path',
    operation: 'CreateStream',
    body: { StreamName: 'x', StreamModeDetails: { StreamMode: 'FAST' } },
    ...validation(quoted('FAST', 'streamModeDetails.streamMode', 'satisfy enum value set: [PROVISIONED, ON_DEMAND]')),
  },
  { name: 'an existing stream is in use', operation: 'CreateStream', body: { StreamName: STREAM, ShardCount: 1 }, status: 400, type: 'ResourceInUseException', message: `Stream ${STREAM} under account ${A} already exists.` },
  {
    name: 'more shards than the account may have exceed the shard limit',
    operation: 'CreateStream',
    body: { StreamName: 'too-big', ShardCount: 1000 },
    status: 400,
    type: 'LimitExceededException',
    message: new RegExp(
      `^This request would exceed the shard limit for the account ${A} in us-east-1\\. Current shard count for the account: \\d+\\. Limit: 500\\. ` +
        'Number of additional shards that would have resulted from this request: 1000\\. Refer to the AWS Service Limits page ' +
        '\\(http://docs\\.aws\\.amazon\\.com/general/latest/gr/aws_service_limits\\.html\\) for current limits and how to request higher limits\\.$',
    ),
  },

  {
    // Kinesis's words name 10 tags, its limit when they were recorded; streams have held 50 since.
    name: 'more than 50 tags are more than a stream may have',
    operation: 'CreateStream',
    body: { StreamName: 'tagged', ShardCount: 1, Tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) },
    ...invalid(`Failed to add tags to stream tagged under account ${A} because a given stream cannot have more than 10 tags associated with it.`),
  },
  {
    // Kinesis takes ':' in tags (as in team:owner), though its messages leave it out; here the shard limit is what stops the call.
    name: 'a colon in a tag is no invalid character',
    operation: 'CreateStream',
    body: { StreamName: 'colon-tags', ShardCount: 1000, Tags: { 'team:owner': 'a:b' } },
    status: 400,
    type: 'LimitExceededException',
    message: /^This request would exceed the shard limit for the account /,
  },

  // ---- DecreaseStreamRetentionPeriod / IncreaseStreamRetentionPeriod ---------------------------------
  ...(['DecreaseStreamRetentionPeriod', 'IncreaseStreamRetentionPeriod'] as const).flatMap((operation): Case[] => [
    ...typeCases(operation, [['StreamName', 'String'], ['RetentionPeriodHours', 'Integer']]),
    ...streamNameCases(operation, { RetentionPeriodHours: 24 }, {
      none: [isNull('retentionPeriodHours'), isNull('streamName')],
      empty: { RetentionPeriodHours: -1 },
      emptyProblems: [[minValue(-1, 'retentionPeriodHours', 1)], []],
    }),
    // Current Kinesis keeps records up to 365 days (the recordings predate it, with 168 hours).
    { name: 'more than 8760 hours is above the maximum', operation, body: { StreamName: 'a', RetentionPeriodHours: 8761 }, ...validation(maxValue(8761, 'retentionPeriodHours', 8760)) },
    { name: 'fewer than 24 hours is refused once the stream is found', operation, body: { StreamName: STREAM, RetentionPeriodHours: 23 }, ...invalid('Minimum allowed retention period is 24 hours. Requested retention period (23 hours) is too short.') },
    { name: 'an unknown stream is not found', operation, body: { StreamName: MISSING, RetentionPeriodHours: 25 }, ...streamNotFound(MISSING) },
  ]),
  {
    name: 'a longer period is not a decrease',
    operation: 'DecreaseStreamRetentionPeriod',
    body: { StreamName: STREAM, RetentionPeriodHours: 25 },
    ...invalid(`Requested retention period (25 hours) for stream ${STREAM} can not be longer than existing retention period (24 hours). Use IncreaseRetentionPeriod API.`),
  },

  // ---- DeleteStream -----------------------------------------------------------------------------------
  ...typeCases('DeleteStream', [['StreamName', 'String'], ['EnforceConsumerDeletion', 'Boolean']]),
  ...streamNameCases('DeleteStream'),
  { name: 'an unknown stream is not found', operation: 'DeleteStream', body: { StreamName: MISSING }, ...streamNotFound(MISSING) },

  // ---- DescribeStream -------------------------------------------------------------------------------
  ...typeCases('DescribeStream', [['StreamName', 'String'], ['Limit', 'Integer'], ['ExclusiveStartShardId', 'String']]),
  ...streamNameCases('DescribeStream', { Limit: 100000, ExclusiveStartShardId: NAME_129 }, { empty: { Limit: 0, ExclusiveStartShardId: '' }, emptyProblems: [[minValue(0, 'limit', 1), ...emptyName('exclusiveStartShardId')], []] }).map((c) =>
    c.name.includes('129') ? { ...c, ...validation(maxValue(100000, 'limit', 10000), maxLength(NAME_129, 'exclusiveStartShardId', 128), maxLength(NAME_129, 'streamName', 128)) } : c,
  ),
  { name: 'an unknown stream is not found', operation: 'DescribeStream', body: { StreamName: MISSING }, ...streamNotFound(MISSING) },

  // ---- DescribeStreamSummary ------------------------------------------------------------------------------
  ...typeCases('DescribeStreamSummary', [['StreamName', 'String']]),
  ...streamNameCases('DescribeStreamSummary'),
  { name: 'an unknown stream is not found', operation: 'DescribeStreamSummary', body: { StreamName: MISSING }, ...streamNotFound(MISSING) },

  // ---- GetRecords -------------------------------------------------------------------------------------
  ...typeCases('GetRecords', [['Limit', 'Integer'], ['ShardIterator', 'String']]),
  { name: 'a request without an iterator lists it as null', operation: 'GetRecords', body: {}, ...validation(isNull('shardIterator')) },
  { name: 'an empty iterator and a zero limit break their bounds', operation: 'GetRecords', body: { ShardIterator: '', Limit: 0 }, ...validation(minValue(0, 'limit', 1), minLength('', 'shardIterator')) },
  {
    name: 'an iterator of 513 characters and a limit above 10000 break their bounds',
    operation: 'GetRecords',
    body: { ShardIterator: long(513), Limit: 100000 },
    ...validation(maxValue(100000, 'limit', 10000), maxLength(long(513), 'shardIterator', 512)),
  },
  { name: 'an iterator this server did not issue is invalid', operation: 'GetRecords', body: { ShardIterator: 'not-an-iterator' }, ...invalid('Invalid ShardIterator.') },

  // ---- GetShardIterator ---------------------------------------------------------------------------------
  ...typeCases('GetShardIterator', [['ShardId', 'String'], ['ShardIteratorType', 'String'], ['StartingSequenceNumber', 'String'], ['StreamName', 'String'], ['Timestamp', 'Timestamp']]),
  { name: 'a request naming nothing lists shardId, shardIteratorType and streamName as null', operation: 'GetShardIterator', body: {}, ...validation(isNull('shardId'), isNull('shardIteratorType'), isNull('streamName')) },
  {
    name: 'empty values break every constraint, in AWS’s order',
    operation: 'GetShardIterator',
    body: { StreamName: '', ShardIteratorType: '', ShardId: '', StartingSequenceNumber: '' },
    ...validation(
      ...emptyName('shardId'),
      quoted('', 'shardIteratorType', `satisfy enum value set: ${ITERATOR_TYPES}`),
      pattern('', 'startingSequenceNumber', SEQUENCE_PATTERN),
      ...emptyName(),
    ),
  },
  {
    name: 'a stream name and shard id of 129 characters are too long',
    operation: 'GetShardIterator',
    body: { StreamName: NAME_129, ShardId: NAME_129, ShardIteratorType: 'LATEST' },
    ...validation(maxLength(NAME_129, 'shardId', 128), maxLength(NAME_129, 'streamName', 128)),
  },
  ...['2147483647', 'x-2147483647', 'a-00002147483647', '-00002147483647'].map((shardId): Case => ({
    name: `shard id ${shardId} of an unknown stream names shard 2147483647, which does not exist`,
    operation: 'GetShardIterator',
    body: { StreamName: MISSING, ShardId: shardId, ShardIteratorType: 'LATEST' },
    ...notFound(`Shard shardId-002147483647 in stream ${MISSING} under account ${A} does not exist`),
  })),
  ...['2147483648', 'shardId-002147483648', 'ABKLFD8', '2.14E4'].map((shardId): Case => ({
    name: `shard id ${shardId} names no shard Kinesis could have`,
    operation: 'GetShardIterator',
    body: { StreamName: MISSING, ShardId: shardId, ShardIteratorType: 'LATEST' },
    ...notFound(`Could not find shard ${shardId} in stream ${MISSING} under account ${A}.`),
  })),
  {
    name: 'shardId-5 of a three-shard stream does not exist',
    operation: 'GetShardIterator',
    body: { StreamName: STREAM, ShardId: 'shardId-5', ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: '5' },
    ...notFound(`Shard shardId-000000000005 in stream ${STREAM} under account ${A} does not exist`),
  },
  ...(['AT_SEQUENCE_NUMBER', 'AFTER_SEQUENCE_NUMBER'] as const).map((type): Case => ({
    name: `${type} without a sequence number is refused`,
    operation: 'GetShardIterator',
    body: { StreamName: STREAM, ShardId: 'shardId-0', ShardIteratorType: type },
    ...invalid(`${EITHER_OR} Request specified ${type} and no StartingSequenceNumber.`),
  })),
  ...(['LATEST', 'TRIM_HORIZON'] as const).map((type): Case => ({
    name: `${type} with a sequence number is refused`,
    operation: 'GetShardIterator',
    body: { StreamName: STREAM, ShardId: 'shardId-0', ShardIteratorType: type, StartingSequenceNumber: '5' },
    ...invalid(`${EITHER_OR} Request specified ${type} and also a StartingSequenceNumber.`),
  })),
  {
    name: 'a small sequence number encodes the shard in its last digits',
    operation: 'GetShardIterator',
    body: { StreamName: STREAM, ShardId: 'shardId-0', ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: '5' },
    ...invalid('Invalid StartingSequenceNumber. It encodes shardId-000000000005, while it was used in a call to a shard with shardId-000000000000'),
  },
  {
    name: 'sequence number 0, of Kinesis’s oldest layout, is a bare InternalFailure',
    operation: 'GetShardIterator',
    body: { StreamName: STREAM, ShardId: 'shardId-0', ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: '0' },
    status: 500,
    type: 'InternalFailure',
  },
  ...[hexNumber('13bb2cc3d80000000000000000000000'), hexNumber('20000000000800000000000000000000000000000000002')].map((seq): Case => ({
    name: `malformed sequence number ${seq.slice(0, 12)}… is invalid`,
    operation: 'GetShardIterator',
    body: { StreamName: STREAM, ShardId: 'shardId-0', ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: seq },
    ...invalid(`StartingSequenceNumber ${seq} used in GetShardIterator on shard shardId-000000000000 in stream ${STREAM} under account ${A} is invalid.`),
  })),
  {
    name: 'a sequence number whose shard index has its top bit set encodes a negative shard',
    operation: 'GetShardIterator',
    body: { StreamName: STREAM, ShardId: 'shardId-0', ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: hexNumber('20000000000000000000000000000000000000800000002') },
    ...invalid('Invalid StartingSequenceNumber. It encodes shardId--02147483648, while it was used in a call to a shard with shardId-000000000000'),
  },
  {
    name: 'a sequence number of another stream (another creation time) did not come from this stream',
    operation: 'GetShardIterator',
    body: { StreamName: STREAM, ShardId: 'shardId-0', ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: hexNumber('20000000000000000000000000000000000000000000002') },
    ...invalid(`StartingSequenceNumber ${hexNumber('20000000000000000000000000000000000000000000002')} used in GetShardIterator on shard shardId-000000000000 in stream ${STREAM} under account ${A} is invalid because it did not come from this stream.`),
  },
  // Kinesis reads a shard id as the digits after its first '-', or as digits alone.
  ...['shardId-000000000002', 'shardId-2', 'shard-2', 'x-2', '2', '-2', '00000002'].map((shardId): Case => ({
    name: `shard id ${shardId} names shard 2, where the record's sequence number is`,
    operation: 'GetShardIterator',
    body: ({ sequenceNumber }) => ({ StreamName: STREAM, ShardId: shardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: sequenceNumber }),
    status: 200,
    answer: { ShardIterator: expect.any(String) },
  })),
  ...['shard-1', '1'].map((shardId): Case => ({
    name: `shard id ${shardId} names shard 1, where the record's sequence number is not`,
    operation: 'GetShardIterator',
    body: ({ sequenceNumber }) => ({ StreamName: STREAM, ShardId: shardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: sequenceNumber }),
    ...invalid('Invalid StartingSequenceNumber. It encodes shardId-000000000002, while it was used in a call to a shard with shardId-000000000001'),
  })),
  {
    name: 'AT_TIMESTAMP without a timestamp is refused',
    operation: 'GetShardIterator',
    body: { StreamName: STREAM, ShardId: 'shardId-0', ShardIteratorType: 'AT_TIMESTAMP' },
    ...invalid('Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.'),
  },
  {
    name: 'a timestamp in the future is refused',
    operation: 'GetShardIterator',
    // JSON carries epoch seconds, CBOR epoch milliseconds; both mean 2100-01-01.
    body: ({ format }) => ({ StreamName: STREAM, ShardId: 'shardId-0', ShardIteratorType: 'AT_TIMESTAMP', Timestamp: format === 'json' ? 4102444800 : 4102444800000 }),
    ...invalid(/^The timestampInMillis parameter cannot be greater than the currentTimestampInMillis\. timestampInMillis: 4102444800000, currentTimestampInMillis: \d+$/),
  },

  // ---- ListShards --------------------------------------------------------------------------------------
  ...typeCases('ListShards', [['StreamName', 'String'], ['MaxResults', 'Integer'], ['ExclusiveStartShardId', 'String'], ['NextToken', 'String'], ['StreamCreationTimestamp', 'Timestamp']]),
  { name: 'neither a stream nor a page token is an invalid argument', operation: 'ListShards', body: {}, ...invalid('Either NextToken or StreamName should be provided.') },
  {
    name: 'empty values break every constraint',
    operation: 'ListShards',
    body: { StreamName: '', NextToken: '', MaxResults: 0, ExclusiveStartShardId: '' },
    ...validation(...emptyName('exclusiveStartShardId'), minValue(0, 'maxResults', 1), minLength('', 'nextToken'), ...emptyName()),
  },
  {
    name: 'long names and a large page break their bounds',
    operation: 'ListShards',
    body: { StreamName: NAME_129, MaxResults: 100000, ExclusiveStartShardId: NAME_129 },
    ...validation(maxLength(NAME_129, 'exclusiveStartShardId', 128), maxValue(100000, 'maxResults', 10000), maxLength(NAME_129, 'streamName', 128)),
  },
  { name: 'a stream name with a page token is refused', operation: 'ListShards', body: { StreamName: MISSING, NextToken: MISSING }, ...invalid('NextToken and StreamName cannot be provided together.') },
  { name: 'an unknown stream is not found', operation: 'ListShards', body: { StreamName: MISSING }, ...streamNotFound(MISSING) },

  // ---- ListStreams --------------------------------------------------------------------------------------
  ...typeCases('ListStreams', [['Limit', 'Integer'], ['ExclusiveStartStreamName', 'String']]),
  {
    name: 'an empty start name and a zero limit break their bounds',
    operation: 'ListStreams',
    body: { ExclusiveStartStreamName: '', Limit: 0 },
    ...validation(minValue(0, 'limit', 1), ...emptyName('exclusiveStartStreamName')),
  },
  {
    name: 'a long start name and a large limit break their bounds',
    operation: 'ListStreams',
    body: { ExclusiveStartStreamName: NAME_129, Limit: 1000000 },
    ...validation(maxValue(1000000, 'limit', 10000), maxLength(NAME_129, 'exclusiveStartStreamName', 128)),
  },

  // ---- ListTagsForStream ---------------------------------------------------------------------------------
  ...typeCases('ListTagsForStream', [['Limit', 'Integer'], ['ExclusiveStartTagKey', 'String'], ['StreamName', 'String']]),
  ...streamNameCases('ListTagsForStream', { ExclusiveStartTagKey: NAME_129, Limit: 100 }, { empty: { ExclusiveStartTagKey: '', Limit: 0 }, emptyProblems: [[minValue(0, 'limit', 1), minLength('', 'exclusiveStartTagKey')], []] }).map((c) =>
    // Current Kinesis lists up to 50 tags per call (the recordings predate it, with 10).
    c.name.includes('129') ? { ...c, ...validation(maxValue(100, 'limit', 50), maxLength(NAME_129, 'exclusiveStartTagKey', 128), maxLength(NAME_129, 'streamName', 128)) } : c,
  ),
  { name: 'an unknown stream is not found', operation: 'ListTagsForStream', body: { StreamName: MISSING, ExclusiveStartTagKey: 'a', Limit: 1 }, ...streamNotFound(MISSING) },

  // ---- MergeShards -------------------------------------------------------------------------------------
  ...typeCases('MergeShards', [['AdjacentShardToMerge', 'String'], ['ShardToMerge', 'String'], ['StreamName', 'String']]),
  { name: 'a request naming nothing lists the shards and the stream as null', operation: 'MergeShards', body: {}, ...validation(isNull('shardToMerge'), isNull('adjacentShardToMerge'), isNull('streamName')) },
  {
    name: 'empty values break every constraint',
    operation: 'MergeShards',
    body: { StreamName: '', ShardToMerge: '', AdjacentShardToMerge: '' },
    ...validation(...emptyName('shardToMerge'), ...emptyName('adjacentShardToMerge'), ...emptyName()),
  },
  {
    name: 'names of 129 characters are too long',
    operation: 'MergeShards',
    body: { StreamName: NAME_129, ShardToMerge: NAME_129, AdjacentShardToMerge: NAME_129 },
    ...validation(maxLength(NAME_129, 'shardToMerge', 128), maxLength(NAME_129, 'adjacentShardToMerge', 128), maxLength(NAME_129, 'streamName', 128)),
  },
  { name: 'an unknown stream with well-formed shard ids is not found', operation: 'MergeShards', body: { StreamName: MISSING, ShardToMerge: '2147483647', AdjacentShardToMerge: 'x-0' }, ...streamNotFound(MISSING) },
  ...[
    ['ShardToMerge', '2147483648'],
    ['ShardToMerge', 'ABKLFD8'],
    ['AdjacentShardToMerge', 'shardId-002147483648'],
    ['AdjacentShardToMerge', '2.14E4'],
  ].map(([member, shardId]): Case => ({
    name: `${member} ${shardId} names no shard Kinesis could have, before the stream is looked up`,
    operation: 'MergeShards',
    body: { StreamName: MISSING, ShardToMerge: 'x-0', AdjacentShardToMerge: 'x-1', [member!]: shardId },
    ...notFound(`Could not find shard ${shardId} in stream ${MISSING} under account ${A}.`),
  })),
  {
    name: 'a shard the stream does not have is not found',
    operation: 'MergeShards',
    body: { StreamName: STREAM, ShardToMerge: 'shardId-5', AdjacentShardToMerge: 'x-0' },
    ...notFound(`Could not find shard shardId-000000000005 in stream ${STREAM} under account ${A}.`),
  },
  {
    name: 'shards that are not neighbours are not an adjacent pair',
    operation: 'MergeShards',
    body: { StreamName: STREAM, ShardToMerge: 'x-0', AdjacentShardToMerge: 'x-2' },
    ...invalid(`Shards shardId-000000000000 and shardId-000000000002 in stream ${STREAM} under account ${A} are not an adjacent pair of shards eligible for merging`),
  },
  {
    name: 'neighbours given in the wrong order are not an adjacent pair either',
    operation: 'MergeShards',
    body: { StreamName: STREAM, ShardToMerge: 'x-1', AdjacentShardToMerge: 'x-0' },
    ...invalid(`Shards shardId-000000000001 and shardId-000000000000 in stream ${STREAM} under account ${A} are not an adjacent pair of shards eligible for merging`),
  },

  // ---- PutRecord ----------------------------------------------------------------------------------------
  ...typeCases('PutRecord', [['Data', 'Blob'], ['ExplicitHashKey', 'String'], ['PartitionKey', 'String'], ['SequenceNumberForOrdering', 'String'], ['StreamName', 'String']]),
  // Kinesis reads the body in order: the first member that cannot be converted is the one reported,
  // before any constraint is checked; members it does not know are passed over.
  {
    name: 'of two members of the wrong type, the first in the body is reported',
    operation: 'PutRecord',
    body: { Unknown: [1], PartitionKey: 23, StreamName: true },
    ...serialization(`${NUMBER} can not be converted to an String`),
  },
  {
    name: 'of the same two members given the other way round, the first in the body is reported',
    operation: 'PutRecord',
    body: { StreamName: true, PartitionKey: 23 },
    ...serialization('class java.lang.Boolean can not be converted to an String'),
  },
  { name: 'a member of the wrong type is reported before broken constraints', operation: 'PutRecord', body: { StreamName: '', Data: '', PartitionKey: [] }, ...serialization(LIST) },
  { name: 'a request with nothing lists the partition key, data and stream as null', operation: 'PutRecord', body: {}, ...validation(isNull('partitionKey'), isNull('data'), isNull('streamName')) },
  {
    name: 'empty values break every constraint',
    operation: 'PutRecord',
    body: { StreamName: '', PartitionKey: '', Data: '', ExplicitHashKey: '', SequenceNumberForOrdering: '' },
    ...validation(pattern('', 'sequenceNumberForOrdering', SEQUENCE_PATTERN), minLength('', 'partitionKey'), pattern('', 'explicitHashKey', HASH_PATTERN), ...emptyName()),
  },
  {
    name: 'a long name, long key and record over 1 MiB break their bounds, the data quoted as Java prints a buffer',
    operation: 'PutRecord',
    body: { StreamName: NAME_129, PartitionKey: long(257), Data: DATA_1MIB_PLUS_1, ExplicitHashKey: '' },
    ...validation(
      maxLength(long(257), 'partitionKey', 256),
      pattern('', 'explicitHashKey', HASH_PATTERN),
      maxLength('java.nio.HeapByteBuffer[pos=0 lim=1048577 cap=1048577]', 'data', 1048576),
      maxLength(NAME_129, 'streamName', 128),
    ),
  },
  { name: 'an unknown stream is not found', operation: 'PutRecord', body: { StreamName: MISSING, PartitionKey: 'k', Data: '' }, ...streamNotFound(MISSING) },
  {
    name: 'an explicit hash key of 2^128 is out of range',
    operation: 'PutRecord',
    body: { StreamName: STREAM, PartitionKey: 'a', Data: '', ExplicitHashKey: TWO_128 },
    ...invalid(`Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${TWO_128}`),
  },
  ...[
    ['version 0', '20000000000000000000000000000000000000000000000'],
    ['version 4', '20000000000000000000000000000000000000000000004'],
    ['version 3', '20000000000000000000000000000000000000000000003'],
    ['an initial 3', '30000000000000000000000000000000000000000000001'],
    ['an initial 1', '1ffffffffff7fffffffffffffff000000000007fffffff2'],
    ['an 8 in its index', '20000000000800000000000000000000000000000000002'],
    ['a date too large', '13bb2cc3d80000000000000000000000'],
    ['every field at its maximum', '2ffffffffff7fffffffffffffff000000000007fffffff2'],
  ].map(([what, hex]): Case => ({
    name: `a SequenceNumberForOrdering of ${what} is invalid`,
    operation: 'PutRecord',
    body: badOrdering(hexNumber(hex!)),
    ...exclusiveMinimum(hexNumber(hex!)),
  })),

  // ---- PutRecords -------------------------------------------------------------------------------------------
  ...typeCases('PutRecords', [
    ['Records', 'List'],
    ['Records.0', 'Structure'],
    ['Records.0.Data', 'Blob'],
    ['Records.0.ExplicitHashKey', 'String'],
    ['Records.0.PartitionKey', 'String'],
    ['StreamName', 'String'],
  ]),
  ...streamNameCases('PutRecords', { Records: [{ PartitionKey: 'a', Data: '' }] }, { none: [isNull('records'), isNull('streamName')], empty: { Records: [] }, emptyProblems: [[quoted('[]', 'records', 'have length greater than or equal to 1')], []] }),
  {
    name: 'an empty partition key and hash key are reported by their place in the list',
    operation: 'PutRecords',
    body: { StreamName: '', Records: [{ PartitionKey: '', Data: '', ExplicitHashKey: '' }] },
    ...validation(minLength('', 'records.1.member.partitionKey'), pattern('', 'records.1.member.explicitHashKey', HASH_PATTERN), ...emptyName()),
  },
  {
    name: 'a long key and a record over 1 MiB are reported by their place in the list',
    operation: 'PutRecords',
    body: { StreamName: NAME_129, Records: [{ PartitionKey: long(257), Data: DATA_1MIB_PLUS_1, ExplicitHashKey: '' }] },
    ...validation(
      maxLength(long(257), 'records.1.member.partitionKey', 256),
      pattern('', 'records.1.member.explicitHashKey', HASH_PATTERN),
      maxLength('java.nio.HeapByteBuffer[pos=0 lim=1048577 cap=1048577]', 'records.1.member.data', 1048576),
      maxLength(NAME_129, 'streamName', 128),
    ),
  },
  {
    name: '501 records are too many, and only the first 10 problems are listed',
    operation: 'PutRecords',
    body: { StreamName: '', Records: Array.from({ length: 501 }, () => ({ PartitionKey: '', Data: '' })) },
    ...validation(
      maxLength(`[${Array.from({ length: 501 }, () => ENTRY).join(', ')}]`, 'records', 500),
      ...Array.from({ length: 9 }, (_, i) => minLength('', `records.${i + 1}.member.partitionKey`)),
    ),
  },
  { name: 'an unknown stream is not found', operation: 'PutRecords', body: { StreamName: MISSING, Records: [{ PartitionKey: 'a', Data: '' }] }, ...streamNotFound(MISSING) },
  {
    name: 'an explicit hash key of 2^128 is out of range',
    operation: 'PutRecords',
    body: { StreamName: STREAM, Records: [{ PartitionKey: 'a', Data: '', ExplicitHashKey: TWO_128 }, { PartitionKey: 'a', Data: '' }] },
    ...invalid(`Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${TWO_128}`),
  },

  // ---- RemoveTagsFromStream ---------------------------------------------------------------------------------
  ...typeCases('RemoveTagsFromStream', [['TagKeys', 'List'], ['TagKeys.0', 'String'], ['StreamName', 'String']]),
  ...streamNameCases('RemoveTagsFromStream', { TagKeys: ['a'] }, { none: [isNull('tagKeys'), isNull('streamName')], empty: { TagKeys: [] }, emptyProblems: [[quoted('[]', 'tagKeys', 'have length greater than or equal to 1')], []] }),
  {
    name: 'a tag key of 129 characters breaks the members’ constraint, quoting the list',
    operation: 'RemoveTagsFromStream',
    body: { StreamName: MISSING, TagKeys: ['a', NAME_129, 'b'] },
    ...validation(`Value '[a, ${NAME_129}, b]' at 'tagKeys' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]`),
  },
  {
    // Current Kinesis takes 50 keys per call (the recordings predate it, with 10).
    name: '51 tag keys are more than one call takes',
    operation: 'RemoveTagsFromStream',
    body: { StreamName: MISSING, TagKeys: Array.from({ length: 51 }, (_, i) => String(i + 1)) },
    ...validation(maxLength(`[${Array.from({ length: 51 }, (_, i) => i + 1).join(', ')}]`, 'tagKeys', 50)),
  },
  { name: 'an unknown stream is not found before its tag keys are read', operation: 'RemoveTagsFromStream', body: { StreamName: MISSING, TagKeys: [';'] }, ...streamNotFound(MISSING) },
  ...['abc;def', 'abc\tdef', 'abc\ndef', 'abc,def'].map((key): Case => ({
    name: `a tag key ${JSON.stringify(key)} has invalid characters`,
    operation: 'RemoveTagsFromStream',
    body: { StreamName: STREAM, TagKeys: [key] },
    ...invalid(INVALID_TAGS),
  })),
  { name: 'a % in a tag key is refused with its own message', operation: 'RemoveTagsFromStream', body: { StreamName: STREAM, TagKeys: ['abc%def'] }, ...invalid(illegalTags('remove tags from')) },

  // ---- SplitShard ------------------------------------------------------------------------------------------
  ...typeCases('SplitShard', [['NewStartingHashKey', 'String'], ['ShardToSplit', 'String'], ['StreamName', 'String']]),
  { name: 'a request naming nothing lists the hash key, stream and shard as null', operation: 'SplitShard', body: {}, ...validation(isNull('newStartingHashKey'), isNull('streamName'), isNull('shardToSplit')) },
  {
    name: 'empty values break every constraint',
    operation: 'SplitShard',
    body: { StreamName: '', ShardToSplit: '', NewStartingHashKey: '' },
    ...validation(pattern('', 'newStartingHashKey', HASH_PATTERN), ...emptyName(), ...emptyName('shardToSplit')),
  },
  {
    name: 'long names and a hash key that is not a number break their constraints',
    operation: 'SplitShard',
    body: { StreamName: NAME_129, ShardToSplit: NAME_129, NewStartingHashKey: 'a' },
    ...validation(pattern('a', 'newStartingHashKey', HASH_PATTERN), maxLength(NAME_129, 'streamName', 128), maxLength(NAME_129, 'shardToSplit', 128)),
  },
  ...['2147483647', 'x-2147483647', 'a-00002147483647', '-00002147483647'].map((shardId): Case => ({
    name: `shard id ${shardId} of an unknown stream leaves the stream not found`,
    operation: 'SplitShard',
    body: { StreamName: MISSING, ShardToSplit: shardId, NewStartingHashKey: '0' },
    ...streamNotFound(MISSING),
  })),
  ...['2147483648', 'shardId-002147483648', 'ABKLFD8', '2.14E4'].map((shardId): Case => ({
    name: `shard id ${shardId} names no shard Kinesis could have, before the stream is looked up`,
    operation: 'SplitShard',
    body: { StreamName: MISSING, ShardToSplit: shardId, NewStartingHashKey: '0' },
    ...notFound(`Could not find shard ${shardId} in stream ${MISSING} under account ${A}.`),
  })),
  {
    name: 'a shard the stream does not have is not found',
    operation: 'SplitShard',
    body: { StreamName: STREAM, ShardToSplit: 'shardId-5', NewStartingHashKey: '0' },
    ...notFound(`Could not find shard shardId-000000000005 in stream ${STREAM} under account ${A}.`),
  },
  ...[
    ['shard-0', '1', '0', '113427455640312821154458202477256070484', 'shardId-000000000000'],
    ['shard-0', '113427455640312821154458202477256070484', '0', '113427455640312821154458202477256070484', 'shardId-000000000000'],
    ['shard-2', '999999999999999999999999999999999999999', '226854911280625642308916404954512140970', '340282366920938463463374607431768211455', 'shardId-000000000002'],
  ].map(([shard, key, start, end, id]): Case => ({
    name: `NewStartingHashKey ${key!.slice(0, 12)} outside ${shard}'s range is refused`,
    operation: 'SplitShard',
    body: { StreamName: STREAM, ShardToSplit: shard, NewStartingHashKey: key },
    ...invalid(
      `NewStartingHashKey ${key} used in SplitShard() on shard ${id} in stream ${STREAM} under account ${A} is not both greater than one plus the shard's StartingHashKey ${start} and less than the shard's EndingHashKey ${end}.`,
    ),
  })),

  // ---- UpdateShardCount, UpdateStreamMode, consumers -------------------------------------------------------
  ...typeCases('UpdateShardCount', [['TargetShardCount', 'Integer'], ['ScalingType', 'String'], ['StreamName', 'String']]),
  { name: 'a request naming nothing lists the stream, count and scaling type as null', operation: 'UpdateShardCount', body: {}, ...validation(isNull('streamName'), isNull('targetShardCount'), isNull('scalingType')) },
  {
    name: 'a scaling type other than UNIFORM_SCALING and a count of 0 break their constraints',
    operation: 'UpdateShardCount',
    body: { StreamName: STREAM, TargetShardCount: 0, ScalingType: 'RANDOM' },
    ...validation(minValue(0, 'targetShardCount', 1), quoted('RANDOM', 'scalingType', 'satisfy enum value set: [UNIFORM_SCALING]')),
  },
  { name: 'an unknown stream is not found', operation: 'UpdateShardCount', body: { StreamName: MISSING, TargetShardCount: 2, ScalingType: 'UNIFORM_SCALING' }, ...streamNotFound(MISSING) },
  { name: 'a request naming nothing lists the ARN and mode as null', operation: 'UpdateStreamMode', body: {}, ...validation(isNull('streamARN'), isNull('streamModeDetails')) },
  {
    name: 'an ARN that is not a stream’s breaks its pattern',
    operation: 'UpdateStreamMode',
    body: { StreamARN: 'arn:aws:s3:::bucket', StreamModeDetails: { StreamMode: 'ON_DEMAND' } },
    ...validation(pattern('arn:aws:s3:::bucket', 'streamARN', 'arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+')),
  },
  {
    name: 'the ARN of an unknown stream is not found',
    operation: 'UpdateStreamMode',
    body: { StreamARN: `arn:aws:kinesis:us-east-1:${A}:stream/${MISSING}`, StreamModeDetails: { StreamMode: 'ON_DEMAND' } },
    ...streamNotFound(MISSING),
  },
  { name: 'a consumer without stream or name lists both as null', operation: 'RegisterStreamConsumer', body: {}, ...validation(isNull('streamARN'), isNull('consumerName')) },
  { name: 'listing consumers needs a stream ARN', operation: 'ListStreamConsumers', body: {}, ...validation(isNull('streamARN')) },

  // ---- Answers with nothing in them -------------------------------------------------------------------
  // Operations without output answer with an empty body; lists answer with their members and nothing else.
  ...(['IncreaseStreamRetentionPeriod', 'DecreaseStreamRetentionPeriod'] as const).map(
    (operation): Case => ({ name: 'the period the stream has already is an empty answer', operation, body: { StreamName: STREAM, RetentionPeriodHours: 24 }, status: 200, answer: '' }),
  ),
  { name: 'removing a tag the stream does not have is an empty answer', operation: 'RemoveTagsFromStream', body: { StreamName: STREAM, TagKeys: ['absent'] }, status: 200, answer: '' },
  {
    // Current Kinesis answers StreamSummaries beside StreamNames (older recordings have only the names).
    name: 'no streams after the last one lists none, with no page token',
    operation: 'ListStreams',
    body: { ExclusiveStartStreamName: STREAM },
    status: 200,
    answer: { StreamNames: [], HasMoreStreams: false, StreamSummaries: [] },
  },
  { name: 'a stream without tags lists none', operation: 'ListTagsForStream', body: { StreamName: STREAM }, status: 200, answer: { Tags: [], HasMoreTags: false } },
  { name: 'no shards after the last one lists none, with no page token', operation: 'ListShards', body: { StreamName: STREAM, ExclusiveStartShardId: 'shardId-000000000002' }, status: 200, answer: { Shards: [] } },
  { name: 'a stream without consumers lists none', operation: 'ListStreamConsumers', body: { StreamARN: ARN }, status: 200, answer: { Consumers: [] } },
];
