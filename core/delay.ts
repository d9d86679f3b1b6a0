/**
 * Delay distributions in simulated time. A scenario writes them as
 *   "30s" | { fixed: "30s" } | { uniform: ["1s", "5m"] } | { exponential: "2h" } (mean)
 *   | { lognormal: { median: "10s", sigma: 1 } }
 * and they are compiled once into a `Delay` that draws from a device's own Rng.
 */
import type { RandomSource } from './rng.js';

export type Delay =
  | { kind: 'fixed'; ms: number }
  | { kind: 'uniform'; minMs: number; maxMs: number }
  | { kind: 'exponential'; meanMs: number }
  | { kind: 'lognormal'; medianMs: number; sigma: number };

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "250ms", "30s", "5m", "2h", "7d", or a number of ms. Returns undefined if it is none of those. */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)}s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(ms % 60_000 === 0 ? 0 : 1)}m`;
  if (ms < 86_400_000) return `${(ms / 3_600_000).toFixed(ms % 3_600_000 === 0 ? 0 : 1)}h`;
  return `${(ms / 86_400_000).toFixed(ms % 86_400_000 === 0 ? 0 : 1)}d`;
}

export const fixed = (ms: number): Delay => ({ kind: 'fixed', ms });
export const uniform = (minMs: number, maxMs: number): Delay => ({ kind: 'uniform', minMs, maxMs });
export const exponential = (meanMs: number): Delay => ({ kind: 'exponential', meanMs });
export const lognormal = (medianMs: number, sigma: number): Delay => ({ kind: 'lognormal', medianMs, sigma });

/** Draws one delay in whole simulated milliseconds. Always consumes exactly two draws, whatever
 * the kind, so that overriding one delay (even its kind) never shifts later decisions. */
export function sample(d: Delay, rng: RandomSource): number {
  return sampleFrom(d, rng.next(), rng.next());
}

const PAIR = new Float64Array(3);

/** A delay from two uniform draws in [0, 1). */
export function sampleFrom(d: Delay, u1: number, u2: number): number {
  PAIR[1] = u1;
  PAIR[2] = u2;
  return sampleDrawn(d, PAIR);
}

/**
 * sampleFrom(d, draws[1], draws[2]): the engine keeps each hop's draws in a typed array, as a
 * fractional number passed to a call is boxed on the heap (two per hop, a third of the garbage).
 */
export function sampleDrawn(d: Delay, draws: Float64Array): number {
  const u1 = draws[1]!;
  const u2 = draws[2]!;
  switch (d.kind) {
    case 'fixed':
      return Math.round(d.ms);
    case 'uniform':
      return Math.round(d.minMs + u1 * (d.maxMs - d.minMs));
    case 'exponential':
      return Math.round(-Math.log(1 - u1) * d.meanMs);
    case 'lognormal': {
      // Box-Muller on (1 - u1) in (0, 1]: one normal from exactly two draws.
      const z = Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
      return Math.round(d.medianMs * Math.exp(d.sigma * z));
    }
  }
}

export function describeDelay(d: Delay): string {
  switch (d.kind) {
    case 'fixed':
      return formatDuration(d.ms);
    case 'uniform':
      return `uniform ${formatDuration(d.minMs)}..${formatDuration(d.maxMs)}`;
    case 'exponential':
      return `exponential mean ${formatDuration(d.meanMs)}`;
    case 'lognormal':
      return `lognormal median ${formatDuration(d.medianMs)} sigma ${d.sigma}`;
  }
}

/** Compiles a scenario's delay spec (already validated by the schema) into a Delay. */
export function compileDelay(spec: unknown): Delay {
  if (typeof spec === 'string' || typeof spec === 'number') return { kind: 'fixed', ms: parseDuration(spec)! };
  const o = spec as Record<string, unknown>;
  if ('fixed' in o) return { kind: 'fixed', ms: parseDuration(o.fixed as string)! };
  if ('uniform' in o) {
    const [a, b] = o.uniform as [string, string];
    return { kind: 'uniform', minMs: parseDuration(a)!, maxMs: parseDuration(b)! };
  }
  if ('exponential' in o) return { kind: 'exponential', meanMs: parseDuration(o.exponential as string)! };
  const ln = o.lognormal as { median: string; sigma: number };
  return { kind: 'lognormal', medianMs: parseDuration(ln.median)!, sigma: ln.sigma };
}
