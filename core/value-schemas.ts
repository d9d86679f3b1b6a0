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
  z.object({ fixed: duration.describe('Always this long.') }).strict(),
  z.object({ uniform: z.tuple([duration, duration]).describe('Evenly between [min, max].') }).strict(),
  z.object({ exponential: duration.describe('Exponential with this mean.') }).strict(),
  z
    .object({
      lognormal: z
        .object({
          median: duration.describe('Half the draws are shorter than this.'),
          sigma: z.number().positive().describe('Spread of the log of the delay (1 is a long tail).'),
        })
        .strict()
        .describe('Log-normal: most draws near the median, some much longer.'),
    })
    .strict(),
]);

export const probability = z.number().min(0, 'a probability is at least 0').max(1, 'a probability is at most 1');
