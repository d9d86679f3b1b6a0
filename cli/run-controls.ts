/**
 * What a run takes from the command line beside the scenario: load overrides (--time-scale,
 * --rate, --ramp, FLEETSIM_* through yargs' env), the stop (Ctrl-C / SIGTERM: first stops
 * sending and settles, second exits at once; --duration stops the same way) and the streaming
 * outputs (--jsonl, --csv, --metrics-port, --otlp, --prom-remote-write).
 */
import { type Clock, systemClock } from '../core/clock.js';
import { parseDuration } from '../core/delay.js';
import type { ScenarioOverride } from '../agent/scenario/load.js';
import { decodeHistogram, type Histogram, newLatencyHistogram, type TimelinePoint } from '../drive/metrics.js';
import { UsageError } from '../protocol/errors.js';
import type { LiveState } from '../run/run-scenario.js';
import { OtlpPush } from '../run/outputs/otlp.js';
import { RunMetricsEndpoint } from '../run/outputs/prometheus.js';
import { RemoteWrite } from '../run/outputs/remote-write.js';
import type { RunFigures } from '../run/outputs/run-figures.js';
import { StreamFiles } from '../run/outputs/stream-files.js';

export interface LoadFlags {
  timeScale?: string;
  rate?: string;
  ramp?: string;
  giveUpAfter?: string;
}

/** --time-scale, --rate, --ramp and --give-up-after as scenario values, validated with the scenario. */
export function loadOverrides(f: LoadFlags): ScenarioOverride[] {
  const out: ScenarioOverride[] = [];
  if (f.timeScale !== undefined) {
    const v = f.timeScale === 'asap' ? 'asap' : Number(f.timeScale);
    if (v !== 'asap' && !(Number.isFinite(v) && v > 0))
      throw new UsageError(
        `--time-scale "${f.timeScale}" is not a time scale; expected "asap" or simulated seconds per real second, e.g. 600.`,
      );
    out.push({ path: ['timeScale'], value: v, from: '--time-scale' });
  }
  if (f.rate !== undefined) {
    const v = Number(String(f.rate).replace(/\/s$/, ''));
    if (!(Number.isFinite(v) && v > 0))
      throw new UsageError(`--rate "${f.rate}" is not a rate; expected events per second, e.g. --rate 2000.`);
    out.push({ path: ['load', 'rate'], value: v, from: '--rate' });
  }
  if (f.ramp !== undefined) {
    if (parseDuration(f.ramp) === undefined)
      throw new UsageError(`--ramp "${f.ramp}" is not a duration; expected e.g. 30s, 10m, 0s (every device at once).`);
    out.push({ path: ['load', 'rampUp'], value: f.ramp, from: '--ramp' });
  }
  if (f.giveUpAfter !== undefined) {
    if (parseDuration(f.giveUpAfter) === undefined)
      throw new UsageError(
        `--give-up-after "${f.giveUpAfter}" is not a duration; expected wall time such as 30s, 5m or 1h.`,
      );
    out.push({ path: ['giveUpAfter'], value: f.giveUpAfter, from: '--give-up-after' });
  }
  return out;
}

export function durationMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0)
    throw new UsageError(`--duration "${text}" is not a duration; expected wall time such as 90s, 5m or 1h.`);
  return ms;
}

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * The run's stop: the first SIGINT/SIGTERM aborts (no new events, in flight settles, reports
 * are written, marked aborted), a second exits at once; --duration aborts when it runs out.
 */
