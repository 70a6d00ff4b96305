// The Nexmark kit: the event generator, its records, and the writers that put them into Eddy's streams.
export { DEFAULT_CONFIG, NexmarkGenerator } from './generator.js';
export type { Auction, Bid, NexmarkConfig, NexmarkEvent, Person } from './generator.js';
export { closingEvents, encode, eventJson, NEXMARK_STREAMS } from './records.js';
export type { NexmarkRecord, NexmarkStream } from './records.js';
export { SIDE_INPUT_PATH, SIDE_INPUT_ROWS, sideInputText, writeSideInput } from './side-input.js';
export { putThroughKinesis, writeToEveryShard, writeToStore } from './writers.js';
export type { KinesisWriteOptions, WriteOptions } from './writers.js';
