/**
 * Acknowledgement deadlines on a manual clock: each event is answered once, by its ack or by its
 * deadline; expiry goes in send order; the ring grows past its first size with entries settled
 * out of order; a late ack for an expired event is dropped even when its slot was reused.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import { Deadlines } from '../transport/deadlines.js';

function setup(timeoutMs = 100) {
  const clock = new ManualClock();
  const answers: string[] = [];
  const expired: number[] = [];
  const deadlines = new Deadlines(
    timeoutMs,
    (d) => {
      expired.push(d);
      deadlines.settle(d, new Error('timeout'));
    },
    clock,
  );
  const add = (name: string) => deadlines.add((err) => answers.push(`${name}:${err ? err.message : 'ok'}`));
  return { clock, deadlines, answers, expired, add };
}

describe('acknowledgement deadlines', () => {
  it('answers each event once: by its ack, or by its deadline in send order', () => {
    const { clock, deadlines, answers, add } = setup();
    const a = add('a');
    clock.advance(10);
    const b = add('b');
    const c = add('c');
    expect(deadlines.settle(b, undefined)).toBe(true);
    expect(deadlines.settle(b, undefined)).toBe(false);
    clock.advance(200);
    deadlines.sweep();
    expect(answers).toEqual(['b:ok', 'a:timeout', 'c:timeout']);
    expect(deadlines.settle(a, undefined)).toBe(false);
    expect(deadlines.settle(c, undefined)).toBe(false);
    expect(deadlines.pending).toBe(0);
  });

  it('grows past its first ring with events settled out of order, each answer reaching its own event', () => {
    const { deadlines, answers, add } = setup();
    const tickets = Array.from({ length: 300 }, (_, i) => add(`e${i}`));
    for (let i = 299; i >= 0; i -= 2) deadlines.settle(tickets[i]!, undefined);
    expect(deadlines.pending).toBe(150);
    for (let i = 0; i < 300; i += 2) deadlines.settle(tickets[i]!, undefined);
    expect(new Set(answers).size).toBe(300);
    expect(deadlines.pending).toBe(0);
  });

  it('drops a late ack for an expired event even after its slot holds a newer one', () => {
    const { clock, deadlines, answers, add } = setup();
    const old = add('old');
    clock.advance(200);
    deadlines.sweep();
    const fresh = Array.from({ length: 64 }, (_, i) => add(`new${i}`));
    expect(deadlines.settle(old, undefined)).toBe(false);
    expect(answers).toEqual(['old:timeout']);
    for (const d of fresh) expect(deadlines.settle(d, undefined)).toBe(true);
    expect(answers.length).toBe(65);
  });
});
