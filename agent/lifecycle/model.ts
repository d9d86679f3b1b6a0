/**
 * A lifecycle is data: nodes that are the catalogue's (status, state) pairs, plus silent decision
 * nodes, joined by weighted transitions that carry a delay and an optional guard on the device's
 * and app's traits. One engine (engine.ts) walks every platform's model.
 *
 * Design rules the models follow (checkModel enforces them):
 * - a node's transitions are either all guarded (a routing node: traits decide) or none is (a
 *   weighted node: chance decides), so a probability override means the same for every device;
 * - `to: END` ends the installation where it stands (e.g. an app that stays installed).
 */
import type { Platform } from '../../protocol/catalogue/catalogue.js';
import type { Delay } from '../../core/delay.js';

export type TraitValue = string | number | boolean;
/** Device and app facts that guards read: supervised, enrollment, appKind, osOk... */
export type Traits = Readonly<Record<string, TraitValue>>;
/** A guard holds when every named trait equals the value (or one of the values) given. */
export type Guard = Readonly<Record<string, TraitValue | readonly TraitValue[] | undefined>>;
/** A guard over a platform's declared traits (agent/lifecycle/traits.ts): names and values checked. */
export type GuardOf<T> = { readonly [K in keyof T]?: T[K] | readonly T[K][] };

/** Transition target meaning "the installation ends at the node it is on". */
export const END = '(end)';
/** A transition delay that is the device's next check-in on its own schedule (a session, a
 * sync): the device agent parks the installation until then; the engine alone draws the
 * platform's check-in delay. */
export const CHECK_IN = 'checkIn';
/** Like CHECK_IN, for a command the server has just queued: it sends a push (APNs, WNS, FCM),
 * and the device checks in after the push's latency (or its own next session, if sooner). */
export const PUSHED = 'pushed';

export interface Retry {
  /** Named counter shared by the transitions of one phase (the MSI CSP counts per job). */
  readonly counter: string;
  /** How many times the failure is retried before `to` of the transition is taken. */
  readonly max: number;
  /** Where a retried failure goes instead (a "pending retry" node). */
  readonly to: string;
}

export interface Transition<T = Traits> {
  readonly to: string;
  /** Relative weight among the node's transitions. @default 1 */
  readonly weight?: number;
  /** Simulated time spent before arriving at `to`. @default no delay */
  readonly delay?: Delay | typeof CHECK_IN | typeof PUSHED;
  readonly when?: GuardOf<T>;
  /** Why a device goes this way, in words; `trace` prints it. */
  readonly why: string;
  /** Failures that are retried before they become final. */
  readonly retry?: Retry;
  /** A fact of the device, not of the app, decides this way (agent/device): the first transition
   * of the node whose fact holds when the node is reached is taken; when none holds, the node's
   * other transitions are chosen by weight. Without a device (the engine alone) it is one more
   * weighted way. */
  readonly device?: DeviceCondition;
  /** The delay is the wait for a fact of the device (online again, bootstrap over, a licence
   * granted) instead of a drawn one; a wait that never ends leaves the installation where it is. */
  readonly until?: DeviceWait;
}

/** Device facts that route a walk: connectivity now, the DME bootstrap's outcome, a VPP licence. */
export type DeviceCondition = 'offline' | 'bootstrap-ok' | 'bootstrap-failed' | 'pooled' | 'licensed' | 'no-licence';
/** Device facts a transition waits for. */
export type DeviceWait = 'online' | 'bootstrap' | 'licence';

export interface LifecycleNode<T = Traits> {
  /** Catalogue status id. A node without one is a silent decision point: nothing is reported. */
  readonly status?: string;
  readonly state?: string;
  /** Native code to report when it differs from the catalogue's default for the state; null
   * reports none (a state the server shows before the device has the job). */
  readonly native?: string | null;
  /** Outgoing transitions; a node with none is final. */
  readonly out?: readonly Transition<T>[];
  /** When a newer app version is distributed while an installation is here (or reaches here
   * before the distribution time), it moves to this node at that time. */
  readonly onUpdate?: string;
}

/** A platform's model; `T` is its declared traits, which its guards may name. */
export interface LifecycleModel<T = Traits> {
  readonly platform: Platform;
  /** The node every installation starts from (usually a silent decision node). */
  readonly start: string;
  /** How long a device takes to act on a pushed command (APNs / FCM / WNS / DM session). */
  readonly checkIn: Delay;
  /** Where checkIn's default comes from (docs/lifecycles.md repeats it). */
  readonly checkInSource: string;
  readonly nodes: Readonly<Record<string, LifecycleNode<T>>>;
}

/** Transition ids as scenarios name them in overrides: "from->to". */
export function transitionId(from: string, to: string): string {
  return `${from}->${to}`;
}

export function guardHolds(guard: Guard | undefined, traits: Traits): boolean {
  if (!guard) return true;
  for (const key in guard) {
    const want = guard[key];
    if (want === undefined) continue;
    const have = traits[key];
    if (Array.isArray(want) ? !want.includes(have as TraitValue) : want !== have) return false;
  }
  return true;
}
