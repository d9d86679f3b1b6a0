/**
 * The goals table: each figure of the performance issue, what it was when the issue was filed,
 * what this results file says now, the baseline measured in the same run, and whether the aim is
 * met. Figures not in the results file say so.
 */
import type { Limit, SideSummary } from '../method/rounds.js';
import type { Spread } from '../method/stats.js';
import { n, sp, table, verdict } from './format.js';
import type { Results } from './render.js';

type Summary = Record<string, unknown>;
const sum = (results: Results, bench: string): Summary | undefined => results[bench]?.summary;
const side = (s: Summary | undefined, name: string) => s?.[name] as SideSummary | undefined;

function mqttRow(results: Results): string[] {
  const s = sum(results, 'mqtt-ratio');
  const best = (s?.best as string | undefined) ?? 'fleetsim';
  const ours = side(s, best);
  const raw = side(s, 'raw-mqtt.js');
  const cpu = s?.cpuRatio as number | undefined;
  const eps = s?.eventsPerSecRatio as Spread | undefined;
  const limit = (s?.limit as Record<string, Limit> | undefined)?.[best];
  const endpointLimit = limit
    ? `; the endpoint was the limit in ${limit.endpoint} of ${limit.passes} ${best} passes`
    : '';
  return [
    'MQTT QoS 1, shared connections: client CPU per acknowledged event',
    '21.7 µs; events/s 0.67-0.75',
    ours ? `${sp(ours.cpuUsPerEvent, 2, 'µs')} (${best}); events/s ratio ${sp(eps, 2)}` : '-',
    raw ? `raw mqtt.js ${sp(raw.cpuUsPerEvent, 2, 'µs')}` : '-',
    '<= 1.15x CPU; >= 0.9x events/s',
    cpu === undefined
      ? '-'
      : `${cpu}x: ${verdict(cpu <= 1.15)}; events/s ${verdict((eps?.median ?? 0) >= 0.9)}${endpointLimit}`,
  ];
}

function httpRow(results: Results): string[] {
  const s = sum(results, 'http-ratio');
  const ours = side(s, 'fleetsim');
  const ac = side(s, 'autocannon');
  const eps = s?.eventsPerSecRatio as Spread | undefined;
  return [
    'HTTP, one event per POST: client CPU per event',
    '36-46 µs; events/s 0.82-0.88',
    ours ? `${sp(ours.cpuUsPerEvent, 2, 'µs')}; events/s ratio ${sp(eps, 2)}` : '-',
    ac ? `autocannon ${sp(ac.cpuUsPerEvent, 2, 'µs')}` : '-',
    '>= 0.9x events/s',
    eps ? `${verdict(eps.median >= 0.9)} (CPU ${s?.cpuRatio}x)` : '-',
  ];
}

function connectRow(results: Results): string[] {
  const s = sum(results, 'connect-rate');
  const r = s?.ratio as number | undefined;
  return [
    'MQTT connect rate, 10,000 devices, one connection each',
    '1,401-1,742/s (0.52)',
    s
      ? `${sp(s['fleetsim-lean'] as Spread, 0, '/s')} lean; ${sp(s['fleetsim-mqtt.js'] as Spread, 0, '/s')} mqtt.js`
      : '-',
    s ? `raw mqtt.js loop ${sp(s['raw-mqtt.js'] as Spread, 0, '/s')}` : '-',
    '>= 0.8x',
    r === undefined ? '-' : `${r}x: ${verdict(r >= 0.8)}`,
  ];
}

function endpointRow(results: Results): string[] {
  const s = sum(results, 'mqtt-ratio');
  const best = (s?.best as string | undefined) ?? 'fleetsim';
  const ours = side(s, best);
  const raw = side(s, 'raw-mqtt.js');
  const r = s?.endpointCpuRatio as number | undefined;
  return [
    'Endpoint CPU per event it ingests over MQTT',
    '25.3 µs on fleetsim traffic; 17.5 µs on raw',
    ours ? sp(ours.peerCpuUsPerEvent, 2, 'µs') : '-',
    raw ? `on raw publisher's ${sp(raw.peerCpuUsPerEvent, 2, 'µs')}` : '-',
    '<= 1.1x',
    r === undefined ? '-' : `${r}x: ${verdict(r <= 1.1)}`,
  ];
}

// judged per CPU-second: the machine is shared, and wall seconds count the neighbours' time too
function simRow(results: Results): string[] {
  const s = sum(results, 'devices');
  const tps = s?.transitionsPerSec as number | undefined;
  const cpu = s?.transitionsPerCpuSec as number | undefined;
  return [
    'Simulator alone, 1,000,000 devices',
    '446-483k transitions/s',
    cpu ? `${n(cpu)} per CPU-second (${n(tps ?? 0)}/s wall-clock)` : '-',
    '-',
    '>= 2,000,000/s',
    cpu ? verdict(cpu >= 2_000_000) : '-',
  ];
}

