// Input shapes of the KinesisAnalytics_20150814 model (the SQL applications API), with its lengths,
// patterns and ranges, for the members Eddy reads; unknown members are ignored, as AWS ignores them.

import { enumOf, integer, list, long, modelPattern, required, string, structure } from '../aws-protocol/shape.js';

export const applicationName = () => string({ min: 1, max: 128, pattern: modelPattern('[a-zA-Z0-9_.-]+') });
export const applicationVersionId = () => long({ min: 1, max: 999999999 });
export const applicationCode = () => string({ min: 0, max: 102400 });
export const applicationDescription = () => string({ min: 0, max: 1024 });
export const id = () => string({ min: 1, max: 50, pattern: modelPattern('[a-zA-Z0-9_.-]+') });
export const inAppStreamName = () => string({ min: 1, max: 32 });
export const inAppTableName = () => string({ min: 1, max: 32 });
export const resourceARN = () => string({ min: 1, max: 2048, pattern: modelPattern('arn:.*') });
export const roleARN = () => string({ min: 1, max: 2048, pattern: modelPattern('arn:aws:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+') });
export const bucketARN = () => string({ min: 1, max: 2048, pattern: modelPattern('arn:.*') });
export const fileKey = () => string({ min: 1, max: 1024 });
export const logStreamARN = () => string({ min: 1, max: 2048, pattern: modelPattern('arn:.*') });
// The model's `\d{1}+` and `\d{12}+` are Java's possessive quantifiers, which match what these do.
export const kinesisAnalyticsARN = () =>
  string({ min: 1, max: 2048, pattern: modelPattern('arn:aws:kinesisanalytics:[a-z]{2}-[a-z]+-\\d{1}:\\d{12}:application/[a-zA-Z0-9_.-]{1,128}') });
export const tagKey = () => string({ min: 1, max: 128 });
export const tag = () => structure({ Key: required(tagKey()), Value: string({ min: 0, max: 256 }) });
export const tags = () => list(tag(), { min: 1, max: 200 });
export const recordFormatType = () => enumOf('JSON', 'CSV');
export const inputStartingPosition = () => enumOf('NOW', 'TRIM_HORIZON', 'LAST_STOPPED_POINT');

const resourceRole = () => structure({ ResourceARN: required(resourceARN()), RoleARN: required(roleARN()) });
const resourceRoleUpdate = () => structure({ ResourceARNUpdate: resourceARN(), RoleARNUpdate: roleARN() });

export const recordFormat = () =>
  structure({
    RecordFormatType: required(recordFormatType()),
    MappingParameters: structure({
      JSONMappingParameters: structure({ RecordRowPath: required(string({ min: 1 })) }),
      CSVMappingParameters: structure({ RecordRowDelimiter: required(string({ min: 1 })), RecordColumnDelimiter: required(string({ min: 1 })) }),
    }),
  });

const recordColumns = () => list(structure({ Name: required(string()), Mapping: string(), SqlType: required(string({ min: 1 })) }), { min: 1, max: 1000 });
const recordEncoding = () => string({ pattern: modelPattern('UTF-8') });

export const sourceSchema = () => structure({ RecordFormat: required(recordFormat()), RecordEncoding: recordEncoding(), RecordColumns: required(recordColumns()) });

export const inputProcessingConfiguration = () => structure({ InputLambdaProcessor: required(resourceRole()) });

export const input = () =>
  structure({
    NamePrefix: required(inAppStreamName()),
    InputProcessingConfiguration: inputProcessingConfiguration(),
    KinesisStreamsInput: resourceRole(),
    KinesisFirehoseInput: resourceRole(),
    InputParallelism: structure({ Count: integer({ min: 1, max: 64 }) }),
    InputSchema: required(sourceSchema()),
  });

const destinationSchema = () => structure({ RecordFormatType: required(recordFormatType()) });

export const output = () =>
  structure({
    Name: required(inAppStreamName()),
    KinesisStreamsOutput: resourceRole(),
    KinesisFirehoseOutput: resourceRole(),
    LambdaOutput: resourceRole(),
    DestinationSchema: required(destinationSchema()),
  });

export const referenceDataSource = () =>
  structure({
    TableName: required(inAppTableName()),
    S3ReferenceDataSource: structure({ BucketARN: required(bucketARN()), FileKey: required(fileKey()), ReferenceRoleARN: required(roleARN()) }),
    ReferenceSchema: required(sourceSchema()),
  });

export const cloudWatchLoggingOption = () => structure({ LogStreamARN: required(logStreamARN()), RoleARN: required(roleARN()) });

export const applicationUpdate = () =>
  structure({
    InputUpdates: list(
      structure({
        InputId: required(id()),
        NamePrefixUpdate: inAppStreamName(),
        InputProcessingConfigurationUpdate: structure({ InputLambdaProcessorUpdate: required(resourceRoleUpdate()) }),
        KinesisStreamsInputUpdate: resourceRoleUpdate(),
        KinesisFirehoseInputUpdate: resourceRoleUpdate(),
        InputSchemaUpdate: structure({ RecordFormatUpdate: recordFormat(), RecordEncodingUpdate: recordEncoding(), RecordColumnUpdates: recordColumns() }),
        InputParallelismUpdate: structure({ CountUpdate: integer({ min: 1, max: 64 }) }),
      }),
    ),
    ApplicationCodeUpdate: applicationCode(),
    OutputUpdates: list(
      structure({
        OutputId: required(id()),
        NameUpdate: inAppStreamName(),
        KinesisStreamsOutputUpdate: resourceRoleUpdate(),
        KinesisFirehoseOutputUpdate: resourceRoleUpdate(),
        LambdaOutputUpdate: resourceRoleUpdate(),
        DestinationSchemaUpdate: destinationSchema(),
      }),
    ),
    ReferenceDataSourceUpdates: list(
      structure({
        ReferenceId: required(id()),
        TableNameUpdate: inAppTableName(),
        S3ReferenceDataSourceUpdate: structure({ BucketARNUpdate: bucketARN(), FileKeyUpdate: fileKey(), ReferenceRoleARNUpdate: roleARN() }),
        ReferenceSchemaUpdate: sourceSchema(),
      }),
    ),
    CloudWatchLoggingOptionUpdates: list(structure({ CloudWatchLoggingOptionId: required(id()), LogStreamARNUpdate: logStreamARN(), RoleARNUpdate: roleARN() })),
  });
