/**
 * This tree against another checkout (the main before a change), side by side in one run: the
 * mqtt-ratio and http-ratio passes of both trees' fleetsim and of the raw baseline (a minimal
 * mqtt.js publisher, autocannon) into the same endpoint (this tree's `fleetsim serve`, fresh per
 * pass), in rotating order round after round, so drift in a shared machine's load falls on every
 * side alike. Each tree runs its own runScenario and bench fleet (passes/tree-fleetsim.ts); per
 * round, each side's CPU per event and events/s are divided by the baseline's of that round, and
 * the new tree's by the old tree's. Then the scripts both trees have (devices, connections,
 * endpoint, metrics-overhead), each tree's own, old and new alternating for --pairs pairs
 * (method/tree-scripts.ts); and the endpoints: the raw baselines' load into each tree's own
 * `fleetsim serve`, its CPU per event. The other tree must be built (`npm ci` builds it).
 *
 *   npm run build && node dist/bench/compare-trees.js --old ../oldmain [--rounds 3] [--transports mqtt,http]
 *     [--mqtt-devices 100000] [--http-devices 40000] [--seconds 8] [--scripts devices,endpoint,...] [--pairs 2] [--endpoints mqtt,http]
 *     [--endpoint-rate N]   (HTTP endpoints compared at N requests/s: the same work per second on both sides)
 *     [--endpoints-together] (both endpoints loaded at once in each round: the same machine load on both)
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPass, type PassResult } from './method/pass.js';
import { startRecord } from './method/output.js';
import { roundRatios, rounds, summarise, type Side } from './method/rounds.js';
import { argOf, argText, spread } from './method/stats.js';
import { runScript, SCRIPTS, type ScriptRun } from './method/tree-scripts.js';
import { startServe } from './serve-process.js';

const here = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const config = {
  old: resolve(argText('old', '')),
  new: here,
  rounds: argOf('rounds', 3),
  transports: argText('transports', 'mqtt,http').split(',').filter(Boolean),
  scripts: argText('scripts', Object.keys(SCRIPTS).join(',')).split(',').filter(Boolean),
  pairs: argOf('pairs', 2),
  endpoints: argText('endpoints', 'mqtt,http').split(',').filter(Boolean),
  /** HTTP requests per second into each tree's endpoint (0: as fast as it takes them). */
  endpointRate: argOf('endpoint-rate', 0),
  /** Both trees' endpoints loaded at the same time, each by its own client: a shared machine's load
   * then falls on both alike within each round, not only across rounds. */
  endpointsTogether: process.argv.includes('--endpoints-together'),
  mqttDevices: argOf('mqtt-devices', 100_000),
  httpDevices: argOf('http-devices', 40_000),
  seconds: argOf('seconds', 8),
};
if (!argText('old', '')) {
  process.stderr.write('compare-trees: --old DIR (a built checkout) is required\n');
  process.exit(3);
}
const done = startRecord('compare-trees', config);

const tree = (name: string, dir: string, transport: string, devices: number, client = 'mqtt.js'): Side => ({
  name,
  run: (s) =>
    runPass(name, 'tree-fleetsim', [
      '--tree',
      dir,
      '--transport',
      transport,
      '--target',
      transport === 'http' ? s.http : s.mqtt,
      '--tallies',
      s.http,
      '--peer-pid',
      `${s.child.pid}`,
      '--devices',
      `${devices}`,
      '--client',
      client,
    ]),
});

const baseline = (transport: string, rate = 0): Side =>
  transport === 'http'
    ? {
        name: 'autocannon',
        run: (s) =>
          runPass('autocannon', 'http-autocannon', [
            ...['--target', s.http, '--peer-pid', `${s.child.pid}`, '--seconds', `${config.seconds}`],
            ...['--devices', `${config.httpDevices}`],
            ...(rate > 0 ? ['--rate', `${rate}`] : []),
          ]),
      }
    : {
        name: 'raw-mqtt.js',
        run: (s) =>
          runPass('raw-mqtt.js', 'mqtt-raw', [
            '--target',
            s.mqtt,
            '--peer-pid',
            `${s.child.pid}`,
            '--seconds',
            `${config.seconds}`,
          ]),
      };

