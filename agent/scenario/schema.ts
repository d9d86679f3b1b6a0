/**
 * The scenario file, as a zod schema. It validates YAML that users write (scenario/load.ts maps
 * each issue back to file:line) and generates scenarios/scenario.schema.json for editors
 * (`npm run schema`). Every field documents its default.
 */
import { z } from 'zod';
import { delaySpec, duration, probability } from '../../core/value-schemas.js';
import { PLATFORMS, type Platform } from '../../protocol/catalogue/catalogue.js';
import { PLATFORM_DEFS } from '../platforms/registry.js';
import type { TransportFlags } from '../../transport/kinds/kinds.js';
import { causeSchema } from './causes-schema.js';
import { loadSchema } from './load-schema.js';
import { splitTransport, transportSchema } from './transport-schema.js';
// --- thresholds (issue 5) ---
import { parseThreshold, type ThresholdInput } from './thresholds.js';
// --- end thresholds ---

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
    out[p] = app.default(app.parse({}));
  }
  return out as { [P in Platform]: z.ZodDefault<Defs[P]['app']> };
}

/** The cohort fields each platform reads (supervision, method...), from its folder. */
function cohortFragments() {
  let out: z.ZodRawShape = {};
  for (const p of PLATFORMS) out = { ...out, ...PLATFORM_DEFS[p].cohort };
  return out as Intersection<Defs[Platform]['cohort']>;
}

// ---- lifecycle control (issue 3): updates, connectivity, overrides, quotas ----

export const updateSchema = z
  .object({
    /** The new version's string, as devices report it. */
    version: z.string().min(1).max(64),
    /** When it is distributed, in simulated time from the scenario start. */
    at: duration,
  })
  .strict();

export const connectivitySchema = z
  .object({
    /** Share of its time a device is offline; outages are the device's, shared by all its apps (Android "Waiting for network", check-ins put off). @default the platform's (docs/lifecycles.md) */
    offline: probability,
    /** How long one outage lasts. @default the platform's */
    outage: delaySpec.optional(),
  })
  .strict();

export const checkInSchema = z
  .object({
    /** From a command the server queues to the device's check-in (the push and the device's answer). @default the platform's */
    push: delaySpec.optional(),
    /** Time between the device's own sessions (scheduled check-ins, DME syncs). @default the platform's */
    every: delaySpec.optional(),
  })
  .strict();

export const presenceSchema = z
  .object({
    /** iOS: chance that a check-in finds the device locked, so its commands answer NotNow and wait. @default 0.1 */
    locked: probability.optional(),
    /** iOS: from a NotNow to the unlock after which the device polls again. @default lognormal median 20m */
    unlock: delaySpec.optional(),
  })
  .strict();

export const overrideSchema = z
  .object({
    /** Scope: a platform, a cohort (implies its platform), an app; all given ones must match. */
    platform: platformEnum.optional(),
    cohort: z.string().optional(),
    app: z.string().optional(),
    /** A model transition id "from->to" (docs/lifecycles.md lists them). */
    transition: z.string().optional(),
    /** Chance of this transition among its node's transitions; the others are rescaled. */
    probability: probability.optional(),
    /** Relative weight instead of a probability. */
    weight: z.number().min(0).optional(),
    /** Replaces the transition's delay. */
    delay: delaySpec.optional(),
    /** Replaces the platform's check-in cadence (every check-in wait of the model). */
    checkIn: delaySpec.optional(),
  })
  .strict();

export const quotaSchema = z
  .object({
    cohort: z.string(),
    /** The app whose installation the quota is about. @default the cohort's only app */
    app: z.string().optional(),
    /** Exactly this many devices of the cohort meet the quota; the others do not. */
    count: z.number().int().min(0).optional(),
    /** At least this many devices meet the quota (they are forced to); the others follow the model. Instead of count. */
    atLeast: z.number().int().min(1).optional(),
    /** The state they end in (catalogue ids or the seed's labels); state optional = any of the status. */
    end: z.object({ status: z.string(), state: z.string().optional() }).strict().optional(),
    /** Model nodes they pass through, or transitions ("from->to") they take, in this order (docs/lifecycles.md lists them). */
    path: z.array(z.string()).min(1).optional(),
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
    /** App id as devices report it (bundle id, package name, product code). */
    id: z.string().regex(ID, 'an app id is 1-128 characters from [A-Za-z0-9._:@-]'),
    /** Human name for reports. @default the id */
    name: z.string().optional(),
    /** @default "1.0.0" */
    version: z.string().min(1).max(64).default('1.0.0'),
    /** Platforms the app is distributed to. @default all four */
    platforms: z
      .array(platformEnum)
      .min(1)
      .default([...PLATFORMS]),
    ...appFragments(),
    /** A newer version distributed during the run (lifecycle.md, "Updates"). @default none */
    update: updateSchema.optional(),
  })
  .strict();

