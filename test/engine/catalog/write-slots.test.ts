// Checkpoint writes share a few slots: never more at once than the slots, each waiting write in turn.
import { describe, expect, it } from 'vitest';
import { WriteSlots } from '../../../src/engine/catalog/write-slots.js';

describe('write slots', () => {
  it('run at most as many writes at once as there are slots, the rest in the order they asked', async () => {
    const slots = new WriteSlots(2);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const gates: (() => void)[] = [];
    const writes = Array.from({ length: 6 }, (_, i) =>
      slots.run(async () => {
        running++;
        most = Math.max(most, running);
        order.push(i);
        await new Promise<void>((r) => gates.push(r));
        running--;
      }),
    );
    // Each finished write lets exactly one waiting write start.
    for (let opened = 0; opened < 6; opened++) {
      await expect.poll(() => gates.length).toBe(Math.min(6, 2 + opened));
      expect(slots.queued).toBe(Math.max(0, 6 - gates.length));
      gates[opened]!();
    }
    await Promise.all(writes);
    expect(most).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('free the slot of a write that fails', async () => {
    const slots = new WriteSlots(1);
    await expect(slots.run(() => Promise.reject(new Error('disk full')))).rejects.toThrow('disk full');
    expect(await slots.run(async () => 'next')).toBe('next');
  });
});