export function stopControl(o: { durationMs?: number; say: (line: string) => void; clock?: Clock }) {
  const clock = o.clock ?? systemClock;
  const controller = new AbortController();
  let signal: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    if (signal) {
      o.say(`fleetsim: second ${sig}: exiting at once (no report).`);
      process.exit(SIGNAL_EXIT[sig] ?? 130);
    }
    signal = sig;
    o.say(
      `fleetsim: ${sig}: stopping; in-flight events settle, then the reports are written (${sig} again to exit at once).`,
    );
    controller.abort({ by: 'signal', reason: `stopped by ${sig}: no new events after it; what was in flight settled` });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const timer =
    o.durationMs !== undefined
      ? clock.setTimeout(
          () =>
            controller.abort({
              by: 'duration',
              reason: `--duration ${Math.round(o.durationMs! / 1000)}s reached: no new events after it; what was in flight settled`,
            }),
          o.durationMs,
        )
      : undefined;
  timer?.unref();
  return {
    signal: controller.signal,
    /** The exit code of a run the signal stopped and that otherwise passed; else the verdict's. */
    exitFor(result: { exitCode: number; aborted?: { by?: string } }): number {
      return signal && result.aborted?.by === 'signal' && result.exitCode === 0
        ? (SIGNAL_EXIT[signal] ?? 130)
        : result.exitCode;
    },
    dispose(): void {
      clock.clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

export interface OutputFlags {
  jsonl?: string;
  jsonlEvents?: boolean;
  csv?: string;
  metricsPort?: number;
  metricsHost?: string;
  /** A collector's OTLP/HTTP metrics URL, and how often to push (default 10s). */
  otlp?: string;
  otlpInterval?: string;
  /** A Prometheus remote-write URL, how often to push (default 10s), and `Name: value` headers. */
  promRemoteWrite?: string;
  promRemoteWriteInterval?: string;
  promRemoteWriteHeaders?: string[];
}

/** The streaming outputs the flags ask for, opened (a bad path or a busy port fails before the run). */
export async function openOutputs(f: OutputFlags, tags: Record<string, string>) {
  if (f.jsonlEvents && !f.jsonl) throw new UsageError('--jsonl-events needs --jsonl <file> to write the events to.');
  const files = f.jsonl || f.csv ? new StreamFiles({ ...f, events: f.jsonlEvents ?? false, tags }) : undefined;
  await files?.opened();
  let state: LiveState | undefined;
  // The whole run's ack latencies for the exporters, added up from the points as their seconds
  // close: one process's or, merged second by second, the workers'.
  const ack = f.metricsPort !== undefined || f.otlp || f.promRemoteWrite ? newLatencyHistogram() : undefined;
  // The run's own final counts, once it is over: a fast run may end between two ticks, and with
  // workers the last progress can miss a worker that had not reported yet.
  let final: Partial<RunFigures> | undefined;
  const current = (): RunFigures | undefined => {
    const now = state ? figuresOf(state, ack) : undefined;
    // a run over before its first tick still has its latencies, taken from the points
    return final ? { ...(now ?? NO_FIGURES), ...(ack ? { ack } : {}), ...final } : now;
  };
  const { otlp, remoteWrite, endpoint } = exporters(f, tags, current);
  const metricsUrl = await endpoint?.start();
  otlp?.start();
  remoteWrite?.start();
  return {
    metricsUrl,
    otlpTarget: otlp?.target,
    remoteWriteTarget: remoteWrite?.target,
    files,
    onPoint:
      files || ack
        ? (p: TimelinePoint) => {
            files?.point(p);
            if (ack && p.ack) ack.add(decodeHistogram(p.ack));
          }
        : undefined,
    /** The latest live state, for scrapes. */
    onTick(s: LiveState): void {
      state = s;
    },
    async close(summary: {
      events?: Pick<RunFigures, 'offered' | 'sent' | 'acked' | 'failed' | 'retried'>;
      devices?: { total: number; installations: number };
      [k: string]: unknown;
    }): Promise<void> {
      if (summary.events) {
        const { offered, sent, acked, failed, retried } = summary.events;
        final = { offered, sent, acked, failed, retried, inFlight: 0, connections: 0, devicesOnline: 0 };
        if (summary.devices)
          Object.assign(final, { devicesTotal: summary.devices.total, installsTotal: summary.devices.installations });
      }
      endpoint?.finished();
      await Promise.all([otlp?.close(), remoteWrite?.close()]);
      await files?.close(summary);
      await endpoint?.close();
    },
  };
}

/** The metrics exporters the flags ask for (OTLP push, Prometheus remote write, a scrape endpoint),
 * built but not started; a flag without the one it qualifies is a usage error. */
function exporters(f: OutputFlags, tags: Record<string, string>, current: () => RunFigures | undefined) {
  if (f.otlpInterval !== undefined && !f.otlp) throw new UsageError('--otlp-interval needs --otlp <collector URL>.');
  const otlp = f.otlp
    ? new OtlpPush({
        url: f.otlp,
        intervalMs: pushIntervalMs('--otlp-interval', f.otlpInterval),
        labels: tags,
        figures: current,
        clock: systemClock,
        onWarn: (line) => process.stderr.write(`fleetsim: ${line}\n`),
      })
    : undefined;
  if (!f.promRemoteWrite && (f.promRemoteWriteInterval !== undefined || f.promRemoteWriteHeaders?.length))
    throw new UsageError(
      `${f.promRemoteWriteInterval !== undefined ? '--prom-remote-write-interval' : '--prom-remote-write-header'} needs --prom-remote-write <receiver URL>.`,
    );
  const remoteWrite = f.promRemoteWrite
    ? new RemoteWrite({
        url: f.promRemoteWrite,
        intervalMs: pushIntervalMs('--prom-remote-write-interval', f.promRemoteWriteInterval),
        headers: f.promRemoteWriteHeaders ?? [],
        labels: tags,
        figures: current,
        clock: systemClock,
        onWarn: (line) => process.stderr.write(`fleetsim: ${line}\n`),
      })
    : undefined;
  const endpoint =
    f.metricsPort !== undefined
      ? new RunMetricsEndpoint({
          port: f.metricsPort,
          host: f.metricsHost ?? '127.0.0.1',
          labels: tags,
          figures: current,
        })
      : undefined;
  return { otlp, remoteWrite, endpoint };
}

function pushIntervalMs(flag: string, raw: string | undefined): number {
  if (raw === undefined) return 10_000;
  const ms = parseDuration(raw);
  if (ms === undefined || !(ms >= 1000))
    throw new UsageError(`${flag} "${raw}" is not a push interval; expected a wall time of 1s or more, e.g. 10s.`);
  return ms;
}

const NO_FIGURES: RunFigures = {
  offered: 0,
  sent: 0,
  acked: 0,
  failed: 0,
  retried: 0,
  inFlight: 0,
  window: 0,
  connections: 0,
  devicesOnline: 0,
  devicesDone: 0,
  devicesTotal: 0,
  installsDone: 0,
  installsTotal: 0,
};

function figuresOf(s: LiveState, ack: Histogram | undefined): RunFigures {
  return {
    offered: s.offered,
    sent: s.sent,
    acked: s.acked,
    failed: s.failed,
    retried: s.retried,
    ...(ack ? { ack } : {}),
    inFlight: s.inFlight ?? 0,
    window: s.window ?? 0,
    connections: s.connections,
    devicesOnline: s.devicesOnline,
    devicesDone: s.devicesDone,
    devicesTotal: s.devicesTotal,
    installsDone: s.installsDone,
    installsTotal: s.installsTotal,
    ackP99Ms: s.p99Ms,
  };
}
