// The README's table of scalar functions lists every function the analyzer knows, each built-in one
// with exactly the signatures its declaration has, so the documentation cannot drift from the code.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_FUNCTIONS, signatureText } from '../../src/sql/functions/index.js';
import { SCALAR_FUNCTIONS } from '../../src/sql/scalar-calls.js';

const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
const table = readme.slice(readme.indexOf('### Scalar functions'), readme.indexOf('### Windows'));

describe("the README's table of scalar functions", () => {
  it('names every scalar function', () => {
    const missing = SCALAR_FUNCTIONS.filter((name) => !new RegExp(`\\b${name}\\b`).test(table));
    expect(missing).toEqual([]);
  });

  it('spells out every signature of the built-in functions, with its NULL handling', () => {
    const missing = [...BUILTIN_FUNCTIONS.values()].flatMap((f) => {
      const row = table.split('\n').find((line) => line.startsWith(`| \`${f.name}(`));
      if (row === undefined) return [f.name];
      const signatures = f.signatures.map((s) => `\`${signatureText(f.name, s).replace(/\|/g, '\\|')}\``);
      return signatures.every((s) => row.includes(s)) && row.includes(f.nulls ?? 'NULL if any argument is NULL') ? [] : [f.name];
    });
    expect(missing).toEqual([]);
  });
});
