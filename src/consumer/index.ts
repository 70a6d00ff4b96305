// eddy/consumer: consumer groups (the KCL's model) and a KPL-style aggregating producer, over the Kinesis
// API, for applications that process one stream in several processes. Leases live in Eddy
// (EddyLeaseStore); against AWS, a LeaseStore over DynamoDB is what would be needed instead.
export { ConsumerWorker, type ConsumerWorkerOptions } from './consumer-worker.js';
export { EddyLeaseStore, type EddyLeaseStoreOptions } from './eddy-lease-store.js';
export { LeaseConflictError, type Lease, type LeaseStore } from './lease-store.js';
export { LeaseLostError, type Checkpointer, type ProcessRecordsInput, type RecordProcessor } from './record-processor.js';
export { toConsumerRecords, type ConsumerRecord } from './consumer-record.js';
export { AggregatingProducer, type AggregatingProducerOptions } from './aggregating-producer.js';
export { aggregate, deaggregate, RecordAggregator, type UserRecord } from '../engine/kpl/index.js';
