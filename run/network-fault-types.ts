/**
 * A network fault as the runner applies it (its window on the drive's wall clock, whose devices),
 * and what the parts that apply one kind need of the runner: its timers on that clock, the
 * record of when the fault was in force, the offline queues' blame.
 */
import type { Clock } from '../core/clock.js';
import type { FaultProxy, PartitionMode, ProxyScope, Shaping } from '../transport/fault-proxy/proxy.js';
import type { EndpointProcess } from './endpoint-process.js';
import type { NetworkFaultFigures } from './network-figures.js';
import type { RunLogger } from './run-options.js';

/** One network fault, its window in wall ms from the drive's start. */
export type NetworkFault = {
  /** Its index in the scenario's faults (what the report counts by). */
  index: number;
  name: string;
  from: number;
  /** Infinity: to the end of the drive. */
  to: number;
  /** The devices it strikes (MQTT client ids); undefined: every connection. */
  devices: ReadonlySet<string> | undefined;
} & (
  | {
      kind: 'connection-drop';
      momentOf: (id: string) => number;
      repeatMs: number | undefined;
      /** The link goes silent this long before the reset, as a dying link does. */
      silentMs: number;
    }
  | { kind: 'partition'; mode: PartitionMode }
  | { kind: 'bandwidth' | 'delay'; shaping: Shaping }
  | {
      kind: 'endpoint-restart';
      downMs: number;
      hook: string | undefined;
      hookTimeoutMs: number;
      /** Another process restarts it: here its moment only blames what follows. */
      elsewhere: boolean;
    }
);

export type DropFault = Extract<NetworkFault, { kind: 'connection-drop' }>;
export type RestartFault = Extract<NetworkFault, { kind: 'endpoint-restart' }>;

export interface NetworkFaultsDeps {
  proxy: FaultProxy | undefined;
  endpoint: EndpointProcess | undefined;
  clock: Clock;
  logger?: RunLogger | undefined;
  /** HTTP devices in pools of their own per group (network-plan.ts): a cut names the group. */
  grouped?: boolean;
}

/** What the runner gives the code that applies one kind. */
export interface FaultRunner {
  readonly deps: NetworkFaultsDeps;
  /** Runs `fn` at `wallMs` from the drive's start; nothing once the drive has ended. */
  at(wallMs: number, fn: () => void): void;
  /** Runs `fn` in `ms`, cleared when the drive ends. */
  after(ms: number, fn: () => void): void;
  /** Notes that the fault is in force now. */
  inForce(fig: NetworkFaultFigures): void;
  /** The devices in `scope` are struck now: notes their live connections (what was in flight on them). */
  noteInFlight(fig: NetworkFaultFigures, scope: ProxyScope | undefined): void;
  /** Fault `index` disrupts now: what the devices queue from here is its. */
  blameQueue(index: number): void;
  /** Keeps the runner's stop waiting for `p` (a restart under way). */
  awaitOnStop(p: Promise<void>): void;
  /** A silence that must be lifted if the drive ends inside it. */
  holdSilence(silence: { lift(): void }): void;
  releaseSilence(silence: { lift(): void }): void;
}
