/**
 * The scenario's failure causes besides bad-hash (test/device-agent.test.ts has that one), one by
 * one: each strikes only its scope (cohort, app, version, share of devices, time window), is
 * forced again at every retry so it ends in the right Failed state, and trace names it. Default
 * causes are off, so every failure of a cause's kind here is the cause's. Virtual time, no network.
 */
import { describe, expect, it } from 'vitest';
import { forceRules } from '../agent/device/causes.js';
import { DEVICES, MODELS } from '../agent/platforms/registry.js';
import { PLATFORMS } from '../protocol/catalogue/catalogue.js';
import { buildFleet } from '../agent/fleet/fleet.js';
import { parseScenario } from '../agent/scenario/load.js';
import { Simulator, type Installation } from '../agent/sim/simulator.js';
import { traceDevice } from '../agent/sim/trace.js';

function simulate(yaml: string, devices?: number): Installation[] {
  const s = parseScenario(yaml, 'causes.yaml');
  const fleet = buildFleet(s, devices !== undefined ? { devices } : {});
  const sim = new Simulator(fleet, { startMs: fleet.startMs, seed: s.seed, recordPaths: true });
  sim.runToEnd();
  return sim.installs;
}

const end = (i: Installation) => `${i.last!.status}/${i.last!.state}`;
const blames = (i: Installation, cause: string) => i.path!.some((s) => s.why.includes(`(cause '${cause}')`));
const HEAD = 'name: causes\nseed: 3\ndefaultCauses: false\n';

