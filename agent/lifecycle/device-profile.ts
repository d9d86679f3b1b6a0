/**
 * What a platform's devices are like, apart from any one app: how they check in, how often they
 * are offline, whether a locked screen answers NotNow. Each platform declares one beside its
 * model (agent/platforms); the device agent (agent/device) walks it; a scenario's cohort may
 * override every figure. Each figure names its source, or says "assumption".
 */
import type { Delay } from '../../core/delay.js';

export interface CheckInProfile {
  /** From a command the server queues (install, update) to the device's check-in: the push
   * (APNs, WNS, FCM) and the device's reaction. Absent: the platform has no push, and commands
   * wait for the device's own next session. */
  readonly push?: Delay;
  /** Time between the device's own sessions (scheduled check-ins, syncs). */
  readonly session: Delay;
  /** Spacing of the commands one check-in carries (the server sends them one per round trip). */
  readonly commandGapMs: number;
  readonly source: string;
}

export interface ConnectivityProfile {
  /** Share of its time a device is offline. */
  readonly offline: number;
  /** How long one outage lasts. */
  readonly outage: Delay;
  /** Whether a check-in waits until the device is back online. Android's outages are of the
   * network its downloads need, while its check-ins (FCM, policy sync) go over any. */
  readonly checkInsWait: boolean;
  readonly source: string;
}

export interface PresenceProfile {
  /** Chance that a check-in finds the device locked, so its commands answer NotNow. */
  readonly locked: number;
  /** From a NotNow to the unlock after which the device polls again. */
  readonly unlock: Delay;
  readonly source: string;
}

/** A persistent failure a healthy fleet has on a small share of its devices (the failure tail). */
export interface DefaultCause {
  readonly name: string;
  /** Model transitions it forces ("from->to"), on every retry. */
  readonly transitions: readonly string[];
  /** Share of the platform's devices it strikes, chosen by device id. */
  readonly share: number;
  readonly why: string;
  readonly source: string;
}

export interface DeviceProfile {
  readonly checkIn: CheckInProfile;
  /** The platform's default causes (a scenario's `defaultCauses: false` turns them off). */
  readonly causes: readonly DefaultCause[];
  /** Model transitions ("from->to") a full disk forces: where a scenario's `disk-full` cause
   * fails this platform's installations. */
  readonly diskFull: readonly string[];
  readonly connectivity: ConnectivityProfile;
  /** Only platforms whose MDM protocol has NotNow (iOS). */
  readonly presence?: PresenceProfile;
}
