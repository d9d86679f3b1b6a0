/**
 * The scenario file, as a zod schema. It validates YAML that users write (scenario/load.ts maps
 * each issue back to file:line) and generates scenarios/scenario.schema.json for editors
 * (`npm run schema`). Every field documents its default.
 */
import { z } from 'zod';
import { parseDuration } from '../../core/delay.js';
import { delaySpec, duration, probability } from '../../core/value-schemas.js';
import { PLATFORMS, type Platform } from '../../protocol/catalogue/catalogue.js';
import { PLATFORM_DEFS } from '../platforms/registry.js';
import type { TransportFlags } from '../../transport/kinds/kinds.js';
import { causeSchema } from './causes-schema.js';
import { faultSchema } from './faults-schema.js';
import { loadSchema } from './load-schema.js';
import { targetSchema } from './target-schema.js';
import { splitTransport, transportSchema } from './transport-schema.js';
import { parseThreshold, type ThresholdInput } from './thresholds.js';

const ID = /^[A-Za-z0-9._:@-]{1,128}$/;

export { delaySpec };

const platformEnum = z.enum(PLATFORMS as [Platform, ...Platform[]]);

type Defs = typeof PLATFORM_DEFS;
type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** Each platform's app options (`ios:`, `android:`...), from its folder, defaults filled in. */
function appFragments() {
  const out: Record<string, z.ZodType> = {};
  for (const p of PLATFORMS) {
    const app = PLATFORM_DEFS[p].app as z.ZodObject;
    out[p] = app.default(app.parse({})).describe(`The app's options on ${p} devices (agent/platforms/${p}/).`);
  }
  return out as { [P in Platform]: z.ZodDefault<Defs[P]['app']> };
}

/** The cohort fields each platform reads (supervision, method...), from its folder. */
function cohortFragments() {
  let out: z.ZodRawShape = {};
  for (const p of PLATFORMS) out = { ...out, ...PLATFORM_DEFS[p].cohort };
  return out as Intersection<Defs[Platform]['cohort']>;
}

export const updateSchema = z
  .object({
    version: z.string().min(1).max(64).describe("The new version's string, as devices report it."),
    at: duration.describe('When it is distributed, in simulated time from the scenario start.'),
  })
  .strict();

export const connectivitySchema = z
  .object({
    offline: probability.describe(
      'Share of its time a device is offline; outages are the device\'s, shared by all its apps (Android "Waiting for network", check-ins put off). Default: the platform\'s (docs/lifecycles.md).',
    ),
    outage: delaySpec.optional().describe("How long one outage lasts. Default: the platform's."),
  })
  .strict();

export const checkInSchema = z
  .object({
    push: delaySpec
      .optional()
      .describe(
        "From a command the server queues to the device's check-in (the push and the device's answer). Default: the platform's.",
      ),
    every: delaySpec
      .optional()
      .describe("Time between the device's own sessions (scheduled check-ins, DME syncs). Default: the platform's."),
  })
  .strict();

export const presenceSchema = z
  .object({
    locked: probability
      .optional()
      .describe(
        'iOS: chance that a check-in finds the device locked, so its commands answer NotNow and wait. Default: 0.1.',
      ),
    unlock: delaySpec
      .optional()
      .describe('iOS: from a NotNow to the unlock after which the device polls again. Default: lognormal median 20m.'),
  })
  .strict();

export const overrideSchema = z
  .object({
    platform: platformEnum
      .optional()
      .describe('Scope: a platform, a cohort (implies its platform), an app; all given ones must match.'),
    cohort: z.string().optional().describe('Scope: devices of this cohort (and so of its platform).'),
    app: z.string().optional().describe('Scope: installations of this app id.'),
    transition: z.string().optional().describe('A model transition id "from->to" (docs/lifecycles.md lists them).'),
    probability: probability
      .optional()
      .describe("Chance of this transition among its node's transitions; the others are rescaled."),
    weight: z.number().min(0).optional().describe('Relative weight instead of a probability.'),
    delay: delaySpec.optional().describe("Replaces the transition's delay."),
    checkIn: delaySpec
      .optional()
      .describe("Replaces the platform's check-in cadence (every check-in wait of the model)."),
  })
  .strict();

