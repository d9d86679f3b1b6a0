/**
 * Misbehaviour of the embedded endpoint on purpose, for tests of a client's retries and flow
 * control: for a window it refuses event posts (HTTP 503 or 429 with Retry-After), or it stops
 * reading (MQTT clients paused, HTTP event posts held unread) and then reads on. Windows are wall
 * times on the endpoint's clock; the run arms them when its drive starts. What was done is
 * counted here, per window, for the run's report. Nothing is lost: a refused post was never
 * accepted, a held one is read once the window ends.
 */
import type { Clock, TimerHandle } from '../core/clock.js';

export interface EndpointFaultWindow {
  /** The run's index for it (the scenario fault's), under which its counts are kept. */
  index: number;
  kind: 'refuse' | 'stop-reading';
  /** Wall ms on the endpoint's clock. */
  from: number;
  to: number;
  /** refuse: the answer. @default 503 */
  status?: 503 | 429;
  /** refuse: the Retry-After, seconds. @default 1 */
  retryAfterS?: number;
}

/** Something that stops reading and reads on: an MQTT client (aedes' pause and resume). */
export interface Pausable {
  pause(): unknown;
  resume(): unknown;
}

export class EndpointFaults {
  /** Per window index: refused, held (posts held unread), paused (MQTT clients), stops. */
  readonly counts: Record<number, Record<string, number>> = {};
  private windows: EndpointFaultWindow[] = [];
  private readonly timers: TimerHandle[] = [];
  private stopped: EndpointFaultWindow | undefined;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly sockets: () => Iterable<Pausable>,
  ) {}

  /** Starts the windows (replacing any armed before). */
  arm(windows: readonly EndpointFaultWindow[]): void {
    this.disarm();
    this.windows = windows.slice();
    const now = this.clock.now();
    for (const w of this.windows) {
      if (w.kind !== 'stop-reading') continue;
      this.timers.push(this.clock.setTimeout(() => this.stopReading(w), Math.max(0, w.from - now)));
      if (Number.isFinite(w.to)) this.timers.push(this.clock.setTimeout(() => this.readOn(w), Math.max(0, w.to - now)));
    }
  }

  /** Ends every window now: what was held is read. */
  disarm(): void {
    for (const t of this.timers.splice(0)) this.clock.clearTimeout(t);
    if (this.stopped) this.readOn(this.stopped);
    this.windows = [];
  }

  /** The refusing window open now, if any (and counts the refusal). */
  refusing(): EndpointFaultWindow | undefined {
    const now = this.clock.now();
    const w = this.windows.find((x) => x.kind === 'refuse' && now >= x.from && now < x.to);
    if (w) this.add(w.index, 'refused');
    return w;
  }

  /** While the endpoint has stopped reading, runs `go` when it reads on; false (and runs nothing) otherwise. */
  holdIfStopped(go: () => void, what = 'held'): boolean {
    if (!this.stopped) return false;
    this.add(this.stopped.index, what);
    this.waiting.push(go);
    return true;
  }

  /** A client that connects while the endpoint has stopped reading is paused too. */
  onSocket(s: Pausable): void {
    if (!this.stopped) return;
    s.pause();
    this.add(this.stopped.index, 'paused');
  }

  private stopReading(w: EndpointFaultWindow): void {
    if (this.stopped) return;
    this.stopped = w;
    this.add(w.index, 'stops');
    for (const s of this.sockets()) {
      s.pause();
      this.add(w.index, 'paused');
    }
  }

  private readOn(w: EndpointFaultWindow): void {
    if (this.stopped !== w) return;
    this.stopped = undefined;
    for (const s of this.sockets()) s.resume();
    for (const go of this.waiting.splice(0)) go();
  }

  private add(index: number, what: string): void {
    const c = (this.counts[index] ??= {});
    c[what] = (c[what] ?? 0) + 1;
  }
}
