/**
 * A tally source: how a run reads the counts back from the system under test. Each kind (the
 * embedded endpoint's API, a user's HTTP API, PostgreSQL, none) is a small adapter behind this
 * one interface; they return rows in the system's own labels, and reconciliation maps them back
 * through the same code tables the wire used (reconcile/labels.ts).
 */

/** One count: (app, platform, status, state) -> devices, in the source's labels. */
export interface TallyRow {
  app: string;
  platform: string;
  status: string;
  state: string;
  count: number;
}

/** One (device, app) as the system holds it, in its labels and with its device id. */
export interface SourceDeviceRow {
  device: string;
  platform: string;
  status: string;
  state: string;
  /** Absent where the system keeps no sequence number; then only the state is compared. */
  seq?: number;
}

export interface ReadContext {
  appIds: readonly string[];
  runId: string;
  /**
   * A run namespace: the wire ids of this run's devices. A source that cannot filter by run in
   * its own query (the fleetsim API) counts these devices alone; the others filter with {runId}.
   */
  onlyDevices?: { has(wireDeviceId: string): boolean };
}

/** The devices of a namespaced run: those whose wire id carries the run id as one of its words
 * (ios-000042.r7f3, r7f3-ios-000042, r7f3/ios-000042), not as part of a longer one. */
export function namespaceMembers(runId: string): { has(wireDeviceId: string): boolean } {
  return { has: (id) => id.split(/[^A-Za-z0-9]+/).includes(runId) };
}

/** Something wrong with a tally source, found before the run: the field (under `tallies`) and what. */
export interface SourceProblem {
  field: (string | number)[];
  message: string;
  /** The system did not answer (connection refused, 5xx), rather than answered wrongly. */
  unreachable?: boolean;
}

export type TallySourceKind = 'fleetsim' | 'http' | 'postgres' | 'none';

export interface TallySource {
  readonly kind: TallySourceKind;
  /** Where it reads from, for logs and reports: never a password or a token. */
  readonly describe: string;
  /** "fleetsim": rows carry our catalogue ids; "wire": the user's codes from the wire's tables. */
  readonly labels: 'fleetsim' | 'wire';
  /** Absent for `none` (send only). Throws TallySourceError with what went wrong and where. */
  readTallies?(ctx: ReadContext): Promise<TallyRow[]>;
  /** Present where the source lists devices, for device-by-device reconciliation. */
  readDevices?(appId: string, ctx: ReadContext): Promise<SourceDeviceRow[]>;
  /**
   * Checks, before any event is sent, what can be checked without counting: a query's syntax and
   * columns, a URL that answers and a mapping that reads its first answer. Each problem names
   * the field of the tallies section it is about; `unreachable` when the system did not answer.
   */
  check?(ctx: ReadContext): Promise<SourceProblem[]>;
  /** Why the last read may have counted nothing (a mapping that reads no field of the answer), for the verdict. */
  emptyNote?(): string | undefined;
  close(): Promise<void>;
}

/** The shape of a JSON answer in a few words: "an object with keys total, breakdown". */
export function shapeOf(json: unknown): string {
  if (Array.isArray(json)) return `an array of ${json.length}`;
  if (json && typeof json === 'object') {
    const keys = Object.keys(json);
    return `an object with keys ${keys.slice(0, 8).join(', ')}${keys.length > 8 ? ', ...' : ''}`;
  }
  return JSON.stringify(json)?.slice(0, 40) ?? 'nothing';
}

/** The run's app ids and run id, as template variables of tally URLs. */
export function fillTemplate(
  text: string,
  vars: Readonly<Record<string, string>>,
  encode: (s: string) => string,
): string {
  return text.replace(/\{(appId|runId)\}/g, (_m, k: string) => encode(vars[k] ?? ''));
}

/** A count from JSON or SQL (bigint arrives as a string): a whole number >= 0, or undefined. */
export function toCount(v: unknown): number | undefined {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** Checks the rows an adapter produced; names the first bad one and what a row must hold. */
export function checkRows(rows: unknown, where: string, fallbackApp?: string): TallyRow[] | string {
  const list = rows === undefined ? [] : Array.isArray(rows) ? rows : [rows];
  const out: TallyRow[] = [];
  for (const r of list) {
    const o = (r ?? {}) as Record<string, unknown>;
    const app = o.app ?? fallbackApp;
    const count = toCount(o.count);
    const missing = [
      typeof app === 'string' ? '' : 'app',
      ...(['platform', 'status', 'state'] as const).map((k) => (typeof o[k] === 'string' ? '' : k)),
      count === undefined ? 'count' : '',
    ].filter(Boolean);
    if (missing.length) {
      return `${where} gave a row without a usable ${missing.join(', ')}: ${JSON.stringify(r)?.slice(0, 160)}; each row must be { app, platform, status, state, count } with strings and a whole count`;
    }
    out.push({
      app: app as string,
      platform: o.platform as string,
      status: o.status as string,
      state: o.state as string,
      count: count!,
    });
  }
  return out;
}

/** Checks device rows the same way. */
export function checkDeviceRows(rows: unknown, where: string): SourceDeviceRow[] | string {
  const list = rows === undefined ? [] : Array.isArray(rows) ? rows : [rows];
  const out: SourceDeviceRow[] = [];
  for (const r of list) {
    const o = (r ?? {}) as Record<string, unknown>;
    const seq = o.seq === undefined || o.seq === null ? undefined : toCount(o.seq);
    const missing = (['device', 'platform', 'status', 'state'] as const).filter((k) => typeof o[k] !== 'string');
    if (missing.length || (o.seq !== undefined && o.seq !== null && seq === undefined)) {
      return `${where} gave a device row without a usable ${[...missing, ...(missing.length ? [] : ['seq'])].join(', ')}: ${JSON.stringify(r)?.slice(0, 160)}; each row must be { device, platform, status, state, seq? }`;
    }
    out.push({
      device: o.device as string,
      platform: o.platform as string,
      status: o.status as string,
      state: o.state as string,
      ...(seq !== undefined ? { seq } : {}),
    });
  }
  return out;
}
