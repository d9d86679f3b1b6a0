/**
 * The run's network-fault step: from the scenario's fault plan, what the run must set up before
 * devices start (the fault proxy in front of the target, the embedded endpoint as a process that
 * can be killed, the devices' offline queue), and the runner that applies the faults during the
 * drive. Network faults are applied in one process: a run split over workers or shards refuses
 * them (each process would cut and restart on its own clock).
 */
import { NETWORK_KINDS, planFaults, type PlannedFault } from '../agent/faults/plan.js';
import { positionsOf, where } from '../agent/scenario/positions.js';
import type { Scenario } from '../agent/scenario/schema.js';
import type { Clock } from '../core/clock.js';
import { UsageError } from '../protocol/errors.js';
import { Rng } from '../core/rng.js';
import { PortOwnerMap } from '../transport/fault-proxy/port-owners.js';
import { FaultProxy } from '../transport/fault-proxy/proxy.js';
import { TRANSPORT_KINDS, TRANSPORTS, type TransportOptions } from '../transport/kinds/kinds.js';
import { transportOptions } from '../transport/registry.js';
import type { DeviceBehaviour } from '../transport/types.js';
import { NetworkFaults } from './network-faults.js';
import { isNetworkFault, networkPlan, type NetworkPlan } from './network-plan.js';
import type { Target } from './open-target.js';
import type { RunLogger, RunOptions, RunPlan } from './run-options.js';

/** Whether the scenario has faults the network side applies (a run with them stays in one process). */
export function hasNetworkFaults(scenario: Scenario): boolean {
  return scenario.faults.some((f) => NETWORK_KINDS.has(f.kind) || (f.kind === 'delay' && f.per === 'connection'));
}

/** The network faults of the scenario, checked; undefined when it has none. */
export function planNetwork(
  scenario: Scenario,
  opts: RunOptions,
  plan: RunPlan,
  workers?: number,
): NetworkPlan | undefined {
  const faults = planFaults(scenario, {
    seed: plan.seed,
    ...(opts.devices !== undefined ? { devices: opts.devices } : {}),
  });
  const at = (index: number) => faultAt(scenario, index);
  if (plan.target !== undefined && !opts.endpointFaultsElsewhere)
    refuseEndpointKinds(faults.faults, opts.target ?? plan.target.toString(), at);
  const names = faults.faults.filter(isNetworkFault).map((f) => `'${f.name}'`);
  if (names.length === 0) return undefined;
  if (TRANSPORTS[plan.transport].connections === 'none') {
    const others = TRANSPORT_KINDS.filter((k) => TRANSPORTS[k].connections !== 'none');
    throw new UsageError(
      `The scenario has network faults (${names.join(', ')}), which act on connections; the ${plan.transport} transport has none: run it with ${others.map((k) => `--transport ${k}`).join(' or ')}.`,
    );
  }
  // Split runs: every part puts its own proxy in front of the target for its own devices (the
  // plan is the whole fleet's, so the parts strike the same devices at the same moments), and one
  // process restarts the endpoint: the parent of --workers, shard 1 of --shard against a target
  // of the user's (with the embedded endpoint each shard has its own). The others only note the
  // restart's moment, to count what follows it.
  const byOther =
    opts.endpointFaultsElsewhere === true ||
    (workers === undefined && opts.shard !== undefined && opts.shard.index > 0 && plan.target !== undefined);
  return networkPlan(faults, {
    seed: plan.seed,
    transport: plan.transport,
    url: opts.target ?? `${TRANSPORTS[plan.transport].schemes[0]}://127.0.0.1`,
    external: plan.target !== undefined,
    timeScale: scenario.timeScale,
    simStartMs: Date.parse(scenario.startTime),
    fleetSize: opts.devices ?? scenario.cohorts.reduce((n, c) => n + c.count, 0),
    at,
    restartsElsewhere: byOther,
    sharedBy: sharedBy(scenario, opts, plan.transport),
  });
}

/** Whether the transport's options make devices share their traffic, so one cannot be struck apart. */
function sharedBy(scenario: Scenario, opts: RunOptions, kind: RunPlan['transport']): string | undefined {
  const spec = TRANSPORTS[kind] as { sharedBy?: (options: TransportOptions) => string | undefined };
  return spec.sharedBy?.(transportOptions(kind, scenario, opts.transportFlags));
}

/** "file:line: " of a scenario's fault, for errors found once the run's target is known. */
function faultAt(scenario: Scenario, index: number): string {
  const positions = positionsOf(scenario);
  const line = where(positions, ['faults', index]);
  return positions ? `${positions.file}${line ? `:${line}` : ''}: ` : '';
}

/** The embedded endpoint's own faults cannot be applied to a service fleetsim does not own:
 * refused before anything starts, rather than a run in which they silently do nothing. */
function refuseEndpointKinds(faults: readonly PlannedFault[], target: string, at: (index: number) => string): void {
  for (const f of faults) {
    if (f.kind !== 'refusing-endpoint' && f.kind !== 'slow-endpoint') continue;
    const what = f.kind === 'refusing-endpoint' ? 'answer 503 or 429' : 'stop reading';
    throw new UsageError(
      `${at(f.index)}fault '${f.name}' (${f.kind}) makes the embedded endpoint ${what}, but this run's target is ${target}, a service fleetsim does not own and cannot make ${what}. Run it against the embedded endpoint (no --target), or drop the fault; on the network side a partition (mode: refuse or blackhole) or a connection-drop acts on any target.`,
    );
  }
}

export interface NetworkRun {
  /** Where devices send: the proxy's URL when there is one, else the target's. */
  url: string;
  device: DeviceBehaviour;
  faults: NetworkFaults;
  proxy: FaultProxy | undefined;
  close(): Promise<void>;
}

/** Puts the fault proxy in front of the target when a fault needs it; the runner is started by the caller at the drive's start. */
export async function openNetwork(
  net: NetworkPlan,
  target: Target,
  clock: Clock,
  logger?: RunLogger,
): Promise<NetworkRun> {
  let proxy: FaultProxy | undefined;
  const owners = new PortOwnerMap();
  if (net.needsProxy) {
    const u = new URL(target.url);
    proxy = await FaultProxy.start({
      target: { host: u.hostname, port: Number(u.port) },
      protocol: u.protocol === 'mqtt:' ? 'mqtt' : 'none',
      owners,
      clock,
      // each lane's jitter from the scenario's seed and whose lane it is
      randomFor: (key) => {
        const rng = new Rng(`${net.seed}|fault-proxy|${key}`);
        return () => rng.next();
      },
    });
    logger?.info({ proxy: proxy.urlFor(target.url), target: target.url }, 'fault proxy in front of the target');
  }
  const faults = new NetworkFaults(net.faults, {
    proxy,
    endpoint: target.process,
    clock,
    logger,
    grouped: net.groupOf !== undefined,
  });
  return {
    url: proxy ? proxy.urlFor(target.url) : target.url,
    device: {
      offlineQueue: net.offlineQueue,
      // the devices' sockets claimed as theirs, so the proxy tells them apart over TLS, WebSocket and HTTP
      ...(proxy ? { portOwners: owners } : {}),
      ...(net.groupOf ? { groupOf: net.groupOf } : {}),
    },
    faults,
    proxy,
    close: async () => {
      await faults.stop();
      await proxy?.close();
    },
  };
}
