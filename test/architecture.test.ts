// Layers import one way: server → sql → engine, and the browser's console imports none of them. This test
// reads import lines and fails on a wrong-way import.
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

function importedLayers(file: string): { target: string; layer: string }[] {
  const text = readFileSync(file, 'utf8');
  const found: { target: string; layer: string }[] = [];
  for (const match of text.matchAll(/(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/g)) {
    const target = resolve(dirname(file), match[1]!);
    const layer = relative(srcRoot, target).split(/[\\/]/)[0]!;
    found.push({ target: relative(srcRoot, target), layer });
  }
  return found;
}

const allowed: Record<string, readonly string[]> = {
  engine: ['engine'],
  sql: ['sql', 'engine'],
  server: ['server', 'sql', 'engine'],
  // The web console runs in a browser and knows the server only through its HTTP API.
  console: ['console'],
  consumer: ['consumer', 'engine'],
};

describe('layering', () => {
  for (const layer of Object.keys(allowed)) {
    it(`keeps ${layer}/ from importing layers above it`, () => {
      const dir = join(srcRoot, layer);
      const wrong = filesUnder(dir).flatMap((file) =>
        importedLayers(file)
          .filter((imp) => !allowed[layer]!.includes(imp.layer))
          .map((imp) => `${relative(srcRoot, file)} imports ${imp.target}`),
      );
      expect(wrong).toEqual([]);
    });
  }

  it('keeps the consumer library to the KPL module of the engine, so applications do not load the server', () => {
    const wrong = filesUnder(join(srcRoot, 'consumer')).flatMap((file) =>
      importedLayers(file)
        .filter((imp) => imp.layer === 'engine' && !imp.target.startsWith(join('engine', 'kpl')))
        .map((imp) => `${relative(srcRoot, file)} imports ${imp.target}`),
    );
    expect(wrong).toEqual([]);
  });
});
