import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.js';
import type { DeviceSpec } from '../agent/fleet/fleet.js';
import { ArrivalOrder } from '../agent/sim/arrival-order.js';

const spec = (arrivalMs: number): DeviceSpec => ({
  index: 0,
  id: 'd',
  cohort: 'c',
  platform: 'ios',
  traits: {},
  arrivalMs,
  apps: [],
});

function drain(order: ArrivalOrder): [number, number][] {
  const out: [number, number][] = [];
  for (; order.pos >= 0; order.advance()) out.push([order.at, order.pos]);
  return out;
}

describe('ArrivalOrder', () => {
  it('gives the devices by (arrival, fleet position), as the queue did', () => {
    const rng = new Rng('arrivals');
    // few distinct times, so many ties are broken by position
    const devices = Array.from({ length: 500 }, () => spec(Math.floor(rng.next() * 20) * 1000));
    const start = 1_700_000_000_000;
    const want = devices.map((d, pos) => [start + d.arrivalMs, pos] as [number, number]);
    want.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(drain(new ArrivalOrder(devices, start))).toEqual(want);
  });

  it('reads a fleet already in order as it is, and ends', () => {
    const devices = [0, 0, 5, 5, 9].map(spec);
    expect(drain(new ArrivalOrder(devices, 100))).toEqual([
      [100, 0],
      [100, 1],
      [105, 2],
      [105, 3],
      [109, 4],
    ]);
    expect(drain(new ArrivalOrder([], 100))).toEqual([]);
  });
});
