import { describe, expect, it } from 'vitest';
import { compareDevices, mergeDeviceReconciliations, type DeviceRowLike } from '../reconcile/devices.js';
import { buildFleet } from '../agent/fleet/fleet.js';
import { expectedTallies, reconcile } from '../reconcile/reconcile.js';
import { parseScenario } from '../agent/scenario/load.js';
import { Simulator } from '../agent/sim/simulator.js';
import { TallyBook } from '../protocol/tally.js';
import { tinyScenario } from './scenario-files.js';

function finishedSim() {
  const scenario = parseScenario(tinyScenario(), 'tiny.yaml');
  const sim = new Simulator(buildFleet(scenario), { startMs: Date.parse(scenario.startTime), seed: scenario.seed });
  sim.runToEnd();
  return sim;
}

/** The rows a correct endpoint would list: every installation's last step. */
function truthRows(sim: Simulator, appId: string): (DeviceRowLike & { seq: number })[] {
  return sim.installs
    .filter((i) => i.app.id === appId && i.last)
    .map((i) => ({
      deviceId: i.device.id,
      platform: i.device.platform,
      status: i.last!.status,
      state: i.last!.state,
      seq: i.seq,
    }));
}

describe('device-by-device reconciliation', () => {
  it('finds two devices whose states were swapped, which the tallies cannot see', () => {
    const sim = finishedSim();
    const rows = truthRows(sim, 'com.acme.mail');
    expect(compareDevices('com.acme.mail', sim.installs, rows)).toEqual({ pairs: 40, differences: [] });
    // swap the states of two android devices that ended differently
    const a = rows.find((r) => r.platform === 'android')!;
    const b = rows.find((r) => r.platform === 'android' && (r.status !== a.status || r.state !== a.state))!;
    const swapped = rows.map((r) =>
      r === a ? { ...r, status: b.status, state: b.state } : r === b ? { ...r, status: a.status, state: a.state } : r,
    );
    // the tallies are the same...
    const book = new TallyBook();
    for (const r of swapped) book.add('com.acme.mail', r.platform, r.status, r.state, 1);
    expect(reconcile([expectedTallies(sim.installs).get('com.acme.mail')], [book.get('com.acme.mail')]).match).toBe(
      true,
    );
    // ...the devices are not
    const c = compareDevices('com.acme.mail', sim.installs, swapped);
    expect(c.differences.map((d) => d.deviceId).sort()).toEqual([a.deviceId, b.deviceId].sort());
    expect(c.differences.find((d) => d.deviceId === a.deviceId)).toMatchObject({
      expected: { status: a.status, state: a.state },
      counted: { status: b.status, state: b.state },
    });
  });

  it('reports a device the endpoint lacks, and an older seq that won', () => {
    const sim = finishedSim();
    const rows = truthRows(sim, 'com.acme.mail');
    const missing = rows[0]!;
    const stale = rows.find((r) => r !== missing && r.seq > 1)!;
    const tampered = rows.filter((r) => r !== missing).map((r) => (r === stale ? { ...r, seq: r.seq - 1 } : r));
    const c = compareDevices('com.acme.mail', sim.installs, tampered);
    expect(c.differences).toContainEqual(expect.objectContaining({ deviceId: missing.deviceId, counted: null }));
    expect(c.differences).toContainEqual(
      expect.objectContaining({ deviceId: stale.deviceId, counted: expect.objectContaining({ seq: stale.seq - 1 }) }),
    );
  });

  it('a system without sequence numbers is compared on status and state alone', () => {
    const sim = finishedSim();
    const rows = truthRows(sim, 'com.acme.mail').map(({ seq: _seq, ...r }) => r);
    expect(compareDevices('com.acme.mail', sim.installs, rows).differences).toEqual([]);
    const wrong = rows.map((r, i) => (i === 0 ? { ...r, state: 'nope' } : r));
    expect(compareDevices('com.acme.mail', sim.installs, wrong).differences).toHaveLength(1);
  });

  it('adds the checks of shards', () => {
    const d = { deviceId: 'x', appId: 'a', platform: 'ios' as const, expected: null, counted: null };
    expect(
      mergeDeviceReconciliations([
        { checked: true, pairs: 10, differing: 1, differences: [{ ...d, deviceId: 'b' }] },
        { checked: true, pairs: 5, differing: 1, differences: [{ ...d, deviceId: 'a' }] },
      ]),
    ).toEqual({
      checked: true,
      pairs: 15,
      differing: 2,
      differences: [
        { ...d, deviceId: 'a' },
        { ...d, deviceId: 'b' },
      ],
    });
    expect(
      mergeDeviceReconciliations([{ checked: true, pairs: 1, differing: 0, differences: [] }, undefined]),
    ).toBeUndefined();
  });
});
