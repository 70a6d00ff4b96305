// INSERT INTO a stream whose connector is Kinesis: the query's records go to the Kinesis stream on the
// other side with PutRecords (and come back into the Eddy stream through its source, like any other).

import { PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { KinesisConnectorConfig } from '../plan/connector.js';
import type { PutRecordInput, PutRecordsEntry } from '../stream/stream-store.js';
import type { PutTarget } from '../query/stream-sink.js';
import { kinesisClientFor } from './kinesis-source.js';

export class KinesisSink implements PutTarget {
  private readonly client: KinesisClient;

  constructor(private readonly config: KinesisConnectorConfig) {
    this.client = kinesisClientFor(config);
  }

  /** Puts into the Kinesis stream the connector names (the Eddy stream's name is not used). */
  async putRecords(_stream: string, records: readonly PutRecordInput[]): Promise<PutRecordsEntry[]> {
    const answer = await this.client.send(
      new PutRecordsCommand({ StreamName: this.config.stream, Records: records.map((r) => ({ PartitionKey: r.partitionKey, Data: r.data })) }),
    );
    return (answer.Records ?? []).map((r): PutRecordsEntry =>
      r.SequenceNumber !== undefined && r.ShardId !== undefined
        ? { shardId: r.ShardId, sequenceNumber: r.SequenceNumber }
        : {
            errorCode: r.ErrorCode === 'ProvisionedThroughputExceededException' ? 'ProvisionedThroughputExceededException' : 'InternalFailure',
            errorMessage: r.ErrorMessage ?? 'the Kinesis stream refused the record',
          },
    );
  }

  close(): void {
    this.client.destroy();
  }
}
