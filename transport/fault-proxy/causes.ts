/**
 * Which fault a reconnect followed. The proxy tells the book when a fault closes an owner's
 * connection (cut, refused, swallowed by a blackhole the device gave up on, or closed by the
 * target during a restart); the owner's next connection that gets through is then a reconnect of
 * that fault, and the PUBLISH frames it resends with DUP are that fault's too. Connections nobody
 * owns (no client id, no port known) are matched in order: the next such connect is the oldest's.
 */
import type { CauseCounters } from './types.js';

export class CauseBook {
  private readonly lastCause = new Map<string, number>();
  private readonly anonCauses: number[] = [];
  private readonly byFault = new Map<number, CauseCounters>();

  closed(owner: string | undefined, cause: number | undefined): void {
    if (cause === undefined) return;
    if (owner !== undefined) this.lastCause.set(owner, cause);
    else this.anonCauses.push(cause);
  }

  /** A connection got through: the fault it is a reconnect of, if any, counted. */
  reconnected(owner: string | undefined): number | undefined {
    const cause = owner !== undefined ? this.lastCause.get(owner) : this.anonCauses.shift();
    if (cause === undefined) return undefined;
    this.of(cause).reconnects++;
    if (owner !== undefined) this.lastCause.delete(owner);
    return cause;
  }

  resent(cause: number, dups: number): void {
    this.of(cause).dupPublishes += dups;
  }

  all(): ReadonlyMap<number, Readonly<CauseCounters>> {
    return this.byFault;
  }

  private of(cause: number): CauseCounters {
    let c = this.byFault.get(cause);
    if (!c) this.byFault.set(cause, (c = { reconnects: 0, dupPublishes: 0 }));
    return c;
  }
}
