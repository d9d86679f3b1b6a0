/**
 * Reads a target's counts back through its tally source, reads again until they settle (or the
 * settle timeout passes), and reconciles them in the user's labels. Never throws for the tally
 * side: once events were sent the run writes its report whatever the source did, with the
 * reason. Secrets never reach a reason: messages pass through the target's redaction.
 */
import type { Installation } from '../agent/sim/simulator.js';
import type { Clock } from '../core/clock.js';
import { settle } from '../endpoint-client/settle.js';
import { namespaceMembers, type ReadContext, type TallySource } from '../endpoint-client/tally-source.js';
import type { HeldBefore } from './read-before.js';
import { createTallySource } from '../endpoint-client/tally-sources.js';
import { PLATFORMS } from '../protocol/catalogue/catalogue.js';
import { isFleetsimError } from '../protocol/errors.js';
import type { AppTallies } from '../protocol/tally.js';
import {
  compareDevices,
  DEVICE_DIFFERENCES_KEPT,
  type DeviceReconciliation,
  uncheckedDevices,
} from '../reconcile/devices.js';
import {
  mapCounted,
  mapDeviceRows,
  reconcileMapped,
  type LabelInverse,
  type UnmappedRow,
} from '../reconcile/labels.js';
import { expectedTallies, type Reconciliation, type SettleReport } from '../reconcile/reconcile.js';
import type { TallyReading } from '../reconcile/reading.js';
import { compileCodes, type CodeTable } from '../transport/wire/codes.js';
import type { RunTarget } from './run-target.js';
import {
  baselineInput,
  baselinePart,
  bySimId,
  deviceChecked,
  judgeBaseline,
  type BaselineInput,
} from './read-baseline.js';

export type { BaselineInput } from './read-baseline.js';

export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('***');
  return out;
}

export function openTallySource(rt: RunTarget, defaultUrl?: string): TallySource {
  return createTallySource(rt.tallies, {
    defaultUrl: defaultUrl ?? new URL(rt.url).origin,
    source: rt.loaded?.source,
    basePath: [...(rt.loaded?.basePath ?? []), 'tallies'],
  });
}

/** The read context of a run: a namespaced run counts its own devices only. */
export function readContext(rt: RunTarget, appIds: readonly string[]): ReadContext {
  return { appIds, runId: rt.runId, ...(rt.wire.namespaced ? { onlyDevices: namespaceMembers(rt.runId) } : {}) };
}

export function inverseOf(rt: RunTarget, source: TallySource): LabelInverse {
  if (source.labels === 'wire') return rt.wire.codes.inverse();
  return (compileCodes(undefined, PLATFORMS) as CodeTable).inverse();
}

/** A reconciliation that could not be made: expected tallies kept, nothing counted. */
export function unchecked(expected: readonly AppTallies[], reason: string, source?: string): Reconciliation {
  return {
    checked: false,
    match: false,
    reason,
    apps: expected.map((e) => ({
      appId: e.appId,
      expected: e,
      counted: { appId: e.appId, total: 0, statuses: {}, platforms: {} },
      match: false,
    })),
    differences: [],
    ...(source ? { source } : {}),
  };
}

/** A baseline run whose counts could not be read after it: its change and the counts before kept,
 * so that `fleetsim reconcile` can judge after - before later. */
export function uncheckedBaseline(b: BaselineInput, reason: string, source?: string): Reconciliation {
  return {
    ...unchecked(b.change, reason, source),
    baseline: {
      ...b.report,
      before: b.before,
      ...(b.unmappedChange.length ? { unmappedChange: b.unmappedChange } : {}),
    },
  };
}

export interface CountsReading {
  counted: AppTallies[];
  unmapped: UnmappedRow[];
}

/** Reads the counts until `accept` says they match, or the settle timeout passes. */
export async function settleCounts(
  rt: RunTarget,
  source: TallySource,
  ctx: ReadContext,
  clock: Clock,
  lastAckAt: number,
  accept: (r: CountsReading) => boolean,
): Promise<{ reading: CountsReading; settle: SettleReport }> {
  const inverse = inverseOf(rt, source);
  const s = await settle(async () => mapCounted(await source.readTallies!(ctx), ctx.appIds, inverse), accept, {
    clock,
    timeoutMs: rt.settle.timeoutMs,
    intervalMs: rt.settle.intervalMs,
    lastAckAt,
  });
  return {
    reading: s.value,
    settle: {
      consistent: s.consistent,
      afterMs: s.afterMs,
      reads: s.reads,
      waitedMs: s.waitedMs,
      timeoutMs: rt.settle.timeoutMs,
    },
  };
}

export interface TargetReadInput {
  expected: AppTallies[];
  appIds: string[];
  installs: readonly Installation[] | undefined;
  clock: Clock;
  lastAckAt: number;
  /** Skip the tallies (a shard): the device check alone. */
  tallies: boolean;
  defaultUrl?: string | undefined;
  /** Reconcile after - before against the expected change instead. */
  baseline?: BaselineInput | undefined;
  /** Why there is no ground truth to check device by device, for a source that lists devices. */
  devicesSkipped?: string | undefined;
}

