/**
 * The faults the proxy holds on now: partitions (refuse or blackhole) and shapings (latency,
 * jitter, bandwidth), each with its scope and the fault it came from, and which of them cover a
 * connection (by the source port, or by whose it is).
 */
import type { Shaping } from './lane.js';
import type { PartitionMode, ProxyScope } from './types.js';

export interface Rule<T> {
  scope: ProxyScope | undefined;
  value: T;
  /** The fault's index: what the reconnects after it are counted under. */
  cause?: number | undefined;
}

export type Direction = 'up' | 'down' | 'both';

/** A connection as a scope sees it. */
export interface Scoped {
  sourcePort: number;
  owner: string | undefined;
}

export function inScope(scope: ProxyScope | undefined, c: Scoped): boolean {
  if (!scope || (!scope.ids && !scope.ports)) return true;
  if (scope.ports?.has(c.sourcePort)) return true;
  return c.owner !== undefined && scope.ids?.has(c.owner) === true;
}

export class ProxyRules {
  private readonly partitions: Rule<PartitionMode>[] = [];
  private readonly shapings: Rule<{ shaping: Shaping; direction: Direction }>[] = [];

  partition(rule: Rule<PartitionMode>): () => void {
    this.partitions.push(rule);
    return () => remove(this.partitions, rule);
  }

  shape(rule: Rule<{ shaping: Shaping; direction: Direction }>): () => void {
    this.shapings.push(rule);
    return () => remove(this.shapings, rule);
  }

  refusing(c: Scoped): Rule<PartitionMode> | undefined {
    return this.partitions.find((r) => r.value === 'refuse' && inScope(r.scope, c));
  }

  blackholing(c: Scoped): Rule<PartitionMode> | undefined {
    return this.partitions.find((r) => r.value === 'blackhole' && inScope(r.scope, c));
  }

  /** The shaping of each direction that covers the connection (the latest one wins). */
  shapingOf(c: Scoped): { up: Shaping | undefined; down: Shaping | undefined } {
    let up: Shaping | undefined;
    let down: Shaping | undefined;
    for (const r of this.shapings) {
      if (!inScope(r.scope, c)) continue;
      if (r.value.direction !== 'down') up = r.value.shaping;
      if (r.value.direction !== 'up') down = r.value.shaping;
    }
    return { up, down };
  }
}

function remove<T>(rules: Rule<T>[], rule: Rule<T>): void {
  const i = rules.indexOf(rule);
  if (i >= 0) rules.splice(i, 1);
}
