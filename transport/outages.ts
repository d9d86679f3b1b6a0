/**
 * Outages as the devices lived them. A device is down from the moment its link to the target
 * dropped (an MQTT connection closed that nobody asked to close, an HTTP request that found the
 * target unreachable) until it is connected (answered) again. An outage is a span in which at
 * least one device was down: it starts when the first goes down and ends when the last is back,
 * so a broker that is killed and restarted is one outage however its devices trickle back.
 * Transports feed this; the result carries it (result/connectivity.ts) and every rendering says
 * it; a fault's own figures can be read from the same spans (the outages inside its window).
 */

/** One outage. Times are epoch ms, from the transport's clock. */
export interface Outage {
  /** The first device of it lost its link. */
  from: number;
  /** The last device of it was back; for one still open when the run ended, the run's end. */
  to: number;
  /** Devices (connections, with shared connections) that were down in it. */
  devices: number;
  /** Times a device got its link back in it. */
  reconnects: number;
  /** Events sent again because their first attempt was lost to it (resent after a reconnect,
   * retried after the target was unreachable). */
  resent: number;
  /** Longest any device of it was down, ms. */
  longestDownMs: number;
  /** Devices still down when the run ended (the outage never closed); absent when none. */
  stillDown?: number;
}

/** What the transports report, and what the run reads back. */
export class OutageLog {
  private readonly downSince = new Map<string, number>();
  private readonly done: Outage[] = [];
  private open: { outage: Outage; seen: Set<string> } | undefined;
  /** The last outage, open or closed: resends that follow a reconnect belong to it. */
  private last: Outage | undefined;

  constructor(private readonly now: () => number) {}

  /** The device's link dropped (again: a failed reconnect attempt changes nothing). */
  down(id: string): void {
    if (this.downSince.has(id)) return;
    const at = this.now();
    this.downSince.set(id, at);
    if (!this.open) {
      const outage: Outage = { from: at, to: at, devices: 0, reconnects: 0, resent: 0, longestDownMs: 0 };
      this.open = { outage, seen: new Set() };
      this.last = outage;
    }
    if (!this.open.seen.has(id)) {
      this.open.seen.add(id);
      this.open.outage.devices++;
    }
  }

  /** The device is connected again (or got an answer). Nothing happens for one that was not down. */
  up(id: string): void {
    const since = this.downSince.get(id);
    if (since === undefined) return;
    this.downSince.delete(id);
    const at = this.now();
    const o = this.open!.outage;
    o.reconnects++;
    o.longestDownMs = Math.max(o.longestDownMs, at - since);
    if (this.downSince.size === 0) this.closeOpen(at);
  }

  /** The device is gone for good while down (the run ended its connection): it is no longer waited for. */
  gone(id: string): void {
    const since = this.downSince.get(id);
    if (since === undefined) return;
    this.downSince.delete(id);
    const at = this.now();
    const o = this.open!.outage;
    o.longestDownMs = Math.max(o.longestDownMs, at - since);
    o.stillDown = (o.stillDown ?? 0) + 1;
    if (this.downSince.size === 0) this.closeOpen(at);
  }

  /** `n` events went again because of the current (or the last) outage. */
  resent(n: number): void {
    if (n > 0 && this.last) this.last.resent += n;
  }

  private closeOpen(at: number): void {
    const o = this.open!.outage;
    o.to = at;
    this.done.push(o);
    this.open = undefined;
  }

  /** Devices down now. */
  downNow(): number {
    return this.downSince.size;
  }

  /** How long the open outage has lasted, ms; 0 when there is none. */
  openForMs(): number {
    return this.open ? this.now() - this.open.outage.from : 0;
  }

  /** Every outage so far, the open one as if it ended now (its devices counted as still down). */
  outages(): Outage[] {
    const out = this.done.map((o) => ({ ...o }));
    if (this.open) {
      const at = this.now();
      let longest = this.open.outage.longestDownMs;
      for (const since of this.downSince.values()) longest = Math.max(longest, at - since);
      out.push({
        ...this.open.outage,
        to: at,
        longestDownMs: longest,
        stillDown: (this.open.outage.stillDown ?? 0) + this.downSince.size,
      });
    }
    return out;
  }
}
