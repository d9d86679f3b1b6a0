/**
 * Values a scenario writes, as zod schemas shared by the scenario schema, the platforms' and the
 * transports' fragments: a duration ("250ms", "30s", "5m", "2h", "7d", or a number of
 * milliseconds), a delay distribution (core/delay.ts) and a probability.
 */
import { z } from 'zod';
import { parseDuration } from './delay.js';

export const duration = z.union([z.string(), z.number()]).refine((v) => parseDuration(v) !== undefined, {
  message: 'expected a duration such as "250ms", "30s", "5m", "2h", "7d", or a number of milliseconds',
});

export type DurationInput = z.input<typeof duration>;

export const delaySpec = z.union([
  duration,
  z.object({ fixed: duration }).strict(),
  z.object({ uniform: z.tuple([duration, duration]) }).strict(),
  z.object({ exponential: duration }).strict(),
  z.object({ lognormal: z.object({ median: duration, sigma: z.number().positive() }).strict() }).strict(),
]);

export const probability = z.number().min(0, 'a probability is at least 0').max(1, 'a probability is at most 1');
