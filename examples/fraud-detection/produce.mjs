#!/usr/bin/env node
// Puts generated card transactions into the `transactions` stream with @aws-sdk/client-kinesis, then one
// heartbeat per shard so the last windows close. Prints the frauds it planted.
//
//   node examples/fraud-detection/produce.mjs [--seed 42] [--rate 500] [--endpoint http://127.0.0.1:4567]

import { pathToFileURL } from 'node:url';
import { closeWindows, DEFAULT_ENDPOINT, fail, kinesisClient, parseOptions, putRecords } from '../shared/eddy-demo.mjs';
import { DEFAULT_START, generateTransactions, heartbeatFor } from './transactions.mjs';

export const PRODUCER_OPTIONS = {
  endpoint: { type: 'string', default: DEFAULT_ENDPOINT, help: 'Eddy to send to.' },
  seed: { type: 'number', default: 42, help: 'Seed of the generator: the same seed, the same transactions.' },
  start: { type: 'time', default: DEFAULT_START, help: 'Event time of the first transaction.' },
  minutes: { type: 'number', default: 20, help: 'Minutes of event time to generate.' },
  cards: { type: 'number', default: 500, help: 'Cardholders.' },
  frauds: { type: 'number', default: 2, help: 'Planted frauds of each kind (card testing, cash-out, cloned card).' },
  rate: { type: 'number', default: 500, help: 'Records per second to send (0: as fast as possible).' },
};

/** Generates and sends the transactions; returns what was planted and where the watermark will end. */
export async function produce(options, log = console.log) {
  const { transactions, planted, endMs } = generateTransactions(options);
  log(`Producing ${transactions.length} transactions from ${options.cards} cards over ${options.minutes} minutes of event time (seed ${options.seed}).`);
  log('Planted fraud:');
  for (const p of planted) log(`  ${p.card_id}  ${p.pattern.padEnd(12)} at ${p.at.slice(11, 19)}: ${p.detail} (expect a '${p.rule}' alert)`);
  const kinesis = kinesisClient(options.endpoint);
  try {
    await putRecords(kinesis, 'transactions', transactions, { partitionKey: (t) => t.card_id, rate: options.rate });
    const heartbeat = heartbeatFor(endMs);
    const shards = await closeWindows(kinesis, 'transactions', heartbeat.record);
    log(`Sent ${transactions.length} transactions, then a heartbeat to each of ${shards} shards at ${heartbeat.record.ts} to close the last windows.`);
    return { planted, transactions: transactions.length, watermarkMs: heartbeat.watermarkMs };
  } finally {
    kinesis.destroy();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const options = parseOptions(PRODUCER_OPTIONS, 'Usage: node examples/fraud-detection/produce.mjs [options]');
  await produce(options).catch((e) => fail(e.message));
}
