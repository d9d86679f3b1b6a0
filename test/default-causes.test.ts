/**
 * The defaults give a healthy fleet its small failure tail (docs/lifecycles.md, "Default causes"):
 * with no cause in the scenario, every platform's failure states show up, each default cause
 * names itself in the why of the step it forced (what trace prints), and a forced failure is
 * the installation's final state: the cause holds on every retry. Virtual time, no network.
 */
import { describe, expect, it } from 'vitest';
import { buildFleet } from '../agent/fleet/fleet.js';
import { DEVICES } from '../agent/platforms/registry.js';
import { parseScenario } from '../agent/scenario/load.js';
import { Simulator } from '../agent/sim/simulator.js';

const HEALTHY = `name: healthy
seed: 21
apps:
  - { id: com.acme.mail, version: 1.0.0, ios: { kind: vpp, licence: device } }
cohorts:
  - { name: ios, platform: ios, count: 4000, supervised: 0.9 }
  - { name: android, platform: android, count: 4000 }
  - { name: windows, platform: windows, count: 4000 }
  - { name: dme, platform: dme, count: 4000 }
`;

describe('default causes', () => {
  it('a healthy fleet shows each platform failure state, each forced one under its named cause, on every retry', () => {
    const s = parseScenario(HEALTHY, 'healthy.yaml');
    expect(s.causes).toEqual([]);
    const fleet = buildFleet(s);
    const sim = new Simulator(fleet, { startMs: fleet.startMs, seed: s.seed, recordPaths: true });
    sim.runToEnd();
    const finals = new Map<string, Set<string>>();
    const named = new Map<string, number>();
    for (const i of sim.installs) {
      const last = i.last!;
      const set = finals.get(i.device.platform) ?? new Set<string>();
      set.add(`${last.status}/${last.state}`);
      finals.set(i.device.platform, set);
      const forced = i.path!.map((st) => /\(cause '([^']+)', a default\)/.exec(st.why)?.[1]).filter(Boolean);
      for (const name of new Set(forced)) {
        named.set(name!, (named.get(name!) ?? 0) + 1);
        // a cause persists: once it forced a failure, the installation ends failed
        expect(['failed', 'errors'], `${i.device.id} under '${name}'`).toContain(last.status);
      }
    }
    for (const [platform, profile] of Object.entries(DEVICES))
      for (const c of profile.causes)
        expect(named.get(c.name) ?? 0, `${platform}: cause '${c.name}'`).toBeGreaterThan(0);
    expect([...finals.get('android')!]).toEqual(
      expect.arrayContaining(['failed/oem_server_failed', 'failed/unexpected_error', 'failed/not_compatible']),
    );
    expect([...finals.get('windows')!]).toEqual(
      expect.arrayContaining([
        'failed/failed_download',
        'failed/failed_decryption',
        'failed/failed_checksum',
        'failed/failed_launch_installer',
        'failed/installation_failed',
      ]),
    );
    expect([...finals.get('ios')!]).toEqual(expect.arrayContaining(['failed/install_failed', 'failed/user_rejected']));
    expect([...finals.get('dme')!]).toEqual(expect.arrayContaining(['errors/installation_failed']));
  });
});
