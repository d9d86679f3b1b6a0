/**
 * What measuring costs: the quick-start fleet run with full metrics and live progress (timeline,
 * HDR histograms, flows, the progress panel rendered every 250 ms into a sink) against bare
 * counters and no progress. Runs alternate on/off in pairs so machine noise hits both alike;
 * the verdict is the ratio of median events/s (aim: >= 0.95).
 *
 *   npm run build && node dist/bench/metrics-overhead.js [--pairs 7] [--transport mqtt|http] [--devices N] [--scenario file]
 */
import { BenchError } from './bench-error.js';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { runScenario } from '../run/run-scenario.js';
import { loadScenario } from '../agent/scenario/load.js';
import { createProgress } from '../cli/progress.js';
import { isTransportKind } from '../transport/kinds/kinds.js';
import { startRecord } from './method/output.js';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '7' },
    transport: { type: 'string' },
    devices: { type: 'string' },
    scenario: { type: 'string', default: 'scenarios/quickstart.yaml' },
  },
});
const pairs = Number(values.pairs);
const done = startRecord('metrics-overhead', {
  pairs,
  scenario: values.scenario,
  how: 'The quick-start fleet with full run metrics and live progress (rendered into a sink every 250 ms) against bare counters, alternating in pairs in this process with the embedded endpoint; CPU per event includes the endpoint. Aim: events/s ratio >= 0.95. Command: `node dist/bench/metrics-overhead.js --pairs 3`.',
});
const transport = values.transport !== undefined && isTransportKind(values.transport) ? values.transport : undefined;
const scenario = loadScenario(values.scenario!);

/** A TTY-like sink: the progress panel is formatted and written, then dropped. */
class Sink extends Writable {
  isTTY = true;
  bytes = 0;
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.bytes += chunk.length;
    done();
  }
}

/** events/s, and this process's CPU µs per event (less sensitive to other load on the machine). */
async function once(instrument: boolean): Promise<{ rate: number; cpuUs: number }> {
  const sink = new Sink();
  const cpu0 = process.cpuUsage();
  const progress = createProgress(sink, { quiet: false, tty: true, scenario: scenario.name });
  const r = await runScenario(scenario, {
    scenarioFile: values.scenario!,
    instrument,
    ...(transport ? { transport } : {}),
    ...(values.devices ? { devices: Number(values.devices) } : {}),
    ...(instrument ? { onTick: (s) => progress.tick(s) } : {}),
  });
  progress.end();
  if (!r.reconciliation.match || r.events.failed)
    throw new BenchError(`run ${instrument ? 'on' : 'off'} did not pass: ${r.verdict}`);
  const cpu = process.cpuUsage(cpu0);
  return { rate: r.throughput.eventsPerSec, cpuUs: Math.round(((cpu.user + cpu.system) / r.events.sent) * 10) / 10 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const on: number[] = [];
const off: number[] = [];
const onCpu: number[] = [];
const offCpu: number[] = [];
const record = (into: number[], cpuInto: number[]) => (x: { rate: number; cpuUs: number }) => {
  into.push(x.rate);
  cpuInto.push(x.cpuUs);
};
await once(true); // warm-up: JIT, module loading
for (let i = 0; i < pairs; i++) {
  // alternate which goes first so a slow patch of the machine does not favour one side
  if (i % 2 === 0) {
    record(off, offCpu)(await once(false));
    record(on, onCpu)(await once(true));
  } else {
    record(on, onCpu)(await once(true));
    record(off, offCpu)(await once(false));
  }
  process.stderr.write(
    `pair ${i + 1}/${pairs}: off ${off[i]} ev/s ${offCpu[i]} cpu-us/event, on ${on[i]} ev/s ${onCpu[i]} cpu-us/event\n`,
  );
}
const ratio = Math.round((median(on) / median(off)) * 1000) / 1000;
const summary = {
  bench: 'metrics-overhead',
  scenario: scenario.name,
  transport: transport ?? scenario.transport,
  devices: values.devices ? Number(values.devices) : scenario.cohorts.reduce((n, c) => n + c.count, 0),
  pairs,
  offEventsPerSec: off,
  onEventsPerSec: on,
  medianOff: median(off),
  medianOn: median(on),
  ratio,
  target: 0.95,
  ok: ratio >= 0.95,
  // CPU per event of this process (endpoint included when embedded): on / off, 1.0 = free
  cpuUsPerEventOff: median(offCpu),
  cpuUsPerEventOn: median(onCpu),
  cpuRatio: Math.round((median(onCpu) / median(offCpu)) * 1000) / 1000,
};
done([...off.map((x, i) => ({ off: x, on: on[i], offCpu: offCpu[i], onCpu: onCpu[i] }))], {
  eventsPerSecRatio: summary.ratio,
  aim: 0.95,
  met: summary.ok,
  cpuUsPerEventOff: summary.cpuUsPerEventOff,
  cpuUsPerEventOn: summary.cpuUsPerEventOn,
  cpuRatio: summary.cpuRatio,
});
