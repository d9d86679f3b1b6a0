/**
 * Every event a run handed to the transport, with when (the drive's wall clock and simulated
 * time), for the devices a network fault can strike: what lost-events compares with the
 * endpoint's history, and what tells whether a difference appeared in a fault's window (the first
 * event the endpoint lacks was sent while the window was open). Bounded: past `max` events it
 * keeps counting but records nothing more, and says so.
 */
import type { Clock } from '../core/clock.js';
import type { DriveObserver } from '../drive/observer.js';

export interface SentEvent {
  seq: number;
  status: string;
  state: string;
  enrolment: number;
  /** Simulated time of the step, ms since the epoch. */
  simAt: number;
  /** Wall ms from the drive's start when it was handed to the transport. */
  wallMs: number;
}

export const SENT_LOG_MAX = 500_000;

const key = (deviceId: string, appId: string) => `${deviceId}\u0000${appId}`;

export class SentLog {
  private readonly pairs = new Map<string, SentEvent[]>();
  private t0 = 0;
  private recorded = 0;
  /** Events past the bound, not recorded. */
  overflowed = 0;

  /** `devices`: whose events to keep; undefined, every device's. */
  constructor(
    private readonly clock: Clock,
    private readonly devices: ReadonlySet<string> | undefined,
    private readonly max = SENT_LOG_MAX,
  ) {}

  /** The drive starts now: wall times are from here, as the network faults' windows are. */
  start(): void {
    this.t0 = this.clock.now();
  }

  observer(): DriveObserver {
    return {
      sent: (e) => {
        const deviceId = e.inst.device.id;
        if (this.devices && !this.devices.has(deviceId)) return;
        if (this.recorded >= this.max) {
          this.overflowed++;
          return;
        }
        this.recorded++;
        const k = key(deviceId, e.inst.app.id);
        let list = this.pairs.get(k);
        if (!list) this.pairs.set(k, (list = []));
        list.push({
          seq: e.seq,
          status: e.step.status,
          state: e.step.state,
          enrolment: e.enrolment ?? 0,
          simAt: e.step.at,
          wallMs: this.clock.now() - this.t0,
        });
      },
    };
  }

  eventsOf(deviceId: string, appId: string): readonly SentEvent[] | undefined {
    return this.pairs.get(key(deviceId, appId));
  }

  /** Every (device, app) recorded, in the order first sent. */
  *pairKeys(): Iterable<{ deviceId: string; appId: string }> {
    for (const k of this.pairs.keys()) {
      const i = k.indexOf('\u0000');
      yield { deviceId: k.slice(0, i), appId: k.slice(i + 1) };
    }
  }

  /** The first event of the pair the endpoint does not show when its row stops at `countedSeq`
   * (of the last enrolment): where a difference begins. */
  firstMissing(deviceId: string, appId: string, countedSeq: number | undefined): SentEvent | undefined {
    const list = this.pairs.get(key(deviceId, appId));
    if (!list || list.length === 0) return undefined;
    const last = list[list.length - 1]!.enrolment;
    const mine = list.filter((e) => e.enrolment === last);
    return mine.find((e) => e.seq > (countedSeq ?? 0)) ?? mine[mine.length - 1];
  }
}
