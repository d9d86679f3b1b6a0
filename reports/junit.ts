/**
 * junit.xml for CI: one test suite per kind of check, a test case per threshold and per app
 * reconciliation. A failed check is a <failure> whose message says what was observed against
 * what was required; a check that was not made (no tallies to reconcile) is <skipped> with the
 * reason, so a run that exits 0 never shows red in CI. Suites carry time, timestamp, hostname
 * and <properties> (seed, scenario, target) as the JUnit XSD has them. Pure: a result in, XML out.
 */
import { connectivitySentence, OUTAGE_HEAD, outageRows } from './connectivity.js';
import type { RunResult } from '../result/result.js';
import type { ThresholdResult } from '../result/thresholds.js';
import { describeUnmapped } from '../reconcile/labels.js';
import { failuresNote, heldHint, reconciliationNotes } from './reconciliation-notes.js';

export function xmlEscape(s: string): string {
  return (
    s
      .replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!)
      // XML 1.0 forbids most control characters, even escaped.
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
  );
}

/** A threshold's figure with its unit, as people write it. */
export function formatFigure(value: number | null, unit: ThresholdResult['unit']): string {
  if (value === null) return 'none';
  if (unit === 'ms') return `${Math.round(value * 1000) / 1000}ms`;
  if (unit === 'ratio') return `${Math.round(value * 100_000) / 1000}%`;
  if (unit === 'perSec') return `${Math.round(value * 10) / 10}/s`;
  if (unit === 'exact') return value === 1 ? 'exact' : 'differs';
  return String(value);
}

interface Case {
  name: string;
  classname: string;
  /** Seconds the check covered. */
  time: number;
  failure?: { message: string; body: string };
  skipped?: string;
}

function thresholdCase(r: RunResult, t: ThresholdResult): Case {
  const c: Case = {
    name: t.check + (t.implicit ? ' (implicit)' : ''),
    classname: `fleetsim.${r.scenario.name}.thresholds`,
    // a threshold judges the whole run
    time: r.durationMs / 1000,
  };
  if (!t.passed) {
    const message = `${t.metric} observed ${formatFigure(t.observed, t.unit)}, required ${t.op} ${formatFigure(t.limit, t.unit)}${t.detail ? `; ${t.detail}` : ''}`;
    const why = failuresNote(r);
    c.failure = { message, body: why && /^(errors|events)\./.test(t.metric) ? `${message}\n${why}` : message };
  }
  return c;
}

function reconciliationCases(r: RunResult): Case[] {
  const rec = r.reconciliation;
  const classname = `fleetsim.${r.scenario.name}.reconciliation`;
  if (!rec.checked)
    return [{ name: 'reconciliation', classname, time: 0, skipped: `not checked: ${rec.reason ?? 'no tallies'}` }];
  const dev = rec.devices;
  const devices: Case[] = dev?.checked
    ? [
        {
          name: 'devices',
          classname,
          time: 0,
          ...(dev.differing > 0
            ? {
                failure: {
                  message: `${dev.differing} of ${dev.pairs} (device, app) pairs differ from ground truth`,
                  body: dev.differences.map(deviceLine).join('\n'),
                },
              }
            : {}),
        },
      ]
    : [];
  const notes = reconciliationNotes(rec, r.namespaced);
  const unmapped: Case[] = rec.unmapped?.length
    ? [
        {
          name: 'unmapped labels',
          classname,
          time: 0,
          failure: {
            message: `${rec.unmapped.length} count(s) in labels that map to none of ours`,
            body: rec.unmapped.map(describeUnmapped).join('\n'),
          },
        },
      ]
    : [];
  const context = notes.filter((n) => !n.bad).map((n) => n.text);
  return [
    ...rec.apps.map((app) => {
      const c: Case = { name: `app ${app.appId}`, classname, time: 0 };
      if (!app.match) {
        const diffs = rec.differences.filter((d) => d.appId === app.appId);
        const held = heldHint(rec, r.namespaced);
        c.failure = {
          message: `${diffs.length} tally difference(s): expected ${app.expected.total}, counted ${app.counted.total}${held ? `; ${held}` : ''}`,
          body: [
            ...diffs.map((d) => `${d.platform} ${d.status} / ${d.state}: expected ${d.expected}, counted ${d.counted}`),
            ...context,
          ].join('\n'),
        };
      }
      return c;
    }),
    ...unmapped,
    ...devices,
  ];
}

