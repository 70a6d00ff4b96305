// /v1/delivery-streams: each delivery stream's source, destination and how delivery is going (files and
// bytes written, freshness, records sent to the error prefix, the failure being retried now and the last
// one seen). Without a delivery manager (in memory, no files root) the list is empty.

import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { EddyError, type DeliveryFailure, type DeliveryManager, type DeliveryMetrics, type ExtendedS3Destination } from '../../engine/index.js';
import { errorResponseSchema } from './api-error.js';
import type { RouteAuthorizer } from './stream-routes.js';
import { deliveryStreamListSchema, deliveryStreamParamsSchema, deliveryStreamSchema } from './delivery-stream-schemas.js';

export interface DeliveryStreamRoutesOptions {
  readonly delivery: DeliveryManager | undefined;
  /** Refuses a request whose caller may not describe delivery streams; none: all allowed. */
  readonly authorize?: RouteAuthorizer;
}

const errors = { 400: errorResponseSchema, 404: errorResponseSchema, 500: errorResponseSchema, 503: errorResponseSchema };

export function deliveryStreamRoutes(options: DeliveryStreamRoutesOptions): FastifyPluginAsync {
  const delivery = options.delivery;
  const authorize: RouteAuthorizer = options.authorize ?? (() => undefined);
  /** The last failure of each delivery stream, kept after it clears so someone can see what went wrong. */
  const lastFailures = new Map<string, DeliveryFailure>();

  const names = (): string[] => (delivery ? delivery.listDeliveryStreams({ limit: Number.MAX_SAFE_INTEGER }).names : []);

  const describe = (name: string, metrics: ReadonlyMap<string, DeliveryMetrics>) => {
    if (!delivery) throw new EddyError('ResourceNotFoundException', `Delivery stream ${name} not found: delivery is off (it needs a data directory or a files root)`);
    const { record, status, failure } = delivery.describeDeliveryStream(name);
    const m = metrics.get(name);
    const dest = record.destination;
    const last = lastFailures.get(name) ?? failure;
    return {
      name: record.name,
      arn: record.arn,
      status,
      type: record.type,
      sourceStream: record.source?.streamName ?? null,
      createdAt: new Date(record.createTimestamp).toISOString(),
      destination: {
        bucketARN: dest.BucketARN,
        prefix: dest.Prefix ?? '',
        errorOutputPrefix: dest.ErrorOutputPrefix ?? null,
        format: outputFormat(dest),
        compression: dest.CompressionFormat ?? 'UNCOMPRESSED',
        bufferSizeMiB: dest.BufferingHints?.SizeInMBs ?? null,
        bufferIntervalSeconds: dest.BufferingHints?.IntervalInSeconds ?? null,
      },
      incomingRecords: m?.incomingRecords ?? 0,
      incomingBytes: m?.incomingBytes ?? 0,
      deliveredRecords: m?.deliveredRecords ?? 0,
      deliveredBytes: m?.deliveredBytes ?? 0,
      filesWritten: m?.filesWritten ?? 0,
      errorRecords: m?.errorRecords ?? 0,
      errorFilesWritten: m?.errorFilesWritten ?? 0,
      deliveryErrors: m?.deliveryErrors ?? 0,
      dataFreshnessMs: m?.dataFreshnessMs ?? 0,
      failing: failure ? failureForWire(failure) : null,
      lastError: last ? failureForWire(last) : null,
    };
  };

  const metricsByName = (): Map<string, DeliveryMetrics> => new Map((delivery?.metrics() ?? []).map((m) => [m.deliveryStreamName, m]));

  return async (app: FastifyInstance) => {
    if (delivery) {
      const unsubscribe = delivery.onDeliveryFailure((name, failure) => lastFailures.set(name, failure));
      app.addHook('onClose', async () => unsubscribe());
    }

    app.get('/delivery-streams', { schema: { response: { 200: deliveryStreamListSchema, ...errors } } }, async (request) => {
      authorize(request, 'firehose:ListDeliveryStreams', '*');
      const metrics = metricsByName();
      const present = names();
      for (const name of lastFailures.keys()) if (!present.includes(name)) lastFailures.delete(name);
      return { enabled: delivery !== undefined, deliveryStreams: present.map((name) => describe(name, metrics)) };
    });

    app.get<{ Params: { name: string } }>(
      '/delivery-streams/:name',
      { schema: { params: deliveryStreamParamsSchema, response: { 200: deliveryStreamSchema, ...errors } } },
      async (request) => {
        authorize(request, 'firehose:DescribeDeliveryStream', `deliverystream/${request.params.name}`);
        return describe(request.params.name, metricsByName());
      },
    );
  };
}

function failureForWire(f: DeliveryFailure): { code: string; message: string; at: string } {
  return { code: f.code, message: f.message, at: new Date(f.at).toISOString() };
}

function outputFormat(dest: ExtendedS3Destination): 'parquet' | 'arrow' | 'records' {
  const conversion = dest.DataFormatConversionConfiguration;
  if (conversion && conversion.Enabled !== false) {
    const serializer = conversion.OutputFormatConfiguration?.Serializer;
    if (serializer?.ParquetSerDe) return 'parquet';
    if (serializer?.ArrowIpcSerDe) return 'arrow';
  }
  return 'records';
}
