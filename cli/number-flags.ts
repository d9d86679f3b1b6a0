/**
 * Number flags read from the text the user typed: yargs' `type: 'number'` turns "abc" into NaN
 * before anyone can say what was wrong, so these take the string and say it back.
 */
import { UsageError } from '../protocol/errors.js';

/** A whole number >= `min` from `--<flag> <text>`, or a UsageError quoting the text. */
export function wholeNumber(flag: string, text: unknown, min = 1): number {
  const raw = String(text).trim();
  const n = /^[+]?\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min)
    throw new UsageError(
      `--${flag} "${String(text)}" is not a whole number >= ${min}; e.g. --${flag} ${Math.max(min, 100)}.`,
    );
  return n;
}

/** `wholeNumber` for an optional flag (the last one given wins, as yargs does). */
export function optionalWholeNumber(flag: string, v: unknown, min = 1): number | undefined {
  if (v === undefined) return undefined;
  return wholeNumber(flag, Array.isArray(v) ? v.at(-1) : v, min);
}

/**
 * A yargs option taking a whole number as typed (parse it with `optionalWholeNumber` in the
 * handler: yargs would wrap an error thrown from `coerce` into its own, losing the exit code).
 */
export function wholeNumberOption(describe: string) {
  return { type: 'string', requiresArg: true, describe } as const;
}
