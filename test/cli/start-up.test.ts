// Every `eddy` command pays for what cli/main.js imports statically, so the heavy parts (the SQL parser,
// the AWS SDK, the server and engine) must be loaded by the commands that use them, when they run.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const src = resolve(__dirname, '..', '..', 'src');

/** Modules reached from `entry` through static imports only, as the compiled JavaScript has them. */
function staticGraph(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    // Transpiling drops type-only imports, which cost nothing at run time.
    const js = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
      fileName: file,
    }).outputText;
    for (const m of js.matchAll(/^\s*(?:import|export)\s(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]/gm)) {
      const spec = m[1]!;
      if (spec.startsWith('.')) pending.push(resolve(dirname(file), spec).replace(/\.js$/, '.ts'));
      else packages.add(spec);
    }
  }
  return { files: [...files].map((f) => relative(src, f)).sort(), packages: [...packages].sort() };
}

describe('eddy start-up', () => {
  const graph = staticGraph(join(src, 'cli', 'main.ts'));

  it('does not load the SQL parser until eddy sql needs it', () => {
    expect(graph.files.filter((f) => f.startsWith('sql/'))).toEqual([]);
    expect(graph.packages).not.toContain('chevrotain');
  });

  it('loads only node built-ins before a command runs: the SDK, ws, the server and the engine come later', () => {
    expect(graph.packages.filter((p) => !p.startsWith('node:'))).toEqual([]);
    expect(graph.files.filter((f) => !f.startsWith('cli/'))).toEqual([]);
  });
});
