import { buildFleet } from '../agent/fleet.js';
import { loadScenario } from '../agent/scenario/load.js';
import { Simulator } from '../agent/sim.js';
import { describe } from '../protocol/catalogue.js';
import { UsageError } from '../protocol/errors.js';
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
  const seed = parseSeedFlag(a.seed) ?? scenario.seed;
  const fleet = buildFleet(scenario, { onlyDevice: a.device, ...(a.devices !== undefined ? { devices: a.devices } : {}) });
  if (fleet.devices.length === 0) {
    throw new UsageError(`No device "${a.device}" in ${a.scenario} (${fleet.total} devices). Device ids are <prefix>-<6 digits>, e.g. ${scenario.cohorts[0]?.idPrefix ?? scenario.cohorts[0]?.platform}-000001.`);
  }
  const startMs = Date.parse(scenario.startTime);
  const sim = new Simulator(fleet, { startMs, seed });
  const out = process.stdout;
  const d = fleet.devices[0]!;
  if (!a.json) out.write(`${d.id} (${d.platform}, cohort ${d.cohort}) traits ${JSON.stringify(d.traits)}\n`);
  sim.runToEnd((e) => {
    const s = e.step;
    if (a.json) {
      out.write(JSON.stringify({ deviceId: d.id, appId: e.inst.app.id, seq: e.seq, simTs: s.at, status: s.status, state: s.state, native: s.native, via: s.via, why: s.why }) + '\n');
    } else {
      const t = `+${((s.at - startMs) / 1000).toFixed(3)}s`.padStart(14);
      out.write(`${t}  ${e.inst.app.id}#${e.seq}  ${describe(d.platform, s.status, s.state)}${s.native ? ` [${s.native}]` : ''}  <- ${s.why || 'start'}\n`);
    }
  });
  return 0;
}
