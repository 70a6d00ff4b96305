import { describe, expect, it } from 'vitest';
import { statementActions } from '../../../src/server/auth/eddy-actions.js';
import { compileSql, staticCatalog } from '../../../src/sql/index.js';

const catalog = staticCatalog(
  ['clicks', 'orders', 'totals'].map((name) => ({
    name,
    columns: [
      { name: 'user_id', type: 'VARCHAR' as const },
      { name: 'ts', type: 'TIMESTAMP' as const },
    ],
    format: { kind: 'json' as const },
    watermark: { column: 'ts', delayMs: 0 },
  })),
);

describe('statementActions', () => {
  it('asks for eddy:Select on every stream a join reads, and eddy:InsertInto on its target', () => {
    const [statement] = compileSql(
      `INSERT INTO totals SELECT c.user_id, c.ts FROM clicks c JOIN orders o ON c.user_id = o.user_id AND o.ts BETWEEN c.ts AND c.ts + INTERVAL '1' MINUTE`,
      catalog,
    );
    expect(statementActions(statement!)).toEqual([
      { action: 'eddy:Select', resource: 'stream/clicks' },
      { action: 'eddy:Select', resource: 'stream/orders' },
      { action: 'eddy:InsertInto', resource: 'stream/totals' },
    ]);
  });
});
