/**
 * The devices' reconnects and outages in words and as a table, shared by every rendering: when
 * each outage began and ended (from the run's first send), how many devices it struck, how long
 * they were down, how many came back and what was sent again.
 */
import type { Outage } from '../result/connectivity.js';
import type { RunResult } from '../result/result.js';

const fmt = (n: number) => n.toLocaleString('en-US');

/** Seconds with one decimal: "4.2 s". */
export function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
}

/** One sentence for the head of a report; undefined when the devices never lost their link. */
export function connectivitySentence(r: Pick<RunResult, 'connectivity' | 'window'>): string | undefined {
  const c = r.connectivity;
  if (!c) return undefined;
  const n = c.outages.length;
  const resent = c.outages.reduce((s, o) => s + o.resent, 0);
  const still = c.outages.reduce((s, o) => s + (o.stillDown ?? 0), 0);
  const resumed = c.sessionsResumed ? ` (${fmt(c.sessionsResumed)} with their session kept)` : '';
  const head = n
    ? `The devices lost their link to the target in ${fmt(n)} outage${n === 1 ? '' : 's'} (${c.outages.map((o) => `${at(r, o)} for ${seconds(o.to - o.from)}`).join(', ')})`
    : 'The devices lost their link to the target';
  const tail = still ? `; ${fmt(still)} device${still === 1 ? ' was' : 's were'} still down when the run ended` : '';
  return `${head}: ${fmt(c.reconnects)} reconnect${c.reconnects === 1 ? '' : 's'}${resumed}, ${fmt(resent)} event${resent === 1 ? '' : 's'} sent again${tail}.`;
}

/** When an outage began, from the run's first send ("at +4.2 s"). */
function at(r: Pick<RunResult, 'window'>, o: Outage): string {
  return r.window.firstSendAt
    ? `at +${seconds(o.from - r.window.firstSendAt)}`
    : `at ${new Date(o.from).toISOString()}`;
}

export const OUTAGE_HEAD = [
  'outage',
  'from',
  'to',
  'lasted',
  'devices down',
  'reconnected',
  'events resent',
  'longest down',
  'still down',
];
/** Columns that hold numbers (right-aligned). */
export const OUTAGE_NUMERIC = [0, 3, 4, 5, 6, 7, 8];

/** One row per outage, times from the run's first send. */
export function outageRows(r: Pick<RunResult, 'connectivity' | 'window'>): string[][] {
  const origin = r.window.firstSendAt;
  const rel = (t: number) => (origin ? `+${seconds(t - origin)}` : new Date(t).toISOString());
  return (r.connectivity?.outages ?? []).map((o, i) => [
    String(i + 1),
    rel(o.from),
    rel(o.to),
    seconds(o.to - o.from),
    fmt(o.devices),
    fmt(o.reconnects),
    fmt(o.resent),
    seconds(o.longestDownMs),
    fmt(o.stillDown ?? 0),
  ]);
}