// the issue's aim is the whole fleet's rate, so across cores it is judged per wall second (the load beside it)
function simCoresRow(results: Results): string[] {
  const s = sum(results, 'devices-parallel');
  const tps = s?.transitionsPerSec as Spread | undefined;
  const one = s?.oneThreadTransitionsPerSec as Spread | undefined;
  const cpu = s?.transitionsPerCpuSec as Spread | undefined;
  const loads = s?.loads as Spread | undefined;
  return [
    `Simulator alone, 1,000,000 devices, ${s?.shards ?? 'K'} shards on as many worker threads`,
    'not measured',
    tps
      ? `${sp(tps, 0, '/s')} wall-clock, ${sp(cpu, 0)} per CPU-second; shards add up exactly: ${s?.shardsAddUp}; load ${sp(loads, 1)}`
      : '-',
    one ? `one thread ${sp(one, 0, '/s')}` : '-',
    '>= 2,000,000/s',
    tps ? verdict(tps.median >= 2_000_000 && s?.shardsAddUp === true) : '-',
  ];
}

function memoryRow(results: Results): string[] {
  const s = sum(results, 'connections');
  type Kind = {
    clientRssBytesPerDevice?: number;
    clientHeapBytesPerDevice?: number;
    perDevice?: { heap: number; rss: number };
    perDeviceRss?: Spread;
    rssParts?: { young: number; v8Old: number; native: number; file: number };
  };
  const lean = s?.lean as Kind | undefined;
  const socket = s?.socket as Kind | undefined;
  const kb = (b: number | undefined) => (b === undefined ? '-' : `${n(b / 1024, 1)} KB`);
  const kbs = (x: Spread) => (x.n > 1 ? `${kb(x.median)} (${kb(x.min)}-${kb(x.max)} over ${x.n} pairs)` : kb(x.median));
  // One more connected device's cost (two fleet sizes subtracted); the average also carries the process's once-only growth.
  const rss = lean?.perDevice?.rss ?? lean?.clientRssBytesPerDevice;
  const parts = lean?.rssParts
    ? `: V8 heap ${kb(lean.rssParts.v8Old)}, native ${kb(lean.rssParts.native)}, young generation ${kb(lean.rssParts.young)}`
    : '';
  const now = lean?.perDevice
    ? `lean: ${kb(lean.perDevice.heap)} heap, ${lean.perDeviceRss ? kbs(lean.perDeviceRss) : kb(lean.perDevice.rss)} RSS per device${parts} (average with the process's once-only growth: ${kb(lean.clientRssBytesPerDevice)} RSS)`
    : lean
      ? `lean: ${kb(lean.clientHeapBytesPerDevice)} heap, ${kb(lean.clientRssBytesPerDevice)} RSS`
      : '-';
  const floor = socket?.perDevice
    ? `; a bare Node socket ${socket.perDeviceRss ? kbs(socket.perDeviceRss) : kb(socket.perDevice.rss)} RSS per device`
    : '';
  return [
    'Per connected MQTT device, client side',
    '12.7 KB heap, 20.8 KB RSS; broker 22.9 KB RSS',
    now,
    s?.bare
      ? `bare mqtt.js ${kb((s.bare as Kind).perDevice?.rss ?? (s.bare as Kind).clientRssBytesPerDevice)} RSS${floor}`
      : '-',
    '<= 4 KB RSS (lean)',
    rss === undefined ? '-' : verdict(rss <= 4096),
  ];
}

/** " (min-max)" of a figure over passes, when there were several. */
const range = (r: unknown) => (typeof r === 'string' ? ` (${r})` : '');

function scaleRow(results: Results): string[] {
  const s = sum(results, 'scale');
  const shared = s?.shared as Record<string, unknown> | undefined;
  return [
    '100,000 concurrent MQTT devices, one connection each, reconciled',
    'not run (50,000 held)',
    s
      ? `${n(s.peakConnected as number)} held, ${n(s.connectsPerSec as number)} connects/s${range(s.connectsPerSecRange)}, reconciled: ${s.reconciled}${
          s.cpuUsPerConnect
            ? `; ${n(s.cpuUsPerConnect as number)} µs CPU per connect${range(s.cpuUsPerConnectRange)} (all processes, events meanwhile included) on ${s.coresUsed} cores${
                s.passes ? `, median of ${s.passes} passes` : ''
              }`
            : ''
        }${
          s.readOwnerCpuSeconds !== undefined
            ? `; after the last event, ${s.readSeconds} s to the run's end, ${s.readOwnerCpuSeconds} s of the owner's CPU (reconcile reads)${s.ownerCpuSeconds !== undefined ? `; the owner's CPU over the whole run ${s.ownerCpuSeconds} s` : ''}`
            : ''
        }`
      : '-',
    shared
      ? `every device on serve's shared port (handed over by its primary): ${n(shared.connectsPerSec as number)} connects/s${range(shared.connectsPerSecRange)}, ${n(shared.cpuUsPerConnect as number)} µs CPU per connect${range(shared.cpuUsPerConnectRange)}`
      : '-',
    '100,000, >= 2,500/s, exact',
    s
      ? verdict(Boolean(s.reconciled) && (s.peakConnected as number) >= 100_000 && (s.connectsPerSec as number) >= 2500)
      : '-',
  ];
}

export function goalsTable(results: Results): string {
  return `## Goals

${table(
  ['Figure', 'When the issue was filed', 'Now', 'Baseline in the same run', 'Aim', 'Verdict'],
  [mqttRow, httpRow, connectRow, endpointRow, simRow, simCoresRow, memoryRow, scaleRow].map((f) => f(results)),
)}`;
}
