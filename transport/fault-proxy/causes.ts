/**
 * Which fault a reconnect followed. The proxy tells the book when a fault closes an owner's
 * connection (cut, refused, swallowed by a blackhole the device gave up on, or closed by the
 * target during a restart); the owner's next connection that gets through is then a reconnect of
 * that fault once the target answers it, and the PUBLISH frames it resends with DUP are that
 * fault's too. Connections nobody
 * owns (no client id, no port known) are matched in order: the next such connect is the oldest's.
 */
import type { CauseCounters } from './types.js';

export class CauseBook {
  /** Per owner, the fault that closed its last connections, and how many of them it closed
   * (an HTTP group's pool has several). */
  private readonly lastCause = new Map<string, { cause: number; n: number }>();
  private readonly anonCauses: number[] = [];
  private readonly byFault = new Map<number, CauseCounters>();

  /** `live`: the connection had been answered (a refused connect adds no reconnect to wait for). */
  closed(owner: string | undefined, cause: number | undefined, live = true): void {
    if (cause === undefined) return;
    if (owner === undefined) return void this.anonCauses.push(cause);
    const e = this.lastCause.get(owner);
    if (e?.cause === cause) {
      if (live) e.n++;
    } else this.lastCause.set(owner, { cause, n: 1 });
  }

  /** A connection got through the proxy: the fault it would be a reconnect of, if any (not yet
   * counted: the target must answer it first). */
  peek(owner: string | undefined): number | undefined {
    return owner !== undefined ? this.lastCause.get(owner)?.cause : this.anonCauses[0];
  }

  /** The target answered the connection: a reconnect of `cause`, counted once. An attempt the
   * target never answered (down in a restart) is not one: the next attempt may still be. */
  confirmed(owner: string | undefined, cause: number): void {
    if (owner !== undefined) {
      const e = this.lastCause.get(owner);
      if (e?.cause !== cause) return;
      if (--e.n <= 0) this.lastCause.delete(owner);
    } else if (this.anonCauses[0] === cause) this.anonCauses.shift();
    else return;
    this.of(cause).reconnects++;
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
