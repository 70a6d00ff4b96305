#!/usr/bin/env node
// A Kinesis endpoint that stores nothing: every call gets a valid canned answer, so AWS SDK clients sent
// against it show what the client side alone can reach on this machine (the "SDK ceiling"). It listens
// like `eddy serve` does (HTTP/1.1 and cleartext HTTP/2 on one port, the same socket layer and HTTP/2
// windows, from dist/), minus routing, validation and storage.
//   node bench/lib/kinesis-null-server.mjs [--shards 4] [--records-per-shard 100000]
// Prints `listening on http://127.0.0.1:PORT` once ready.
//
// PutRecords: as many canned entries as the body holds records (counted, not parsed).
// GetRecords: iterators name how many records are left to serve on their shard; each call serves
// min(left, Limit) identical 100-byte records, so a consumer draining from TRIM_HORIZON reads exactly
// --records-per-shard records and then gets a short page, as it would at the tip of a filled shard.
import { DualProtocolServer } from '../../dist/server/dual-protocol-server.js';

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
}
const SHARDS = option('shards', 4);
const RECORDS_PER_SHARD = option('records-per-shard', 100_000);
const RECORD_BYTES = 100;
/** Answers are cached by record count; a bench sends few distinct counts, the bound keeps a stray client from growing it. */
const CACHED_ANSWERS = 64;

const shardId = (i) => `shardId-${String(i).padStart(12, '0')}`;
/** 56 digits, the length AWS sequence numbers have. */
const sequenceNumber = (i) => `4963${String(i).padStart(52, '0')}`;
const PARTITION_KEY = Buffer.from('"PartitionKey"');

function cached(cache, n, build) {
  let answer = cache.get(n);
  if (answer === undefined) {
    if (cache.size >= CACHED_ANSWERS) cache.clear();
    answer = build(n);
    cache.set(n, answer);
  }
  return answer;
}

const putAnswers = new Map();
const putAnswer = (n) =>
  cached(putAnswers, n, () =>
    Buffer.from(
      JSON.stringify({
        FailedRecordCount: 0,
        Records: Array.from({ length: n }, (_, i) => ({ SequenceNumber: sequenceNumber(i), ShardId: shardId(i % SHARDS) })),
      }),
    ),
  );

/** The records part of a GetRecords answer (`{"Records":[…]`), cached by count; the iterator is appended per call. */
const recordsTexts = new Map();
const recordsText = (n) =>
  cached(recordsTexts, n, () => {
    const data = Buffer.alloc(RECORD_BYTES, 97).toString('base64');
    const records = Array.from({ length: n }, (_, i) => ({
      SequenceNumber: sequenceNumber(i),
      ApproximateArrivalTimestamp: 1764028800.123,
      Data: data,
      PartitionKey: `key-${i % 500}-abcdef`,
    }));
    // Without the closing `]}`, so an empty page is `{"Records":[` and the tail closes either.
    return Buffer.from(JSON.stringify({ Records: records }).slice(0, -2));
  });

function countRecords(body) {
  let n = 0;
  for (let at = body.indexOf(PARTITION_KEY); at >= 0; at = body.indexOf(PARTITION_KEY, at + PARTITION_KEY.length)) n++;
  return n;
}

const streamDescription = (name) => ({
  StreamDescription: {
    StreamName: name,
    StreamARN: `arn:aws:kinesis:us-east-1:000000000000:stream/${name}`,
    StreamStatus: 'ACTIVE',
    StreamModeDetails: { StreamMode: 'PROVISIONED' },
    Shards: [],
    HasMoreShards: false,
    RetentionPeriodHours: 24,
    StreamCreationTimestamp: 1764028800,
    EnhancedMonitoring: [],
    EncryptionType: 'NONE',
  },
});

const shards = Array.from({ length: SHARDS }, (_, i) => ({
  ShardId: shardId(i),
  HashKeyRange: { StartingHashKey: '0', EndingHashKey: '340282366920938463463374607431768211455' },
  SequenceNumberRange: { StartingSequenceNumber: sequenceNumber(0) },
}));

/** Iterators read `null/<shard>/<records left>`. */
function getRecords(body) {
  const { ShardIterator: iterator, Limit: limit = 10000 } = JSON.parse(body);
  const [tag, shard, left] = String(iterator).split('/');
  if (tag !== 'null' || !(Number(left) >= 0)) return error(400, 'ExpiredIteratorException', `unknown iterator ${iterator}`);
  const n = Math.min(Number(left), limit);
  const tail = Buffer.from(`],"MillisBehindLatest":0,"NextShardIterator":"null/${shard}/${Number(left) - n}"}`);
  return { status: 200, parts: [recordsText(n), tail] };
}

function error(status, type, message) {
  return { status, parts: [Buffer.from(JSON.stringify({ __type: type, message }))] };
}

const json = (value) => ({ status: 200, parts: [Buffer.from(JSON.stringify(value))] });

function answer(operation, body) {
  switch (operation) {
    case 'PutRecords':
      return { status: 200, parts: [putAnswer(countRecords(body))] };
    case 'GetRecords':
      return getRecords(body.toString('utf8'));
    case 'GetShardIterator': {
      const { ShardId: id } = JSON.parse(body.toString('utf8'));
      return json({ ShardIterator: `null/${id}/${RECORDS_PER_SHARD}` });
    }
    case 'ListShards':
      return json({ Shards: shards });
    case 'CreateStream':
      return json({});
    case 'DescribeStream':
      return json(streamDescription(JSON.parse(body.toString('utf8')).StreamName));
    default:
      return error(400, 'UnknownOperationException', `the null server does not answer ${operation}`);
  }
}

const server = new DualProtocolServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const target = String(req.headers['x-amz-target'] ?? '');
    let reply;
    try {
      reply = answer(target.slice(target.indexOf('.') + 1), chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    } catch (err) {
      reply = error(400, 'SerializationException', err.message);
    }
    const { status, parts } = reply;
    let length = 0;
    for (const p of parts) length += p.length;
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'content-length': String(length) });
    for (let i = 0; i < parts.length - 1; i++) res.write(parts[i]);
    res.end(parts[parts.length - 1]);
  });
});
server.listen(0, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}`));
// Nothing to flush: the bench stops it with SIGTERM, whose default action ends the process.
