// Layers import one way, cli → server → statements → sql → engine, and the browser's console imports none
// of them; other layers reach statements/, sql/ and the engine only through their doors, and inside the
// engine no folder imports one that sits above it. This test reads import lines (static, `export … from` and dynamic
// `import()`) and fails on a wrong-way import.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

const srcRoot = resolve(__dirname, '..', 'src');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : /\.tsx?$/.test(path) ? [path] : [];
  });
}

interface Import {
  /** The importing file, relative to src/. */
  readonly from: string;
  /** The imported file, relative to src/, as written (`engine/index.js`). */
  readonly target: string;
}

const IMPORT_PATTERNS = [
  /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/g,
  /(?:^|[\s;])import\s+['"](\.[^'"]+)['"]/g,
  /\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g,
];

/** Relative imports of a file, comments left out so an example in a comment is not taken for one. */
function importsOf(file: string, text = readFileSync(file, 'utf8')): Import[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const from = relative(srcRoot, file);
  return IMPORT_PATTERNS.flatMap((pattern) =>
    [...code.matchAll(pattern)].map((match) => ({ from, target: relative(srcRoot, resolve(dirname(file), match[1]!)) })),
  );
}

const topOf = (path: string): string => path.split(/[\\/]/)[0]!;

/** Which top-level layers each layer may import (a layer may always import itself). */
const allowedLayers: Record<string, readonly string[]> = {
  'index.ts': ['server', 'statements', 'sql', 'engine'],
  cli: ['server', 'statements', 'sql', 'engine'],
  server: ['statements', 'sql', 'engine'],
  statements: ['sql', 'engine'],
  sql: ['engine'],
  engine: [],
  // The web console runs in a browser and knows the server only through its HTTP API.
  console: [],
  // The consumer library runs in applications: it speaks the Kinesis API and shares only the KPL format.
  consumer: ['engine'],
};

/** The files of a layer that other layers may import; the rest is private to the layer. */
const doors: Record<string, (importer: string) => readonly string[]> = {
  engine: (importer) =>
    topOf(importer) === 'sql'
      ? ['engine/index.js', 'engine/plan/index.js', 'engine/errors.js']
      : topOf(importer) === 'consumer'
        ? ['engine/kpl/index.js']
        : // The CLI's stream commands read KPL aggregates, and `eddy sql` prints DECIMAL digits as they
          // came (json-text.js), without loading the whole engine.
          topOf(importer) === 'cli'
          ? ['engine/index.js', 'engine/kpl/index.js', 'engine/batch/json-text.js']
          : ['engine/index.js'],
  sql: () => ['sql/index.js'],
  statements: () => ['statements/index.js'],
};

/**
 * The engine's parts from the bottom up: each may import only parts on lower rows (and itself). Files
 * at the engine's root are parts of their own.
 */
const engineRanks: readonly (readonly string[])[] = [
  ['errors.ts', 'clock.ts'],
  ['plan'],
  ['atomic-file.ts', 'safe-path.ts', 'configured-directory.ts'],
  ['kpl', 'analytics'],
  ['stream'],
  ['cluster'],
  // Consumer-group leases live in the cluster's shared bucket when there is one.
  ['leases'],
  ['batch'],
  ['expr'],
  ['operators', 'catalog', 'udf'],
  ['query', 'delivery', 'functions', 'tables'],
  ['connectors'],
  ['engine.ts'],
  ['index.ts'],
];

function engineRank(path: string): number {
  const part = relative('engine', path).split(/[\\/]/)[0]!.replace(/\.js$/, '.ts');
  const rank = engineRanks.findIndex((row) => row.includes(part));
  if (rank < 0) throw new Error(`engine/${part} is in no row of engineRanks: add it where it belongs`);
  return rank;
}

const enginePart = (path: string): string => relative('engine', path).split(/[\\/]/)[0]!.replace(/\.js$/, '.ts');

/** Every wrong import among these, as readable lines. */
function wrongImports(imports: readonly Import[]): string[] {
  return imports.flatMap(({ from, target }) => {
    const layer = topOf(from);
    const targetLayer = topOf(target);
    const line = `${from} imports ${target}`;
    if (targetLayer === layer) {
      if (layer !== 'engine' || enginePart(from) === enginePart(target)) return [];
      return engineRank(target) < engineRank(from) ? [] : [`${line}: engine/${enginePart(target)} does not sit below engine/${enginePart(from)}`];
    }
    const allowed = allowedLayers[layer];
    if (allowed === undefined) return [`${line}: ${layer} is not a known layer`];
    if (!allowed.includes(targetLayer)) return [`${line}: ${layer} may not import ${targetLayer}/`];
    const door = doors[targetLayer]?.(from);
    if (door && !door.includes(target)) return [`${line}: outside ${targetLayer}/, import ${door.join(' or ')}`];
    return [];
  });
}

describe('layering', () => {
  for (const layer of Object.keys(allowedLayers)) {
    it(`keeps ${layer}${layer.endsWith('.ts') ? '' : '/'} to the layers below it and their doors`, () => {
      const path = join(srcRoot, layer);
      const files = statSync(path).isDirectory() ? filesUnder(path) : [path];
      expect(wrongImports(files.flatMap((file) => importsOf(file)))).toEqual([]);
    });
  }

  it('knows every top-level folder and file of src/', () => {
    expect(readdirSync(srcRoot).filter((name) => allowedLayers[name] === undefined)).toEqual([]);
  });

  it('finds static, re-exported, type-only and dynamic imports, and not ones in comments', () => {
    const file = join(srcRoot, 'engine', 'plan', 'example.ts');
    const text = [
      "import type { A } from '../query/pipeline.js';",
      "export { B } from '../operators/registry.js';",
      'const c = await import(\'../stream/stream.js\');',
      "import '../batch/rows.js';",
      "// import { D } from '../delivery/index.js';",
      "/* export * from '../catalog/catalog.js'; */",
    ].join('\n');
    expect(importsOf(file, text).map((i) => i.target).sort()).toEqual(
      ['engine/batch/rows.js', 'engine/operators/registry.js', 'engine/query/pipeline.js', 'engine/stream/stream.js'],
    );
  });

  it('names wrong-way imports, deep imports and imports up the engine', () => {
    expect(
      wrongImports([
        { from: 'engine/query/pipeline.ts', target: 'sql/index.js' },
        { from: 'server/app.ts', target: 'engine/query/pipeline.js' },
        { from: 'sql/compile.ts', target: 'engine/plan/plan.js' },
        { from: 'engine/batch/rows.ts', target: 'engine/operators/operator.js' },
        { from: 'engine/operators/filter.ts', target: 'engine/batch/take.js' },
        { from: 'cli/main.ts', target: 'server/app.js' },
        { from: 'sql/compile.ts', target: 'statements/index.js' },
        { from: 'server/http/v1-routes.ts', target: 'statements/statement-executor.js' },
      ]),
    ).toEqual([
      'engine/query/pipeline.ts imports sql/index.js: engine may not import sql/',
      'server/app.ts imports engine/query/pipeline.js: outside engine/, import engine/index.js',
      'sql/compile.ts imports engine/plan/plan.js: outside engine/, import engine/index.js or engine/plan/index.js or engine/errors.js',
      'engine/batch/rows.ts imports engine/operators/operator.js: engine/operators does not sit below engine/batch',
      'sql/compile.ts imports statements/index.js: sql may not import statements/',
      'server/http/v1-routes.ts imports statements/statement-executor.js: outside statements/, import statements/index.js',
    ]);
  });
});
