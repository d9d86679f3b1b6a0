/**
 * From the fault plan (agent/faults/plan.ts) to what the network faults need at run time: each
 * network fault's window on the drive's wall clock, its devices, and its parameters for the fault
 * proxy or the endpoint restart; and what the devices' transport needs for them (an offline queue).
 * Refuses, in one sentence each, what cannot be applied as written: a simulated-time window with
 * an "asap" time scale, a scope of part of the fleet where one device's connection carries
 * others' reports (HTTP batches, shared MQTT connections), a restart of an external target
 * without a hook.
 */
import { momentOf, NETWORK_KINDS, type FaultPlan, type PlannedFault } from '../agent/faults/plan.js';
import { parseDuration } from '../core/delay.js';
import { UsageError } from '../protocol/errors.js';
import type { OfflineQueue } from '../transport/mqtt-lean/connection.js';
import { TRANSPORTS, type TransportKind } from '../transport/kinds/kinds.js';
import type { NetworkFault } from './network-fault-types.js';

export interface NetworkContext {
  /** The run's seed: the proxy's jitter is drawn from it. */
  seed: number | string;
  transport: TransportKind;
  /** The URL devices would send to without faults. */
  url: string;
  external: boolean;
  timeScale: number | 'asap';
  simStartMs: number;
  /** Devices in the whole fleet: a fault striking every one of them cuts every connection. */
  fleetSize: number;
  /** "file:line: " of a fault by its index, for the errors below. @default "" */
  at?: (index: number) => string;
  /** Why one device's traffic cannot be cut apart from another's under the transport's options
   * (its declaration's `sharedBy`: HTTP batches, shared MQTT connections), if it cannot. */
  sharedBy?: string | undefined;
  /** Another process restarts the endpoint (a --workers parent, shard 1): here a restart only
   * marks its moment, so what follows it is counted under it. */
  restartsElsewhere?: boolean;
}

export interface NetworkPlan {
  seed: number | string;
  faults: NetworkFault[];
  /** A fault the proxy applies: fleetsim puts it in front of the target. */
  needsProxy: boolean;
  /** An endpoint restart of the embedded endpoint: it runs as a child process. */
  restartsEmbedded: boolean;
  /** The devices' offline queue (the largest of the partitions'), or the default when any network fault is planned. */
  offlineQueue: OfflineQueue | undefined;
  /** HTTP: devices struck by the same proxy faults share a pool of their own, named by one of
   * them (the proxy knows its sockets as that device's); the rest share the transport's pool. */
  groupOf: ((deviceId: string) => string | undefined) | undefined;
}

const PROXY_KINDS = new Set(['connection-drop', 'partition', 'bandwidth', 'delay']);
const ms = (d: string | number | undefined, or = 0) => (d === undefined ? or : parseDuration(d)!);

export function isNetworkFault(f: PlannedFault): boolean {
  return NETWORK_KINDS.has(f.kind) || (f.spec.kind === 'delay' && f.spec.per === 'connection');
}

export function networkPlan(plan: FaultPlan, ctx: NetworkContext): NetworkPlan {
  const faults = plan.faults.filter(isNetworkFault).map((f) => toNetworkFault(f, ctx));
  const partitions = plan.faults.flatMap((f) => (f.spec.kind === 'partition' ? [f.spec] : []));
  const largest = partitions.reduce<(typeof partitions)[number] | undefined>(
    (a, p) => (a && a.queue >= p.queue ? a : p),
    undefined,
  );
  return {
    seed: ctx.seed,
    faults,
    // every network fault goes through the proxy, so what followed it is counted on the wire
    needsProxy: faults.length > 0,
    restartsEmbedded: !ctx.external && !ctx.restartsElsewhere && faults.some((f) => f.kind === 'endpoint-restart'),
    groupOf: TRANSPORTS[ctx.transport].connections === 'pooled' ? groupsOf(faults) : undefined,
    offlineQueue: largest
      ? { max: largest.queue, overflow: largest.overflow }
      : faults.length > 0
        ? { max: 1000, overflow: 'drop-oldest' }
        : undefined,
  };
}

