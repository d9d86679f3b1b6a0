/**
 * The fleet the throughput benchmarks drive, and the same events prebuilt for the bare baseline
 * clients (autocannon, a raw mqtt.js publisher): same payloads, byte for byte in shape and size.
 */
import { buildFleet } from '../agent/fleet/fleet.js';
import { toEvent } from '../drive/drive.js';
import { parseScenario } from '../agent/scenario/load.js';
import type { Scenario } from '../agent/scenario/schema.js';
import { Simulator } from '../agent/sim/simulator.js';
import { statusTopic } from '../protocol/topics.js';
import type { TransportKind } from '../transport/kinds/kinds.js';

export function benchScenario(devices: number, transport: TransportKind, maxInFlight: number): Scenario {
  const per = Math.max(1, Math.floor(devices / 4));
  return parseScenario(
    `
name: bench-${transport}
seed: 99
transport: ${transport}
timeScale: asap
maxInFlight: ${maxInFlight}
qos: 1
load: { model: closed, window: fixed }
apps:
  - { id: com.acme.mail, version: 4.2.0, ios: { kind: vpp } }
cohorts:
  - { name: ios, platform: ios, count: ${per}, supervised: 0.8 }
  - { name: android, platform: android, count: ${per} }
  - { name: windows, platform: windows, count: ${per} }
  - { name: dme, platform: dme, count: ${per}, method: 0.8 }
`,
    `bench-${transport}.yaml`,
  );
}

/** Every event of the scenario with another seed, encoded as fleetsim would send it. */
export function prebuiltEvents(scenario: Scenario, seed: number): { topic: string; body: string }[] {
  const fleet = buildFleet(scenario, { seed });
  const sim = new Simulator(fleet, { startMs: fleet.startMs, seed });
  const out: { topic: string; body: string }[] = [];
  const now = Date.now();
  sim.runToEnd((e) =>
    out.push({ topic: statusTopic(e.inst.device.id, e.inst.app.id), body: JSON.stringify(toEvent(e, now)) }),
  );
  return out;
}

/** A check-in storm: every device at once on its own MQTT connection, all held open to the end. */
export function stormScenario(devices: number, maxInFlight: number): Scenario {
  const per = Math.max(1, Math.floor(devices / 4));
  return parseScenario(
    `
name: bench-connect
seed: 7
transport: { kind: mqtt, keepalive: 300, ackTimeout: 60s }
timeScale: asap
maxInFlight: ${maxInFlight}
qos: 1
load: { model: closed, rampUp: 0s, hold: 30d, window: adaptive }
apps:
  - { id: com.acme.mail, version: 4.2.0, ios: { kind: vpp } }
cohorts:
  - { name: ios, platform: ios, count: ${per}, supervised: 0.8 }
  - { name: android, platform: android, count: ${per} }
  - { name: windows, platform: windows, count: ${per} }
  - { name: dme, platform: dme, count: ${per}, method: 0.8 }
`,
    'bench-connect.yaml',
  );
}
