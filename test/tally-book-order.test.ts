/**
 * TallyBook keeps its cells in nested maps (no key string built per event). Its answers must be
 * byte for byte what the one-string-key book gave: the same counts, the same cells dropped at zero,
 * and the same key order in the JSON (ids that are prefixes of others included).
 */
import { describe, expect, it } from 'vitest';
import type { Platform } from '../protocol/catalogue/catalogue.js';
import { type AppTallies, TallyBook } from '../protocol/tally.js';
import { prng } from './helpers/endpoint-events.js';

/** The book as it was: one `platform\0status\0state` key per cell. */
class StringKeyBook {
  private readonly apps = new Map<string, Map<string, number>>();
  add(appId: string, platform: Platform, status: string, state: string, delta: number): void {
    let cells = this.apps.get(appId);
    if (!cells) {
      cells = new Map();
      this.apps.set(appId, cells);
    }
    const k = `${platform}\u0000${status}\u0000${state}`;
    const n = (cells.get(k) ?? 0) + delta;
    if (n === 0) cells.delete(k);
    else cells.set(k, n);
  }
  appIds(): string[] {
    return [...this.apps.keys()].sort();
  }
  get(appId: string): AppTallies {
    const out: AppTallies = { appId, total: 0, statuses: {}, platforms: {} };
    const cells = this.apps.get(appId);
    if (!cells) return out;
    for (const k of [...cells.keys()].sort()) {
      const n = cells.get(k)!;
      const [platform, status, state] = k.split('\u0000') as [Platform, string, string];
      out.total += n;
      const s = (out.statuses[status] ??= { total: 0, states: {} });
      s.total += n;
      s.states[state] = (s.states[state] ?? 0) + n;
      const p = (out.platforms[platform] ??= {});
      (p[status] ??= {})[state] = n;
    }
    return out;
  }
}

const PLATFORMS: Platform[] = ['windows', 'ios', 'dme', 'android'];
const IDS = ['installed', 'install', 'a', 'ab', 'b', 'installed_verified', 'pending_install', 'Z'];

describe('TallyBook', () => {
  it('answers exactly as the string-keyed book did, through adds, moves and cells falling to zero', () => {
    const rand = prng(11);
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
    const book = new TallyBook();
    const ref = new StringKeyBook();
    const live: [string, Platform, string, string][] = [];
    for (let i = 0; i < 20_000; i++) {
      if (live.length > 0 && rand() < 0.45) {
        const [app, p, status, state] = live.splice(Math.floor(rand() * live.length), 1)[0]!;
        book.add(app, p, status, state, -1);
        ref.add(app, p, status, state, -1);
      } else {
        const cell: [string, Platform, string, string] = [
          pick(['app.b', 'app.a', '*']),
          pick(PLATFORMS),
          pick(IDS),
          pick(IDS),
        ];
        live.push(cell);
        book.add(...cell, 1);
        ref.add(...cell, 1);
      }
      if (i % 997 === 0)
        for (const app of ref.appIds()) expect(JSON.stringify(book.get(app))).toBe(JSON.stringify(ref.get(app)));
    }
    // everything taken out again: every cell gone, the apps still known
    for (const [app, p, status, state] of live.splice(0)) {
      book.add(app, p, status, state, -1);
      ref.add(app, p, status, state, -1);
    }
    expect(book.appIds()).toEqual(ref.appIds());
    for (const app of ref.appIds())
      expect(book.get(app)).toEqual({ appId: app, total: 0, statuses: {}, platforms: {} });
  });
});
