/**
 * The device agent, finding by finding (issue "devices that behave like devices"): a check-in
 * carries every pending app of its device; connectivity and the DME bootstrap are the device's
 * (no device has split outcomes); a wrong hash fails every Windows download of the package, on
 * every retry; NotNow leaves the command pending until a later check-in; an in-house iOS app
 * never shows App Store states. All in virtual time, no network.
 */
import { describe, expect, it } from 'vitest';
import { buildFleet } from '../agent/fleet/fleet.js';
import { parseScenario } from '../agent/scenario/load.js';
import { Simulator, type Installation } from '../agent/sim/simulator.js';
import { traceDevice } from '../agent/sim/trace.js';

function simulate(yaml: string): Simulator {
  const s = parseScenario(yaml, 'device-agent.yaml');
  const fleet = buildFleet(s);
  const sim = new Simulator(fleet, { startMs: fleet.startMs, seed: s.seed, recordPaths: true });
  sim.runToEnd();
  return sim;
}

function byDevice(sim: Simulator): Map<string, Installation[]> {
  const out = new Map<string, Installation[]>();
  for (const i of sim.installs) out.set(i.device.id, [...(out.get(i.device.id) ?? []), i]);
  return out;
}

const HEAD = 'seed: 11\ndefaultCauses: false\n';

