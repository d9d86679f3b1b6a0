/**
 * A cohort's device figures, compiled once: the platform's profile (agent/platforms) with the
 * cohort's own `checkIn`, `connectivity` and `presence`, and the scenario's check-in overrides.
 * The DME bootstrap is drawn from the two ways out of the cohort's `waiting_bootstrap` (the
 * transitions that wait `until: bootstrap`), so an override of those ways sets the device fact.
 */
import type { Platform } from '../../protocol/catalogue/catalogue.js';
import { compileDelay, type Delay } from '../../core/delay.js';
import type { CompiledModel } from '../lifecycle/compile.js';
import { DEVICES } from '../platforms/registry.js';
import type { CohortSpec, Scenario } from '../scenario/schema.js';
import { outages, type Outages } from './connectivity.js';

export interface BootstrapOdds {
  /** Chance that the device's bootstrap fails. */
  readonly failure: number;
  /** Time from the device coming online to its bootstrap, when it succeeds. */
  readonly ok: Delay | undefined;
  /** Time until a failed bootstrap is given up. */
  readonly failed: Delay | undefined;
}

export interface DeviceConfig {
  readonly platform: Platform;
  readonly cohort: string;
  readonly push: Delay | undefined;
  readonly session: Delay;
  readonly commandGapMs: number;
  readonly outages: Outages;
  readonly checkInsWait: boolean;
  readonly locked: number;
  readonly unlock: Delay | undefined;
  readonly bootstrap: BootstrapOdds | undefined;
}

/** The delay a scenario's platform- or cohort-wide `checkIn` override gives, if any (later ones win). */
function checkInOverride(scenario: Scenario, cohort: CohortSpec): Delay | undefined {
  let d: Delay | undefined;
  for (const o of scenario.overrides) {
    if (o.checkIn === undefined || o.app !== undefined) continue;
    if (o.platform !== undefined && o.platform !== cohort.platform) continue;
    if (o.cohort !== undefined && o.cohort !== cohort.name) continue;
    d = compileDelay(o.checkIn);
  }
  return d;
}

export function bootstrapOdds(cm: CompiledModel | undefined): BootstrapOdds | undefined {
  const ways = cm?.transitions.filter((t) => t.until === 'bootstrap') ?? [];
  if (ways.length === 0) return undefined;
  const total = ways.reduce((s, t) => s + t.weight, 0);
  const failed = ways.find((t) => t.device === 'bootstrap-failed');
  const ok = ways.find((t) => t.device === 'bootstrap-ok');
  return { failure: total > 0 && failed ? failed.weight / total : 0, ok: ok?.delay, failed: failed?.delay };
}

export function deviceConfig(scenario: Scenario, cohort: CohortSpec, firstModel?: CompiledModel): DeviceConfig {
  const profile = DEVICES[cohort.platform];
  const override = checkInOverride(scenario, cohort);
  const own = cohort.checkIn;
  const hasPush = profile.checkIn.push !== undefined;
  const push =
    own?.push !== undefined ? compileDelay(own.push) : hasPush ? (override ?? profile.checkIn.push) : undefined;
  const session =
    own?.every !== undefined ? compileDelay(own.every) : !hasPush && override ? override : profile.checkIn.session;
  const net = cohort.connectivity;
  const offline = net?.offline ?? profile.connectivity.offline;
  const outage = net?.outage !== undefined ? compileDelay(net.outage) : profile.connectivity.outage;
  const presence = profile.presence;
  return {
    platform: cohort.platform,
    cohort: cohort.name,
    push,
    session,
    commandGapMs: profile.checkIn.commandGapMs,
    outages: outages(offline, outage),
    checkInsWait: profile.connectivity.checkInsWait,
    locked: presence ? (cohort.presence?.locked ?? presence.locked) : 0,
    unlock: presence
      ? cohort.presence?.unlock !== undefined
        ? compileDelay(cohort.presence.unlock)
        : presence.unlock
      : undefined,
    bootstrap: bootstrapOdds(firstModel),
  };
}
