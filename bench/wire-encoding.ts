/**
 * What a wire template costs per event against the built-in encoder, in one run over the same
 * events: the built-in encoder, the fleetsim profile compiled as a template (the same bytes), and
 * the acme profile (a foreign shape: nested JSON, code tables, ISO timestamps, a templated topic).
 * Rounds alternate so machine noise hits all alike; figures are the median ns per event.
 * Also: how long minting a client certificate per device takes (ECDSA P-256).
 *
 *   npm run build && node dist/bench/wire-encoding.js [--devices 20000] [--rounds 7] [--certs 2000]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildFleet } from '../agent/fleet/fleet.js';
import type { Emitted } from '../agent/sim/simulator.js';
import { Simulator } from '../agent/sim/simulator.js';
import { encodeEvent } from '../drive/encode.js';
import { PLATFORMS } from '../protocol/catalogue/catalogue.js';
import { statusTopic } from '../protocol/topics.js';
import { DeviceCertAuthority } from '../transport/tls/device-certs.js';
import { compileWire } from '../transport/wire/wire.js';
import { benchScenario } from './bench-fleet.js';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '7' },
    certs: { type: 'string', default: '2000' },
  },
});

const scenario = benchScenario(Number(values.devices), 'mqtt', 512);
const fleet = buildFleet(scenario, {});
const sim = new Simulator(fleet, { startMs: fleet.startMs, seed: scenario.seed });
const events: Emitted[] = [];
sim.runToEnd((e) => events.push(e));

const opts = { platforms: PLATFORMS, runId: 'bench', transport: 'mqtt' as const };
const fleetsim = compileWire({ profile: 'fleetsim', body: undefined, deviceId: '{simDeviceId}' }, opts);
const acme = compileWire({ profile: 'acme' }, opts);
const wall = Date.now();

const encoders: Record<string, (e: Emitted) => number> = {
  builtin: (e) => encodeEvent(e, wall).length + statusTopic(e.inst.device.id, e.inst.app.id).length,
  'fleetsim-template': (e) => fleetsim.body(e, wall).length + fleetsim.topic(e, wall).length,
  'acme-template': (e) => acme.body(e, wall).length + acme.topic(e, wall).length,
};

const samples: Record<string, number[]> = Object.fromEntries(Object.keys(encoders).map((k) => [k, []]));
const bytes: Record<string, number> = {};
for (let round = 0; round < Number(values.rounds) + 1; round++) {
  for (const [name, encode] of Object.entries(encoders)) {
    let total = 0;
    const t0 = process.hrtime.bigint();
    for (const e of events) total += encode(e);
    const ns = Number(process.hrtime.bigint() - t0) / events.length;
    if (round > 0) samples[name]!.push(ns); // round 0 warms the JIT
    bytes[name] = Math.round(total / events.length);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ns = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, Math.round(median(v))]));

const dir = mkdtempSync(join(tmpdir(), 'fleetsim-bench-ca-'));
execFileSync(
  '/usr/bin/openssl',
  [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=bench CA',
  ],
  { cwd: dir, stdio: 'ignore' },
);
const authority = new DeviceCertAuthority(readFileSync(join(dir, 'ca.pem')), readFileSync(join(dir, 'ca.key')));
const certs = Number(values.certs);
const c0 = process.hrtime.bigint();
for (let i = 0; i < certs; i++) authority.mint(`ios-${i}`, wall);
const certMs = Number(process.hrtime.bigint() - c0) / 1e6;

console.log(
  JSON.stringify({
    bench: 'wire-encoding',
    events: events.length,
    nsPerEvent: ns,
    bytesPerEvent: bytes,
    ratioToBuiltin: {
      'fleetsim-template': Math.round((ns['fleetsim-template']! / ns.builtin!) * 100) / 100,
      'acme-template': Math.round((ns['acme-template']! / ns.builtin!) * 100) / 100,
    },
    clientCerts: { minted: certs, ms: Math.round(certMs), perSec: Math.round((certs / certMs) * 1000) },
  }),
);
