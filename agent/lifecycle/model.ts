/**
 * A lifecycle is data: nodes that are the catalogue's (status, state) pairs, plus silent decision
 * nodes, joined by weighted transitions that carry a delay and an optional guard on the device's
 * and app's traits. One engine (engine.ts) walks every platform's model.
 */
import type { Platform } from '../../protocol/catalogue.js';
import type { Delay } from '../delay.js';

export type TraitValue = string | number | boolean;
/** Device and app facts that guards read: supervised, enrollment, appKind, osOk... */
export type Traits = Readonly<Record<string, TraitValue>>;
/** A guard holds when every named trait equals the value (or one of the values) given. */
export type Guard = Readonly<Record<string, TraitValue | readonly TraitValue[]>>;

export interface Transition {
  readonly to: string;
  /** Relative weight among the transitions whose guards hold. @default 1 */
  readonly weight?: number;
  /** Simulated time spent before arriving at `to`. @default no delay */
  readonly delay?: Delay;
  readonly when?: Guard;
  /** Why a device goes this way, in words; `trace` prints it. */
  readonly why: string;
}

export interface LifecycleNode {
  /** Catalogue status id. A node without one is a silent decision point: nothing is reported. */
  readonly status?: string;
  readonly state?: string;
  /** Native code to report when it differs from the catalogue's default for the state. */
  readonly native?: string;
  /** Outgoing transitions; a node with none is final. */
  readonly out?: readonly Transition[];
}

export interface LifecycleModel {
  readonly platform: Platform;
  /** The node every installation starts from (usually a silent decision node). */
  readonly start: string;
  readonly nodes: Readonly<Record<string, LifecycleNode>>;
}

/** Transition ids as scenarios name them in overrides: "from->to". */
export function transitionId(from: string, to: string): string {
  return `${from}->${to}`;
}

export function guardHolds(guard: Guard | undefined, traits: Traits): boolean {
  if (!guard) return true;
  for (const key in guard) {
    const want = guard[key]!;
    const have = traits[key];
    if (Array.isArray(want) ? !want.includes(have as TraitValue) : want !== have) return false;
  }
  return true;
}
