/**
 * A cohort's devices made without per-device garbage are the devices the plain formulas give:
 * the id `${prefix}-${n padded to 6}`, traits and arrival drawn from `new Rng(`${seed}|${id}`)`
 * in the documented order, and devices with equal traits sharing one object.
 */
import { describe, expect, it } from 'vitest';
import { compileDelay, sample } from '../core/delay.js';
import { Rng } from '../core/rng.js';
import { CohortDevices, deviceId, drawTraits, weightedPicker } from '../agent/fleet/cohort-devices.js';
import { buildFleet } from '../agent/fleet/fleet.js';
import { parseScenario } from '../agent/scenario/load.js';

const scenario = parseScenario(
  `
name: cohort-devices
seed: 11
apps:
  - { id: com.acme.mail, version: 1.0.0 }
cohorts:
  - { name: ios, platform: ios, count: 50, supervised: 0.5, osVersions: { "16": 0.3, "17": 0.6, "15": 0.1 }, arrival: { uniform: ["0s", "2h"] } }
  - { name: dme, platform: dme, count: 50, method: 0.3, idPrefix: "dme.handset" }
`,
  'cohort-devices.yaml',
);

describe('cohort devices', () => {
  it('writes the same ids as the padded join, past six digits and for a long prefix', () => {
    const cohort = scenario.cohorts[1]!;
    for (const first of [1, 999_990, 1_234_567]) {
      const m = new CohortDevices(cohort, 11, 0, first, [], undefined);
      for (let k = 0; k < 20; k++) {
        const want = `${cohort.idPrefix}-${String(first + k).padStart(6, '0')}`;
        expect(m.idOf(k)).toBe(want);
        expect(deviceId(cohort.idPrefix!, first + k)).toBe(want);
      }
    }
  });

  it('draws traits and arrival from the device generator, equal traits sharing one object', () => {
    for (const cohort of scenario.cohorts) {
      const m = new CohortDevices(cohort, 11, 100, 1, scenario.apps, undefined);
      const pick = weightedPicker(cohort.osVersions ?? { '99': 1 });
      const arrival = compileDelay(cohort.arrival);
      const seen = new Map<string, object>();
      for (let k = 0; k < 50; k++) {
        const d = m.make(k);
        const rng = new Rng(`11|${d.id}`);
        expect(d.traits).toEqual(drawTraits(cohort, pick, rng));
        expect(d.arrivalMs).toBe(sample(arrival, rng));
        expect(d.index).toBe(100 + k);
        const key = JSON.stringify(d.traits);
        const have = seen.get(key);
        if (have) expect(d.traits).toBe(have);
        else seen.set(key, d.traits);
      }
      expect(seen.size).toBeGreaterThan(1);
    }
  });

  it('keeps only the traced device, as the whole fleet has it, and none for an id written otherwise', () => {
    const whole = buildFleet(scenario, { devices: 2_000 });
    for (const d of [whole.devices[0]!, whole.devices[777]!, whole.devices[1_999]!]) {
      const one = buildFleet(scenario, { devices: 2_000, onlyDevice: d.id });
      expect(one.devices).toEqual([d]);
    }
    for (const id of ['ios-0000012', 'ios-12', 'ios-1e1', 'ios-001001', 'android-000001'])
      expect(buildFleet(scenario, { devices: 2_000, onlyDevice: id }).devices).toEqual([]);
  });
});
