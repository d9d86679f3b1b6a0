/**
 * The shape of the status catalogue: a platform's statuses and granular states, with the seed's
 * labels and descriptions verbatim and the native protocol code behind each where one exists.
 * One file per platform beside this one holds its table; catalogue.ts lists them.
 */
/** Which seed row a state transcribes: `seed` rows are verbatim, `inherited` ones are the
 * general MaaS360 rows that Windows shares ("In addition to above states", seed 001). */
export type StateSource = 'seed' | 'inherited';

export interface StateDef {
  /** Stable wire id, unique within its status. */
  readonly id: string;
  /** The seed's label, verbatim. */
  readonly label: string;
  /** The seed's description, verbatim. */
  readonly description: string;
  /** The native protocol code, as `<system>:<code>`. */
  readonly native?: string;
  readonly source: StateSource;
  /** Further columns of the seed's row, by column (DME: the installation method and the kind of
   * software that show this message). */
  readonly columns?: Readonly<Record<string, string>>;
}

/** What a status means to an admin, whatever its platform calls it (Android "Success" and DME
 * "Installed" are both installed); reports and the live page colour by it. */
export type StatusMeaning = 'installed' | 'in_progress' | 'pending' | 'failed' | 'removed' | 'not_relevant' | 'unknown';

export interface StatusDef {
  readonly id: string;
  readonly label: string;
  readonly meaning: StatusMeaning;
  readonly states: readonly StateDef[];
  /** Finished jobs leave this status's table this long (simulated ms) after their last report,
   * as the seed says (DME Installed: 7 days); a device listing leaves them out from then on. */
  readonly retentionMs?: number;
}

export interface PlatformCatalogue {
  readonly platform: string;
  readonly label: string;
  readonly statuses: readonly StatusDef[];
}

/** A state row as the seed writes it: id, label, description, and the native code if any. */
export type Row = [id: string, label: string, description: string, native?: string];

export function status(
  id: string,
  label: string,
  meaning: StatusMeaning,
  rows: Row[],
  source: StateSource = 'seed',
): StatusDef {
  return {
    id,
    label,
    meaning,
    states: rows.map(([sid, slabel, description, native]) => ({
      id: sid,
      label: slabel,
      description,
      source,
      ...(native ? { native } : {}),
    })),
  };
}
