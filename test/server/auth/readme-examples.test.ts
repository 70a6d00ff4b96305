// The credentials files shown in README.md's Security section are ones a server accepts, so the
// documentation cannot drift from the grammar.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStreamStore } from '../../../src/engine/index.js';
import { buildServer } from '../../../src/server/app.js';
import { parseCredentialsFile } from '../../../src/server/auth/credentials.js';

const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
const security = readme.slice(readme.indexOf('## Security'), readme.indexOf('\n## ', readme.indexOf('## Security') + 1));
const examples = [...security.matchAll(/```ini\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('the README’s credentials files', () => {
  it('are there to check', () => {
    expect(examples.length).toBeGreaterThanOrEqual(2);
  });

  it.each(examples.map((text, i) => [i + 1, text] as const))('example %i starts a server', async (_n, text) => {
    const store = await openStreamStore({});
    try {
      const credentials = parseCredentialsFile(text, 'README.md');
      expect(() => buildServer({ store, logger: false, auth: { credentials } })).not.toThrow();
    } finally {
      await store.close();
    }
  });

  it('gives the producer of the first example puts to orders and nothing else', () => {
    const producer = parseCredentialsFile(examples[0]!, 'README.md').find((c) => c.name === 'producer')!;
    expect(producer.permissions.allows('kinesis:PutRecords', 'stream/orders')).toBe(true);
    expect(producer.permissions.allows('kinesis:PutRecords', 'stream/other')).toBe(false);
    expect(producer.permissions.allows('kinesis:DeleteStream', 'stream/orders')).toBe(false);
  });
});
