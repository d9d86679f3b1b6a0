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

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isCount = (x: unknown): boolean => typeof x === 'number' && Number.isInteger(x) && x >= 0;

/**
 * What is wrong with a tallies answer for `appId`, in words, or undefined when it has the shape
 * above. A target's answer is checked before anything reads it, so a wrong one is a clear error
 * naming the field rather than a crash further on.
 */
export function talliesShapeProblem(body: unknown, appId: string): string | undefined {
  if (!isObject(body)) return `the body is ${Array.isArray(body) ? 'an array' : typeof body}, not an object`;
  if (body.appId === undefined) return 'it has no "appId"';
  if (body.appId !== appId) return `its "appId" is ${JSON.stringify(body.appId)}, not "${appId}"`;
  if (!isCount(body.total)) return `its "total" is ${JSON.stringify(body.total)}, not a count`;
  if (!isObject(body.statuses)) return 'it has no "statuses" object';
  for (const [status, s] of Object.entries(body.statuses)) {
    if (!isObject(s) || !isCount(s.total) || !isObject(s.states)) return `statuses.${status} is not { total, states }`;
    for (const [state, n] of Object.entries(s.states))
      if (!isCount(n)) return `statuses.${status}.states.${state} is ${JSON.stringify(n)}, not a count`;
  }
  if (!isObject(body.platforms)) return 'it has no "platforms" object';
  for (const [platform, statuses] of Object.entries(body.platforms)) {
    if (!isObject(statuses)) return `platforms.${platform} is not an object`;
    for (const [status, states] of Object.entries(statuses)) {
      if (!isObject(states)) return `platforms.${platform}.${status} is not an object`;
      for (const [state, n] of Object.entries(states))
        if (!isCount(n)) return `platforms.${platform}.${status}.${state} is ${JSON.stringify(n)}, not a count`;
    }
  }
  return undefined;
}
