/**
 * Scale: N concurrent MQTT devices (default 100,000) on this machine, one connection each (clientId
 * = device id, QoS 1, will, keepalive), every connection held open until the whole fleet has
 * reported, reconciled exactly. Each process may open at most 20,000 files here, so both sides run
 * across processes: `fleetsim serve --workers W` (brokers sharing one port, each also on a port of
 * its own) and `fleetsim run --workers W` (shards of the fleet), W = N / 16,000 rounded up. The run
 * is given serve's shared URL and finds the workers' own ports at its tallies URL (direct: no
 * connection handed over by serve's primary); `--sides direct,shared` alternates passes with
 * passes that keep every device on the shared port. One source address reaches one destination
 * through about 28,000 ephemeral ports, so the devices spread their destinations over
 * 127.0.0.1-127.0.0.8 (`--target-address`; source ports stay the kernel's choice), and serve
 * listens on all of them. The connect rate is read from the endpoint's connected-client gauge
 * between 5% and 95% of N, and so is the CPU it took: user and kernel time of the client
 * processes (fleetsim run and its workers), the brokers (serve's workers) and the owner (serve's
 * primary: it ingests the brokers' events, and on the shared port hands them their connections) over the connects made
 * in that window, with the events the devices sent meanwhile, and the cores all of them got (on a
 * shared machine the rate is those cores over the CPU per connect). Resident memory of both
 * process trees is sampled at the peak.
 *
 * Passes (`--passes` per side, default 1, alternated) are summarised as medians with min-max, each
 * with its load average.
 *
 *   npm run build && node dist/bench/scale.js [--devices 100000] [--workers 7] [--passes 1] [--sides direct,shared]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pidCpuSplitUs, pidRss } from './method/cpu.js';
import { OwnerAfterLastEvent } from './method/after-last-event.js';
import { ConnectedWatch } from './method/connected.js';
import { startRecord } from './method/output.js';
import { load1 } from './method/machine.js';
import { argOf, argText, orderOf, spread } from './method/stats.js';
import { BIN, startServe } from './serve-process.js';

const devices = argOf('devices', 100_000);
const workers = argOf('workers', Math.ceil(devices / 16_000));
const passes = argOf('passes', 1);
const sides = argText('sides', 'direct,shared').split(',') as Side[];
/** direct: the run finds the workers' own ports; shared: every device on serve's shared port. */
type Side = 'direct' | 'shared';
const scenario = fileURLToPath(new URL('../../scenarios/mqtt-stress.yaml', import.meta.url));
const done = startRecord('scale', {
  devices,
  workers,
  passes,
  sides,
  how: `\`fleetsim serve --workers ${workers} --host 0.0.0.0\` and \`fleetsim run scenarios/mqtt-stress.yaml --devices ${devices} --workers ${workers} --target-address 127.0.0.1-127.0.0.8\` (lean connections, one per device, held open to the end; the run finds the workers' own listeners at the tallies URL, so serve's primary hands over no connection), each process under 20,000 open files; traffic stays on loopback. ${passes} pass(es) per side${sides.length > 1 ? `, alternating ${sides.join(' and ')} (shared: every device on serve's shared port, \`--target-address 127.0.0.k:<shared port>\`)` : ''}, medians with min-max. Command: \`node dist/bench/scale.js --devices ${devices} --passes ${passes} --sides ${sides.join(',')}\`.`,
});

function tree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      const kids = readFileSync(`/proc/${out[i]}/task/${out[i]}/children`, 'utf8').trim();
      if (kids) out.push(...kids.split(/\s+/).map(Number));
    } catch {
      // gone
    }
  }
  return out;
}
const treeRss = (pid: number) => tree(pid).reduce((n, p) => n + pidRss(p), 0);

interface CpuPoint {
  connected: number;
  atMs: number;
  /** µs of CPU so far: user and kernel, per side. */
  cpu: Record<'client' | 'broker' | 'owner', { user: number; system: number }>;
}
const sum = (pids: number[]) =>
  pids.map(pidCpuSplitUs).reduce((a, b) => ({ user: a.user + b.user, system: a.system + b.system }), {
    user: 0,
    system: 0,
  });

/** CPU per connect between 5% and 95% of N connected, per side, and the cores they had together. */
function connectCpu(points: CpuPoint[], n: number): Record<string, number> {
  const a = points.find((p) => p.connected >= n * 0.05);
  const b = points.find((p) => p.connected >= n * 0.95);
  if (!a || !b || b.connected <= a.connected) return {};
  const made = b.connected - a.connected;
  const out: Record<string, number> = {};
  let total = 0;
  for (const side of ['client', 'broker', 'owner'] as const)
    for (const k of ['user', 'system'] as const) {
      const us = b.cpu[side][k] - a.cpu[side][k];
      total += us;
      out[`${side}${k === 'user' ? 'User' : 'Kernel'}UsPerConnect`] = Math.round(us / made);
    }
  return {
    cpuUsPerConnect: Math.round(total / made),
    ...out,
    coresUsed: Math.round((total / ((b.atMs - a.atMs) * 1000)) * 100) / 100,
  };
}

