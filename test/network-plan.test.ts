/**
 * From the fault plan to the run's network faults, without a socket: windows on the drive's wall
 * clock (a simulated window scaled by the time scale), a scope of the whole fleet meaning every
 * connection, the devices' offline queue from the partitions, and the refusals, one sentence each.
 */
import { describe, expect, it } from 'vitest';
import { planFaults } from '../agent/faults/plan.js';
import { parseScenario } from '../agent/scenario/load.js';
import { networkPlan, type NetworkContext } from '../run/network-plan.js';
import { planNetwork } from '../run/network-step.js';
import { TRANSPORTS } from '../transport/kinds/kinds.js';

const BASE = `
name: net-plan
seed: 3
timeScale: 60
apps:
  - { id: com.acme.mail, platforms: [android] }
cohorts:
  - { name: field, platform: android, count: 30 }
  - { name: office, platform: android, count: 10, idPrefix: office }
faults:
`;
const ctx: NetworkContext = {
  seed: 1,
  transport: 'mqtt',
  url: 'mqtt://127.0.0.1:1883',
  external: false,
  timeScale: 60,
  simStartMs: 0,
  fleetSize: 40,
};
function plan(faults: string, over: Partial<NetworkContext> = {}) {
  const s = parseScenario(BASE + faults, 'net.yaml');
  return networkPlan(planFaults(s, { seed: 3 }), { ...ctx, simStartMs: Date.parse(s.startTime), ...over });
}

