/**
 * A fault's own reconnect outages: those in its window on the wall clock (widened by a
 * drop's silent time or a restart's down time), merged over parts by joining the overlapping
 * ones. Pure, on made-up outages: the real runs are in faults-workers.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { planFaults } from '../agent/faults/plan.js';
import { parseScenario } from '../agent/scenario/load.js';
import { outagesOfFault } from '../result/fault-outages.js';
import { type FaultReport, mergeFaultReports } from '../result/fault-report.js';
import type { Outage } from '../result/connectivity.js';

const s = parseScenario(
  `
name: fault-outages
seed: 3
apps:
  - { id: com.acme.mail, platforms: [android] }
cohorts:
  - { name: droids, platform: android, count: 20 }
faults:
  - { kind: connection-drop, name: cut, at: 2s, silentFor: 3s }
  - { kind: endpoint-restart, name: kill, at: 20s, down: 2s }
  - { kind: stuck, name: wedged, count: 2, at: 1s }
`,
  'o.yaml',
);
const [cut, kill, wedged] = planFaults(s, { seed: 3 }).faults;
const T0 = 1_000_000;
const outage = (from: number, to: number, devices = 5): Outage => ({
  from: T0 + from,
  to: T0 + to,
  devices,
  reconnects: devices,
  resent: 1,
  longestDownMs: to - from,
});

describe("a fault's outages", () => {
  const connectivity = {
    reconnects: 17,
    outages: [outage(500, 900, 2), outage(5_100, 7_000), outage(20_050, 26_000, 10)],
  };
  const input = { connectivity, driveStartAt: T0, endAt: T0 + 30_000 };

  it('takes those in its window, its silent time and the time to notice', () => {
    // the first ended before the drop's moment: not its doing; the second began as the silence lifted
    expect(outagesOfFault(cut!, input)).toEqual([connectivity.outages[1]]);
    expect(outagesOfFault(kill!, input)).toEqual([connectivity.outages[2]]);
    // a fault on simulated time has no wall window to read outages in
    expect(outagesOfFault(wedged!, input)).toEqual([]);
    // a timer that fired late: the span in force counts
    expect(outagesOfFault(kill!, { ...input, active: { from: 20_000, to: 25_000 } })).toEqual([
      connectivity.outages[2],
    ]);
    expect(outagesOfFault(kill!, { ...input, connectivity: undefined })).toEqual([]);
  });

  it('joins the outages two parts saw of one restart', () => {
    const part = (o: Outage): FaultReport => ({
      name: 'kill',
      kind: 'endpoint-restart',
      window: { clock: 'wall', atMs: 20_000, forMs: null },
      devices: 20,
      injected: {},
      exact: true,
      outages: [o],
    });
    const [merged] = mergeFaultReports([[part(outage(20_050, 26_000, 10))], [part(outage(20_070, 24_000, 6))]], true);
    expect(merged!.outages).toEqual([{ ...outage(20_050, 26_000, 16), reconnects: 16, resent: 2 }]);
  });
});