export const quotaSchema = z
  .object({
    cohort: z.string().describe('The cohort whose devices the quota counts.'),
    app: z
      .string()
      .optional()
      .describe("The app whose installation the quota is about. Default: the cohort's only app."),
    count: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Exactly this many devices of the cohort meet the quota; the others do not.'),
    atLeast: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(
        'At least this many devices meet the quota (they are forced to); the others follow the model. Instead of count.',
      ),
    end: z
      .object({
        status: z.string().describe("The status they end in (catalogue id or the seed's label)."),
        state: z.string().optional().describe('The state within that status. Default: any state of the status.'),
      })
      .strict()
      .optional()
      .describe("The state they end in (catalogue ids or the seed's labels); state optional = any of the status."),
    path: z
      .array(z.string())
      .min(1)
      .optional()
      .describe(
        'Model nodes they pass through, or transitions ("from->to") they take, in this order (docs/lifecycles.md lists them).',
      ),
  })
  .strict()
  .superRefine((q, ctx) => {
    if ((q.count === undefined) === (q.atLeast === undefined))
      ctx.addIssue({
        code: 'custom',
        path: q.count === undefined ? [] : ['atLeast'],
        message:
          'a quota takes either count (exactly that many devices, the others none) or atLeast (that many forced, the others follow the model)',
      });
  })
  // downstream reads one count, and whether the cohort's other devices must avoid the quota
  .transform((q) => ({ ...q, count: q.count ?? q.atLeast ?? 0, exact: q.atLeast === undefined }));

export const appSchema = z
  .object({
    id: z
      .string()
      .regex(ID, 'an app id is 1-128 characters from [A-Za-z0-9._:@-]')
      .describe('App id as devices report it (bundle id, package name, product code).'),
    name: z.string().optional().describe('Human name for reports. Default: the id.'),
    version: z.string().min(1).max(64).default('1.0.0').describe('The version devices report. Default: "1.0.0".'),
    platforms: z
      .array(platformEnum)
      .min(1)
      .default([...PLATFORMS])
      .describe('Platforms the app is distributed to. Default: all four.'),
    ...appFragments(),
    update: updateSchema
      .optional()
      .describe('A newer version distributed during the run (lifecycle.md, "Updates"). Default: none.'),
  })
  .strict();

export const cohortSchema = z
  .object({
    name: z
      .string()
      .regex(ID, 'a cohort name is 1-128 characters from [A-Za-z0-9._:@-]')
      .describe('Cohort name, used in reports, quotas and overrides.'),
    platform: platformEnum.describe('The platform of every device of the cohort.'),
    count: z.number().int().min(0).describe('Number of devices.'),
    idPrefix: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/)
      .optional()
      .describe(
        'Device ids are `<idPrefix>-<6-digit number>`, numbered per prefix across cohorts. Default: the platform.',
      ),
    apps: z
      .array(z.string())
      .optional()
      .describe('App ids installed on these devices. Default: every app distributed to the platform.'),
    osVersions: z
      .record(
        z.string().regex(/^\d+$/, 'an OS version key is a major version number such as "17"'),
        z.number().positive(),
      )
      .optional()
      .describe(
        'OS major versions and their shares of the cohort, adding up to 1, e.g. { "17": 0.7, "16": 0.3 }. Default: { "99": 1 }.',
      ),
    ...cohortFragments(),
    arrival: delaySpec
      .default('0s')
      .describe('When devices come online, in simulated time from the start. Default: "0s".'),
    connectivity: connectivitySchema
      .optional()
      .describe(
        "The devices' connectivity: the share of time offline and the outages' length. Default: the platform's.",
      ),
    checkIn: checkInSchema
      .optional()
      .describe(
        "The devices' check-in cadence: push latency and the time between their own sessions. Default: the platform's.",
      ),
    presence: presenceSchema
      .optional()
      .describe(
        "iOS: a locked device answers NotNow; how often a check-in finds it locked, and for how long. Default: the platform's.",
      ),
  })
  .strict();

