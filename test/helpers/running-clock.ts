/**
 * A manual clock that runs itself: whenever a referenced timer is pending, the next turn of the
 * event loop jumps time straight to it and fires it. Virtual time moves only as fast as the code
 * under test asks for timers, so a week of simulated time passes at once, with no real sleep.
 */
import { ManualClock, type TimerHandle } from '../../core/clock.js';

export class RunningClock extends ManualClock {
  private scheduled = false;

  override setTimeout(fn: () => void, ms: number): TimerHandle {
    const h = super.setTimeout(fn, ms);
    this.schedule();
    return h;
  }

  override setInterval(fn: () => void, ms: number): TimerHandle {
    const h = super.setInterval(fn, ms);
    this.schedule();
    return h;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.next() && this.pending > 0) this.schedule();
    });
  }
}