function toNetworkFault(f: PlannedFault, ctx: NetworkContext): NetworkFault {
  const where = `${ctx.at?.(f.index) ?? ''}fault '${f.name}' (${f.kind})`;
  const wall = (t: number) => {
    if (f.clock === 'wall' || !Number.isFinite(t)) return t;
    if (ctx.timeScale === 'asap')
      throw new UsageError(
        `${where} has a window in simulated time, which an "asap" run does not map to wall time: give it clock: wall, or a numeric timeScale.`,
      );
    return (t - ctx.simStartMs) / ctx.timeScale;
  };
  const every = f.devices.size >= ctx.fleetSize;
  const devices = every ? undefined : f.devices;
  if (devices && PROXY_KINDS.has(f.kind)) {
    if (ctx.sharedBy)
      throw new UsageError(
        `${where} strikes part of the fleet, but ${ctx.sharedBy}, or scope the fault to the whole fleet.`,
      );
  }
  const base = { index: f.index, name: f.name, from: wall(f.from), to: wall(f.to), devices };
  const s = f.spec;
  switch (s.kind) {
    case 'connection-drop':
      return {
        ...base,
        kind: 'connection-drop',
        momentOf: (id) => wall(momentOf(f, id)),
        repeatMs: s.repeat === undefined ? undefined : wallSpan(ms(s.repeat), f, ctx),
        silentMs: ms(s.silentFor),
      };
    case 'partition':
      return { ...base, kind: 'partition', mode: s.mode };
    case 'bandwidth':
      return { ...base, kind: 'bandwidth', shaping: { bandwidthKBps: s.bytesPerSec / 1024 } };
    case 'delay':
      return { ...base, kind: 'delay', shaping: connectionLatency(s.latency, s.jitter, where) };
    case 'endpoint-restart':
      if (ctx.restartsElsewhere)
        return {
          ...base,
          kind: 'endpoint-restart',
          downMs: ms(s.down),
          hook: undefined,
          hookTimeoutMs: 0,
          elsewhere: true,
        };
      if (ctx.external && s.hook === undefined)
        throw new UsageError(
          `${where} restarts an external target, which fleetsim cannot kill: give hook, the command that restarts it (for example "systemctl restart ingest").`,
        );
      if (!ctx.external && s.hook !== undefined)
        throw new UsageError(
          `${where} has a hook, but the run's target is the embedded endpoint, which fleetsim kills and restarts itself: drop hook, or run against --target.`,
        );
      return {
        ...base,
        kind: 'endpoint-restart',
        downMs: ms(s.down),
        hook: s.hook,
        hookTimeoutMs: ms(s.hookTimeout),
        elsewhere: false,
      };
    default:
      throw new UsageError(`${where} is not a network fault.`);
  }
}

/** Each struck device's group: the set of scoped proxy faults striking it, named by its first device. */
function groupsOf(faults: readonly NetworkFault[]): ((deviceId: string) => string | undefined) | undefined {
  const keyOf = new Map<string, string>();
  for (const f of faults) {
    if (!f.devices || !PROXY_KINDS.has(f.kind)) continue;
    for (const id of f.devices) keyOf.set(id, `${keyOf.get(id) ?? ''}${f.index},`);
  }
  if (keyOf.size === 0) return undefined;
  const named = new Map<string, string>();
  const group = new Map<string, string>();
  for (const [id, key] of keyOf) {
    if (!named.has(key)) named.set(key, id);
    group.set(id, named.get(key)!);
  }
  return (id) => group.get(id);
}

/** A simulated span as wall ms (a "sim" fault's repeat scales with the run's time scale). */
function wallSpan(span: number, f: PlannedFault, ctx: NetworkContext): number {
  return f.clock === 'sim' && ctx.timeScale !== 'asap' ? span / ctx.timeScale : span;
}

/** The proxy adds a fixed latency and a uniform jitter per chunk: a fixed delay or a uniform range. */
function connectionLatency(
  latency: unknown,
  jitter: string | number | undefined,
  where: string,
): { latencyMs: number; jitterMs: number } {
  const extra = ms(jitter);
  if (typeof latency === 'string' || typeof latency === 'number')
    return { latencyMs: ms(latency) + extra / 2, jitterMs: extra / 2 };
  const l = latency as { fixed?: string | number; uniform?: [string | number, string | number] };
  if (l.fixed !== undefined) return { latencyMs: ms(l.fixed) + extra / 2, jitterMs: extra / 2 };
  if (l.uniform) {
    const [a, b] = [ms(l.uniform[0]), ms(l.uniform[1])];
    return { latencyMs: (a + b) / 2 + extra / 2, jitterMs: (b - a) / 2 + extra / 2 };
  }
  throw new UsageError(
    `${where} is per connection: the fault proxy adds a fixed latency or a uniform range to each chunk; give latency as a duration, {fixed} or {uniform}, not a distribution with a tail.`,
  );
}
