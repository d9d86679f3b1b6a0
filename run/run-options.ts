/**
 * What a run is asked to do, and the one step that checks it before anything starts: the options
 * of `runScenario` and `runWithWorkers`, the live state progress shows, and `checkRun`, which turns
 * the options into the resolved choices (transport, seed, target URL) or a UsageError saying what
 * would work.
 */
import type { Emitted } from '../agent/sim/simulator.js';
import type { Scenario } from '../agent/scenario/schema.js';
import type { Endpoint } from '../broker/endpoint.js';
import type { Clock } from '../core/clock.js';
import type { TimelinePoint } from '../drive/metrics.js';
import { UsageError } from '../protocol/errors.js';
import { checkSize } from './size-check.js';
import type { RunAuth } from '../transport/credentials.js';
import type { NetworkRun } from './network-step.js';
import type { WorkerBaseline } from './read-baseline.js';
import { TRANSPORTS, targetUrl, type TransportFlags, type TransportKind } from '../transport/kinds/kinds.js';
import { transportOptions } from '../transport/registry.js';

export interface RunOptions {
  /** Resolved scenario auth (transport/credentials.ts); resolved from the scenario when absent. */
  auth?: RunAuth;
  scenarioFile: string;
  transport?: TransportKind;
  devices?: number;
  seed?: number | string;
  /** mqtt://host:port or http://host:port of an external endpoint. */
  target?: string;
  /** Where to read tallies from for an external target (defaults to the target when it is HTTP). */
  talliesUrl?: string;
  /** A target description of the user's own service (run/run-target.ts, docs/targets.md). */
  targetFile?: string;
  /** The run id (a run namespace's suffix); made fresh when absent. */
  runId?: string;
  /** --namespace: device ids carry the run id, and the run counts only its own devices. */
  namespace?: boolean;
  /** --tally-baseline: reconcile after - before (a target that holds other data). */
  tallyBaseline?: boolean;
  /** A worker: its parent checked the tally source before any worker started. */
  sourceChecked?: boolean;
  /** A worker of a baseline run: what the parent read before any worker sent (run/read-baseline.ts). */
  baselineBefore?: WorkerBaseline;
  /** @default systemClock */
  clock?: Clock;
  /** Every event as it is sent (ground-truth hooks in tests). */
  onSend?: (e: Emitted) => void;
  /** Called once the endpoint is up, before devices start (tests use it to plant faults). */
  onEndpoint?: (endpoint: Endpoint) => void;
  /** Called once the network faults are set up, before devices start (tests read the fault proxy's counters). */
  onNetwork?: (net: NetworkRun) => void;
  /** Progress hook: called with the live state every `tickMs`. */
  onTick?: (state: LiveState) => void;
  /** @default 250 */
  tickMs?: number;
  /** Where the run logs (pino in the CLI); nothing is logged when absent. */
  logger?: RunLogger;
  /**
   * false: bare counters only (no timeline, no histograms, no flows, no progress), the baseline
   * that bench/metrics-overhead.ts compares against. @default true
   */
  instrument?: boolean;
  /** Run only shard `index` of `count` (devices whose fleet index % count === index). */
  shard?: { index: number; count: number };
  /** Do not read the endpoint's tallies: the result carries the expected tallies for a later
   * merge to reconcile once (shards, workers). */
  deferReconcile?: boolean;
  /** Another process applies the endpoint's faults (refusals, stalls, restarts): the parent of
   * `--workers`, once for every worker, or a test that arms the endpoint itself. The run's own
   * proxy then only notes a restart's moment. */
  endpointFaultsElsewhere?: boolean;
  /** Transport tuning from the command line (overrides the scenario's `load`). */
  transportFlags?: TransportFlags;
  /** Overrides the scenario's maxInFlight. */
  maxInFlight?: number;
  /** Stops the run from outside (a signal, --duration): no new events, in flight settles, the result covers what was sent. */
  signal?: AbortSignal;
  /** After `signal`, the longest wait for events in flight. @default 10000 */
  settleMs?: number;
  /** Nothing acknowledged (or refused) for this long with events in flight: the run gives up (docs/report.md).
   * Tests set it in ms; users set the scenario's giveUpAfter or --give-up-after. @default scenario.giveUpAfter */
  stallMs?: number;
  /** Every timeline point as its second closes (streaming outputs). */
  onPoint?: (p: TimelinePoint) => void;
}

/** The logging calls a run makes (a pino logger fits). */
export interface RunLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** What live progress shows: plain numbers, so workers send theirs over IPC as they are. */
export interface LiveState {
  /** Events the scenario had due, and those handed to the transport (drive/metrics.ts). */
  offered: number;
  sent: number;
  /** Events the transport sent again (HTTP retries, MQTT resends after a reconnect). */
  retried: number;
  acked: number;
  failed: number;
  connections: number;
  /** Devices that have come online (simulated time reached their arrival) and are not done, less
   * those whose link to the target is down now. */
  devicesOnline: number;
  /** Devices whose link to the target is down now, and how long the outage has lasted (ms). */
  devicesDown?: number;
  downForMs?: number;
  devicesDone: number;
  devicesTotal: number;
  installsDone: number;
  installsTotal: number;
  /** Installations with steps still to send. */
  remaining: number;
  /** Wall ms since devices started. */
  elapsedMs: number;
  /** Simulated ms since the scenario start, of the latest event sent. */
  simElapsedMs: number;
  /** Ack p99 of the last full second, ms (0 before the first); workers' progress takes the worst. */
  p99Ms: number;
  /** Events sent and not yet settled, and the in-flight window's size now. */
  inFlight?: number;
  window?: number;
  /** Why the latest failed event failed. */
  lastError?: string | undefined;
}

/** The choices a run makes from its options and scenario, checked. */
export interface RunPlan {
  transport: TransportKind;
  seed: number | string;
  /** The external target, parsed; undefined for the embedded endpoint. */
  target: URL | undefined;
}

/** Checks the options before anything starts; `workers` when the run is split over processes;
 * `perDeviceIdentity` when the target's TLS gives each device its own client certificate. */
export function checkRun(scenario: Scenario, opts: RunOptions, workers?: number, perDeviceIdentity = false): RunPlan {
  const transport = opts.transport ?? scenario.transport;
  if (workers !== undefined && opts.shard)
    throw new UsageError(
      '--workers and --shard go together only as separate runs: shard across machines with --shard, within one with --workers.',
    );
  if (workers !== undefined && TRANSPORTS[transport].inProcess)
    throw new UsageError(
      `--transport ${transport} delivers to the embedded endpoint inside one process, so it cannot be split over --workers ${workers}: drop --workers, or use mqtt or http.`,
    );
  const target = opts.target ? targetUrl(transport, opts.target) : undefined;
  // the options as the transport will take them: the scenario's variant, the old load.mqtt, the flags
  const options = transportOptions(transport, scenario, opts.transportFlags) as {
    sharedConnections?: number;
    client?: 'lean' | 'mqtt.js';
  };
  checkSize(scenario, {
    transport,
    workers: workers ?? 1,
    shardCount: opts.shard?.count ?? 1,
    embedded: target === undefined,
    ...(opts.devices !== undefined ? { devices: opts.devices } : {}),
    ...(options.sharedConnections !== undefined ? { sharedConnections: options.sharedConnections } : {}),
    ...(options.client ? { mqttClient: options.client } : {}),
    ...(perDeviceIdentity ? { perDeviceIdentity } : {}),
  });
  return { transport, seed: opts.seed ?? scenario.seed, target };
}
