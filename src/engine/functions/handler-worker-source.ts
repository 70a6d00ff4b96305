// The code every function worker thread runs, kept as a string so the same worker starts from compiled
// JavaScript and from TypeScript sources under test alike. It imports the handler module once, then for
// each invocation turns a packed batch (in a buffer shared with the server thread: arrival times, lengths,
// then key, sequence number and data bytes of each record) into Lambda's Kinesis event, calls `handler(event, context)` (async,
// or with a callback), and answers with the result as JSON-safe data or the error. Building the event here,
// on the worker's core, keeps base64 encoding and object creation off the server's thread.

export const HANDLER_WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');
const { randomUUID } = require('node:crypto');
const { register } = require('node:module');

const MAX_RESULT_CHARS = 6 * 1024 * 1024;
let handler;
const loaded = (async () => {
  if (workerData.typescriptHooks) register(workerData.typescriptHooks, pathToFileURL(workerData.modulePath).href, { data: { typescript: workerData.typescript } });
  const mod = await import(pathToFileURL(workerData.modulePath).href);
  handler = typeof mod.handler === 'function' ? mod.handler : mod.default && typeof mod.default.handler === 'function' ? mod.default.handler : undefined;
  if (handler === undefined) {
    const e = new Error(workerData.modulePath.split(/[\\/]/).pop() + ' does not export a function named handler');
    e.name = 'Runtime.HandlerNotFound';
    throw e;
  }
})();
loaded.catch(() => undefined);

let shared;
let buf;
function buildRecords(m) {
  const count = m.count;
  const arrival = new Float64Array(shared, 0, count);
  const lengths = new Int32Array(shared, count * 8, count * 4);
  let pos = count * 8 + count * 16;
  const records = new Array(count);
  const prefix = m.shardId + ':';
  for (let i = 0; i < count; i++) {
    const keyEnd = pos + lengths[4 * i];
    const partitionKey = buf.toString('utf8', pos, keyEnd);
    const seqEnd = keyEnd + lengths[4 * i + 1];
    const sequenceNumber = buf.toString('latin1', keyEnd, seqEnd);
    const dataEnd = seqEnd + lengths[4 * i + 2];
    const kinesis = {
      kinesisSchemaVersion: '1.0',
      partitionKey,
      sequenceNumber,
      data: buf.toString('base64', seqEnd, dataEnd),
      approximateArrivalTimestamp: arrival[i] / 1000,
    };
    const sub = lengths[4 * i + 3];
    if (sub >= 0) kinesis.subSequenceNumber = sub;
    records[i] = {
      kinesis,
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: prefix + sequenceNumber,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: m.invokeIdentityArn,
      awsRegion: m.awsRegion,
      eventSourceARN: m.eventSourceARN,
    };
    pos = dataEnd;
  }
  return records;
}

function buildEvent(m) {
  const event = { Records: m.count > 0 ? buildRecords(m) : [] };
  if (m.window) {
    event.window = m.window.window;
    event.state = m.window.state;
    event.shardId = m.shardId;
    event.eventSourceARN = m.eventSourceARN;
    event.isFinalInvokeForWindow = m.window.isFinalInvokeForWindow;
    event.isWindowTerminatedEarly = m.window.isWindowTerminatedEarly;
  }
  return event;
}

function contextFor(m) {
  const deadline = Date.now() + m.timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: workerData.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: workerData.functionArn,
    memoryLimitInMB: String(workerData.memoryMb),
    awsRequestId: m.requestId,
    logGroupName: '/aws/lambda/' + workerData.functionName,
    logStreamName: 'eddy/' + workerData.functionName,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

function invoke(event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (err, value) => {
      if (settled) return;
      settled = true;
      if (err !== null && err !== undefined) reject(err);
      else resolve(value);
    };
    context.done = callback;
    context.succeed = (value) => callback(null, value);
    context.fail = (err) => callback(err);
    try {
      const returned = handler(event, context, callback);
      // An async handler (or one taking two arguments) answers with what it returns; a callback-style
      // handler answers through the callback.
      if (handler.length < 3 || (returned && typeof returned.then === 'function')) Promise.resolve(returned).then((v) => callback(null, v), (e) => callback(e));
    } catch (e) {
      callback(e);
    }
  });
}

function describeError(e) {
  if (e instanceof Error) return { errorType: e.name || 'Error', errorMessage: e.message };
  return { errorType: 'Error', errorMessage: typeof e === 'string' ? e : JSON.stringify(e) ?? String(e) };
}

parentPort.on('message', async (m) => {
  if (m.shared) {
    shared = m.shared;
    buf = Buffer.from(shared);
  }
  try {
    await loaded;
    const result = await invoke(buildEvent(m), contextFor(m));
    // Lambda hands results back as JSON; so does this, which also keeps them cloneable and bounded.
    const text = result === undefined ? 'null' : JSON.stringify(result);
    if (text !== undefined && text.length > MAX_RESULT_CHARS) throw Object.assign(new Error('Response payload size exceeded maximum allowed payload size (6291556 bytes).'), { name: 'Function.ResponseSizeTooLarge' });
    parentPort.postMessage({ id: m.id, ok: true, result: text === undefined ? null : JSON.parse(text) });
  } catch (e) {
    parentPort.postMessage({ id: m.id, ok: false, error: describeError(e) });
  }
});
`;
