/**
 * A baseline: `after - before` against the change the run should make, with re-used device ids
 * moving from where the system had them. Pure: fleets simulated twice, the system's state made
 * from the first run's ground truth.
 */
import { describe, expect, it } from 'vitest';
import { buildFleet } from '../agent/fleet/fleet.js';
import { parseScenario } from '../agent/scenario/load.js';
import { Simulator } from '../agent/sim/simulator.js';
import type { DeviceRowLike } from '../reconcile/devices.js';
import {
  difference,
  expectedChange,
  reconcileChange,
  reconcileWithBaseline,
  type PreviousRows,
} from '../reconcile/baseline.js';
import { UNMAPPED_MARK } from '../reconcile/labels.js';
import { TallyBook } from '../protocol/tally.js';
import { systemClock } from '../core/clock.js';
import { readThroughTarget } from '../run/read-target.js';
import { resolveReportTarget } from '../run/run-target.js';
import { expectedTallies } from '../reconcile/reconcile.js';
import { SMALL_SCENARIO } from './helpers.js';

const scenario = parseScenario(SMALL_SCENARIO, 'small.yaml');
const APPS = ['com.acme.mail', 'com.acme.vpn'];

function run(seed: number) {
  const fleet = buildFleet(scenario, { seed });
  const sim = new Simulator(fleet, { startMs: fleet.startMs, seed });
  sim.runToEnd();
  return sim;
}

function rowsOf(sim: Simulator): PreviousRows {
  const out = new Map<string, Map<string, DeviceRowLike>>();
  for (const i of sim.installs) {
    if (!i.last) continue;
    const m = out.get(i.app.id) ?? new Map<string, DeviceRowLike>();
    m.set(i.device.id, {
      deviceId: i.device.id,
      platform: i.device.platform,
      status: i.last.status,
      state: i.last.state,
      seq: i.seq,
    });
    out.set(i.app.id, m);
  }
  return out;
}

/** What a highest-seq-wins system holds after `second` was sent over `first`. */
function systemAfter(first: Simulator, second: Simulator) {
  const prev = rowsOf(first);
  const next = new Map<string, DeviceRowLike>();
  for (const i of second.installs) {
    if (!i.last) continue;
    const p = prev.get(i.app.id)?.get(i.device.id);
    next.set(
      `${i.app.id}/${i.device.id}`,
      p && p.seq! >= i.seq
        ? p
        : {
            deviceId: i.device.id,
            platform: i.device.platform,
            status: i.last.status,
            state: i.last.state,
            seq: i.seq,
          },
    );
  }
  const sim = {
    installs: [...next].map(([k, r]) => ({
      app: { id: k.split('/')[0]! },
      device: { platform: r.platform, id: r.deviceId },
      last: r,
      seq: r.seq,
    })),
  };
  return expectedTallies(sim.installs as never);
}

describe('a baseline', () => {
  const first = run(7);
  const before = APPS.map((id) => expectedTallies(first.installs).get(id));

  it('the same run again changes nothing, and nothing is what is expected', () => {
    const again = run(7);
    const r = reconcileWithBaseline(again.installs, APPS, before, before, rowsOf(first));
    expect(r.match).toBe(true);
    expect(r.baseline).toMatchObject({
      pairsBefore: first.installs.filter((i) => i.last).length,
      notNewer: r.baseline.reused,
    });
  });

  it('a run with another seed over the same devices moves them, seq deciding who wins', () => {
    const second = run(8);
    const after = APPS.map((id) => systemAfter(first, second).get(id));
    const r = reconcileWithBaseline(second.installs, APPS, before, after, rowsOf(first));
    expect(r.differences).toEqual([]);
    expect(r.match).toBe(true);
    expect(r.baseline.reused).toBeGreaterThan(0);
  });

  it('without device rows every pair is assumed new, and the result says so', () => {
    const second = run(8);
    const { change } = expectedChange(second.installs, APPS, undefined);
    expect(change.reduce((n, a) => n + a.total, 0)).toBe(second.installs.filter((i) => i.last).length);
    const r = reconcileWithBaseline(second.installs, APPS, before, before, undefined);
    expect(r.match).toBe(false);
    expect(r.baseline.assumption).toContain('assumed new');
  });

  it('after - before can go negative in a cell', () => {
    const d = difference([], [before[0]!], ['com.acme.mail']);
    expect(d[0]!.total).toBe(-before[0]!.total);
    expect(before[0]!.total).toBeGreaterThan(0);
  });
});

