// The Kinesis Data Analytics API for SQL applications (KinesisAnalytics_20150814) as an AwsJsonService
// over the application manager, on the same port as Kinesis and Firehose. The manager opens while the
// server starts; requests wait for it.

import type { ApplicationManager, ApplicationView } from '../../statements/index.js';
import { type AwsJsonService, operation } from '../aws-protocol/aws-json-service.js';
import { integer, list, required, structure, timestamp, type Members } from '../aws-protocol/shape.js';
import type { WireCodec } from '../aws-protocol/wire-format.js';
import {
  applicationCode,
  applicationDescription,
  applicationName,
  applicationUpdate,
  applicationVersionId,
  cloudWatchLoggingOption,
  id,
  input,
  inputProcessingConfiguration,
  inputStartingPosition,
  kinesisAnalyticsARN,
  output,
  referenceDataSource,
  resourceARN,
  roleARN,
  tagKey,
  tags,
  bucketARN,
  fileKey,
} from './kinesis-analytics-shapes.js';

export const KINESIS_ANALYTICS_TARGET_PREFIX = 'KinesisAnalytics_20150814';

export interface KinesisAnalyticsServiceOptions {
  readonly applications: ApplicationManager | Promise<ApplicationManager>;
}

const versioned = <M extends Members>(members: M) =>
  structure({ ApplicationName: required(applicationName()), CurrentApplicationVersionId: required(applicationVersionId()), ...members });