/** One threshold: parsed by agent/thresholds.ts so a bad one is reported with its line. */
const thresholdItem = z
  .custom<ThresholdInput>(() => true)
  .superRefine((v, ctx) => {
    const t = parseThreshold(v);
    if (typeof t === 'string') ctx.addIssue({ code: 'custom', message: t });
  })
  .meta({
    // for editors (scenario.schema.json); the parser above is the authority
    description:
      '"<metric>[{tag:value,...}] [over <window>] <op> <limit>", { check, abortOnFail }, or reconciliation: exact. Tags: platform, app, cohort. docs/report.md#thresholds lists the metrics.',
    anyOf: [
      {
        type: 'string',
        pattern:
          '^\\s*(reconciliation\\s*(:|==)\\s*exact|[A-Za-z][\\w.]*\\s*(\\{[^}]*\\}\\s*)?(over\\s+\\S+\\s*)?(<=|>=|==|!=|<|>)\\s*.+)$',
      },
      {
        type: 'object',
        properties: {
          check: { type: 'string', description: 'The threshold, as in the string form.' },
          abortOnFail: {
            type: 'boolean',
            default: false,
            description: 'Stop the run as soon as this threshold fails (reports are still written).',
          },
        },
        required: ['check'],
        additionalProperties: false,
      },
      {
        type: 'object',
        properties: {
          reconciliation: {
            const: 'exact',
            description: 'Every tally the endpoint counted equals what the devices did (exit 2 if not).',
          },
        },
        required: ['reconciliation'],
        additionalProperties: false,
      },
    ],
    examples: [
      'latency.ack.p99 < 250ms',
      'latency.ack.p99 over 10s < 500ms',
      'throughput.eventsPerSec > 2000',
      'errors.rate < 0.1%',
      'latency.ack.p99{platform:ios} < 200ms',
    ],
  });