describe('a baseline with labels that map to none of ours', () => {
  const inverse = new Map(); // no joined codes: every mapped row is ours already
  const book = (n: number) => {
    const b = new TallyBook();
    if (n) b.add('a', 'ios', 'installed', 'installed', n);
    return [b.get('a')];
  };
  const stale = { appId: 'a', platform: 'IOS', status: 'FAILED', state: 'FAILED_HASH' };

  it('rows held before and left as they were are left out of the comparison, and listed', () => {
    const before = { counted: book(0), unmapped: [{ ...stale, count: 12 }] };
    const after = { counted: book(3), unmapped: [{ ...stale, count: 12 }] };
    const r = reconcileChange(book(3), [], after, before, ['a'], inverse);
    expect(r.match).toBe(true);
    expect(r.unmapped).toBeUndefined();
    expect(r.leftOut).toEqual([{ ...stale, count: 12 }]);
  });

  it('an unmapped row this run changed is a difference', () => {
    const before = { counted: book(0), unmapped: [{ ...stale, count: 12 }] };
    const after = { counted: book(2), unmapped: [{ ...stale, count: 13 }] };
    const r = reconcileChange(book(3), [], after, before, ['a'], inverse);
    expect(r.match).toBe(false);
    expect(r.unmapped).toEqual([{ ...stale, count: 1 }]);
    expect(r.leftOut).toEqual([]);
  });

  it('a re-used device leaving an unmapped row is the change its previous row explains', () => {
    const previous: PreviousRows = new Map([
      [
        'a',
        new Map([
          [
            'ios-000001',
            {
              deviceId: 'ios-000001',
              platform: 'IOS' as never,
              status: `FAILED${UNMAPPED_MARK}`,
              state: `FAILED_HASH${UNMAPPED_MARK}`,
              seq: 1,
            },
          ],
        ]),
      ],
    ]);
    const inst = {
      app: { id: 'a' },
      device: { id: 'ios-000001', platform: 'ios' },
      last: { status: 'installed', state: 'installed' },
      seq: 5,
    };
    const { change, unmappedChange, reused } = expectedChange([inst as never], ['a'], previous);
    expect(reused).toBe(1);
    expect(unmappedChange).toEqual([{ ...stale, count: -1 }]);
    const before = { counted: book(0), unmapped: [{ ...stale, count: 4 }] };
    const after = { counted: book(1), unmapped: [{ ...stale, count: 3 }] };
    const r = reconcileChange(change, unmappedChange, after, before, ['a'], inverse);
    expect(r.match).toBe(true);
    // the three devices of the row the run did not move
    expect(r.leftOut).toEqual([{ ...stale, count: 3 }]);
  });
});

describe('a baseline run whose counts cannot be read after it', () => {
  it('keeps its change and the counts before, so fleetsim reconcile can judge after - before later', async () => {
    const rt = resolveReportTarget(['ios'], { target: 'mqtt://127.0.0.1:1', talliesUrl: 'http://127.0.0.1:1' });
    const change = (() => {
      const b = new TallyBook();
      b.add('a', 'ios', 'installed', 'installed', 2);
      return [b.get('a')];
    })();
    const before = { counted: change, unmapped: [] };
    const r = await readThroughTarget(rt, {
      expected: [],
      appIds: ['a'],
      installs: undefined,
      clock: systemClock,
      lastAckAt: 0,
      tallies: true,
      baseline: {
        before,
        change,
        unmappedChange: [],
        report: { pairsBefore: 2, reused: 0, notNewer: 0, assumption: 'every pair assumed new' },
      },
    });
    expect(r.checked).toBe(false);
    expect(r.reason).toContain('127.0.0.1:1');
    expect(r.apps.map((a) => a.expected)).toEqual(change);
    expect(r.baseline).toMatchObject({ pairsBefore: 2, before });
  });
});
