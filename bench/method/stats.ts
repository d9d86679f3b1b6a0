/**
 * Summaries across passes: the median, with the smallest and largest beside it so the spread is
 * visible; and the order of passes, alternated so that drift in the machine's load falls on every
 * side alike.
 */
export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function spread(xs: number[]): Spread {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return { median: 0, min: 0, max: 0, n: 0 };
  const mid = n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
  const r = (x: number) => Math.round(x * 100) / 100;
  return { median: r(mid), min: r(s[0]!), max: r(s[n - 1]!), n };
}

/** a / b of two medians, two decimals. */
export function ratio(a: Spread, b: Spread): number {
  return b.median ? Math.round((a.median / b.median) * 100) / 100 : 0;
}

/** Round r's order of the sides: each side goes first equally often (A B, B A, ...; with three, a rotation). */
export function orderOf<T>(sides: readonly T[], round: number): T[] {
  const k = round % sides.length;
  const rotated = [...sides.slice(k), ...sides.slice(0, k)];
  return sides.length === 2 && round % 2 ? [...sides].reverse() : rotated;
}

export function argOf(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

export function argText(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt;
}
