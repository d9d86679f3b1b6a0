/**
 * What each catalogue status means to an admin, whatever its platform calls it: Android's
 * "Success" and DME's "Installed" are both installed, DME's "Errors" and iOS's "Upgrade Failed"
 * are both failed. Reports and the live page colour by meaning, so one colour says one thing on
 * every platform and every page. Each status's meaning is catalogue data (protocol/catalogue/);
 * here are their colours, and a test holds every meaning to one.
 */
import { CATALOGUE, findStatus, isPlatform, type StatusMeaning } from './catalogue/catalogue.js';

export type { StatusMeaning };

export interface MeaningDef {
  readonly id: StatusMeaning;
  /** For legends. */
  readonly label: string;
  /** The hue every page draws it in (states of one meaning are shades of it). */
  readonly colour: string;
}

/** In the order a rollout reads: done, moving, waiting, wrong, gone, out of scope. */
export const MEANINGS: readonly MeaningDef[] = [
  { id: 'installed', label: 'installed', colour: '#15803d' },
  { id: 'in_progress', label: 'in progress', colour: '#2563eb' },
  { id: 'pending', label: 'pending', colour: '#d97706' },
  { id: 'failed', label: 'failed', colour: '#dc2626' },
  { id: 'removed', label: 'removed', colour: '#7c3aed' },
  { id: 'not_relevant', label: 'not relevant', colour: '#64748b' },
  // iOS "??" / "Unknown app state" (seed 000): neither done nor failed, so drawn apart from both
  { id: 'unknown', label: 'unknown', colour: '#a8a29e' },
];

const BY_ID = new Map(MEANINGS.map((m) => [m.id, m]));

/** The meaning of a platform's status; `unknown` for a status the catalogue does not list. */
export function meaningOf(platform: string, status: string): MeaningDef {
  const m = isPlatform(platform) ? findStatus(platform, status)?.meaning : undefined;
  return BY_ID.get(m ?? 'unknown')!;
}

/** Catalogue statuses whose meaning has no colour here (must be empty). */
export function meaningGaps(): string[] {
  const gaps: string[] = [];
  for (const [p, cat] of Object.entries(CATALOGUE))
    for (const s of cat.statuses)
      if (!BY_ID.has(s.meaning)) gaps.push(`${p}/${s.id} means "${s.meaning}", which has no colour`);
  return gaps;
}

/**
 * The `i`th of `n` shades of a hue, from the hue itself towards white, so the states of one
 * meaning can be told apart in a bar without leaving the meaning's colour.
 */
export function shade(colour: string, i: number, n: number): string {
  if (n <= 1 || i <= 0) return colour;
  const mix = Math.min(0.6, (0.6 * i) / (n - 1));
  const rgb = [1, 3, 5].map((o) => Number.parseInt(colour.slice(o, o + 2), 16));
  return `#${rgb
    .map((c) =>
      Math.round(c + (255 - c) * mix)
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
}
