/**
 * A model as the Markdown table docs/lifecycles.md lists ("The models"): one row per
 * transition with what it reports, its chance or guard, its delay and why. Generated from the
 * data, so the documentation cannot drift from the models (test/docs-models.test.ts).
 */
import { describeDelay } from '../../core/delay.js';
import { compileModel, type CTrans } from './compile.js';
import type { DeviceCondition, DeviceWait, LifecycleModel } from './model.js';

const CONDITION: Record<DeviceCondition, string> = {
  offline: 'when the device is offline',
  'bootstrap-ok': "when the device's bootstrap succeeds",
  'bootstrap-failed': "when the device's bootstrap fails",
  pooled: 'when the app has a VPP licence pool',
  licensed: 'when a licence is assigned',
  'no-licence': 'when the licence pool is exhausted',
};
const WAIT: Record<DeviceWait, string> = {
  online: 'until the device is online',
  bootstrap: "until the device's bootstrap",
  licence: 'until a licence is freed',
};

function round(x: number): string {
  return String(Math.round(x * 10_000) / 10_000);
}

function chance(t: CTrans, out: readonly CTrans[]): string {
  if (t.isUpdate) return 'when a newer version is out';
  if (t.device) return CONDITION[t.device];
  if (t.when) {
    const parts = Object.entries(t.when).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('\\|') : String(v)}`);
    return `when ${parts.join(', ')}`;
  }
  const total = out.filter((o) => !o.device).reduce((s, o) => s + o.weight, 0);
  return total > 0 ? round(t.weight / total) : '0';
}

function delay(t: CTrans): string {
  if (t.isUpdate) return 'at the distribution time';
  if (t.until) return WAIT[t.until];
  if (t.push) return 'push, then check-in';
  if (t.checkIn) return 'check-in';
  return t.delay ? describeDelay(t.delay) : '-';
}

export function modelTable(model: LifecycleModel): string {
  const cm = compileModel(model);
  const lines = [
    `Start node \`${model.start}\`; without a device (the engine alone) a check-in is ${describeDelay(model.checkIn)} (${model.checkInSource}).`,
    '',
    '| transition | reports | chance | delay | why |',
    '|---|---|---|---|---|',
  ];
  for (const n of cm.nodes) {
    for (const t of [...n.out, ...(n.update ? [n.update] : [])]) {
      const dest = t.to < 0 ? undefined : cm.nodes[t.to]!;
      const reports = !dest ? '(ends here)' : dest.reports ? `${dest.status}/${dest.state}` : '(silent)';
      const retry =
        t.retryTo >= 0
          ? ` (retried ${t.retryMax}x via \`${cm.nodes[t.retryTo]!.name}\`, counter ${cm.counters[t.retryCounter]})`
          : '';
      const id = t.isUpdate ? `\`${t.id.replace(' (update)', '')}\` (update)` : `\`${t.id}\``;
      lines.push(`| ${id} | ${reports} | ${chance(t, n.out)} | ${delay(t)} | ${t.why}${retry} |`);
    }
  }
  return lines.join('\n');
}
