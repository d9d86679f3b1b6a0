/**
 * The faults part of a report: per fault, what it injected and whether the tallies stayed exact,
 * and the stuck devices with the state reconciliation expected of them. Render only.
 */
import type { RunResult } from '../result/result.js';
import type { FaultReport } from '../result/fault-report.js';
import { seconds } from './connectivity.js';
import { plain, type Style, table } from './text-table.js';

const fmt = (n: number) => n.toLocaleString('en-US');

/** Injected counts in a fixed order of interest, then any others by name. */
const ORDER = ['duplicated', 'reordered', 'heldInOrder', 'delayed', 'skewed', 'stuck', 'reset', 'refused', 'paused'];

export function injectedText(f: FaultReport): string {
  if (f.notInjected) return f.notInjected;
  const keys = Object.keys(f.injected).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1));
  const parts = keys
    .filter((k) => k !== 'delayMs' && f.injected[k])
    .map((k) => {
      const n = f.injected[k]!;
      if (k === 'delayed' && f.injected.delayMs)
        return `delayed ${fmt(n)} (mean ${Math.round(f.injected.delayMs / n)} ms)`;
      return `${k} ${fmt(n)}`;
    });
  return parts.length ? parts.join(', ') : 'nothing (no event or device in its window)';
}

const rank = (k: string) => {
  const i = ORDER.indexOf(k);
  return i < 0 ? ORDER.length : i;
};

export function windowText(f: FaultReport): string {
  const s = (ms: number) =>
    ms === 0 ? '0s' : ms % 60_000 === 0 ? `${ms / 60_000}m` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
  const end = f.window.forMs === null ? '..end' : f.window.forMs === 0 ? '' : `..+${s(f.window.atMs + f.window.forMs)}`;
  return `${f.window.clock} +${s(f.window.atMs)}${end}`;
}

/**
 * What each fault did to the devices' links, a line per fault with outages in its window: when
 * they began (from the run's first send) and lasted, the devices down, the longest down, the
 * reconnects and the events resent.
 */
export function faultOutageLines(r: Pick<RunResult, 'faults' | 'window'>): string[] {
  const origin = r.window.firstSendAt;
  const when = (t: number) => (origin ? `+${seconds(t - origin)}` : new Date(t).toISOString());
  return (r.faults ?? []).flatMap((f) => {
    const o = f.outages ?? [];
    if (o.length === 0) return [];
    const add = (k: 'devices' | 'reconnects' | 'resent' | 'stillDown') => o.reduce((n, x) => n + (x[k] ?? 0), 0);
    const longest = Math.max(...o.map((x) => x.longestDownMs));
    const still = add('stillDown');
    const spans = o.map((x) => `${when(x.from)} for ${seconds(x.to - x.from)}`).join(', ');
    return [
      `${f.name}: ${o.length} outage${o.length === 1 ? '' : 's'} (${spans}): ${fmt(add('devices'))} devices down, longest ${seconds(longest)}, ${fmt(add('reconnects'))} reconnects, ${fmt(add('resent'))} events resent${still ? `, ${fmt(still)} still down at the end` : ''}`,
    ];
  });
}

/** Lost events shown in the terminal; report.json lists up to 500, summary.md up to 100. */
const LOST_SHOWN = 20;

/** One line per lost event: which, and when it was sent. */
export function lostLines(r: RunResult, max: number): string[] {
  const l = r.lostEvents;
  if (!l) return [];
  const head =
    l.lost === 0
      ? `lost events: none (every event sent to ${fmt(l.pairsChecked)} (device, app) pairs is in the endpoint's history)`
      : `lost events: ${fmt(l.lost)} sent and never taken in by the endpoint (${fmt(l.pairsChecked)} pairs compared)`;
  const out = [head];
  if (l.pairsNotChecked) out.push(`  ${fmt(l.pairsNotChecked)} pairs not compared${l.reason ? `: ${l.reason}` : ''}`);
  for (const e of l.events.slice(0, max))
    out.push(
      `  ${e.deviceId} ${e.appId} #${e.seq}${e.enrolment ? ` (enrolment ${e.enrolment})` : ''} ${e.status}/${e.state}, sent at +${e.sentAtMs} ms${e.faults ? ` in ${e.faults.map((n) => `'${n}'`).join(', ')}` : ''}`,
    );
  if (l.lost > Math.min(max, l.events.length))
    out.push(`  ...and ${fmt(l.lost - Math.min(max, l.events.length))} more (report.json lists ${l.events.length})`);
  return out;
}

export function renderFaults(r: RunResult, style: Style = plain): string {
  const faults = r.faults ?? [];
  const rows = [['fault', 'kind', 'window', 'devices', 'injected', 'tallies']];
  for (const f of faults)
    rows.push([
      f.name,
      f.kind,
      windowText(f),
      fmt(f.devices),
      injectedText(f),
      f.exact === null ? style.dim('not reconciled') : f.exact ? style.ok('exact') : style.bad('differ'),
    ]);
  const out = [`${style.bold('faults')}`, table(rows, ['l', 'l', 'l', 'r', 'l', 'l'])];
  for (const line of faultOutageLines(r)) out.push(`  ${line}`);
  for (const f of faults) {
    if (f.note) out.push(`  ${f.name}: ${f.note}`);
    for (const d of f.stuck ?? [])
      out.push(
        style.dim(
          `  stuck ${d.deviceId} since +${Math.round(d.atMs / 1000)} s (fault '${f.name}'): expected its last reported state: ${d.apps.map((a) => `${a.appId} ${a.last ? `${a.last.status}/${a.last.state} #${a.last.seq}` : 'never reported'}`).join('; ')}`,
        ),
      );
  }
  for (const line of lostLines(r, LOST_SHOWN)) out.push(line.startsWith('  ') ? style.dim(line) : line);
  return out.join('\n');
}
