/**
 * What each catalogue status means to an admin, whatever its platform calls it: Android's
 * "Success" and DME's "Installed" are both installed, DME's "Errors" and iOS's "Upgrade Failed"
 * are both failed. Reports and the live page colour by meaning, so one colour says one thing on
 * every platform and every page. Pure data; a test holds every catalogue status to a meaning.
 */
import { CATALOGUE, type Platform } from './catalogue.js';

export type StatusMeaning = 'installed' | 'in_progress' | 'pending' | 'failed' | 'removed' | 'not_relevant' | 'unknown';

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

/** Status id -> meaning, per platform (ids as in protocol/catalogue.ts). */
export const STATUS_MEANINGS: Readonly<Record<Platform, Readonly<Record<string, StatusMeaning>>>> = {
  ios: {
    pending_install: 'pending',
    not_relevant: 'not_relevant',
    installing: 'in_progress',
    installed: 'installed',
    removed: 'removed',
    pending_update: 'pending',
    updating: 'in_progress',
    unknown: 'unknown',
    failed: 'failed',
    upgrade_failed: 'failed',
  },
  android: {
    success: 'installed',
    installing: 'in_progress',
    pending_install: 'pending',
    pending_update: 'pending',
    removed: 'removed',
    failed: 'failed',
  },
  windows: {
    pending_install: 'pending',
    installing: 'in_progress',
    installed: 'installed',
    removed: 'removed',
    pending_update: 'pending',
    updating: 'in_progress',
    upgrade_failed: 'failed',
    failed: 'failed',
  },
  dme: {
    installing: 'in_progress',
    installed: 'installed',
    errors: 'failed',
  },
};

const BY_ID = new Map(MEANINGS.map((m) => [m.id, m]));

/** The meaning of a platform's status; `unknown` for a status the catalogue does not list. */
export function meaningOf(platform: string, status: string): MeaningDef {
  const m = (STATUS_MEANINGS as Record<string, Record<string, StatusMeaning> | undefined>)[platform]?.[status];
  return BY_ID.get(m ?? 'unknown')!;
}

/** Catalogue statuses with no meaning, and meanings naming no catalogue status (both must be empty). */
export function meaningGaps(): string[] {
  const gaps: string[] = [];
  for (const [p, cat] of Object.entries(CATALOGUE)) {
    const table = STATUS_MEANINGS[p as Platform];
    for (const s of cat.statuses) if (!table[s.id]) gaps.push(`${p}/${s.id} has no meaning`);
    for (const id of Object.keys(table))
      if (!cat.statuses.some((s) => s.id === id)) gaps.push(`${p}/${id} is not a catalogue status`);
  }
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
