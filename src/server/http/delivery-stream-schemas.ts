// JSON schemas of /v1/delivery-streams.

const failure = {
  type: ['object', 'null'],
  required: ['code', 'message', 'at'],
  properties: { code: { type: 'string' }, message: { type: 'string' }, at: { type: 'string' } },
} as const;

const nullableNumber = { type: ['number', 'null'] } as const;

export const deliveryStreamParamsSchema = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 256 } },
} as const;

export const deliveryStreamSchema = {
  type: 'object',
  required: [
    'name',
    'arn',
    'status',
    'type',
    'sourceStream',
    'createdAt',
    'destination',
    'incomingRecords',
    'incomingBytes',
    'deliveredRecords',
    'deliveredBytes',
    'filesWritten',
    'errorRecords',
    'errorFilesWritten',
    'deliveryErrors',
    'dataFreshnessMs',
    'failing',
    'lastError',
  ],
  properties: {
    name: { type: 'string' },
    arn: { type: 'string' },
    status: { type: 'string' },
    type: { type: 'string' },
    sourceStream: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
    destination: {
      type: 'object',
      required: ['bucketARN', 'prefix', 'errorOutputPrefix', 'format', 'compression', 'bufferSizeMiB', 'bufferIntervalSeconds'],
      properties: {
        bucketARN: { type: 'string' },
        prefix: { type: 'string' },
        errorOutputPrefix: { type: ['string', 'null'] },
        format: { type: 'string', enum: ['records', 'parquet', 'arrow'] },
        compression: { type: 'string' },
        bufferSizeMiB: nullableNumber,
        bufferIntervalSeconds: nullableNumber,
      },
    },
    incomingRecords: { type: 'integer' },
    incomingBytes: { type: 'integer' },
    deliveredRecords: { type: 'integer' },
    deliveredBytes: { type: 'integer' },
    filesWritten: { type: 'integer' },
    errorRecords: { type: 'integer' },
    errorFilesWritten: { type: 'integer' },
    deliveryErrors: { type: 'integer' },
    dataFreshnessMs: { type: 'number' },
    failing: failure,
    lastError: failure,
  },
} as const;

export const deliveryStreamListSchema = {
  type: 'object',
  required: ['enabled', 'deliveryStreams'],
  properties: { enabled: { type: 'boolean' }, deliveryStreams: { type: 'array', items: deliveryStreamSchema } },
} as const;
