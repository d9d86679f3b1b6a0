/**
 * Whether a run fits this machine, checked before anything starts: memory per process against
 * V8's heap limit and all processes against the machine's memory, and connections held at once
 * against the open files a process may have. A run that cannot fit is refused with what does not
 * fit and what would (devices per worker, --workers, --shard, an external endpoint), instead of
 * growing for minutes until it dies. The figures per device and per (device, app) pair are
 * measured on this codebase (docs/scale.md) with room for what a run adds while it drives.
 */
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import type { Scenario } from '../agent/scenario/schema.js';
import { scaleCounts } from '../agent/fleet/fleet.js';
import { UsageError } from '../protocol/errors.js';
import { TRANSPORTS, type TransportKind } from '../transport/kinds/kinds.js';
import { type Concurrency, peakConnected } from './size-concurrency.js';

/** A device in the simulator while it drives (about 550 B built, 270 B more online; run state on top). */
export const BYTES_PER_DEVICE = 1024;
/** A (device, app) pair in the embedded endpoint's store, with its history (about 700 B after four reports). */
export const BYTES_PER_PAIR = 1024;
/** Of a limit, what a run may plan to use: the rest is for the runtime, buffers, and estimates that are low. */
const HEADROOM = 0.75;
/** Open files a process needs besides connections: the runtime, logs, listeners, the journal. */
const FILES_RESERVED = 500;
/** Memory of one device connection outside the simulator, client side: the lean MQTT client
 * (6.7 KB RSS measured, BENCHMARKS.md "connections"), an mqtt.js client (18.6 KB), an HTTPS
 * connection presenting its own certificate (106 KiB RSS measured: 108,657 B per device between
 * 2,000 and 4,000 such connections, of which 8.9 KB heap and 3.1 KB external, the rest OpenSSL's
 * per-connection context; `node dist/bench/https-connections.js --devices 4000`, 2026-12-01, load
 * average 10-18, BENCHMARKS.md "https-connections"). */
export const BYTES_PER_CONNECTION = { lean: 8 * 1024, 'mqtt.js': 20 * 1024, tls: 108 * 1024 } as const;
/** One connection at the embedded endpoint (aedes: 14.2 KB RSS measured). */
export const BYTES_PER_ENDPOINT_CONNECTION = 16 * 1024;

export interface Machine {
  /** V8's heap limit per process, bytes. */
  heapLimit: number;
  totalMemory: number;
  /** Open files per process (the soft limit); undefined where it cannot be read. */
  openFiles: number | undefined;
}

export function thisMachine(): Machine {
  return { heapLimit: getHeapStatistics().heap_size_limit, totalMemory: totalmem(), openFiles: openFileLimit() };
}

