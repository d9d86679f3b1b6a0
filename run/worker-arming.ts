/**
 * When the parent of --workers arms the faults it applies itself (the embedded endpoint's windows,
 * endpoint restarts): once every worker is driving, since a restart before a slower worker's
 * preflight would fail its connect check and the run; timed from the start of the first worker's
 * drive, so a moment already past then strikes at once, as a late timer does.
 */
import type { Clock } from '../core/clock.js';
import type { LiveState } from './run-options.js';

export class ArmWhenAllDriving {
  private readonly started = new Map<number, number | undefined>();
  private armed: boolean;
  /** Epoch ms of the first worker's drive start, once armed. */
  driveStart: number | undefined;

  constructor(
    private readonly workers: number,
    private readonly clock: Clock,
    private readonly arm: (driveStart: number) => void,
    needed: boolean,
  ) {
    this.armed = !needed;
  }

  /** A worker's first progress (its drive has run elapsedMs by then), or its end without one. */
  seen(index: number, p: LiveState | undefined): void {
    if (this.armed || this.started.has(index)) return;
    this.started.set(index, p ? this.clock.now() - p.elapsedMs : undefined);
    const starts = [...this.started.values()].filter((t): t is number => t !== undefined);
    if (this.started.size < this.workers || starts.length === 0) return;
    this.armed = true;
    this.driveStart = Math.min(...starts);
    this.arm(this.driveStart);
  }
}
