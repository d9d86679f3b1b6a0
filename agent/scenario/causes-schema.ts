/**
 * The scenario's `causes`: failures that have a reason and a scope and persist, instead of
 * independent coin flips. One variant per kind (a discriminated union, as k6 has one per
 * executor); agent/device/causes.ts turns each into the model transitions it forces.
 */
import { z } from 'zod';
import { parseDuration } from '../../core/delay.js';

const duration = z.union([z.string(), z.number()]).refine((v) => parseDuration(v) !== undefined, {
  message: 'expected a duration such as "250ms", "30s", "5m", "2h", "7d", or a number of milliseconds',
});
const share = z.number().min(0, 'a share is at least 0').max(1, 'a share is at most 1');
const name = z
  .string()
  .regex(/^[A-Za-z0-9._:@-]{1,64}$/, 'a cause name is 1-64 characters from [A-Za-z0-9._:@-]')
  .optional()
  .describe('How trace and reports name the cause. @default its kind');
const cohort = z.string().optional().describe('Only devices of this cohort. @default every cohort');
const devices = share.default(1).describe("Share of the scope's devices it strikes, chosen by device id. @default 1");

export const causeSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z
        .literal('bad-hash')
        .describe(
          'A package version whose hash is wrong: every Windows download of it fails checksum validation, on every retry.',
        ),
      name,
      app: z.string().describe('The app id.'),
      version: z.string().describe('The app version whose package is bad (the app version or its update).'),
    })
    .strict(),
  z
    .object({
      kind: z
        .literal('msi-error')
        .describe(
          'The MSI exits with an error (1603: a fatal error during installation) on a cohort: Windows enforcement fails on every retry.',
        ),
      name,
      code: z.number().int().default(1603).describe('The msiexec exit code. @default 1603'),
      app: z.string().optional().describe('Only this app. @default every app'),
      cohort,
      share: devices,
    })
    .strict(),
  z
    .object({
      kind: z.literal('wrong-abi').describe('An APK built for another ABI: Android devices find it not compatible.'),
      name,
      app: z.string().describe('The app id whose APK is built for another ABI.'),
      version: z.string().optional().describe('Only this version. @default every version'),
      cohort,
      share: devices,
    })
    .strict(),
  z
    .object({
      kind: z
        .literal('oem-outage')
        .describe("The OEM's server is down for a while: Android requests fail (and are retried) in the window."),
      name,
      from: duration.describe('Start, in simulated time from the scenario start.'),
      to: duration.describe('End, in simulated time from the scenario start.'),
      app: z.string().optional().describe('Only this app id. Default: every app.'),
      cohort,
    })
    .strict(),
  z
    .object({
      kind: z
        .literal('app-store-outage')
        .describe(
          'The App Store is unavailable for a while: iOS installs of App Store apps fail in the window (in-house apps do not need it).',
        ),
      name,
      from: duration.describe('Start, in simulated time from the scenario start.'),
      to: duration.describe('End, in simulated time from the scenario start.'),
    })
    .strict(),
  z
    .object({
      kind: z
        .literal('vpp-pool')
        .describe(
          'A finite pool of VPP licences for an iOS VPP app, shared by the fleet: licences go to devices in the order they check in (a factory reset keeps a device its licence); once the pool is used up an install fails (Pending Install, then Failed / App installation has failed); a removed app returns its licence to the pool for the next device.',
        ),
      name,
      app: z.string().describe('The app id (an iOS app of kind vpp).'),
      licences: z.number().int().min(0).describe('How many licences the pool holds.'),
    })
    .strict(),
  z
    .object({
      kind: z
        .literal('disk-full')
        .describe(
          'Devices whose disk is full: installs fail on every platform (Windows download, iOS install, Android unexpected error, DME error).',
        ),
      name,
      cohort: z.string().describe('The cohort whose devices have a full disk.'),
      share: devices,
    })
    .strict(),
]);

export type CauseSpec = z.output<typeof causeSchema>;