export const cohortSchema = z
  .object({
    /** Cohort name, used in reports, quotas and overrides. */
    name: z.string().regex(ID, 'a cohort name is 1-128 characters from [A-Za-z0-9._:@-]'),
    platform: platformEnum,
    /** Number of devices. */
    count: z.number().int().min(0),
    /** Device ids are `<idPrefix>-<6-digit number>`, numbered per prefix across cohorts. @default the platform */
    idPrefix: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/)
      .optional(),
    /** App ids installed on these devices. @default every app distributed to the platform */
    apps: z.array(z.string()).optional(),
    /** OS major versions and their shares of the cohort, adding up to 1, e.g. { "17": 0.7, "16": 0.3 }. @default { "99": 1 } */
    osVersions: z
      .record(
        z.string().regex(/^\d+$/, 'an OS version key is a major version number such as "17"'),
        z.number().positive(),
      )
      .optional(),
    ...cohortFragments(),
    /** When devices come online, in simulated time from the start. @default "0s" */
    arrival: delaySpec.default('0s'),
    /** The devices' connectivity: the share of time offline and the outages' length. @default the platform's */
    connectivity: connectivitySchema.optional(),
    /** The devices' check-in cadence: push latency and the time between their own sessions. @default the platform's */
    checkIn: checkInSchema.optional(),
    /** iOS: a locked device answers NotNow; how often a check-in finds it locked, and for how long. @default the platform's */
    presence: presenceSchema.optional(),
  })
  .strict();

// --- thresholds (issue 5) ---
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
      '"<metric> [over <window>] <op> <limit>", { check, abortOnFail }, or reconciliation: exact. docs/report.md#thresholds lists the metrics.',
    anyOf: [
      {
        type: 'string',
        pattern:
          '^\\s*(reconciliation\\s*(:|==)\\s*exact|[A-Za-z][\\w.]*\\s*(over\\s+\\S+\\s*)?(<=|>=|==|!=|<|>)\\s*.+)$',
      },
      {
        type: 'object',
        properties: { check: { type: 'string' }, abortOnFail: { type: 'boolean', default: false } },
        required: ['check'],
        additionalProperties: false,
      },
      {
        type: 'object',
        properties: { reconciliation: { const: 'exact' } },
        required: ['reconciliation'],
        additionalProperties: false,
      },
    ],
    examples: [
      'latency.ack.p99 < 250ms',
      'latency.ack.p99 over 10s < 500ms',
      'throughput.eventsPerSec > 2000',
      'errors.rate < 0.1%',
    ],
  });
// --- end thresholds ---

export const scenarioFileSchema = z
  .object({
    /** Scenario name; the run folder is out/<name>-<timestamp>. */
    name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a scenario name is 1-64 characters from [A-Za-z0-9._-]'),
    description: z.string().optional(),
    /** Seed for every random choice. Same seed, same devices, paths and tallies. @default 1 */
    seed: z.union([z.number().int(), z.string()]).default(1),
    /** The transport, by kind or as its variant with its options. @default "mqtt" */
    transport: transportSchema,
    /** Simulated seconds per real second, or "asap" to run as fast as the window allows. @default "asap" */
    timeScale: z.union([z.literal('asap'), z.number().positive()]).default('asap'),
    /** Simulated start time (ISO 8601); fixed so that event timestamps are reproducible. @default "2026-01-01T00:00:00Z" */
    startTime: z
      .string()
      .refine((s) => !Number.isNaN(Date.parse(s)), {
        message: 'expected an ISO 8601 date-time such as "2026-01-01T00:00:00Z"',
      })
      .default('2026-01-01T00:00:00Z'),
    /** Most events sent but not yet acknowledged, fleet-wide. @default 512 */
    maxInFlight: z.number().int().min(1).max(100_000).default(512),
    /** MQTT QoS for status events (a `qos` in transport: { kind: mqtt } wins). @default 1 */
    qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(1),
    // --- load model (issue 6): arrival model, pacing, window and transport tuning; load-schema.ts ---
    /** How devices arrive and how hard the run pushes. @default each cohort's own arrival, adaptive window */
    load: loadSchema.optional(),
    // --- end load model ---
    apps: z.array(appSchema).min(1, 'a scenario distributes at least one app'),
    cohorts: z.array(cohortSchema).min(1, 'a scenario has at least one cohort of devices'),
    /** Lifecycle overrides: transition probabilities and delays, check-in cadence (lifecycle.md). */
    overrides: z.array(overrideSchema).default([]),
    /** Failure causes with a scope that persist (a wrong hash, an MSI error on a cohort, an outage window, a VPP pool...): docs/lifecycles.md, "Causes". @default [] */
    causes: z.array(causeSchema).default([]),
    /** The platforms' default causes: the small failure tail of a healthy fleet (docs/lifecycles.md). @default true */
    defaultCauses: z.boolean().default(true),
    /** Quotas: N devices of a cohort (exactly, or at least) end in a state or take a path (lifecycle.md). */
    quotas: z.array(quotaSchema).default([]),
    // --- endpoint auth (issue 4) ---
    /**
     * Turn the endpoint's authentication on: `device` gives each device its own password
     * (HMAC of the secret and its id; MQTT username = clientId = device id, HTTP bearer
     * `<deviceId>.<password>`), `fleet` one fleet token for every device. The secret defaults to a
     * fresh one per run for the embedded endpoint, else FLEETSIM_AUTH_SECRET. @default off
     */
    auth: z
      .object({
        mode: z.enum(['device', 'fleet']),
        secret: z.string().min(16, 'a secret is at least 16 characters').optional(),
      })
      .strict()
      .optional(),
    // --- end endpoint auth ---
    // --- thresholds (issue 5: reports, thresholds, exit codes) ---
    /**
     * Checks that turn the run into pass (exit 0) or fail (exit 1), k6-style:
     * "latency.ack.p99 < 250ms", "latency.ack.p99 over 10s < 500ms", "throughput.eventsPerSec > 2000",
     * "errors.rate < 0.1%", { check: "...", abortOnFail: true }, { reconciliation: exact }.
     * docs/report.md lists the metrics. @default [] (then "errors.count == 0" applies)
     */
    thresholds: z.array(thresholdItem).default([]),
    // --- end thresholds ---
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
