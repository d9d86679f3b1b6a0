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

type Cells = Map<Platform, Map<string, Map<string, number>>>;
const sorted = <K extends string, V>(m: Map<K, V>): [K, V][] => [...m].sort((a, b) => (a[0] < b[0] ? -1 : 1));

export class TallyBook {
  /** app -> platform -> status -> state -> count. Nested maps: no key string is built per event. */
  private readonly apps = new Map<string, Cells>();

  /** Adds `delta` to one cell; constant work. Cells that fall to zero are removed. */
  add(appId: string, platform: Platform, status: string, state: string, delta: number): void {
    let platforms = this.apps.get(appId);
    if (!platforms) {
      platforms = new Map();
      this.apps.set(appId, platforms);
    }
    let statuses = platforms.get(platform);
    if (!statuses) {
      statuses = new Map();
      platforms.set(platform, statuses);
    }
    let states = statuses.get(status);
    if (!states) {
      states = new Map();
      statuses.set(status, states);
    }
    const n = (states.get(state) ?? 0) + delta;
    if (n === 0) states.delete(state);
    else states.set(state, n);
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

  /** In the order of (platform, status, state), as when the cells were one string key each. */
  get(appId: string): AppTallies {
    const out: AppTallies = { appId, total: 0, statuses: {}, platforms: {} };
    const platforms = this.apps.get(appId);
    if (!platforms) return out;
    for (const [platform, statuses] of sorted(platforms)) {
      for (const [status, states] of sorted(statuses)) {
        for (const [state, n] of sorted(states)) {
          out.total += n;
          const s = (out.statuses[status] ??= { total: 0, states: {} });
          s.total += n;
          s.states[state] = (s.states[state] ?? 0) + n;
          const p = (out.platforms[platform] ??= {});
          (p[status] ??= {})[state] = n;
        }
      }
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