/** One pass: a fresh serve and run, its figures and the load average around it. */
async function onePass(side: Side): Promise<Record<string, unknown>> {
  const loadBefore = load1();
  const s = await startServe(['--workers', `${workers}`, '--host', '0.0.0.0']);
  const mqtt = s.mqtt.replace('0.0.0.0', '127.0.0.1');
  const http = s.http.replace('0.0.0.0', '127.0.0.1');
  const out = mkdtempSync(join(tmpdir(), 'fleetsim-scale-'));
  const port = new URL(mqtt).port;
  const destinations =
    side === 'direct'
      ? '127.0.0.1-127.0.0.8'
      : Array.from({ length: 8 }, (_, k) => `127.0.0.${k + 1}:${port}`).join(',');
  try {
    await new Promise((r) => setTimeout(r, 2_000)); // the brokers fork and listen
    const serveBase = treeRss(s.child.pid!);
    const watch = new ConnectedWatch(http).start();
    const afterLast = new OwnerAfterLastEvent(http, s.child.pid!).start();
    const t0 = performance.now();
    const run = spawn(
      process.execPath,
      [
        BIN,
        'run',
        scenario,
        '--devices',
        `${devices}`,
        '--workers',
        `${workers}`,
        '--target',
        mqtt,
        '--tallies-url',
        http,
        '--target-address',
        destinations,
        '--quiet',
        '--out',
        out,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    let peak = { connected: 0, serveRss: 0, runRss: 0 };
    const cpuPoints: CpuPoint[] = [];
    const sampler = setInterval(() => {
      const connected = watch.points[watch.points.length - 1]?.connected ?? 0;
      const servePids = tree(s.child.pid!);
      cpuPoints.push({
        connected,
        atMs: performance.now(),
        cpu: { client: sum(tree(run.pid!)), broker: sum(servePids.slice(1)), owner: sum(servePids.slice(0, 1)) },
      });
      if (connected >= peak.connected)
        peak = { connected, serveRss: treeRss(s.child.pid!) - serveBase, runRss: treeRss(run.pid!) };
    }, 1_000);
    // Bounded: a run that has not finished in 15 minutes is stopped and reported as such.
    const limit = setTimeout(() => run.kill('SIGTERM'), 15 * 60_000);
    const code = await new Promise<number | null>((r) => run.once('exit', r));
    clearTimeout(limit);
    clearInterval(sampler);
    watch.stop();
    const reads = afterLast.stop();
    const seconds = (performance.now() - t0) / 1000;
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
      verdict: string;
      events: { sent: number; acked: number; failed: number };
      reconciliation: { checked: boolean; match: boolean };
    };
    const rate = watch.rate(devices);
    const pass = {
      side,
      exitCode: code,
      verdict: report.verdict,
      reconciled: report.reconciliation.checked && report.reconciliation.match,
      peakConnected: Math.max(rate.peak, peak.connected),
      connectsPerSec: rate.connectsPerSec,
      ...connectCpu(cpuPoints, devices),
      events: report.events.acked,
      failed: report.events.failed,
      seconds: Math.round(seconds),
      ...reads,
      serveRssBytesPerDevice: Math.round(peak.serveRss / Math.max(1, peak.connected)),
      runRssBytesPerDevice: Math.round(peak.runRss / Math.max(1, peak.connected)),
      load: [loadBefore, load1()],
    };
    process.stderr.write(`${JSON.stringify(pass)}\n`);
    return pass;
  } finally {
    await s.stop();
    rmSync(out, { recursive: true, force: true });
  }
}

/** Per side: every pass held and reconciled, and the medians (min-max) of its figures. */
function summarise(all: Record<string, unknown>[], side: Side): Record<string, unknown> {
  const mine = all.filter((p) => p.side === side);
  const figures = [
    'connectsPerSec',
    'cpuUsPerConnect',
    'clientUserUsPerConnect',
    'clientKernelUsPerConnect',
    'brokerUserUsPerConnect',
    'brokerKernelUsPerConnect',
    'ownerUserUsPerConnect',
    'ownerKernelUsPerConnect',
    'coresUsed',
    'seconds',
    'readSeconds',
    'readOwnerCpuSeconds',
    'serveRssBytesPerDevice',
    'runRssBytesPerDevice',
  ];
  const out: Record<string, unknown> = {
    passes: mine.length,
    reconciled: mine.every((p) => p.reconciled === true && p.exitCode === 0),
    peakConnected: Math.min(...mine.map((p) => p.peakConnected as number)),
    events: mine[0]?.events,
    failed: mine.reduce((n, p) => n + (p.failed as number), 0),
  };
  for (const f of figures) {
    const xs = mine.map((p) => p[f]).filter((x): x is number => typeof x === 'number');
    const sp = spread(xs);
    out[f] = sp.median;
    if (xs.length > 1) out[`${f}Range`] = `${sp.min}-${sp.max}`;
  }
  return out;
}

const all: Record<string, unknown>[] = [];
for (let i = 0; i < passes; i++) for (const side of orderOf(sides, i)) all.push(await onePass(side));
const [first, ...others] = sides.map((side) => summarise(all, side));
const summary = {
  devices,
  workers,
  ...first,
  ...Object.fromEntries(others.map((o, k) => [sides[k + 1]!, o])),
};
process.stderr.write(`${JSON.stringify(summary)}\n`);
done(all, summary);
