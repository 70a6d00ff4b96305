import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/engine/analytics/seeded-random.js';

describe('SeededRandom', () => {
  it('skips a number exactly as drawing it would, and carries on from its state', () => {
    const drawn = new SeededRandom(42);
    const skipped = new SeededRandom(42);
    for (let i = 0; i < 100; i++) {
      if (i % 3 === 0) {
        drawn.nextOpen();
        skipped.skip();
      } else {
        expect(skipped.nextUint32()).toBe(drawn.nextUint32());
      }
    }
    expect(skipped.getState()).toBe(drawn.getState());
    expect(new SeededRandom(skipped.getState()).next()).toBe(drawn.next());
  });
});
