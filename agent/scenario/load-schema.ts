/**
 * The scenario's `load` section: how devices arrive and how hard the run pushes, in the spirit of
 * k6's executors. `closed`: every device of the fleet is online (arriving evenly over `rampUp`)
 * and connections are held until `hold` after the last arrival (the steady state). `open`:
 * devices arrive at a rate that ramps linearly between `stages`. A check-in storm is `closed`
 * with no ramp: every device at once.
 */
import { z } from 'zod';
import { duration } from '../../core/value-schemas.js';

export const stageSchema = z
  .object({
    duration: duration.describe('How long this stage lasts, in simulated time.'),
    target: z
      .number()
      .min(0, 'an arrival rate is at least 0')
      .describe(
        'Arrival rate (devices per simulated second) reached at the end of the stage, linearly from the previous one.',
      ),
  })
  .strict();

/** What every load model has: pacing and the in-flight window. `http` and `mqtt` are the old
 * place of the transports' options, still read (with a deprecation notice, scenario/notices.ts):
 * a transport's options now sit in its own variant of the scenario's `transport`. */
const common = {
  rate: z
    .number()
    .positive()
    .optional()
    .describe(
      'Most events sent per real second, fleet-wide (pacing): with --workers or --shard each part paces at its share of the devices, so together they send at this rate. Default: no cap.',
    ),
  http: z
    .object({
      connections: z
        .number()
        .int()
        .min(1)
        .max(10_000)
        .optional()
        .describe('Keep-alive connections in the pool. Default: 64.'),
      pipelining: z
        .number()
        .int()
        .min(1)
        .max(1_000)
        .optional()
        .describe('Requests in flight per connection. Default: 1.'),
      batch: z.number().int().min(1).max(2_000).optional().describe('Most events per POST (a JSON array). Default: 1.'),
    })
    .strict()
    .optional()
    .describe('Deprecated: write `transport: { kind: http, connections, pipelining, batch }`.'),
  mqtt: z
    .object({
      sharedConnections: z
        .number()
        .int()
        .min(1)
        .max(10_000)
        .optional()
        .describe("Carry every device's events over this many connections instead of one per device."),
      keepalive: z.number().int().min(0).max(65_535).optional().describe('Default: 60.'),
      cleanSession: z.boolean().optional().describe('false keeps a persistent session per device. Default: true.'),
      localAddress: z
        .string()
        .optional()
        .describe('Source addresses to spread connections over, e.g. "127.0.0.1-127.0.0.8".'),
      ackTimeout: duration.optional().describe('Fail an event whose PUBACK takes longer. Default: "30s".'),
      client: z
        .enum(['mqtt.js', 'lean'])
        .optional()
        .describe(
          '"lean": fleetsim\'s own device connection on mqtt-packet frames (less CPU and memory per device); "mqtt.js": one mqtt.js client per connection (the same conformance suite passes for both). Default: "lean".',
        ),
      maxConnecting: z
        .number()
        .int()
        .min(1)
        .max(100_000)
        .optional()
        .describe('MQTT handshakes in progress at once, apart from the event window (lean client). Default: 256.'),
    })
    .strict()
    .optional()
    .describe('Deprecated: write `transport: { kind: mqtt, keepalive, ackTimeout, ... }`.'),
  window: z
    .enum(['adaptive', 'fixed'])
    .default('adaptive')
    .describe(
      '"adaptive" finds the endpoint\'s capacity up to maxInFlight; "fixed" keeps maxInFlight in flight. Default: "adaptive".',
    ),
};

/** Every device of the fleet comes online (evenly over `rampUp`); connections are held until
 * `hold` after the last arrival. */
export const closedLoadSchema = z
  .object({
    model: z
      .literal('closed')
      .default('closed')
      .describe('closed: the whole fleet comes online (over rampUp) and stays connected. Default: "closed".'),
    rampUp: duration
      .optional()
      .describe(
        "Devices come online evenly over this much simulated time; 0 is a check-in storm. Default: the cohorts' own arrival.",
      ),
    hold: duration
      .optional()
      .describe('Keep every device connected until this long after the last arrival (steady state). Default: 0.'),
    ...common,
  })
  .strict();

/** Devices arrive at a rate that ramps linearly between `stages`. */
export const openLoadSchema = z
  .object({
    model: z.literal('open').describe('open: devices arrive at a rate that ramps linearly between stages.'),
    startRate: z
      .number()
      .min(0)
      .default(0)
      .describe('Arrival rate at the start, devices per simulated second. Default: 0.'),
    stages: z
      .array(stageSchema)
      .min(1, 'an open load model needs at least one stage')
      .describe('Arrival-rate stages, e.g. ramp up, steady state, ramp down.'),
    ...common,
  })
  .strict();

/** One variant per load model, as k6 has one per executor: each validates its own fields. A new
 * model is one variant here and one entry in ARRIVALS (agent/fleet/arrivals.ts). */
export const loadSchema = z.discriminatedUnion('model', [closedLoadSchema, openLoadSchema]);

export type LoadSpec = z.output<typeof loadSchema>;
export type LoadModel = LoadSpec['model'];
export type LoadOf<M extends LoadModel> = Extract<LoadSpec, { model: M }>;
