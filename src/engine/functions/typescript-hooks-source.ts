// Module hooks a function worker registers when its handler is a TypeScript module (.ts, .mts): each
// TypeScript file it imports is transpiled with the `typescript` package on load (types are not checked),
// and `./x.js` imports find `./x.ts`, as TypeScript's NodeNext convention writes them. Node 20 runs no
// TypeScript by itself; a data: URL keeps the hooks independent of where Eddy's files are.

const SOURCE = String.raw`
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
let ts;
export function initialize(data) {
  ts = createRequire(data.typescript)('typescript');
}
const isTs = (url) => /\.(ts|mts)$/.test(new URL(url).pathname);
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (e) {
    if (context.parentURL && isTs(context.parentURL) && /^\.\.?\//.test(specifier) && /\.m?js$/.test(specifier)) {
      return nextResolve(specifier.replace(/\.js$/, '.ts').replace(/\.mjs$/, '.mts'), context);
    }
    throw e;
  }
}
export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !isTs(url)) return nextLoad(url, context);
  const text = await readFile(fileURLToPath(url), 'utf8');
  const out = ts.transpileModule(text, {
    fileName: fileURLToPath(url),
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false, inlineSourceMap: true },
  });
  return { format: 'module', source: out.outputText, shortCircuit: true };
}
`;

export const TYPESCRIPT_HOOKS_URL = `data:text/javascript,${encodeURIComponent(SOURCE)}`;
