/**
 * The device faults the simulator applies: a stuck device goes silent at its moment and never
 * reports again; a factory reset wipes it at its moment, so it re-enrols and installs its apps
 * again with seq from 1. The moments come from the fault plan (agent/faults); this keeps, per
 * fleet position, the strikes still to come, and records what each one did.
 */
import { DEVICE_KINDS, type FaultPlan, faultsOf, momentOf, type PlannedFault } from '../faults/plan.js';
import type { DeviceSpec } from '../fleet/fleet.js';

export interface Strike {
  at: number;
  fault: PlannedFault;
}

/** What one device fault did to one device. */
export interface DeviceStrike {
  deviceId: string;
  /** Index of the fault in the scenario's faults, and its name and kind. */
  fault: number;
  name: string;
  kind: 'stuck' | 'factory-reset';
  /** Simulated ms since the epoch when it struck (the device's arrival when the moment came before it). */
  at: number;
  /** Installations still in progress at that moment: a stuck device with none left was not stuck mid-install. */
  inProgress: number;
  /** The enrolment the device moved to (factory-reset). */
  enrolment?: number;
}

export class DeviceFaults {
  /** Per fleet position, the strikes still to come, earliest first. */
  private readonly pending = new Map<number, Strike[]>();
  /** Every strike that happened, in simulated-time order. */
  readonly struck: DeviceStrike[] = [];

  constructor(plan: FaultPlan | undefined, devices: readonly DeviceSpec[]) {
    if (!plan || plan.faults.every((f) => !DEVICE_KINDS.has(f.kind))) return;
    devices.forEach((d, pos) => {
      const list = faultsOf(plan, d.id)
        .filter((f) => DEVICE_KINDS.has(f.kind))
        .map((fault) => ({ at: momentOf(fault, d.id), fault }));
      if (list.length)
        this.pending.set(
          pos,
          list.sort((a, b) => a.at - b.at || a.fault.index - b.fault.index),
        );
    });
  }

  get any(): boolean {
    return this.pending.size > 0;
  }

  /** The next strike of the device at `pos`, if any. */
  next(pos: number): Strike | undefined {
    return this.pending.get(pos)?.[0];
  }

  /** Whether a factory reset of the device at `pos` is still to come. */
  resetPending(pos: number): boolean {
    return this.pending.get(pos)?.some((s) => s.fault.kind === 'factory-reset') ?? false;
  }

  /** A device arrives at `at`: a moment that came before it strikes at its arrival. */
  arrived(pos: number, at: number): void {
    for (const s of this.pending.get(pos) ?? []) if (s.at < at) s.at = at;
  }

  /** Takes the device's next strike off the list and records it. */
  take(pos: number, deviceId: string, inProgress: number, enrolment?: number): Strike {
    const list = this.pending.get(pos)!;
    const s = list.shift()!;
    if (list.length === 0) this.pending.delete(pos);
    this.struck.push({
      deviceId,
      fault: s.fault.index,
      name: s.fault.name,
      kind: s.fault.kind as DeviceStrike['kind'],
      at: s.at,
      inProgress,
      ...(enrolment !== undefined ? { enrolment } : {}),
    });
    return s;
  }

  /** A stuck device has nothing more to come. */
  forget(pos: number): void {
    this.pending.delete(pos);
  }
}