/** Tallies (settled) and, where the source lists devices, device by device. */
export async function readThroughTarget(rt: RunTarget, input: TargetReadInput): Promise<Reconciliation> {
  if (rt.tallies.source === 'none') {
    return unchecked(
      input.expected,
      'the target reads no counts back (tallies.source: none): sent only; report.json has the expected tallies to compare by hand, or run fleetsim reconcile later',
    );
  }
  let source: TallySource;
  try {
    source = openTallySource(rt, input.defaultUrl);
  } catch (err) {
    return unchecked(input.expected, redact((err as Error).message, rt.secrets));
  }
  const ctx = readContext(rt, input.appIds);
  try {
    let r: Reconciliation;
    const b = input.baseline;
    if (input.tallies && b) {
      const inverse = inverseOf(rt, source);
      const judge = (c: CountsReading) => judgeBaseline(b, c, input.appIds, inverse);
      const { reading, settle: report } = await settleCounts(
        rt,
        source,
        ctx,
        input.clock,
        input.lastAckAt,
        (c) => judge(c).match,
      );
      r = { ...judge(reading), settle: report };
    } else if (input.tallies) {
      const inverse = inverseOf(rt, source);
      const { reading, settle: report } = await settleCounts(
        rt,
        source,
        ctx,
        input.clock,
        input.lastAckAt,
        (c) => reconcileMapped(input.expected, c, inverse).match,
      );
      r = reconcileMapped(input.expected, reading, inverse);
      r.settle = report;
    } else r = unchecked(input.expected, 'shard: reconciled once the shards are merged');
    r.source = source.describe;
    const empty = !r.match && source.emptyNote?.();
    if (empty) r.sourceNote = redact(empty, rt.secrets);
    if (input.installs && source.readDevices) {
      // the counts may still be settling: read the devices again until they agree or time is up
      const installs = input.installs;
      const s = await settle(
        () => readDevices(rt, source, ctx, installs, input.appIds),
        (d) => !d.checked || d.differing === 0,
        {
          clock: input.clock,
          timeoutMs: rt.settle.timeoutMs,
          intervalMs: rt.settle.intervalMs,
          lastAckAt: input.lastAckAt,
        },
      );
      r.devices = s.value;
      if (r.devices.checked && r.devices.differing > 0 && r.checked) r.match = false;
    } else if (input.devicesSkipped && source.readDevices) r.devices = uncheckedDevices(input.devicesSkipped);
    return r;
  } catch (err) {
    const why = isFleetsimError(err) ? err.message : `the tally source failed: ${(err as Error).message}`;
    const b = input.baseline;
    return b && input.tallies
      ? uncheckedBaseline(b, redact(why, rt.secrets), source.describe)
      : unchecked(input.expected, redact(why, rt.secrets), source.describe);
  } finally {
    await source.close().catch(() => undefined);
  }
}

async function readDevices(
  rt: RunTarget,
  source: TallySource,
  ctx: ReadContext,
  installs: readonly Installation[],
  appIds: readonly string[],
): Promise<DeviceReconciliation> {
  const inverse = inverseOf(rt, source);
  const simOf = new Map<string, string>();
  for (const i of installs) simOf.set(rt.wire.wireDeviceId(i.device), i.device.id);
  try {
    let pairs = 0;
    const all: DeviceReconciliation['differences'] = [];
    for (const appId of appIds) {
      const rows = mapDeviceRows(await source.readDevices!(appId, ctx), inverse, (w) => simOf.get(w));
      const c = compareDevices(appId, installs, rows);
      pairs += c.pairs;
      all.push(...c.differences);
    }
    all.sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : a.appId < b.appId ? -1 : 1));
    return { checked: true, pairs, differing: all.length, differences: all.slice(0, DEVICE_DIFFERENCES_KEPT) };
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

/** The single run's (or a worker's) read step through the target. */
export async function readTarget(
  rt: RunTarget,
  run: { appIds: string[]; sim: { installs: readonly Installation[] } },
  lastAckAt: number,
  clock: Clock,
  opts: {
    deferReconcile?: boolean | undefined;
    instrument?: boolean | undefined;
    shard?: { index: number; count: number } | undefined;
  },
  before?: HeldBefore,
): Promise<{ tallies: TallyReading; devices: DeviceReconciliation | undefined; endToEnd: string }> {
  const book = expectedTallies(run.sim.installs);
  if (before?.previous) before = { ...before, previous: bySimId(rt, before.previous, run.sim.installs) };
  const r = await readThroughTarget(rt, {
    ...(before?.counts ? { baseline: baselineInput(before, run.sim.installs, run.appIds) } : {}),
    expected: run.appIds.map((id) => book.get(id)),
    appIds: run.appIds,
    installs: (opts.instrument ?? true) ? deviceChecked(run.sim.installs, before) : undefined,
    clock,
    lastAckAt,
    tallies: !opts.deferReconcile,
  });
  if (before) r.heldBefore = before.pairs;
  // a worker of a baseline run: the change its devices make, for the parent to add up
  const part =
    opts.deferReconcile && rt.baseline && before
      ? baselinePart(before, run.sim.installs, run.appIds, opts.shard)
      : undefined;
  return {
    tallies: part
      ? { kind: 'reconciled', reconciliation: part }
      : opts.deferReconcile
        ? { kind: 'deferred', shard: opts.shard }
        : { kind: 'reconciled', reconciliation: r },
    devices: r.devices,
    endToEnd: 'a target of its own: no fleetsim stats API to read it from',
  };
}

/** The target URL as reports show it: no user information, no secrets. */
export function shownUrl(rt: RunTarget): string {
  try {
    const u = new URL(rt.url);
    if (u.username || u.password) {
      u.username = '';
      u.password = '';
      return redact(u.href, rt.secrets);
    }
  } catch {
    // shown as given
  }
  return redact(rt.url, rt.secrets);
}
