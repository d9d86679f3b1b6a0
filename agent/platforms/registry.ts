/**
 * The platforms, one folder each: agent/platforms/<platform>/ holds its lifecycle model and
 * device profile (model.ts) and its declaration (platform.ts: typed traits, scenario fragments,
 * trait code, init hints). The scenario schema's platform list and per-platform options, the
 * models index, the device profiles and the fleet's trait code are derived from PLATFORM_DEFS.
 * Every model's guards are checked against its declared traits when this module loads: a guard
 * naming an undeclared trait stops the program before any scenario is read.
 *
 * Adding a platform, say `macos`:
 *   1. protocol/catalogue/macos.ts: its statuses and states (the seed's labels), and one line in
 *      CATALOGUES (protocol/catalogue/catalogue.ts): the `Platform` type follows.
 *   2. agent/platforms/macos/: model.ts (the lifecycle table, traits, device profile) and
 *      platform.ts (definePlatform).
 *   3. One line below; the type checker asks for it once step 1 is done.
 */
import type { Platform } from '../../protocol/catalogue/catalogue.js';
import { ModelError } from '../../protocol/errors.js';
import { checkModel } from '../lifecycle/check.js';
import type { DeviceProfile } from '../lifecycle/device-profile.js';
import type { LifecycleModel } from '../lifecycle/model.js';
import { checkGuards } from '../lifecycle/traits.js';
import { androidPlatform } from './android/platform.js';
import { dmePlatform } from './dme/platform.js';
import { iosPlatform } from './ios/platform.js';
import type { PlatformDef } from './platform.js';
import { windowsPlatform } from './windows/platform.js';

export const PLATFORM_DEFS = {
  ios: iosPlatform,
  android: androidPlatform,
  windows: windowsPlatform,
  dme: dmePlatform,
} as const satisfies { readonly [P in Platform]: PlatformDef };

/** Everything wrong with a platform's declaration: its model against the catalogue and the
 * modelling rules, its guards against its declared traits. */
export function platformProblems(key: string, def: PlatformDef): string[] {
  const problems = def.platform === key ? [] : [`platform "${key}" declares itself "${def.platform}"`];
  if (def.model.platform !== def.platform) problems.push(`the ${key} model says it is "${def.model.platform}"`);
  return [...problems, ...checkModel(def.model), ...checkGuards(def.model, def.traits)];
}

/** Throws a ModelError listing the problems of every platform that has any. */
export function assertPlatforms(defs: Readonly<Record<string, PlatformDef>>): void {
  const problems = Object.entries(defs).flatMap(([key, def]) => platformProblems(key, def));
  if (problems.length) throw new ModelError(`The platform declarations are inconsistent:\n  ${problems.join('\n  ')}`);
}

assertPlatforms(PLATFORM_DEFS);

export function platformDef(platform: Platform): PlatformDef {
  return PLATFORM_DEFS[platform] as PlatformDef;
}

function derive<V>(pick: (def: PlatformDef) => V): Readonly<Record<Platform, V>> {
  const defs = PLATFORM_DEFS as Readonly<Record<Platform, PlatformDef>>;
  return Object.fromEntries(Object.entries(defs).map(([p, def]) => [p, pick(def)])) as Record<Platform, V>;
}

export const MODELS: Readonly<Record<Platform, LifecycleModel>> = derive((d) => d.model as LifecycleModel);

/** What each platform's devices are like apart from any app (agent/device walks it). */
export const DEVICES: Readonly<Record<Platform, DeviceProfile>> = derive((d) => d.device);

/** Whether this platform's installations may take their licence from a pool (a `vpp-pool` cause). */
export function hasLicencePool(platform: Platform): boolean {
  return platformDef(platform).licencePool !== undefined;
}

/** Whether an installation of `app` on this platform takes its licence from the app's pool. */
export function takesPoolLicence(platform: Platform, app: { readonly [P in Platform]: object }): boolean {
  const pool = platformDef(platform).licencePool;
  return pool?.takes(app[platform] as never) ?? false;
}

/** The apps a licence pool may be for, and how each is declared, from the platforms that have pools. */
export function licencePoolApps(): { apps: string; declared: string } {
  const pools = Object.values(PLATFORM_DEFS as Readonly<Record<Platform, PlatformDef>>).flatMap((d) =>
    d.licencePool ? [d.licencePool] : [],
  );
  return { apps: pools.map((p) => p.apps).join(' or '), declared: pools.map((p) => p.declared).join(', or ') };
}
