/**
 * The scenario's `faults`: misbehaviour on purpose, each with a kind, a window, a scope and its
 * parameters (docs/faults.md). One variant per kind, as `causes` has; agent/faults/plan.ts turns
 * them into which devices and events each one strikes, deterministically from the seed. Several
 * may overlap. The network kinds (connection-drop, partition, delay per connection, bandwidth,
 * endpoint-restart) are applied by the fault proxy and the endpoint supervisor; the event kinds
 * between the simulator and the transport (drive/); the device kinds in the simulator.
 */
import { z } from 'zod';
import { parseDuration } from '../../core/delay.js';
import { delaySpec as delay, duration } from '../../core/value-schemas.js';

const share = z.number().min(0, 'a share is at least 0').max(1, 'a share is at most 1');

/** A duration with an optional sign: "-90m" is behind, "+2h" or "2h" ahead. */
export function parseSignedDuration(v: string | number): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  const m = /^\s*([+-]?)\s*(.+)$/.exec(v);
  const ms = m ? parseDuration(m[2]!) : undefined;
  return ms === undefined ? undefined : m![1] === '-' ? -ms : ms;
}
const signedDuration = z.union([z.string(), z.number()]).refine((v) => parseSignedDuration(v) !== undefined, {
  message: 'expected a duration with an optional sign such as "-90m", "+2h", "30s", or a number of milliseconds',
});

/** What every fault has: its name, window and scope. */
function common(clock: 'sim' | 'wall') {
  return {
    name: z
      .string()
      .regex(/^[A-Za-z0-9._:@-]{1,64}$/, 'a fault name is 1-64 characters from [A-Za-z0-9._:@-]')
      .optional()
      .describe('How trace and the report name the fault. @default "<kind>-<its index>"'),
    at: duration.default(0).describe('Start of the window (or the moment), from the clock\'s origin. @default "0s"'),
    for: duration
      .optional()
      .describe('Length of the window; a moment fault strikes each device at a point drawn in it. @default to the end'),
    clock: z
      .enum(['sim', 'wall'])
      .default(clock)
      .describe(
        `"sim": simulated time from the scenario start (deterministic, shown by trace); "wall": real time from the start of the drive. @default "${clock}"`,
      ),
    cohort: z.string().optional().describe('Only devices of this cohort. @default every cohort'),
    platform: z.enum(['ios', 'android', 'windows', 'dme']).optional().describe('Only devices of this platform.'),
    app: z.string().optional().describe("Only this app's events (event kinds) or devices that install it."),
    share: share.optional().describe("Share of the scope's devices it strikes, chosen by device id. @default 1"),
    count: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("Exactly this many of the scope's devices, chosen by device id (instead of share)."),
  };
}

/** Which of a struck device's events an event fault takes: every k-th seq or a share, drawn per event. */
const eventPick = {
  every: z.number().int().min(1).optional().describe('Every k-th event of an installation (seq divisible by k).'),
  fraction: share.optional().describe('A share of the events, drawn per event from the seed. @default 1'),
};

const variant = <K extends string, S extends z.ZodRawShape>(
  kind: K,
  describe: string,
  clock: 'sim' | 'wall',
  shape: S,
) =>
  z
    .object({ kind: z.literal(kind).describe(describe), ...common(clock), ...shape })
    .strict()
    .superRefine((v, ctx) => {
      const f = v as { share?: number; count?: number; every?: number; fraction?: number };
      if (f.share !== undefined && f.count !== undefined)
        ctx.addIssue({ code: 'custom', path: ['count'], message: 'give share or count, not both' });
      if (f.every !== undefined && f.fraction !== undefined)
        ctx.addIssue({ code: 'custom', path: ['every'], message: 'give every or fraction, not both' });
    });

export const faultSchema = z.discriminatedUnion('kind', [
  variant('duplicates', 'Events sent twice: the endpoint must count each once.', 'sim', {
    ...eventPick,
    after: duration
      .optional()
      .describe('Wall time between the original and its copy. @default at once (right after the original is answered)'),
  }),
  variant(
    'reordering',
    "A device's events go out of seq order: a struck event is held back and sent after the same installation's next one.",
    'sim',
    { ...eventPick },
  ),
  variant('delay', 'Added latency, per event (drive) or per connection (fault proxy).', 'sim', {
    ...eventPick,
    per: z.enum(['event', 'connection']).default('event').describe('@default "event"'),
    latency: delay.describe('The added latency (a duration or a distribution).'),
    jitter: duration.optional().describe('Uniform jitter added on top, 0..jitter. @default none'),
  }),
  variant('clock-skew', "The devices' clocks are off: the simTs they report is shifted by offset.", 'sim', {
    offset: signedDuration.describe('Shift of the reported simulated time, e.g. "-90m" or "+2h".'),
  }),
  variant(
    'stuck',
    'Devices that go silent at a moment (mid-install) and never report again; reconciliation expects their last reported state.',
    'sim',
    {},
  ),
  variant(
    'factory-reset',
    'A device wiped at a moment: it re-enrols (enrolment + 1), seq starts again at 1 and its apps install again.',
    'sim',
    {},
  ),
  variant('slow-endpoint', 'The embedded endpoint stops reading its sockets for the window.', 'wall', {}),
  variant('refusing-endpoint', 'The embedded endpoint refuses events for the window (HTTP 503 or 429).', 'wall', {
    status: z
      .union([z.literal(503), z.literal(429)])
      .default(503)
      .describe('@default 503'),
    retryAfter: duration.default('1s').describe('The Retry-After it answers. @default "1s"'),
  }),
  variant('connection-drop', "The devices' connections are cut at a moment; they reconnect and resend.", 'wall', {
    repeat: duration.optional().describe('Cut again at this interval within the window. @default once'),
    silentFor: duration
      .default(0)
      .describe(
        'The link goes silent (a blackhole) this long before the reset, as a dying link does; QoS 0 reports written into it are lost. @default "0s"',
      ),
  }),
  variant(
    'partition',
    'The devices cannot reach the target for the window; reports queue on the device and go out in order after.',
    'wall',
    {
      queue: z
        .number()
        .int()
        .min(1)
        .default(1000)
        .describe("Most reports a device's offline queue holds. @default 1000"),
      overflow: z
        .enum(['drop-oldest', 'drop-newest'])
        .default('drop-oldest')
        .describe('What a full queue drops. @default "drop-oldest"'),
      mode: z
        .enum(['refuse', 'blackhole'])
        .default('refuse')
        .describe(
          '"refuse": every connect of the devices is reset; "blackhole": connections stay open and pass nothing. @default "refuse"',
        ),
    },
  ),
  variant('bandwidth', "A cap on the devices' connections through the fault proxy.", 'wall', {
    bytesPerSec: z.number().int().min(1).describe('Bytes per second per connection.'),
  }),
  variant('endpoint-restart', 'The endpoint is killed (SIGKILL) and restarted on its data dir at a moment.', 'wall', {
    hook: z
      .string()
      .optional()
      .describe('For an external target: the command that restarts it (e.g. "systemctl restart ingest").'),
    down: duration.default(0).describe('How long it stays down before the restart. @default "0s"'),
    hookTimeout: duration
      .default('60s')
      .describe('The hook is killed past this, and the report says it failed. @default "60s"'),
  }),
]);

export type FaultSpec = z.output<typeof faultSchema>;
export type FaultKind = FaultSpec['kind'];
export const FAULT_KINDS = faultSchema.options.map((o) => o.shape.kind.value) as FaultKind[];
