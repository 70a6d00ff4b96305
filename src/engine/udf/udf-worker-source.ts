// The code of the worker thread user functions run in, kept as a string so the worker starts the same
// from compiled JavaScript and from TypeScript sources under test. Each module is evaluated as an ES
// module in a node:vm context of its own worker: the context has only JavaScript's own globals (no
// require, process, import, fetch or timers, no eval or new Function), and only primitive values and
// Dates made in the context cross into it, so nothing of the worker (let alone the server) is reachable
// from a function. The worker answers each batch on a MessagePort and wakes the server's thread, which
// waits for it synchronously, through a shared flag; a worker that does not answer in time is stopped.

export const UDF_WORKER_SOURCE = String.raw`
'use strict';
const { workerData } = require('node:worker_threads');
const vm = require('node:vm');
const { createRequire } = require('node:module');

const port = workerData.port;
const flag = new Int32Array(workerData.flag);
// A global object with no prototype: the context cannot climb from it to the worker's Object.
const context = vm.createContext(Object.create(null), { name: 'user functions', codeGeneration: { strings: false, wasm: false } });
vm.runInContext('globalThis.console = Object.freeze({ log() {}, info() {}, warn() {}, error() {}, debug() {} });', context);
const ContextDate = vm.runInContext('Date', context);
const getTime = vm.runInContext('(d) => Date.prototype.getTime.call(d)', context);
const modules = new Map();
let typescript;

function transpile(source, path) {
  if (typescript === undefined) {
    if (!workerData.typescript) throw new Error('it is TypeScript, which needs the typescript package installed beside Eddy (npm install typescript), or compile it to .mjs');
    typescript = createRequire(workerData.typescript)('typescript');
  }
  return typescript.transpileModule(source, { fileName: path, compilerOptions: { module: typescript.ModuleKind.ESNext, target: typescript.ScriptTarget.ES2022 } }).outputText;
}

async function load(m) {
  const text = m.typescript ? transpile(m.source, m.path) : m.source;
  const module = new vm.SourceTextModule(text, { context, identifier: m.path });
  await module.link((specifier) => {
    throw new Error('it imports ' + specifier + ', and user functions cannot import other modules');
  });
  await module.evaluate();
  return module.namespace;
}

/** The export a SQL name calls: the one of that name (any case), else the default export. */
function pick(namespace, name, path) {
  const keys = Object.keys(namespace);
  const key = keys.find((k) => k === name) ?? keys.find((k) => k.toLowerCase() === name.toLowerCase()) ?? (keys.includes('default') ? 'default' : undefined);
  const fn = key === undefined ? undefined : namespace[key];
  if (typeof fn !== 'function') throw new Error('exports no function named ' + name + ' and no default function');
  return fn;
}

function describe(e) {
  try {
    if (e !== null && typeof e === 'object' && typeof e.message === 'string') return e.message.slice(0, 1000);
    return String(e).slice(0, 1000);
  } catch {
    return 'an error that cannot be described';
  }
}

/** A value a function returned, checked against its declared type. */
function result(v, returns) {
  if (v === null || v === undefined) return null;
  switch (returns) {
    case 'VARCHAR':
      if (typeof v === 'string') return v;
      break;
    case 'BOOLEAN':
      if (typeof v === 'boolean') return v;
      break;
    case 'TIMESTAMP':
      if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
      if (typeof v === 'object' && v instanceof ContextDate) {
        const t = getTime(v);
        if (typeof t === 'number' && Number.isFinite(t)) return t;
      }
      break;
    case 'INT':
      if (typeof v === 'number' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647) return v;
      break;
    case 'BIGINT':
      if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
      break;
    default:
      if (typeof v === 'number') return v;
  }
  const shown = typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : typeof v === 'number' || typeof v === 'boolean' ? String(v) : 'a value of type ' + typeof v;
  throw new Error('returned ' + shown + ', which is not ' + (returns === 'INT' ? 'an' : 'a') + ' ' + returns);
}

async function call(m) {
  let loading = modules.get(m.module.path);
  if (loading === undefined) {
    if (m.module.source === undefined) throw new Error('module ' + m.module.path + ' was not sent');
    loading = load(m.module).catch((e) => {
      throw new Error('does not load: ' + describe(e));
    });
    modules.set(m.module.path, loading);
  }
  const fn = pick(await loading, m.name, m.module.path);
  // Only loading: the answer is the result type the function declares, when it declares one as text.
  if (m.rows < 0) return typeof fn.returns === 'string' ? [fn.returns.slice(0, 100)] : [];
  const out = new Array(m.rows);
  const args = new Array(m.args.length);
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.args.length; j++) {
      const v = m.args[j].values[i];
      args[j] = m.args[j].timestamp && v !== null ? new ContextDate(v) : v;
    }
    let v;
    try {
      v = fn(...args);
    } catch (e) {
      throw new Error('threw on row ' + (i + 1) + ' of its batch: ' + describe(e));
    }
    try {
      out[i] = result(v, m.returns);
    } catch (e) {
      throw new Error(e.message + ' (row ' + (i + 1) + ' of its batch)');
    }
  }
  return out;
}

port.on('message', async (m) => {
  let answer;
  try {
    answer = { id: m.id, ok: true, values: await call(m) };
  } catch (e) {
    answer = { id: m.id, ok: false, error: describe(e) };
  }
  port.postMessage(answer);
  Atomics.store(flag, 0, m.id);
  Atomics.notify(flag, 0);
});
`;
