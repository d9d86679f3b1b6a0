/**
 * A benchmark script of one checkout, run as that checkout runs it (`node dist/bench/<name>.js`
 * from its root, its own endpoint and load tools), and the headline figures read from what it
 * printed: a record with a summary (this layout) or bare JSON lines (the layout before the
 * redesign). compare-trees.ts alternates the two trees' runs of each script.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchError } from '../bench-error.js';
import { load1 } from './machine.js';

export interface ScriptRun {
  tree: string;
  bench: string;
  load: [number, number];
  figures: Record<string, number>;
}

/** How each script is run in both trees: node flags and arguments, as bench/run.js runs it. */
export const SCRIPTS: Record<string, { node: string[]; args: string[]; ours?: string }> = {
  // this tree's pass over the other tree's modules: the simulator alone, in CPU time
  'sim-cpu': { node: [], args: ['--devices', '100000'], ours: 'passes/tree-sim.js' },
  devices: { node: ['--expose-gc', '--max-old-space-size=8192'], args: ['--devices', '1000000'] },
  connections: { node: ['--expose-gc'], args: ['--devices', '10000'] },
  endpoint: { node: [], args: ['--seconds', '5'] },
  'metrics-overhead': { node: [], args: ['--pairs', '3'] },
};

export function runScript(tree: string, dir: string, bench: string): Promise<ScriptRun> {
  const how = SCRIPTS[bench];
  if (!how) throw new BenchError(`compare-trees: no script ${bench}; known: ${Object.keys(SCRIPTS).join(', ')}`);
  const before = load1();
  const script = how.ours
    ? [fileURLToPath(new URL(`../${how.ours}`, import.meta.url)), '--tree', dir]
    : [join(dir, 'dist', 'bench', `${bench}.js`)];
  const child = spawn(process.execPath, [...how.node, ...script, ...how.args], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b;
  });
  child.stderr.on('data', (b: Buffer) => {
    err += b;
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const lines = out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      if (code !== 0 || lines.length === 0) {
        reject(new BenchError(`${tree} ${bench} exited ${code}: ${err.trim().slice(-800)}`));
        return;
      }
      resolve({ tree, bench, load: [before, load1()], figures: figuresOf(bench, lines) });
    });
  });
}

type Json = Record<string, unknown>;
const num = (o: unknown, k: string): number => Number((o as Json | undefined)?.[k] ?? Number.NaN);

/** The figures to compare, under the same names whichever layout printed them. */
export function figuresOf(bench: string, lines: Json[]): Record<string, number> {
  const last = lines[lines.length - 1]!;
  const summary = (last.summary as Json | undefined) ?? last;
  const f: Record<string, number> = {};
  if (bench === 'sim-cpu') {
    f.transitionsPerCpuSec = num(summary, 'transitionsPerCpuSec');
    f.buildCpuMs = num(summary, 'buildCpuMs');
  } else if (bench === 'devices') {
    for (const k of ['bytesPerIdleDevice', 'bytesPerArrivedDevice', 'transitionsPerSec']) f[k] = num(summary, k);
  } else if (bench === 'connections') {
    const mine = (summary.fleetsim as Json | undefined) ?? summary;
    for (const k of ['clientHeapBytesPerDevice', 'clientRssBytesPerDevice', 'brokerRssBytesPerDevice'])
      f[`fleetsim ${k}`] = num(mine, k);
    if (summary.lean) f['lean clientRssBytesPerDevice'] = num(summary.lean, 'clientRssBytesPerDevice');
  } else if (bench === 'endpoint') {
    const cases = lines.filter((l) => typeof l.case === 'string');
    if (cases.length)
      for (const c of cases) f[`${c.case}${c.durable ? ' --data-dir' : ''} events/s`] = num(c, 'eventsPerSec');
    else for (const [k, v] of Object.entries(summary)) f[`${k} events/s`] = num(v, 'eventsPerSec');
  } else if (bench === 'metrics-overhead') {
    f['events/s on/off'] = num(summary, 'eventsPerSecRatio') || num(summary, 'ratio');
    f['CPU/event on/off'] = num(summary, 'cpuRatio');
    f['CPU/event off µs'] = num(summary, 'cpuUsPerEventOff');
  }
  return f;
}
