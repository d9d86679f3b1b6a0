/**
 * Every scenario in scenarios/ loads and simulates to its end (pure, virtual time), and the
 * platform scenarios do what their comments promise.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { coverageOf } from '../result/coverage.js';
import { buildFleet } from '../agent/fleet/fleet.js';
import { loadScenario } from '../agent/scenario/load.js';
import { Simulator } from '../agent/sim/simulator.js';
import { ROOT } from './helpers.js';

const dir = join(ROOT, 'scenarios');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

function simulate(file: string) {
  const s = loadScenario(join(dir, file));
  const fleet = buildFleet(s);
  const sim = new Simulator(fleet, { startMs: fleet.startMs, seed: s.seed });
  sim.runToEnd();
  return { s, sim, coverage: coverageOf(sim) };
}

describe('scenario files', () => {
  it('include one per platform, updates and rare paths', () => {
    for (const f of [
      'quickstart.yaml',
      'ios-vpp.yaml',
      'android.yaml',
      'windows.yaml',
      'dme.yaml',
      'updates.yaml',
      'rare-paths.yaml',
    ])
      expect(files).toContain(f);
  });

  it.each(files)('%s loads and every installation walks to its end', (file) => {
    const { sim } = simulate(file);
    expect(sim.remaining).toBe(0);
    expect(sim.installs.every((i) => i.last !== undefined)).toBe(true);
  });

  it('ios-vpp: licences first, redemption codes, prompts, and every Not Relevant reason', () => {
    const { coverage } = simulate('ios-vpp.yaml');
    const st = coverage.ios!.states;
    for (const k of [
      'pending_install/licensed_installation_scheduled',
      'installing/waiting_for_redemption_code',
      'installing/redeeming_code',
      'installing/prompted_install',
      'not_relevant/device_criteria',
      'not_relevant/os_criteria',
    ])
      expect(st[k], k).toBeGreaterThan(0);
  });

  it('updates: the new version is reported after day 2, and exactly 12 iPhones reject it', () => {
    const { sim } = simulate('updates.yaml');
    const rejected = sim.installs.filter((i) => i.device.cohort === 'iphones' && i.last!.status === 'upgrade_failed');
    expect(rejected).toHaveLength(12);
    const updated = sim.installs.filter((i) => i.last!.version === '4.3.0' && i.last!.status !== 'upgrade_failed');
    expect(updated.length).toBeGreaterThan(300);
  });

  it('android: waiting for network and compliance waits happen; dme: every DME state', () => {
    const a = simulate('android.yaml').coverage.android!.states;
    expect(a['pending_install/waiting_for_network']! + a['installing/waiting_for_network']!).toBeGreaterThan(50);
    expect(a['pending_install/out_of_compliance']).toBeGreaterThan(10);
    expect(simulate('dme.yaml').coverage.dme!.statesNever).toEqual([]);
  });
});
