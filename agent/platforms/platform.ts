/**
 * What a platform declares about itself, in its own folder: its lifecycle model and device
 * profile, the traits its guards read (a typed record), its part of the scenario (the app's
 * `<platform>:` options and the cohort fields only it reads), how a device's and an
 * installation's traits follow from them, and the hints `fleetsim init` writes.
 * agent/platforms/registry.ts lists the platforms; the scenario schema, the models index, the
 * device profiles and the fleet's trait code are derived from that list.
 */
import type { z } from 'zod';
import type { Platform } from '../../protocol/catalogue/catalogue.js';
import type { DeviceProfile } from '../lifecycle/device-profile.js';
import type { LifecycleModel, Traits } from '../lifecycle/model.js';
import type { TraitDecls, TraitsOf } from '../lifecycle/traits.js';

/** Two uniform draws every device makes for its platform's device traits, whatever the platform
 * and in this order (after its OS version, before its arrival), so a device's draws never depend
 * on which traits its platform has. */
export type TraitDraws = readonly [number, number];

export interface PlatformDef<
  D extends TraitDecls = TraitDecls,
  App extends z.ZodObject = z.ZodObject,
  Cohort extends z.ZodRawShape = z.ZodRawShape,
> {
  readonly platform: Platform;
  /** The traits the model's guards may read; checked when the registry loads. */
  readonly traits: D;
  readonly model: LifecycleModel<TraitsOf<D>>;
  /** How its devices check in, go offline, answer NotNow; its default causes. */
  readonly device: DeviceProfile;
  /** The app's `<platform>:` options in a scenario, each with its default. */
  readonly app: App;
  /** Cohort fields only this platform reads. */
  readonly cohort: Cohort;
  /** The device-level traits of one device of a cohort. */
  deviceTraits(cohort: z.output<z.ZodObject<Cohort>>, draws: TraitDraws): Traits;
  /** An installation's traits: the device's, the app's, and what follows from both. */
  installTraits(device: Traits, app: z.output<App>): Traits;
  /** Set when an installation may take its licence from a finite pool shared by the fleet (a
   * `vpp-pool` cause, agent/sim/licence-pool.ts): which of its apps do, and how to say so. */
  readonly licencePool?: {
    /** Whether an installation of an app with these options takes a licence from a pool. */
    takes(app: z.output<App>): boolean;
    /** The apps that do, as an error message names them: "an iOS VPP app". */
    readonly apps: string;
    /** How such an app is declared: "platforms including ios and ios: { kind: vpp }". */
    readonly declared: string;
  };
  /** Commented lines `fleetsim init` writes for this platform's app and cohorts. */
  readonly init: { readonly app?: string; readonly cohort: readonly string[] };
}

/** Declares a platform, keeping its traits' and fragments' types. */
export function definePlatform<const D extends TraitDecls, App extends z.ZodObject, Cohort extends z.ZodRawShape>(
  def: PlatformDef<D, App, Cohort>,
): PlatformDef<D, App, Cohort> {
  return def;
}