export function kinesisAnalyticsService({ applications }: KinesisAnalyticsServiceOptions): AwsJsonService {
  const manager = Promise.resolve(applications);
  const empty = {};

  const create = operation(
    structure({
      ApplicationName: required(applicationName()),
      ApplicationDescription: applicationDescription(),
      Inputs: list(input()),
      Outputs: list(output()),
      CloudWatchLoggingOptions: list(cloudWatchLoggingOption()),
      ApplicationCode: applicationCode(),
      Tags: tags(),
    }),
    async (req) => {
      const app = await (await manager).create(req);
      return { ApplicationSummary: summary(app) };
    },
  );

  const describe = operation(structure({ ApplicationName: required(applicationName()) }), async (req, ctx) => ({
    ApplicationDetail: detail((await manager).describe(req.ApplicationName), ctx.codec),
  }));

  const listApplications = operation(structure({ Limit: integer({ min: 1, max: 50 }), ExclusiveStartApplicationName: applicationName() }), async (req) => {
    const { applications: apps, hasMore } = (await manager).list(req.Limit, req.ExclusiveStartApplicationName);
    return { ApplicationSummaries: apps.map(summary), HasMoreApplications: hasMore };
  });

  const remove = operation(structure({ ApplicationName: required(applicationName()), CreateTimestamp: required(timestamp()) }), async (req) => {
    await (await manager).delete(req.ApplicationName, req.CreateTimestamp);
    return empty;
  });

  const start = operation(
    structure({
      ApplicationName: required(applicationName()),
      InputConfigurations: required(list(structure({ Id: required(id()), InputStartingPositionConfiguration: required(structure({ InputStartingPosition: inputStartingPosition() })) }))),
    }),
    async (req) => {
      await (await manager).start(req.ApplicationName, req.InputConfigurations);
      return empty;
    },
  );

  const stop = operation(structure({ ApplicationName: required(applicationName()) }), async (req) => {
    await (await manager).stop(req.ApplicationName);
    return empty;
  });

  const update = operation(versioned({ ApplicationUpdate: required(applicationUpdate()) }), async (req) => {
    await (await manager).update(req.ApplicationName, req.CurrentApplicationVersionId, req.ApplicationUpdate);
    return empty;
  });

  const addInput = operation(versioned({ Input: required(input()) }), async (req) => {
    await (await manager).addInput(req.ApplicationName, req.CurrentApplicationVersionId, req.Input);
    return empty;
  });

  const addProcessing = operation(versioned({ InputId: required(id()), InputProcessingConfiguration: required(inputProcessingConfiguration()) }), async (req) => {
    await (await manager).addInputProcessing(req.ApplicationName, req.CurrentApplicationVersionId, req.InputId);
    return empty;
  });

  const deleteProcessing = operation(versioned({ InputId: required(id()) }), async (req) => {
    await (await manager).deleteInputProcessing(req.ApplicationName, req.CurrentApplicationVersionId, req.InputId);
    return empty;
  });

  const addOutput = operation(versioned({ Output: required(output()) }), async (req) => {
    await (await manager).addOutput(req.ApplicationName, req.CurrentApplicationVersionId, req.Output);
    return empty;
  });

  const deleteOutput = operation(versioned({ OutputId: required(id()) }), async (req) => {
    await (await manager).deleteOutput(req.ApplicationName, req.CurrentApplicationVersionId, req.OutputId);
    return empty;
  });

  const addReference = operation(versioned({ ReferenceDataSource: required(referenceDataSource()) }), async (req) => {
    await (await manager).addReference(req.ApplicationName, req.CurrentApplicationVersionId, req.ReferenceDataSource);
    return empty;
  });

  const deleteReference = operation(versioned({ ReferenceId: required(id()) }), async (req) => {
    await (await manager).deleteReference(req.ApplicationName, req.CurrentApplicationVersionId, req.ReferenceId);
    return empty;
  });

  const addLogging = operation(versioned({ CloudWatchLoggingOption: required(cloudWatchLoggingOption()) }), async (req) => {
    await (await manager).addLogging(req.ApplicationName, req.CurrentApplicationVersionId, req.CloudWatchLoggingOption);
    return empty;
  });

  const deleteLogging = operation(versioned({ CloudWatchLoggingOptionId: required(id()) }), async (req) => {
    await (await manager).deleteLogging(req.ApplicationName, req.CurrentApplicationVersionId, req.CloudWatchLoggingOptionId);
    return empty;
  });

  const discover = operation(
    structure({
      ResourceARN: resourceARN(),
      RoleARN: roleARN(),
      InputStartingPositionConfiguration: structure({ InputStartingPosition: inputStartingPosition() }),
      S3Configuration: structure({ RoleARN: required(roleARN()), BucketARN: required(bucketARN()), FileKey: required(fileKey()) }),
      InputProcessingConfiguration: inputProcessingConfiguration(),
    }),
    async (req) => {
      const found = await (await manager).discover(req);
      return { InputSchema: found.InputSchema, ParsedInputRecords: found.ParsedInputRecords, RawInputRecords: found.RawInputRecords };
    },
  );

  const tagResource = operation(structure({ ResourceARN: required(kinesisAnalyticsARN()), Tags: required(tags()) }), async (req) => {
    await (await manager).tag(req.ResourceARN, req.Tags);
    return empty;
  });

  const untagResource = operation(structure({ ResourceARN: required(kinesisAnalyticsARN()), TagKeys: required(list(tagKey(), { min: 1, max: 200 })) }), async (req) => {
    await (await manager).untag(req.ResourceARN, req.TagKeys);
    return empty;
  });

  const listTags = operation(structure({ ResourceARN: required(kinesisAnalyticsARN()) }), async (req) => ({ Tags: (await manager).listTags(req.ResourceARN) }));

  return {
    targetPrefix: KINESIS_ANALYTICS_TARGET_PREFIX,
    signingName: 'kinesisanalytics',
    resourceOf: (_operation, body) => {
      const b = body as { ApplicationName?: unknown; ResourceARN?: unknown };
      if (typeof b.ApplicationName === 'string') return `application/${b.ApplicationName}`;
      const arnName = typeof b.ResourceARN === 'string' ? /:application\/(.+)$/.exec(b.ResourceARN)?.[1] : undefined;
      return arnName === undefined ? '*' : `application/${arnName}`;
    },
    operations: {
      CreateApplication: create,
      DescribeApplication: describe,
      ListApplications: listApplications,
      DeleteApplication: remove,
      StartApplication: start,
      StopApplication: stop,
      UpdateApplication: update,
      AddApplicationInput: addInput,
      AddApplicationInputProcessingConfiguration: addProcessing,
      DeleteApplicationInputProcessingConfiguration: deleteProcessing,
      AddApplicationOutput: addOutput,
      DeleteApplicationOutput: deleteOutput,
      AddApplicationReferenceDataSource: addReference,
      DeleteApplicationReferenceDataSource: deleteReference,
      AddApplicationCloudWatchLoggingOption: addLogging,
      DeleteApplicationCloudWatchLoggingOption: deleteLogging,
      DiscoverInputSchema: discover,
      TagResource: tagResource,
      UntagResource: untagResource,
      ListTagsForResource: listTags,
    },
  };
}