export const scenarioFileSchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'a scenario name is 1-64 characters from [A-Za-z0-9._-]')
      .describe('Scenario name; the run folder is out/<name>-<timestamp>.'),
    description: z.string().optional().describe('What the scenario shows, in a sentence; reports repeat it.'),
    seed: z
      .union([z.number().int(), z.string()])
      .default(1)
      .describe('Seed for every random choice. Same seed, same devices, paths and tallies. Default: 1.'),
    transport: transportSchema.describe('The transport, by kind or as its variant with its options. Default: "mqtt".'),
    timeScale: z
      .union([z.literal('asap'), z.number().positive()])
      .default('asap')
      .describe('Simulated seconds per real second, or "asap" to run as fast as the window allows. Default: "asap".'),
    startTime: z
      .string()
      .refine((s) => !Number.isNaN(Date.parse(s)), {
        message: 'expected an ISO 8601 date-time such as "2026-01-01T00:00:00Z"',
      })
      .default('2026-01-01T00:00:00Z')
      .describe(
        'Simulated start time (ISO 8601); fixed so that event timestamps are reproducible. Default: "2026-01-01T00:00:00Z".',
      ),
    maxInFlight: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(512)
      .describe('Most events sent but not yet acknowledged, fleet-wide. Default: 512.'),
    giveUpAfter: duration
      .refine((v) => {
        const ms = parseDuration(v) ?? 0;
        return ms >= 1000 && ms <= 86_400_000;
      }, 'giving up takes between 1s and 24h of wall time')
      .default('60s')
      .describe(
        'Wall time with events in flight and nothing acknowledged or refused after which the run gives up: what is in flight counts as given up, the tallies are read and every rendering is written with the verdict "gave up" (exit 4). Longer for a target that pauses on purpose (a failover drill), shorter for a CI gate that should fail fast. --give-up-after overrides it. Default: "60s".',
      ),
    qos: z
      .union([z.literal(0), z.literal(1), z.literal(2)])
      .default(1)
      .describe('MQTT QoS for status events (a `qos` in transport: { kind: mqtt } wins). Default: 1.'),
    load: loadSchema
      .optional()
      .describe("How devices arrive and how hard the run pushes. Default: each cohort's own arrival, adaptive window."),
    apps: z
      .array(appSchema)
      .min(1, 'a scenario distributes at least one app')
      .describe('The apps distributed to the fleet, each with its version and per-platform options.'),
    cohorts: z
      .array(cohortSchema)
      .min(1, 'a scenario has at least one cohort of devices')
      .describe('Groups of devices of one platform: how many, their traits, when they come online.'),
    overrides: z
      .array(overrideSchema)
      .default([])
      .describe('Lifecycle overrides: transition probabilities and delays, check-in cadence (lifecycle.md).'),
    causes: z
      .array(causeSchema)
      .default([])
      .describe(
        'Failure causes with a scope that persist (a wrong hash, an MSI error on a cohort, an outage window, a VPP pool...): docs/lifecycles.md, "Causes". Default: [].',
      ),
    defaultCauses: z
      .boolean()
      .default(true)
      .describe(
        "The platforms' default causes: the small failure tail of a healthy fleet (docs/lifecycles.md). Default: true.",
      ),
    faults: z
      .array(faultSchema)
      .default([])
      .describe(
        'Faults on purpose: duplicates, reordering, delay, clock skew, stuck devices, factory resets, endpoint and network faults, each scoped and timed (docs/faults.md). Default: [].',
      ),
    quotas: z
      .array(quotaSchema)
      .default([])
      .describe('Quotas: N devices of a cohort (exactly, or at least) end in a state or take a path (lifecycle.md).'),
    auth: z
      .object({
        mode: z
          .enum(['device', 'fleet'])
          .describe(
            '`device`: a password per device (HMAC of the secret and its id); `fleet`: one token for every device.',
          ),
        secret: z
          .string()
          .min(16, 'a secret is at least 16 characters')
          .optional()
          .describe(
            'At least 16 characters. Default: a fresh one per run (embedded endpoint), else FLEETSIM_AUTH_SECRET.',
          ),
      })
      .strict()
      .optional()
      .describe(
        "Turn the endpoint's authentication on: `device` gives each device its own password (HMAC of the secret and its id; MQTT username = clientId = device id, HTTP bearer `<deviceId>.<password>`), `fleet` one fleet token for every device. The secret defaults to a fresh one per run for the embedded endpoint, else FLEETSIM_AUTH_SECRET. Default: off.",
      ),
    thresholds: z
      .array(thresholdItem)
      .default([])
      .describe(
        'Checks that turn the run into pass (exit 0) or fail (exit 1), k6-style: "latency.ack.p99 < 250ms", "latency.ack.p99 over 10s < 500ms", "throughput.eventsPerSec > 2000", "errors.rate < 0.1%", { check: "...", abortOnFail: true }, { reconciliation: exact }. docs/report.md lists the metrics. Default: [] (then "errors.count == 0" applies).',
      ),
    target: targetSchema
      .optional()
      .describe(
        "The user's own ingestion service (docs/targets.md), as a target file holds it: url, headers, tls, wire, tallies, settle. --target-file replaces it; --target replaces its url. Default: the embedded endpoint.",
      ),
  })
  .strict();

/** The scenario as the run reads it: `transport` is the kind, and the options its variant gave
 * (if any) are `transportOptions`, so every reader of the kind stays a string compare. */
export const scenarioSchema = scenarioFileSchema.transform((s) => {
  const { kind, options } = splitTransport(s.transport);
  return { ...s, transport: kind, transportOptions: options as TransportFlags };
});

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Scenario = z.output<typeof scenarioSchema>;
export type AppSpec = z.output<typeof appSchema>;
export type CohortSpec = z.output<typeof cohortSchema>;
export type OverrideSpec = z.output<typeof overrideSchema>;
export type QuotaSpec = z.output<typeof quotaSchema>;
