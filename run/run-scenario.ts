/**
 * Runs one scenario end to end: starts the embedded endpoint (unless a target is given), builds
 * the fleet, drives it through the transport, reads the endpoint's tallies and reconciles them
 * with device ground truth, and returns the result.
 */
import { hostname, cpus } from 'node:os';
import { request } from 'undici';
import { startEndpoint, type Endpoint } from '../broker/endpoint.js';
import { TargetUnreachableError } from '../protocol/errors.js';
import { VERSION } from '../protocol/version.js';
import type { AppTallies } from '../protocol/tally.js';
import { talliesPath } from '../protocol/topics.js';
import { coverageOf } from '../result/coverage.js';
import { reconcileDevices } from '../reconcile/devices.js';
import { readEndToEnd } from '../endpoint-client/stats.js';
import { buildFleet } from '../agent/fleet/fleet.js';
import { FlowCounter, lifecycleDurations } from '../drive/lifecycle-metrics.js';
import { peakPerSec } from '../result/merge.js';
import { BareMetrics, RunMetrics, summarise } from '../drive/metrics.js';
import { expectedTallies, reconcile, type Reconciliation } from '../reconcile/reconcile.js';
import { RESULT_SCHEMA, verdictOf, type RunResult } from '../result/result.js';
import { checkThresholds, liveFailures, type ThresholdResult } from '../result/thresholds.js';
import { thresholdsOf } from '../agent/scenario/thresholds.js';
import { drive } from '../drive/drive.js';
import { systemClock, type Clock, type TimerHandle } from '../core/clock.js';
import type { Scenario } from '../agent/scenario/schema.js';
import { Simulator, type Emitted } from '../agent/sim/simulator.js';
import { createTransport, type TransportFlags } from '../transport/registry.js';
import { resolveAuth, type RunAuth } from '../transport/credentials.js';
import { endpointAuth } from './endpoint-auth.js';
import { deferredReconciliation, driveLoadOptions } from './scale.js';
import type { Transport } from '../transport/types.js';
import { TRANSPORTS, talliesAtTarget, targetUrl as checkTarget, type TransportKind } from '../transport/kinds/kinds.js';

/** Why a run against an external MQTT broker without --tallies-url cannot reconcile. */
export const NO_TALLIES_REASON = 'the external MQTT target has no tallies API; pass --tallies-url to reconcile';

export interface RunOptions {
  /** Resolved scenario auth (agent/auth.ts); resolved here from the scenario when absent. */
  auth?: RunAuth;
  scenarioFile: string;
  transport?: TransportKind;
  devices?: number;
  seed?: number | string;
  /** mqtt://host:port or http://host:port of an external endpoint. */
  target?: string;
  /** Where to read tallies from for an external target (defaults to the target when it is HTTP). */
  talliesUrl?: string;
  /** @default systemClock */
  clock?: Clock;
  onSend?: (e: Emitted) => void;
  /** Called once the endpoint is up, before devices start (tests use it to plant faults). */
  onEndpoint?: (endpoint: Endpoint) => void;
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
  // --- scale ---
  /** Run only shard `index` of `count` (devices whose fleet index % count === index). */
  shard?: { index: number; count: number };
  /** Do not read the endpoint's tallies: the result carries the expected tallies for a later
   * merge to reconcile once (shards, workers). */
  deferReconcile?: boolean;
  /** Transport tuning from the command line (overrides the scenario's `load`). */
  transportFlags?: TransportFlags;
  /** Overrides the scenario's maxInFlight. */
  maxInFlight?: number;
  // --- end scale ---
}

