/**
 * What a reconciliation says besides its table, in words every rendering shows the same way
 * (terminal, summary.md, report.html, junit.xml): why events failed, where the counts came from
 * and when they matched, the data the target held before the run, a baseline's assumption, and
 * the counts whose labels map to nothing (each a difference, never dropped) or were left out of
 * a baseline's comparison because the run did not change them. Pure.
 */
import { failureLine } from '../drive/failure-reasons.js';
import { describeUnmapped } from '../reconcile/labels.js';
import type { RunResult } from '../result/result.js';

const fmt = (n: number) => n.toLocaleString('en-US');

export interface Note {
  text: string;
  /** Part of why the run failed (shown as bad), or context. */
  bad: boolean;
}

/** Why events failed, in one line: the most common reasons and the HTTP status codes. */
export function failuresNote(r: Pick<RunResult, 'events'>): string | undefined {
  return failureLine(r.events.failed, r.events.failureReasons);
}

/** The likely cause of a mismatch against a target that was not empty before the run. A
 * namespaced run whose source still counted pairs before it started reads more than its own. */
export function heldHint(rec: RunResult['reconciliation'], namespaced = false): string | undefined {
  if (rec.match || !rec.checked || rec.baseline || !rec.heldBefore) return undefined;
  if (namespaced)
    return `the run has a namespace, but its tally source counted ${fmt(rec.heldBefore)} (device, app) pairs before it started: filter the source by the run id ({runId} in its URL, :runId in its query), or give the run a baseline (--tally-baseline); see docs/targets.md`;
  return `the endpoint already held ${fmt(rec.heldBefore)} (device, app) pairs before this run: give the run a namespace (--namespace) or a baseline (--tally-baseline); see docs/targets.md`;
}

/** Where the counts came from and how long they took to match (a target description's settle). */
export function settleLine(rec: RunResult['reconciliation']): string | undefined {
  const s = rec.settle;
  const from = rec.source ? `counts from ${rec.source}` : '';
  if (!s) return from || undefined;
  const when = s.consistent
    ? `consistent ${fmt(s.afterMs ?? 0)} ms after the last acknowledgement (${s.reads} read(s))`
    : `not consistent within the settle timeout of ${s.timeoutMs / 1000} s (${s.reads} read(s)): the last differences below`;
  return from ? `${from}; ${when}` : when;
}

/** Every note of a checked reconciliation, in the order the renderings show them. */
export function reconciliationNotes(rec: RunResult['reconciliation'], namespaced = false): Note[] {
  const notes: Note[] = [];
  const how = settleLine(rec);
  if (how) notes.push({ text: how, bad: false });
  if (rec.sourceNote) notes.push({ text: rec.sourceNote, bad: true });
  const held = heldHint(rec, namespaced);
  if (held) notes.push({ text: held, bad: true });
  const b = rec.baseline;
  if (b) {
    notes.push({
      text: `baseline: after - before against this run's change; ${fmt(b.pairsBefore)} pair(s) held before, ${fmt(b.reused)} re-used (${b.assumption})`,
      bad: false,
    });
    const kept = rec.devices?.leftToTarget;
    if (kept)
      notes.push({
        text: `devices: ${fmt(kept)} re-used pair(s) keep the target's own row, not older than this run's last report (of ${fmt(b.notNewer)} that sent nothing newer)`,
        bad: false,
      });
    for (const u of b.unmappedLeftOut ?? [])
      notes.push({
        text: `left out of the baseline's comparison: ${describeUnmapped(u).replace(/^unmapped: /, '')}, held before and unchanged by this run (labels that map to none of ours)`,
        bad: false,
      });
  }
  for (const u of rec.unmapped ?? [])
    notes.push({
      text: `${describeUnmapped(u)}${b ? ' (changed by this run: after - before)' : ''}: a label the target's codes do not map back to ours`,
      bad: true,
    });
  if (rec.joined?.length)
    notes.push({
      text: `compared at the target's granularity: its codes do not tell apart ${rec.joined
        .map((j) => `${j.entries.map((e) => `${e.status}/${e.state}`).join(' + ')} (${j.as.platform})`)
        .join('; ')}, counted under the first`,
      bad: false,
    });
  return notes;
}

/** How many differences a reconciliation found: tally cells and unmapped rows. */
export function differenceCount(rec: RunResult['reconciliation']): number {
  return rec.differences.length + (rec.unmapped?.length ?? 0);
}

/** The column heads of the tally tables: a baseline compares the change with after - before. */
export function countHeads(rec: RunResult['reconciliation']): [expected: string, counted: string] {
  return rec.baseline ? ['expected change', 'after - before'] : ['expected', 'counted'];
}
