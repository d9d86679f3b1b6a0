/**
 * Device by device through a tally source that lists devices: each installation's ground truth
 * against the system's own row, read again until they agree or the settle timeout passes (the
 * pipeline may still be writing). The system's rows come in its labels and wire device ids and are
 * mapped back to ours.
 */
import type { Installation } from '../agent/sim/simulator.js';
import type { Clock } from '../core/clock.js';
import { settle } from '../endpoint-client/settle.js';
import type { ReadContext, TallySource } from '../endpoint-client/tally-source.js';
import {
  compareDevices,
  DEVICE_DIFFERENCES_KEPT,
  type DeviceReconciliation,
  notOlderRow,
} from '../reconcile/devices.js';
import { mapDeviceRows } from '../reconcile/labels.js';
import type { RunTarget } from './run-target.js';
import { inverseOf } from './tally-read.js';
import { redact } from './target-shown.js';

export async function settleDevices(
  rt: RunTarget,
  source: TallySource,
  ctx: ReadContext,
  installs: readonly Installation[],
  at: { clock: Clock; lastAckAt: number; leftToTarget?: number | undefined },
): Promise<DeviceReconciliation> {
  const s = await settle(
    () => readDevices(rt, source, ctx, installs, at.leftToTarget),
    (d) => !d.checked || d.differing === 0,
    { clock: at.clock, timeoutMs: rt.settle.timeoutMs, intervalMs: rt.settle.intervalMs, lastAckAt: at.lastAckAt },
  );
  return s.value;
}

async function readDevices(
  rt: RunTarget,
  source: TallySource,
  ctx: ReadContext,
  installs: readonly Installation[],
  leftToTarget: number | undefined,
): Promise<DeviceReconciliation> {
  const inverse = inverseOf(rt, source);
  const simOf = new Map<string, string>();
  for (const i of installs) simOf.set(rt.wire.wireDeviceId(i.device), i.device.id);
  try {
    let pairs = 0;
    let all: DeviceReconciliation['differences'] = [];
    let notOlder = 0;
    for (const appId of ctx.appIds) {
      const rows = mapDeviceRows(await source.readDevices!(appId, ctx), inverse, (w) => simOf.get(w));
      const c = compareDevices(appId, installs, rows);
      pairs += c.pairs;
      notOlder += c.differences.filter(notOlderRow).length;
      all.push(...c.differences);
    }
    // up to the run's count of re-used pairs that sent nothing newer, such rows are the system's own
    const kept = leftToTarget !== undefined && notOlder <= leftToTarget ? notOlder : undefined;
    if (kept !== undefined) all = all.filter((d) => !notOlderRow(d));
    all.sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : a.appId < b.appId ? -1 : 1));
    return {
      checked: true,
      pairs,
      differing: all.length,
      differences: all.slice(0, DEVICE_DIFFERENCES_KEPT),
      ...(kept !== undefined ? { leftToTarget: kept } : {}),
    };
  } catch (err) {
    return {
      checked: false,
      reason: redact(`the device list could not be read: ${(err as Error).message}`, rt.secrets),
      pairs: 0,
      differing: 0,
      differences: [],
    };
  }
}