/** The logging calls the runner makes (a pino logger fits). */
export interface RunLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** What live progress shows. */
export interface LiveState {
  sim: Simulator;
  metrics: RunMetrics;
  sent: number;
  acked: number;
  failed: number;
  connections: number;
  /** Devices that have come online (simulated time reached their arrival) and are not done. */
  devicesOnline: number;
  devicesDone: number;
  devicesTotal: number;
  installsDone: number;
  installsTotal: number;
  /** Wall ms since devices started. */
  elapsedMs: number;
  /** Simulated ms since the scenario start, of the latest event sent. */
  simElapsedMs: number;
  /** Ack p99 of the last full second, ms (0 before the first); workers' progress takes the worst. */
  p99Ms: number;
}

/** Number of sorted values <= x. */
function countUpTo(sorted: Float64Array, x: number): number {
  let lo = 0,
    hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export async function fetchTallies(baseUrl: string, appIds: string[]): Promise<AppTallies[]> {
  const out: AppTallies[] = [];
  for (const id of appIds) {
    const res = await request(new URL(talliesPath(id), baseUrl));
    if (res.statusCode !== 200) {
      const body = await res.body.text();
      throw new Error(`GET ${talliesPath(id)} answered ${res.statusCode}: ${body.slice(0, 200)}`);
    }
    out.push((await res.body.json()) as AppTallies);
  }
  return out;
}

export async function runScenario(scenario: Scenario, opts: RunOptions): Promise<RunResult> {
  const transportKind = opts.transport ?? scenario.transport;
  const seed = opts.seed ?? scenario.seed;
  const clock = opts.clock ?? systemClock;
  const startedAt = new Date(clock.now());

  const auth = opts.auth ?? resolveAuth(scenario, Boolean(opts.target));
  let endpoint: Endpoint | undefined;
  let targetUrl: string;
  let talliesUrl: string | undefined;
  if (opts.target) {
    const u = checkTarget(transportKind, opts.target);
    targetUrl = opts.target;
    talliesUrl = opts.talliesUrl ?? talliesAtTarget(transportKind, u);
  } else {
    endpoint = await startEndpoint(auth ? { auth: endpointAuth(auth) } : {});
    opts.onEndpoint?.(endpoint);
    targetUrl = TRANSPORTS[transportKind].embeddedTarget(endpoint);
    talliesUrl = endpoint.httpUrl;
  }

  const transport: Transport = createTransport(transportKind, targetUrl, scenario, opts.transportFlags, auth);

  try {
    await transport.preflight();
    const fleet = buildFleet(scenario, {
      seed,
      ...(opts.devices !== undefined ? { devices: opts.devices } : {}),
      ...(opts.shard ? { shard: opts.shard } : {}),
    });
    const simStartMs = Date.parse(scenario.startTime);
    const sim = new Simulator(fleet, { startMs: simStartMs, seed });

    const instrument = opts.instrument ?? true;
    const metrics = instrument ? new RunMetrics() : new BareMetrics();
    const thresholds = thresholdsOf(scenario.thresholds);
    const flows = new FlowCounter(sim.installCount);
    const log = opts.logger;
    const arrivals = Float64Array.from(fleet.devices.map((d) => d.arrivalMs)).sort();
    let devicesDone = 0;
    let simNow = simStartMs;
    let aborted: { at: string; reason: string; failures: ThresholdResult[] } | undefined;
    // An abortOnFail threshold stops the run by ending the simulator's supply of steps: drive()
    // then settles what is in flight and returns; ground truth covers exactly what was sent.
    const nextTime = sim.nextTime.bind(sim);
    sim.nextTime = () => (aborted ? undefined : nextTime());
    const onSend = (e: Emitted) => {
      flows.record(e);
      simNow = e.step.at;
      if (e.deviceDone) devicesDone++;
      opts.onSend?.(e);
    };
    log?.info(
      {
        scenario: scenario.name,
        devices: fleet.devices.length,
        installations: sim.installCount,
        transport: transportKind,
        target: targetUrl,
        seed,
        thresholds: thresholds.map((t) => t.check),
      },
      'fleet built, devices starting',
    );

    const wallStart = clock.now();
    metrics.start(wallStart);
    let lastLoggedError: string | undefined;
    const second = () => {
      const now = clock.now();
      metrics.retried = transport.stats().retries;
      const point = metrics.sample(now);
      if (point) log?.debug({ point: { ...point, ack: undefined } }, 'second');
      if (metrics.lastError !== lastLoggedError) {
        lastLoggedError = metrics.lastError;
        log?.warn({ failed: metrics.failed, error: metrics.lastError }, 'events failing');
      }
      if (!aborted && thresholds.some((t) => t.abortOnFail)) {
        const failures = liveFailures(thresholds, {
          events: metrics,
          durationMs: now - metrics.firstSendAt,
          ack: metrics.ack,
          points: metrics.timeline,
        });
        if (failures.length) {
          aborted = {
            at: new Date(now).toISOString(),
            reason: `threshold ${failures.map((f) => `"${f.check}" (observed ${f.observed})`).join(', ')} failed`,
            failures,
          };
          log?.warn(
            { failures: failures.map((f) => ({ check: f.check, observed: f.observed })) },
            'aborting: an abortOnFail threshold failed',
          );
        }
      }
      secondTimer = clock.setTimeout(second, 1000 - (clock.now() % 1000));
    };
    let secondTimer = instrument ? clock.setTimeout(second, 1000 - (wallStart % 1000)) : undefined;
    let tick: TimerHandle | undefined;
    if (opts.onTick && instrument) {
      const installsTotal = sim.installCount;
      tick = clock.setInterval(() => {
        metrics.flush();
        const online = countUpTo(arrivals, simNow - simStartMs);
        opts.onTick!({
          sim,
          metrics,
          sent: metrics.sent,
          acked: metrics.acked,
          failed: metrics.failed,
          connections: transport.connections(),
          devicesOnline: Math.max(0, online - devicesDone),
          devicesDone,
          devicesTotal: fleet.devices.length,
          installsDone: installsTotal - sim.remaining,
          installsTotal,
          elapsedMs: clock.now() - wallStart,
          simElapsedMs: simNow - simStartMs,
          p99Ms: metrics.lastP99,
        });
      }, opts.tickMs ?? 250);
    }
    try {
      await drive(
        sim,
        transport,
        {
          timeScale: scenario.timeScale,
          maxInFlight: opts.maxInFlight ?? scenario.maxInFlight,
          simStartMs,
          ...driveLoadOptions(scenario, fleet, simStartMs),
          clock,
          ...(instrument ? { onSend } : opts.onSend ? { onSend: opts.onSend } : {}),
        },
        metrics,
      );
    } finally {
      clock.clearInterval(tick);
      if (secondTimer !== undefined) clock.clearTimeout(secondTimer);
    }
    metrics.retried = transport.stats().retries;
    if (instrument) {
      const last = metrics.sample(clock.now(), true);
      if (last) log?.debug({ point: { ...last, ack: undefined } }, 'second');
    }
    await transport.close();
    const endWall = clock.now();

    const expected = expectedTallies(sim.installs);
    const appIds = [...new Set(scenario.apps.map((a) => a.id))].sort();
    let reconciliation: Reconciliation;
    if (opts.deferReconcile) {
      reconciliation = deferredReconciliation(
        appIds.map((id) => expected.get(id)),
        opts.shard,
      );
    } else if (!talliesUrl) {
      reconciliation = { checked: false, match: false, reason: NO_TALLIES_REASON, apps: [], differences: [] };
    } else {
      let counted: AppTallies[];
      try {
        counted = await fetchTallies(talliesUrl, appIds);
      } catch (err) {
        throw new TargetUnreachableError(`Cannot read tallies from ${talliesUrl}: ${(err as Error).message}`);
      }
      reconciliation = reconcile(
        appIds.map((id) => expected.get(id)),
        counted,
      );
    }
    if (talliesUrl && instrument) {
      // Device by device too: a shard checks its own devices, final once its events are acked.
      const devices = await reconcileDevices(talliesUrl, appIds, sim.installs);
      reconciliation.devices = devices;
      if (devices.checked && devices.differing > 0 && reconciliation.checked) reconciliation.match = false;
    }
    const e2e = talliesUrl ? await readEndToEnd(talliesUrl) : 'no tallies/stats API to read it from';

    const byPlatform: Record<string, number> = {};
    for (const d of fleet.devices) byPlatform[d.platform] = (byPlatform[d.platform] ?? 0) + 1;
    const durationMs = metrics.sent
      ? Math.max(1, (metrics.acked ? metrics.lastAckAt : endWall) - metrics.firstSendAt)
      : 0;
    const events = {
      offered: metrics.offered,
      sent: metrics.sent,
      acked: metrics.acked,
      failed: metrics.failed,
      retried: metrics.retried,
      ...(metrics.lastError ? { lastError: metrics.lastError } : {}),
    };
    const checked = checkThresholds(thresholds, {
      events,
      durationMs,
      ack: metrics.ack,
      points: metrics.timeline,
      reconciliation,
      ...(typeof e2e === 'string' ? {} : { e2e: e2e.histogram }),
    });
    // A threshold that aborted the run failed, whatever the figures say once settled.
    for (const f of aborted?.failures ?? []) {
      const r = checked.find((c) => c.check === f.check);
      if (r?.passed) Object.assign(r, { passed: false, observed: f.observed, detail: f.detail });
    }
    const result: RunResult = {
      schema: RESULT_SCHEMA,
      ...verdictOf(reconciliation, checked),
      scenario: {
        name: scenario.name,
        file: opts.scenarioFile,
        ...(scenario.description ? { description: scenario.description } : {}),
      },
      seed,
      transport: transportKind,
      target: { kind: endpoint ? 'embedded' : 'external', url: targetUrl },
      timeScale: scenario.timeScale,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date(clock.now()).toISOString(),
      durationMs: Math.round(durationMs),
      window: {
        firstSendAt: Math.round(metrics.firstSendAt),
        lastSettledAt: metrics.sent ? Math.round(metrics.firstSendAt + durationMs) : 0,
      },
      parts: 1,
      environment: {
        node: process.version,
        platform: process.platform,
        arch: process.arch,
        cpus: cpus().length,
        hostname: hostname(),
        fleetsim: VERSION,
      },
      devices: { total: fleet.devices.length, byPlatform, installations: sim.installs.length },
      events,
      throughput: {
        eventsPerSec: durationMs ? Math.round((metrics.acked / durationMs) * 1000 * 10) / 10 : 0,
        peakPerSec: peakPerSec(metrics.timeline),
      },
      latency: {
        ack: summarise(metrics.ack),
        endToEnd: typeof e2e === 'string' ? null : summarise(e2e.histogram),
        endToEndSource: typeof e2e === 'string' ? e2e : e2e.source,
      },
      lifecycle: { durations: lifecycleDurations(sim.installs, simStartMs), flows: flows.toLinks(sim.installs) },
      timeline: { intervalMs: 1000, points: metrics.timeline },
      reconciliation,
      coverage: coverageOf(sim),
      thresholds: checked,
      ...(aborted ? { aborted: { at: aborted.at, reason: aborted.reason } } : {}),
      ...(opts.shard ? { shard: opts.shard } : {}),
    };
    log?.info(
      {
        shard: opts.shard,
        verdict: result.verdict,
        events,
        eventsPerSec: result.throughput.eventsPerSec,
        ackP99: result.latency.ack.p99,
        differences: reconciliation.differences.length,
        failedThresholds: checked.filter((t) => !t.passed).map((t) => t.check),
      },
      'devices finished',
    );
    return result;
  } finally {
    await transport.close().catch(() => undefined);
    await endpoint?.close();
  }
}
