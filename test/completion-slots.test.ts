/**
 * The drive loop's completion callbacks: one per slot, reused, so events in flight cost no
 * closure each; each answer reaches the event it belongs to, and a second answer is ignored.
 */
import { describe, expect, it } from 'vitest';
import { CompletionSlots } from '../drive/completion-slots.js';

describe('completion slots', () => {
  it('hands out a callback per event in flight and reuses it once its event settled', () => {
    const seen: [number, number, string | undefined, number][] = [];
    const slots = new CompletionSlots((_d, sentAt, row, err, queuedMs) =>
      seen.push([sentAt, row, err?.message, queuedMs]),
    );
    const a = slots.take(10, 1, 'd');
    const b = slots.take(20, 2, 'd');
    expect(a).not.toBe(b);
    b(new Error('lost'), 0);
    a(undefined, 5);
    expect(seen).toEqual([
      [20, 2, 'lost', 0],
      [10, 1, undefined, 5],
    ]);
    const again = [slots.take(30, 3, 'd'), slots.take(40, 4, 'd')];
    expect(new Set(again)).toEqual(new Set([a, b]));
  });

  it('ignores a second answer for the same event', () => {
    let n = 0;
    const slots = new CompletionSlots(() => n++);
    const done = slots.take(1, 0, 'd');
    done(undefined);
    done(undefined);
    expect(n).toBe(1);
  });

  it('grows past its first arrays with every event keeping its own figures', () => {
    const got = new Map<number, number>();
    const slots = new CompletionSlots((_d, sentAt, row) => got.set(row, sentAt));
    const dones = Array.from({ length: 500 }, (_, i) => slots.take(i * 2, i, 'd'));
    for (const d of dones) d(undefined);
    expect(got.size).toBe(500);
    for (let i = 0; i < 500; i++) expect(got.get(i)).toBe(i * 2);
  });
});