function summary(app: ApplicationView): Record<string, unknown> {
  return { ApplicationName: app.name, ApplicationARN: app.arn, ApplicationStatus: app.liveStatus };
}

/** ApplicationDetail: the configuration as it was given, with the ids, names and times the service adds. */
function detail(app: ApplicationView, codec: WireCodec): Record<string, unknown> {
  return {
    ApplicationName: app.name,
    ...(app.description === undefined ? {} : { ApplicationDescription: app.description }),
    ApplicationARN: app.arn,
    ApplicationStatus: app.liveStatus,
    CreateTimestamp: codec.timestamp(app.createTimestamp),
    ...(app.lastUpdateTimestamp === undefined ? {} : { LastUpdateTimestamp: codec.timestamp(app.lastUpdateTimestamp) }),
    InputDescriptions: app.inputs.map((i) => ({
      InputId: i.InputId,
      NamePrefix: i.NamePrefix,
      InAppStreamNames: inAppNames(i.NamePrefix, i.InputParallelism?.Count ?? 1),
      ...(i.InputProcessingConfiguration === undefined ? {} : { InputProcessingConfigurationDescription: { InputLambdaProcessorDescription: i.InputProcessingConfiguration.InputLambdaProcessor } }),
      ...(i.KinesisStreamsInput === undefined ? {} : { KinesisStreamsInputDescription: i.KinesisStreamsInput }),
      ...(i.KinesisFirehoseInput === undefined ? {} : { KinesisFirehoseInputDescription: i.KinesisFirehoseInput }),
      InputSchema: i.InputSchema,
      InputParallelism: { Count: i.InputParallelism?.Count ?? 1 },
      ...(i.InputStartingPosition === undefined ? {} : { InputStartingPositionConfiguration: { InputStartingPosition: i.InputStartingPosition } }),
    })),
    OutputDescriptions: app.outputs.map((o) => ({
      OutputId: o.OutputId,
      Name: o.Name,
      ...(o.KinesisStreamsOutput === undefined ? {} : { KinesisStreamsOutputDescription: o.KinesisStreamsOutput }),
      ...(o.KinesisFirehoseOutput === undefined ? {} : { KinesisFirehoseOutputDescription: o.KinesisFirehoseOutput }),
      ...(o.LambdaOutput === undefined ? {} : { LambdaOutputDescription: o.LambdaOutput }),
      DestinationSchema: o.DestinationSchema,
    })),
    ReferenceDataSourceDescriptions: app.references.map((r) => ({
      ReferenceId: r.ReferenceId,
      TableName: r.TableName,
      ...(r.S3ReferenceDataSource === undefined ? {} : { S3ReferenceDataSourceDescription: r.S3ReferenceDataSource }),
      ReferenceSchema: r.ReferenceSchema,
    })),
    CloudWatchLoggingOptionDescriptions: app.logging,
    ApplicationCode: app.code,
    ApplicationVersionId: app.versionId,
  };
}

function inAppNames(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}_${String(i + 1).padStart(3, '0')}`);
}