describe('the device agent', () => {
  it('one check-in carries every pending app of the device', () => {
    const sim = simulate(`name: burst\n${HEAD}
apps:
  - { id: a.one, platforms: [ios] }
  - { id: a.two, platforms: [ios] }
  - { id: a.three, platforms: [ios] }
cohorts:
  - { name: phones, platform: ios, count: 200, presence: { locked: 0 } }
`);
    expect(sim.checkIns.length).toBeGreaterThan(0);
    const first = new Map<string, (typeof sim.checkIns)[number]>();
    for (const c of sim.checkIns) if (!first.has(c.deviceId)) first.set(c.deviceId, c);
    expect(first.size).toBe(200);
    for (const c of first.values()) expect([...c.apps].sort(), c.deviceId).toEqual(['a.one', 'a.three', 'a.two']);
    // and what the check-in moved is reported in one burst, then the device goes quiet
    for (const [id, insts] of byDevice(sim)) {
      const c = first.get(id)!;
      const next = insts.map((i) => i.path![1]!.at);
      for (const t of next) expect(t - c.at, id).toBeLessThan(10_000);
    }
  });

  it("connectivity is the device's: no app downloads while another waits for the network", () => {
    const sim = simulate(`name: net\n${HEAD}
apps:
  - { id: a.one, platforms: [android] }
  - { id: a.two, platforms: [android] }
cohorts:
  - { name: phones, platform: android, count: 400, connectivity: { offline: 0.3, outage: 2h } }
`);
    let waits = 0;
    for (const [id, insts] of byDevice(sim)) {
      for (const a of insts) {
        const steps = a.path!;
        steps.forEach((s, k) => {
          if (s.state !== 'waiting_for_network') return;
          waits++;
          const until = steps[k + 1]?.at ?? Infinity;
          for (const b of insts) {
            if (b === a) continue;
            const downloading = b.path!.filter((x) => x.state === 'downloading' && x.at > s.at && x.at < until);
            expect(downloading, `${id}: ${b.app.id} downloads while ${a.app.id} waits for the network`).toEqual([]);
          }
        });
      }
    }
    expect(waits).toBeGreaterThan(20);
  });

  it("the DME bootstrap is the device's, once: its OMA DM jobs all wait for it and take the same way", () => {
    const sim = simulate(`name: boot\n${HEAD}
apps:
  - { id: d.client, platforms: [dme], dme: { software: dme-client } }
  - { id: d.other, platforms: [dme] }
overrides:
  - { platform: dme, transition: "waiting_bootstrap->link_sent", probability: 0.3 }
cohorts:
  - { name: handsets, platform: dme, count: 300, method: oma-dm }
`);
    let fellBack = 0;
    for (const [id, insts] of byDevice(sim)) {
      const ways = insts.map((i) => {
        const k = i.path!.findIndex((s) => s.state === 'waiting_for_bootstrap');
        const after = i.path![k + 1]!;
        return `${after.via.includes('waiting_bootstrap->link_sent') ? 'fell back' : 'bootstrapped'}@${after.via.includes('waiting_bootstrap->link_sent') ? '' : after.at}`;
      });
      expect(new Set(ways.map((w) => w.split('@')[0])).size, id).toBe(1);
      if (ways[0]!.startsWith('fell back')) fellBack++;
    }
    expect(fellBack).toBeGreaterThan(50);
    expect(fellBack).toBeLessThan(140);
  });

  it('a wrong hash fails every Windows download of the package, on every retry, as Failed checksum validation', () => {
    const sim = simulate(`name: hash\n${HEAD}
apps:
  - { id: com.acme.mail, version: 4.2.1, platforms: [windows] }
causes:
  - { kind: bad-hash, app: com.acme.mail, version: 4.2.1 }
# the cause alone: no transient failure elsewhere in the chain
overrides:
  - { platform: windows, transition: "downloading->failed_download", probability: 0 }
  - { platform: windows, transition: "downloaded->failed_decryption", probability: 0 }
cohorts:
  - { name: desktops, platform: windows, count: 60, osVersions: { "11": 1 } }
`);
    for (const i of sim.installs) {
      expect(`${i.last!.status}/${i.last!.state}`, i.device.id).toBe('failed/failed_checksum');
      expect(i.path!.filter((s) => s.native === 'msi:25').length, i.device.id).toBe(3);
      expect(i.path!.at(-1)!.why).toContain(
        "failed checksum: package com.acme.mail@4.2.1 has a wrong hash (cause 'bad-hash')",
      );
    }
    const t = traceDevice(
      parseScenario(
        `name: hash\n${HEAD}
apps:
  - { id: com.acme.mail, version: 4.2.1, platforms: [windows] }
causes:
  - { kind: bad-hash, app: com.acme.mail, version: 4.2.1 }
cohorts:
  - { name: desktops, platform: windows, count: 60 }
`,
        'hash.yaml',
      ),
      'windows-000007',
    )!;
    expect(t.steps.at(-1)!.why).toContain("(cause 'bad-hash')");
  });

  it('NotNow leaves the command pending (Command Scheduled) and it completes at a later check-in', () => {
    const sim = simulate(`name: notnow\n${HEAD}
apps:
  - { id: a.one, platforms: [ios] }
cohorts:
  - { name: phones, platform: ios, count: 100, presence: { locked: 0.5, unlock: 30m } }
`);
    const seen = new Set<string>();
    const refused = sim.checkIns.filter((c) => {
      const firstOfDevice = !seen.has(c.deviceId);
      seen.add(c.deviceId);
      return firstOfDevice && c.notNow;
    });
    expect(refused.length).toBeGreaterThan(20);
    for (const c of refused) {
      const inst = sim.installs.find((i) => i.device.id === c.deviceId)!;
      const [scheduled, next] = inst.path!;
      expect(`${scheduled!.status}/${scheduled!.state}`).toBe('pending_install/command_scheduled');
      expect(next!.at).toBeGreaterThan(c.at);
      expect(next!.why).toContain('NotNow');
      expect(inst.last!.status).not.toBe('pending_install');
    }
  });

  it('an in-house app and a device-licensed VPP app never show App Store login or purchase validation', () => {
    const sim = simulate(`name: inhouse\n${HEAD}
apps:
  - { id: a.inhouse, platforms: [ios], ios: { kind: enterprise } }
  - { id: a.vpp, platforms: [ios], ios: { kind: vpp, licence: device } }
  - { id: a.store, platforms: [ios], ios: { kind: free } }
overrides:
  - { platform: ios, transition: "prompted->prompted_login", probability: 0.5 }
cohorts:
  - { name: byod, platform: ios, count: 300, supervised: false }
`);
    const storeStates = new Set([
      'prompted_login',
      'validating_purchase',
      'prompted_update_login',
      'validating_update',
    ]);
    for (const i of sim.installs) {
      const seen = i.path!.filter((s) => storeStates.has(s.state)).map((s) => s.state);
      if (i.app.id === 'a.store') continue;
      expect(seen, `${i.device.id} ${i.app.id}`).toEqual([]);
    }
    const store = sim.installs.filter(
      (i) => i.app.id === 'a.store' && i.path!.some((s) => s.state === 'prompted_login'),
    );
    expect(store.length).toBeGreaterThan(30);
  });
});