export function deviceLine(d: NonNullable<RunResult['reconciliation']['devices']>['differences'][number]): string {
  const show = (x: { status: string; state: string; seq?: number } | null) =>
    x ? `${x.status}/${x.state}${x.seq !== undefined ? ` #${x.seq}` : ''}` : 'nothing';
  return `${d.deviceId} ${d.appId} (${d.platform}): expected ${show(d.expected)}, counted ${show(d.counted)}`;
}

/** ISO 8601 without zone or fraction, as the JUnit XSD's timestamp wants. */
const junitTimestamp = (iso: string) => iso.replace(/(\.\d+)?Z$/, '');

function properties(r: RunResult): string {
  const props: [string, string][] = [
    ['scenario', r.scenario.name],
    ['scenario.file', r.scenario.file],
    ['seed', String(r.seed)],
    ['transport', r.transport],
    ['target', `${r.target.kind} ${r.target.url}`],
    ['fleetsim', r.environment.fleetsim],
    ...(r.shard ? ([['shard', `${r.shard.index + 1}/${r.shard.count}`]] as [string, string][]) : []),
    ...(r.aborted ? ([['aborted', r.aborted.reason]] as [string, string][]) : []),
    ...(r.gaveUp ? ([['gaveUp', `${r.gaveUp.events} events: ${r.gaveUp.reason}`]] as [string, string][]) : []),
    ...(failuresNote(r) ? ([['events.failureReasons', failuresNote(r)!]] as [string, string][]) : []),
    ...connectivityProps(r),
  ];
  return `    <properties>\n${props.map(([k, v]) => `      <property name="${xmlEscape(k)}" value="${xmlEscape(v)}"/>`).join('\n')}\n    </properties>`;
}

function testcase(c: Case, type: string): string {
  const open = `    <testcase name="${xmlEscape(c.name)}" classname="${xmlEscape(c.classname)}" time="${c.time.toFixed(3)}">`;
  if (c.skipped) return `${open}\n      <skipped message="${xmlEscape(c.skipped)}"/>\n    </testcase>`;
  if (!c.failure) return `${open}</testcase>`;
  return `${open}\n      <failure message="${xmlEscape(c.failure.message)}" type="${type}">${xmlEscape(c.failure.body)}</failure>\n    </testcase>`;
}

function suite(name: string, cases: Case[], r: RunResult, id: number): string {
  const failures = cases.filter((c) => c.failure).length;
  const skipped = cases.filter((c) => c.skipped).length;
  const body = cases.map((c) => testcase(c, name)).join('\n');
  return `  <testsuite name="${xmlEscape(`${r.scenario.name} ${name}`)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${(r.durationMs / 1000).toFixed(3)}" timestamp="${junitTimestamp(r.startedAt)}" hostname="${xmlEscape(r.environment.hostname)}" id="${id}" package="fleetsim.${xmlEscape(r.scenario.name)}">\n${properties(r)}\n${body}\n  </testsuite>`;
}

export function renderJunit(r: RunResult): string {
  const thresholds = r.thresholds.map((t) => thresholdCase(r, t));
  const reconciliation = reconciliationCases(r);
  const all = [...thresholds, ...reconciliation];
  const failures = all.filter((c) => c.failure).length;
  const skipped = all.filter((c) => c.skipped).length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="fleetsim ${xmlEscape(r.scenario.name)}" tests="${all.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${(r.durationMs / 1000).toFixed(3)}" timestamp="${junitTimestamp(r.startedAt)}">`,
    suite('thresholds', thresholds, r, 0),
    suite('reconciliation', reconciliation, r, 1),
    '</testsuites>',
    '',
  ].join('\n');
}

/** The reconnects and outages as properties: the sentence, then one property per outage. */
function connectivityProps(r: RunResult): [string, string][] {
  const links = connectivitySentence(r);
  if (!links) return [];
  const outages = outageRows(r).map(
    (row, i) =>
      [`connectivity.outage.${i + 1}`, row.map((v, j) => `${OUTAGE_HEAD[j]} ${v}`).join(', ')] as [string, string],
  );
  return [['connectivity', links], ...outages];
}
