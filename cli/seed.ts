/** A --seed given on the command line: integers stay numbers so the same seed hashes the same. */
export function parseSeedFlag(seed: string | undefined): number | string | undefined {
  if (seed === undefined) return undefined;
  return /^-?\d+$/.test(seed) ? Number(seed) : seed;
}
