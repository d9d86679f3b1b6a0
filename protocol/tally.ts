/**
 * Tallies: per app, how many (device, app) pairs sit in each (platform, status, state). The
 * embedded endpoint keeps them live; reconciliation computes the expected ones from device ground
 * truth. Both use this one class so the two sides cannot disagree about the shape.
 */
import type { Platform } from './catalogue/catalogue.js';

/** platform -> status -> state -> count */
export type PlatformTally = Partial<Record<Platform, Record<string, Record<string, number>>>>;

/** The JSON of `GET /v1/apps/{appId}/tallies`. */
export interface AppTallies {
  appId: string;
  /** Number of (device, app) pairs known for the app. */
  total: number;
  /** status -> { total, states: state -> count }, all platforms together. */
  statuses: Record<string, { total: number; states: Record<string, number> }>;
  /** The same per platform: platform -> status -> state -> count. */
  platforms: PlatformTally;
}

export class TallyBook {
  private readonly apps = new Map<string, Map<string, number>>();

  private static key(platform: Platform, status: string, state: string): string {
    return `${platform}\u0000${status}\u0000${state}`;
  }

  /** Adds `delta` to one cell; constant work. Cells that fall to zero are removed. */
  add(appId: string, platform: Platform, status: string, state: string, delta: number): void {
    let cells = this.apps.get(appId);
    if (!cells) {
      cells = new Map();
      this.apps.set(appId, cells);
    }
    const k = TallyBook.key(platform, status, state);
    const n = (cells.get(k) ?? 0) + delta;
    if (n === 0) cells.delete(k);
    else cells.set(k, n);
  }

  /** Moves one pair from one cell to another (an update of its latest status). */
  move(
    appId: string,
    platform: Platform,
    from: { status: string; state: string } | undefined,
    toStatus: string,
    toState: string,
  ): void {
    if (from) this.add(appId, platform, from.status, from.state, -1);
    this.add(appId, platform, toStatus, toState, 1);
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