/** The soft "Max open files" of /proc/self/limits (Linux); Node has no getrlimit. */
function openFileLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export interface RunShape {
  transport: TransportKind;
  /** Worker processes driving the fleet (1 in one process). */
  workers: number;
  /** A --shard run covers 1/count of the fleet. */
  shardCount: number;
  /** The embedded endpoint runs in this process and holds every device's pairs and connections. */
  embedded: boolean;
  /** --devices, when it replaces the scenario's total. */
  devices?: number;
  /** MQTT connections shared by every device (sharedConnections), instead of one per device. */
  sharedConnections?: number;
  /** HTTP with a client certificate per device (tls.clientCerts): a connection per device. */
  perDeviceIdentity?: boolean;
  /** The MQTT client (load.mqtt.client / --mqtt-client). @default "lean" */
  mqttClient?: 'lean' | 'mqtt.js';
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;

/** Devices and (device, app) pairs of the whole run. */
export function sizeOf(scenario: Scenario, devices?: number): { devices: number; pairs: number } {
  const counts =
    devices !== undefined
      ? scaleCounts(
          scenario.cohorts.map((c) => c.count),
          devices,
        )
      : scenario.cohorts.map((c) => c.count);
  let pairs = 0;
  scenario.cohorts.forEach((c, i) => {
    const apps = c.apps?.length ?? scenario.apps.filter((a) => a.platforms.includes(c.platform)).length;
    pairs += counts[i]! * apps;
  });
  return { devices: counts.reduce((a, b) => a + b, 0), pairs };
}

/** What does not fit, in one paragraph with what would; undefined when the run fits. */
export function sizeProblem(scenario: Scenario, shape: RunShape, machine: Machine): string | undefined {
  const { devices, pairs } = sizeOf(scenario, shape.devices);
  const inShard = devices / shape.shardCount;
  const perProcess = inShard / shape.workers;
  const heap = machine.heapLimit * HEADROOM;
  const problems: string[] = [];
  const fits: string[] = [];
  // One connection per device (MQTT unless shared, HTTPS with a certificate per device): as many
  // open at once as devices are connected at once, which the load model decides. Estimated only
  // when "every device at once" would not fit, so a small run costs nothing.
  const { connections, connectionLabel: connKind } = TRANSPORTS[shape.transport];
  const perDevice =
    (connections === 'per-device' && shape.sharedConnections === undefined) ||
    (connections === 'pooled' && shape.perDeviceIdentity === true);
  const perConn =
    connections === 'pooled' ? BYTES_PER_CONNECTION.tls : BYTES_PER_CONNECTION[shape.mqttClient ?? 'lean'];
  const endpointConn = shape.embedded && connections === 'per-device' ? BYTES_PER_ENDPOINT_CONNECTION : 0;
  let conc: Concurrency | undefined;
  const connected = () => {
    conc ??= peakConnected(scenario, devices);
    return conc.peak / shape.shardCount;
  };
  const devicesPerProcess = Math.floor(heap / BYTES_PER_DEVICE);
  if (perProcess * BYTES_PER_DEVICE > heap) {
    const workers = Math.ceil(inShard / devicesPerProcess);
    problems.push(
      `each of ${shape.workers === 1 ? 'its one process' : `its ${shape.workers} worker processes`} would simulate ${fmt(perProcess)} devices, about ${gib(perProcess * BYTES_PER_DEVICE)}, over the ${gib(machine.heapLimit)} a Node.js process may use here`,
    );
    fits.push(
      `at most ${fmt(devicesPerProcess)} devices per process: --workers ${workers} or more on a machine with the memory, or --shard i/N across machines`,
    );
  }
  const fixed = inShard * BYTES_PER_DEVICE + (shape.embedded ? pairs * BYTES_PER_PAIR : 0);
  const connBytes = perConn + endpointConn;
  const budget = machine.totalMemory * HEADROOM;
  const all =
    perDevice && fixed + inShard * connBytes > budget
      ? fixed + connected() * connBytes
      : fixed + (perDevice ? inShard * connBytes : 0);
  if (all > budget && problems.length === 0)
    problems.push(
      `the run would need about ${gib(all)} in all${perDevice ? ` (${fmt(connected())} connections at once at about ${Math.round(connBytes / 1024)} KiB each included)` : ''}, over this machine's ${gib(machine.totalMemory)}`,
    );
  if (all > budget) {
    const perDeviceBytes =
      BYTES_PER_DEVICE +
      (shape.embedded ? (pairs / devices) * BYTES_PER_PAIR : 0) +
      (perDevice ? (connected() / inShard) * connBytes : 0);
    fits.push(
      `about ${fmt(budget / perDeviceBytes)} devices on this machine: --devices, or --shard i/N across machines`,
    );
  }
  if (shape.embedded && pairs * BYTES_PER_PAIR > heap) {
    problems.push(
      `the embedded endpoint would hold ${fmt(pairs)} (device, app) pairs, about ${gib(pairs * BYTES_PER_PAIR)}, in one process (${gib(machine.heapLimit)} here)`,
    );
    fits.push(
      `at most ${fmt(heap / BYTES_PER_PAIR)} pairs (about ${fmt(heap / BYTES_PER_PAIR / (pairs / devices))} devices of this scenario) against the embedded endpoint; past that, an endpoint of its own with --target`,
    );
  }
  const files = machine.openFiles;
  if (files !== undefined && perDevice) {
    const room = files - FILES_RESERVED;
    const one =
      connections === 'per-device' ? 'one per device' : 'one per device, each presenting its own client certificate';
    if (perProcess > room && connected() / shape.workers > room) {
      const atOnce = connected() / shape.workers;
      problems.push(
        `each process would hold up to ${fmt(atOnce)} ${connKind} connections at once (${one}; ${conc!.why}), over the ${fmt(files)} open files a process may have here`,
      );
      fits.push(
        `at most ${fmt(room)} devices per process connected at once: --workers ${Math.ceil(connected() / room)} or more${connections === 'per-device' ? ', or sharedConnections' : ', or --shard i/N across machines'}`,
      );
    }
    if (shape.embedded && connections === 'per-device' && inShard > room && connected() > room)
      problems.push(
        `the embedded endpoint would accept all ${fmt(connected())} connections in one process; run fleetsim serve --workers N and pass --target`,
      );
  }
  if (problems.length === 0) return undefined;
  return `Scenario ${scenario.name} does not fit this machine: ${fmt(devices)} devices${shape.shardCount > 1 ? ` (${fmt(inShard)} in this shard)` : ''}, ${fmt(pairs)} (device, app) pairs; ${problems.join('; ')}. What would fit: ${fits.join('; ')}. Nothing was started. (Estimates: ${BYTES_PER_DEVICE} B per simulated device, ${BYTES_PER_PAIR} B per pair at the embedded endpoint, ${perDevice ? `${Math.round(perConn / 1024)} KiB per ${connKind} connection${endpointConn ? ` and ${Math.round(endpointConn / 1024)} KiB at the endpoint` : ''}, ` : ''}${HEADROOM * 100} % of each limit; docs/scale.md.)`;
}

/** Refuses a run that cannot fit, before anything starts. */
export function checkSize(scenario: Scenario, shape: RunShape, machine: Machine = thisMachine()): void {
  const problem = sizeProblem(scenario, shape, machine);
  if (problem) throw new UsageError(problem);
}
