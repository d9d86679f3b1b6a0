import { formatDuration } from '../core/delay.js';
import { loadScenario } from '../agent/scenario/load.js';
import { traceDevice, type DeviceTrace, type TraceFault } from '../agent/sim/trace.js';
import { describe } from '../protocol/catalogue/catalogue.js';
import { UsageError } from '../protocol/errors.js';
import type { Scenario } from '../agent/scenario/schema.js';
import { parseSeedFlag } from './seed.js';

export interface TraceArgs {
  scenario: string;
  device: string;
  devices?: number;
  seed?: string;
  json: boolean;
}

/** Walks one device alone, with no network: the same steps it takes in a full run. */
export async function traceCommand(a: TraceArgs): Promise<number> {
  const scenario = loadScenario(a.scenario);
  if (a.devices !== undefined && (!Number.isInteger(a.devices) || a.devices < 1)) {
    throw new UsageError(`--devices ${a.devices} is not a whole number of devices >= 1.`);
  }
  const seed = parseSeedFlag(a.seed) ?? scenario.seed;
  const trace = traceDevice(scenario, a.device, { seed, ...(a.devices !== undefined ? { devices: a.devices } : {}) });
  if (!trace) {
    const c = scenario.cohorts[0]!;
    throw new UsageError(
      `No device "${a.device}" in ${a.scenario}${a.devices !== undefined ? ` with --devices ${a.devices}` : ''}. Device ids are <prefix>-<6 digits>, numbered per prefix across cohorts, e.g. ${c.idPrefix ?? c.platform}-000001.`,
    );
  }
  process.stdout.write(a.json ? renderTraceJson(trace) : renderTrace(trace, scenario, seed));
  return 0;
}

/** JSON lines, one per event, with the fields of the event the device sent (plus via and why). */
export function renderTraceJson(t: DeviceTrace): string {
  return t.steps.map((s) => `${JSON.stringify(s)}\n`).join('');
}

export function renderTrace(t: DeviceTrace, scenario: Scenario, seed: number | string): string {
  const d = t.device;
  const lines: string[] = [];
  lines.push(`${d.id}: ${d.platform}, cohort ${d.cohort}, seed ${seed}, online at +${formatDuration(d.arrivalMs)}`);
  lines.push(`  traits ${JSON.stringify(d.traits)}`);
  for (const [app, role] of Object.entries(t.quotaRoles)) {
    const q = scenario.quotas[role];
    lines.push(
      `  ${app}: ${q ? `chosen for quota ${role} (${q.end ? `end ${q.end.status}${q.end.state ? `/${q.end.state}` : ''}` : ''}${q.path ? ` path ${q.path.join(' -> ')}` : ''})` : "in a quota's cohort, not chosen: its walk avoids every exact quota of the cohort (atLeast quotas leave it free)"}`,
    );
  }
  for (const f of t.faults) lines.push(`  ${faultHeader(f, t.startMs)}`);
  const moments = t.faults.filter((f) => f.at !== undefined && f.clock === 'sim').sort((a, b) => a.at! - b.at!);
  const strike = (until: number) => {
    while (moments.length && moments[0]!.at! <= until) {
      const f = moments.shift()!;
      lines.push(
        `${`+${formatElapsed(f.at! - t.startMs)}`.padStart(14)}  FAULT ${f.kind} '${f.name}' strikes: ${f.inProgress === 0 ? 'nothing was in progress any more; it changed nothing' : (MOMENT_WHAT[f.kind] ?? 'see docs/faults.md')}`,
      );
    }
  };
  for (const s of t.steps) {
    strike(s.simTs);
    const when = `+${formatElapsed(s.simTs - t.startMs)}`.padStart(14);
    const native = s.native ? ` [${s.native}]` : '';
    lines.push(
      `${when}  ${s.appId}@${s.appVersion} #${s.seq}${s.enrolment ? ` (enrolment ${s.enrolment})` : ''}  ${describe(d.platform, s.status, s.state)}${native}`,
    );
    lines.push(
      `${' '.repeat(16)}because ${s.why || 'the job started'}${s.via.length ? `  (${s.via.join(', ')})` : ''}`,
    );
    for (const f of s.faults ?? []) lines.push(`${' '.repeat(16)}FAULT ${f}`);
  }
  strike(Infinity);
  return `${lines.join('\n')}\n`;
}

const MOMENT_WHAT: Record<string, string> = {
  stuck: 'the device goes silent and never reports again',
  'factory-reset': 'the device is wiped and re-enrols; seq starts again at 1',
  'connection-drop': "the device's connection is cut",
  'endpoint-restart': 'the endpoint is killed and restarted',
};

function faultHeader(f: TraceFault, startMs: number): string {
  const win = (a: number, b: number) =>
    f.clock === 'sim'
      ? `+${formatElapsed(a - startMs)}${Number.isFinite(b) && b > a ? `..+${formatElapsed(b - startMs)}` : Number.isFinite(b) ? '' : ' to the end'} simulated`
      : `${formatDuration(a)}${Number.isFinite(b) && b > a ? `..${formatDuration(b)}` : Number.isFinite(b) ? '' : ' to the end'} of wall time from the drive's start (which events depends on the run's pace)`;
  // a wall moment is not on the simulated timeline below: say it here
  const moment =
    f.clock === 'wall' && f.at !== undefined && MOMENT_WHAT[f.kind]
      ? `; at ${formatDuration(f.at)} from the drive's start ${MOMENT_WHAT[f.kind]}`
      : '';
  return `fault '${f.name}' (${f.kind}) strikes this device: ${win(f.from, f.to)}${moment}`;
}

/** Simulated elapsed time as d hh:mm:ss.mmm so long lifecycles stay readable. */
function formatElapsed(ms: number): string {
  const days = Math.floor(ms / 86_400_000);
  let rest = ms - days * 86_400_000;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = (rest / 1000).toFixed(3).padStart(6, '0');
  const hms = `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${s}`;
  return days ? `${days}d ${hms}` : hms;
}