describe('failure causes', () => {
  it('msi-error: enforcement fails on every retry for its share of the cohort, the same devices at any fleet size', () => {
    const yaml = `${HEAD}
apps:
  - { id: com.acme.agent, platforms: [windows] }
causes:
  - { kind: msi-error, cohort: office, share: 0.5 }
overrides:
  - { platform: windows, transition: "enforcing->installation_failed", probability: 0 }
  - { platform: windows, transition: "verified->failed_launch", probability: 0 }
cohorts:
  - { name: office, platform: windows, count: 200, osVersions: { "11": 1 } }
  - { name: lab, platform: windows, count: 100, osVersions: { "11": 1 } }
`;
    const installs = simulate(yaml);
    const struck = installs.filter((i) => blames(i, 'msi-error'));
    expect(struck.every((i) => i.device.cohort === 'office')).toBe(true);
    expect(struck.length).toBeGreaterThan(70);
    expect(struck.length).toBeLessThan(130);
    for (const i of struck) {
      expect(end(i), i.device.id).toBe('failed/installation_failed');
      // three enforcement retries, RetryTimeout apart, then Failed
      expect(
        i.path!.filter((s) => s.native === 'msi:55'),
        i.device.id,
      ).toHaveLength(3);
      expect(i.path!.at(-1)!.why).toContain('the installer exited 1603 (a fatal error during installation)');
    }
    // no other office device, and no lab device, fails enforcement (the model's own failure is off)
    const spared = installs.filter((x) => !struck.includes(x));
    for (const i of spared) expect(end(i), i.device.id).not.toBe('failed/installation_failed');
    expect(spared.filter((i) => end(i) === 'installed/installed').length).toBeGreaterThan(spared.length * 0.85);
    // the share is drawn by device id: a larger fleet strikes the same devices among the first 200
    const bigger = new Set(
      simulate(yaml, 600)
        .filter((i) => blames(i, 'msi-error'))
        .map((i) => i.device.id),
    );
    for (const i of struck) expect(bigger.has(i.device.id), i.device.id).toBe(true);
    const t = traceDevice(parseScenario(yaml, 'causes.yaml'), struck[0]!.device.id)!;
    expect(t.steps.at(-1)!.why).toContain("(cause 'msi-error')");
  });

  it('wrong-abi: only the named app and version find the device not compatible', () => {
    const installs = simulate(`${HEAD}
apps:
  - { id: com.acme.scan, version: 3.0.0, platforms: [android], update: { version: 3.0.1, at: 2d } }
  - { id: com.acme.mail, platforms: [android] }
causes:
  - { kind: wrong-abi, app: com.acme.scan, version: 3.0.1, name: arm32-build }
cohorts:
  - { name: handsets, platform: android, count: 150, osVersions: { "14": 1 } }
`);
    const scan = installs.filter((i) => i.app.id === 'com.acme.scan');
    const struck = scan.filter((i) => blames(i, 'arm32-build'));
    // every device that took the 3.0.1 update fails it; 3.0.0 installed everywhere first
    const updated = scan.filter((i) => i.path!.some((s) => s.version === '3.0.1'));
    expect(updated.length).toBeGreaterThan(50);
    expect(struck.map((i) => i.device.id).sort()).toEqual(
      updated
        .filter((i) => i.path!.some((s) => s.version === '3.0.1' && s.state === 'downloading'))
        .map((i) => i.device.id)
        .sort(),
    );
    for (const i of struck) {
      expect(end(i), i.device.id).toBe('failed/not_compatible');
      expect(i.last!.version).toBe('3.0.1');
      expect(i.path!.some((s) => s.version === '3.0.0' && s.state === 'installed')).toBe(true);
      expect(i.path!.find((s) => s.why.includes('arm32-build'))!.why).toContain(
        'the APK of com.acme.scan@3.0.1 is built for another ABI',
      );
    }
    for (const i of installs.filter((x) => x.app.id === 'com.acme.mail')) expect(blames(i, 'arm32-build')).toBe(false);
  });

  it('oem-outage: Android requests in the window fail on every retry; after the window nothing does', () => {
    const apps = `apps:
  - { id: com.acme.mail, platforms: [android] }
cohorts:
  - { name: handsets, platform: android, count: 120, osVersions: { "14": 1 } }
`;
    const during = simulate(`${HEAD}${apps}causes:\n  - { kind: oem-outage, from: 0s, to: 30d }\n`);
    // (a device with a higher version already installed never asks the OEM server)
    const asked = during.filter((i) => i.path!.some((s) => s.state === 'downloading'));
    expect(asked.length).toBeGreaterThan(100);
    for (const i of asked) {
      expect(end(i), i.device.id).toBe('failed/oem_server_failed');
      // Play retried twice (Installing / OEM server failed), then Failed
      expect(i.path!.filter((s) => s.status === 'installing' && s.state === 'oem_server_failed')).toHaveLength(2);
      expect(i.path!.at(-1)!.why).toContain("the OEM server was down (cause 'oem-outage')");
    }
    const after = simulate(`${HEAD}${apps}causes:\n  - { kind: oem-outage, from: 20d, to: 21d }\n`);
    for (const i of after) expect(blames(i, 'oem-outage'), i.device.id).toBe(false);
  });

  it('app-store-outage: App Store apps fail to install in the window; the in-house app on the same devices does not', () => {
    const installs = simulate(`${HEAD}
apps:
  - { id: com.acme.notes, platforms: [ios], ios: { kind: free } }
  - { id: com.acme.inhouse, platforms: [ios], ios: { kind: enterprise } }
causes:
  - { kind: app-store-outage, from: 0s, to: 30d }
cohorts:
  - { name: managed, platform: ios, count: 100, supervised: true }
`);
    const store = installs.filter((i) => i.app.id === 'com.acme.notes');
    const inhouse = installs.filter((i) => i.app.id === 'com.acme.inhouse');
    const reached = store.filter((i) => i.path!.some((s) => s.state === 'installing'));
    expect(reached.length).toBeGreaterThan(80);
    for (const i of reached) {
      expect(end(i), i.device.id).toBe('failed/install_failed');
      expect(i.path!.at(-1)!.why).toContain("the App Store was unavailable (cause 'app-store-outage')");
    }
    for (const i of inhouse) expect(blames(i, 'app-store-outage'), i.device.id).toBe(false);
    expect(inhouse.filter((i) => end(i) === 'installed/installed').length).toBeGreaterThan(80);
  });

  it('disk-full: installs fail on every platform of the cohort, each in its own Failed state; other cohorts install', () => {
    const installs = simulate(`${HEAD}
apps:
  - { id: com.acme.big, platforms: [ios, android, windows, dme] }
causes:
  - { kind: disk-full, cohort: full-ios }
  - { kind: disk-full, cohort: full-android }
  - { kind: disk-full, cohort: full-windows }
  - { kind: disk-full, cohort: full-dme }
overrides:
  - { platform: dme, transition: "waiting_bootstrap->link_sent", probability: 0 }
cohorts:
  - { name: full-ios, platform: ios, count: 40, supervised: true }
  - { name: full-android, platform: android, count: 40, osVersions: { "14": 1 } }
  - { name: full-windows, platform: windows, count: 40, osVersions: { "11": 1 } }
  - { name: full-dme, platform: dme, count: 40, method: oma-dm }
  - { name: roomy, platform: windows, count: 40, osVersions: { "11": 1 } }
`);
    const want: Record<string, string> = {
      'full-ios': 'failed/install_failed',
      'full-android': 'failed/unexpected_error',
      'full-windows': 'failed/failed_download',
      'full-dme': 'errors/installation_failed',
    };
    for (const i of installs) {
      if (i.device.cohort === 'roomy') {
        expect(blames(i, 'disk-full'), i.device.id).toBe(false);
        continue;
      }
      // an iOS device may be prompted or refuse earlier; every install that got as far as the disk fails there
      if (!blames(i, 'disk-full')) continue;
      expect(end(i), i.device.id).toBe(want[i.device.cohort]);
      expect(i.path!.at(-1)!.why).toContain("the disk is full (cause 'disk-full')");
    }
    for (const cohort of Object.keys(want))
      expect(
        installs.filter((i) => i.device.cohort === cohort && blames(i, 'disk-full')).length,
        cohort,
      ).toBeGreaterThan(30);
    const windows = installs.filter((i) => i.device.cohort === 'full-windows' && blames(i, 'disk-full'));
    for (const i of windows) expect(i.path!.filter((s) => s.native === 'msi:25')).toHaveLength(3);
  });

  it('disk-full strikes every platform where its device profile says a full disk fails it, a new one too', () => {
    const scenario = parseScenario(
      `${HEAD}\napps:\n  - { id: com.acme.big }\ncauses:\n  - { kind: disk-full, name: full, cohort: c }\ncohorts:\n  - { name: c, platform: ios, count: 1 }\n`,
      'disk.yaml',
    );
    const rules = forceRules(scenario).filter((r) => r.kind === 'disk-full');
    expect(rules.map((r) => r.platform).sort()).toEqual([...PLATFORMS].sort());
    for (const r of rules) expect(r.transitions).toEqual(DEVICES[r.platform].diskFull);
    // each declared transition is one of its model's
    for (const p of PLATFORMS)
      for (const t of DEVICES[p].diskFull) {
        const [from, to] = t.split('->');
        expect(
          MODELS[p].nodes[from!]?.out?.some((o) => o.to === to),
          `${p} ${t}`,
        ).toBe(true);
      }
  });
});