describe('the network plan', () => {
  it('puts a simulated window on the wall clock through the time scale; every device means every connection', () => {
    const p = plan('  - { kind: partition, clock: sim, at: 1h, for: 30m, queue: 50, overflow: drop-newest }\n');
    const f = p.faults[0]!;
    expect([f.from, f.to]).toEqual([60_000, 90_000]);
    expect(f.devices).toBeUndefined();
    expect(p).toMatchObject({
      needsProxy: true,
      restartsEmbedded: false,
      offlineQueue: { max: 50, overflow: 'drop-newest' },
    });
  });

  it('strikes a cohort by its client ids, each device at its own moment in the window', () => {
    const p = plan('  - { kind: connection-drop, cohort: office, at: 2s, for: 4s, repeat: 1s }\n');
    const f = p.faults[0]!;
    if (f.kind !== 'connection-drop') throw new Error(f.kind);
    expect(f.devices?.size).toBe(10);
    for (const id of f.devices!) {
      expect(f.momentOf(id)).toBeGreaterThanOrEqual(2000);
      expect(f.momentOf(id)).toBeLessThan(6000);
    }
    expect(f.repeatMs).toBe(1000);
    expect(p.offlineQueue).toEqual({ max: 1000, overflow: 'drop-oldest' });
  });

  it('restarts the embedded endpoint as a process; an external one only through a hook', () => {
    expect(plan('  - { kind: endpoint-restart, at: 1s, down: 200ms }\n')).toMatchObject({
      restartsEmbedded: true,
      // the proxy counts on the wire the reconnects and resends that follow the restart
      needsProxy: true,
    });
    expect(() => plan('  - { kind: endpoint-restart, at: 1s }\n', { external: true })).toThrow(
      /give hook, the command that restarts it/,
    );
    expect(() => plan('  - { kind: endpoint-restart, at: 1s, hook: "true" }\n')).toThrow(
      /drop hook, or run against --target/,
    );
  });

  it.each([
    [
      '  - { kind: partition, clock: sim, at: 1h, for: 1m }\n',
      { timeScale: 'asap' as const },
      /give it clock: wall, or a numeric timeScale/,
    ],
    [
      '  - { kind: bandwidth, cohort: field, bytesPerSec: 1000 }\n',
      {
        transport: 'http' as const,
        url: 'http://127.0.0.1:8080',
        sharedBy: TRANSPORTS.http.sharedBy?.(TRANSPORTS.http.options.parse({ batch: 10 })),
      },
      /HTTP batches of 10 carry several devices' reports in one request/,
    ],
    [
      '  - { kind: connection-drop, cohort: field, at: 1s }\n',
      { sharedBy: TRANSPORTS.mqtt.sharedBy?.(TRANSPORTS.mqtt.options.parse({ sharedConnections: 4 })) },
      /sharedConnections carries every device's events over 4 connections/,
    ],
    [
      '  - { kind: delay, per: connection, clock: wall, latency: { exponential: 50ms } }\n',
      {},
      /a fixed latency or a uniform range/,
    ],
  ])('refuses what it cannot apply (%#)', (faults, over, message) => {
    expect(() => plan(faults, over)).toThrow(message);
  });

  it("strikes a cohort over HTTP, TLS and WebSocket too: HTTP's struck devices get a pool of their own, named by one of them", () => {
    const two =
      '  - { kind: partition, cohort: field, at: 1s, for: 1s }\n  - { kind: bandwidth, share: 0.5, bytesPerSec: 1000 }\n';
    const http = plan(two, { transport: 'http' as const, url: 'http://127.0.0.1:8080' });
    const [part, cap] = [http.faults[0]!.devices!, http.faults[1]!.devices!];
    const groupOf = http.groupOf!;
    for (const id of [...part, ...cap]) {
      const g = groupOf(id)!;
      // the group's name is a device struck by exactly the same faults: the proxy's scope holds it
      expect(part.has(g)).toBe(part.has(id));
      expect(cap.has(g)).toBe(cap.has(id));
    }
    expect(groupOf('office-000001') === undefined || cap.has('office-000001')).toBe(true);
    for (const url of ['mqtts://127.0.0.1:8883', 'ws://127.0.0.1:8080/mqtt'])
      expect(plan(two, { url }).faults[0]!.devices).toEqual(part);
  });

  it('splits over workers and shards: every part plans the same devices, one process restarts the endpoint; the memory transport is refused', () => {
    const s = parseScenario(
      `${BASE}  - { kind: connection-drop, cohort: field, share: 0.5, at: 1s }\n  - { kind: endpoint-restart, at: 2s, hook: "true" }\n`,
      'net.yaml',
    );
    const run = { transport: 'mqtt' as const, seed: 3, target: undefined };
    const whole = planNetwork(
      parseScenario(`${BASE}  - { kind: connection-drop, cohort: field, share: 0.5, at: 1s }\n`, 'net.yaml'),
      { scenarioFile: 'net.yaml' },
      run,
      2,
    )!;
    expect(whole.faults).toHaveLength(1);
    // a --workers parent and each worker strike the same devices
    const worker = planNetwork(
      s,
      { scenarioFile: 'net.yaml', shard: { index: 1, count: 2 }, endpointFaultsElsewhere: true },
      { ...run, target: new URL('mqtt://127.0.0.1:1883') },
    )!;
    expect([...worker.faults[0]!.devices!].sort()).toEqual([...whole.faults[0]!.devices!].sort());
    // the worker only marks the restart's moment: its parent restarts the endpoint
    expect(worker.faults[1]).toMatchObject({ kind: 'endpoint-restart', elsewhere: true, hook: undefined });
    expect(worker.restartsEmbedded).toBe(false);
    // --shard against a target of the user's: shard 1 runs the hook, the others do not
    const ext = { ...run, target: new URL('mqtt://127.0.0.1:1883') };
    const shard = (index: number) =>
      planNetwork(s, { scenarioFile: 'net.yaml', target: 'mqtt://127.0.0.1:1883', shard: { index, count: 2 } }, ext)!
        .faults[1];
    expect(shard(0)).toMatchObject({ elsewhere: false, hook: 'true' });
    expect(shard(1)).toMatchObject({ elsewhere: true, hook: undefined });
    expect(() => planNetwork(s, { scenarioFile: 'net.yaml' }, { ...run, transport: 'memory' })).toThrow(
      /the memory transport has none/,
    );
  });

  it('refuses, at the line of the fault, endpoint faults against a target fleetsim does not own, and a restart of one without a hook', () => {
    const target = { transport: 'http' as const, seed: 3, target: new URL('http://127.0.0.1:9') };
    const opts = { scenarioFile: 'ext.yaml', target: 'http://127.0.0.1:9' };
    for (const [fault, message] of [
      [
        '{ kind: refusing-endpoint, at: 1s, for: 1s }',
        /^ext\.yaml:\d+: fault 'refusing-endpoint-0' \(refusing-endpoint\) makes the embedded endpoint answer 503 or 429, but this run's target is http:\/\/127\.0\.0\.1:9/,
      ],
      [
        '{ kind: slow-endpoint, at: 1s, for: 1s }',
        /^ext\.yaml:\d+: fault 'slow-endpoint-0' \(slow-endpoint\) makes the embedded endpoint stop reading/,
      ],
      [
        '{ kind: endpoint-restart, at: 1s }',
        /^ext\.yaml:\d+: fault 'endpoint-restart-0' \(endpoint-restart\) restarts an external target.*give hook/,
      ],
    ] as const) {
      const s = parseScenario(`${BASE}  - ${fault}\n`, 'ext.yaml');
      expect(() => planNetwork(s, opts, target)).toThrow(message);
      // the line is the fault's own
      try {
        planNetwork(s, opts, target);
      } catch (err) {
        const line = Number(/^ext\.yaml:(\d+)/.exec((err as Error).message)![1]);
        expect(`${BASE}  - ${fault}\n`.split('\n')[line - 1]).toContain(fault);
      }
    }
  });
});