const summary: Record<string, unknown> = {};
const all: PassResult[] = [];
for (const transport of config.transports) {
  const devices = transport === 'http' ? config.httpDevices : config.mqttDevices;
  const base = baseline(transport);
  const sides = [
    tree(`old ${transport}`, config.old, transport, devices),
    tree(`new ${transport}`, config.new, transport, devices),
  ];
  if (transport === 'mqtt') sides.push(tree('new mqtt lean', config.new, transport, devices, 'lean'));
  sides.push(base);
  const passes = (await rounds(sides, config.rounds)).map((p) => ({ ...p, transport }));
  all.push(...passes);
  const per: Record<string, unknown> = { baseline: base.name };
  for (const side of sides) {
    per[side.name] = {
      ...summarise(passes, side.name),
      cpuVsBaseline: roundRatios(passes, side.name, base.name, 'cpuUsPerEvent'),
      eventsPerSecVsBaseline: roundRatios(passes, side.name, base.name, 'eventsPerSec'),
    };
  }
  per.newOverOld = {
    cpuUsPerEvent: roundRatios(passes, `new ${transport}`, `old ${transport}`, 'cpuUsPerEvent'),
    eventsPerSec: roundRatios(passes, `new ${transport}`, `old ${transport}`, 'eventsPerSec'),
  };
  summary[transport] = per;
}
for (const [transport, per] of Object.entries(summary) as [
  string,
  Record<string, Record<string, { median: number }>>,
][]) {
  process.stderr.write(`\n${transport} (baseline ${String(per.baseline)}): median over rounds [min-max]\n`);
  for (const [name, s] of Object.entries(per)) {
    if (name === 'baseline' || name === 'newOverOld') continue;
    const f = s as unknown as Record<string, { median: number; min: number; max: number }>;
    const show = (k: string) => `${f[k]!.median} [${f[k]!.min}-${f[k]!.max}]`;
    process.stderr.write(
      `  ${name.padEnd(16)} CPU ${show('cpuUsPerEvent')} µs/event (x${show('cpuVsBaseline')} baseline), ${show('eventsPerSec')} events/s (x${show('eventsPerSecVsBaseline')})\n`,
    );
  }
  const n = per.newOverOld as unknown as Record<string, { median: number; min: number; max: number }>;
  process.stderr.write(
    `  new / old: CPU per event x${n.cpuUsPerEvent!.median} [${n.cpuUsPerEvent!.min}-${n.cpuUsPerEvent!.max}], events/s x${n.eventsPerSec!.median} [${n.eventsPerSec!.min}-${n.eventsPerSec!.max}]\n`,
  );
}
// The endpoints: the same raw load (the baselines above) into each tree's `fleetsim serve`, its CPU per event ingested.
for (const transport of config.endpoints) {
  const passes: PassResult[] = [];
  for (let r = 0; r < config.rounds; r++) {
    const order: [string, string][] = [
      [`old serve ${transport}`, config.old],
      [`new serve ${transport}`, config.new],
    ];
    const one = async ([name, dir]: [string, string]) => {
      const served = await startServe([], join(dir, 'bin', 'fleetsim.js'));
      try {
        const p = {
          ...(await baseline(transport, config.endpointRate).run(served)),
          side: name,
          round: r + 1,
          transport,
        };
        process.stderr.write(
          `round ${r + 1} ${name}: endpoint ${p.steady.peerCpuUsPerEvent} µs CPU/event, ${p.steady.eventsPerSec} events/s; load ${p.load.join('->')}\n`,
        );
        passes.push(p);
      } finally {
        await served.stop();
      }
    };
    if (config.endpointsTogether) await Promise.all(order.map(one));
    else for (const side of r % 2 ? order.reverse() : order) await one(side);
  }
  all.push(...passes);
  const o = `old serve ${transport}`;
  const n = `new serve ${transport}`;
  summary[`endpoint ${transport}`] = {
    [o]: summarise(passes, o),
    [n]: summarise(passes, n),
    newOverOld: {
      peerCpuUsPerEvent: roundRatios(passes, n, o, 'peerCpuUsPerEvent'),
      eventsPerSec: roundRatios(passes, n, o, 'eventsPerSec'),
    },
  };
  const ratios = summary[`endpoint ${transport}`] as {
    newOverOld: Record<string, { median: number; min: number; max: number }>;
  };
  const c = ratios.newOverOld.peerCpuUsPerEvent!;
  const e = ratios.newOverOld.eventsPerSec!;
  process.stderr.write(
    `endpoint ${transport} new / old: CPU per event x${c.median} [${c.min}-${c.max}], events/s x${e.median} [${e.min}-${e.max}]\n`,
  );
}

const scriptRuns: ScriptRun[] = [];
for (const bench of config.scripts) {
  const runs: ScriptRun[] = [];
  for (let p = 0; p < config.pairs; p++) {
    const order: [string, string][] = [
      ['old', config.old],
      ['new', config.new],
    ];
    for (const [name, dir] of p % 2 ? order.reverse() : order) {
      const r = await runScript(name, dir, bench);
      process.stderr.write(`${bench} pair ${p + 1} ${name}: ${JSON.stringify(r.figures)}; load ${r.load.join('->')}\n`);
      runs.push(r);
    }
  }
  scriptRuns.push(...runs);
  const per: Record<string, unknown> = {};
  process.stderr.write(`\n${bench}: old / new, median [min-max] over ${config.pairs} runs each\n`);
  for (const k of Object.keys(runs[0]!.figures)) {
    const of = (tree: string) => spread(runs.filter((r) => r.tree === tree).map((r) => r.figures[k]!));
    const o = of('old');
    const n = of('new');
    per[k] = { old: o, new: n, newOverOld: o.median ? Math.round((n.median / o.median) * 100) / 100 : 0 };
    process.stderr.write(
      `  ${k.padEnd(36)} ${o.median} [${o.min}-${o.max}]  ${n.median} [${n.min}-${n.max}]  x${(per[k] as { newOverOld: number }).newOverOld}\n`,
    );
  }
  summary[bench] = per;
}
done([...all, ...scriptRuns], summary);
