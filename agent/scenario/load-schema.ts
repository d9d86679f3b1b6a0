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
    /** How long this stage lasts, in simulated time. */
    duration,
    /** Arrival rate (devices per simulated second) reached at the end of the stage, linearly from the previous one. */
    target: z.number().min(0, 'an arrival rate is at least 0'),
  })
  .strict();

export const loadSchema = z
  .object({
    /** @default "closed" */
    model: z.enum(['closed', 'open']).default('closed'),
    /** closed: devices come online evenly over this much simulated time; 0 is a check-in storm. @default the cohorts' own arrival */
    rampUp: duration.optional(),
    /** closed: keep every device connected until this long after the last arrival (steady state). @default 0 */
    hold: duration.optional(),
    /** open: arrival rate at the start, devices per simulated second. @default 0 */
    startRate: z.number().min(0).default(0),
    /** open: arrival-rate stages, e.g. ramp up, steady state, ramp down. */
    stages: z.array(stageSchema).min(1, 'an open load model needs at least one stage').optional(),
    /** Most events sent per real second, fleet-wide (pacing). @default no cap */
    rate: z.number().positive().optional(),
    /** HTTP transport tuning. */
    http: z
      .object({
        /** Keep-alive connections in the pool. @default 64 */
        connections: z.number().int().min(1).max(10_000).optional(),
        /** Requests in flight per connection. @default 1 */
        pipelining: z.number().int().min(1).max(1_000).optional(),
        /** Most events per POST (a JSON array). @default 1 */
        batch: z.number().int().min(1).max(2_000).optional(),
      })
      .strict()
      .optional(),
    /** MQTT transport tuning. */
    mqtt: z
      .object({
        /** Carry every device's events over this many connections instead of one per device. */
        sharedConnections: z.number().int().min(1).max(10_000).optional(),
        /** @default 60 */
        keepalive: z.number().int().min(0).max(65_535).optional(),
        /** false keeps a persistent session per device. @default true */
        cleanSession: z.boolean().optional(),
        /** Source addresses to spread connections over, e.g. "127.0.0.1-127.0.0.8". */
        localAddress: z.string().optional(),
        /** Fail an event whose PUBACK takes longer. @default "30s" */
        ackTimeout: duration.optional(),
        /** "lean": fleetsim's own device connection on mqtt-packet frames (less CPU and memory per device); "mqtt.js": one mqtt.js client per connection (the same conformance suite passes for both). @default "lean" */
        client: z.enum(['mqtt.js', 'lean']).optional(),
        /** MQTT handshakes in progress at once, apart from the event window (lean client). @default 256 */
        maxConnecting: z.number().int().min(1).max(100_000).optional(),
      })
      .strict()
      .optional(),
    /** "adaptive" finds the endpoint's capacity up to maxInFlight; "fixed" keeps maxInFlight in flight. @default "adaptive" */
    window: z.enum(['adaptive', 'fixed']).default('adaptive'),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.model === 'open' && !v.stages)
      ctx.addIssue({
        code: 'custom',
        path: ['stages'],
        message: 'an open load model needs `stages` (arrival rates over time)',
      });
    if (v.model === 'closed' && v.stages)
      ctx.addIssue({
        code: 'custom',
        path: ['stages'],
        message: '`stages` belong to model: open; a closed model uses `rampUp` and `hold`',
      });
  });

export type LoadSpec = z.output<typeof loadSchema>;
