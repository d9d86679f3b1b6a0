/**
 * A duration as a scenario writes it ("250ms", "30s", "5m", "2h", "7d", or a number of
 * milliseconds), as a zod schema: the scenario schema and the transports' option fragments
 * validate durations with this one definition.
 */
import { z } from 'zod';
import { parseDuration } from './delay.js';

export const duration = z.union([z.string(), z.number()]).refine((v) => parseDuration(v) !== undefined, {
  message: 'expected a duration such as "250ms", "30s", "5m", "2h", "7d", or a number of milliseconds',
});

export type DurationInput = z.input<typeof duration>;
