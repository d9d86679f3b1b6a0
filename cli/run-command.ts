import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type Level } from 'pino';
import { loadScenario } from '../agent/scenario/load.js';
import { scenarioNotices } from '../agent/scenario/notices.js';
import { faultsPastDuration } from '../run/fault-not-injected.js';
import { UsageError } from '../protocol/errors.js';
import { systemClock } from '../core/clock.js';
import type { TransportKind } from '../transport/kinds/kinds.js';
import { ansi, plain, renderSummary } from '../reports/summary.js';
import { defaultRunDir, writeReports } from './write-reports.js';
import { baselineOption } from './report-command.js';
import {
  durationMs,
  loadOverrides,
  openOutputs,
  stopControl,
  type LoadFlags,
  type OutputFlags,
} from './run-controls.js';
import { loadBaselineFile } from '../run/baseline-file.js';
import { refuseK6Out } from '../run/outputs/stream-files.js';
import { createProgress } from './progress.js';
import { parseSeedFlag } from './seed.js';
import { runScaled, scaleRunOptions, type ScaleArgs } from './scale-options.js';

export interface RunCommandArgs {
  scenario: string;
  transport?: TransportKind;
  devices?: number;
  seed?: string;
  out?: string;
  target?: string;
  targetFile?: string;
  runId?: string;
  namespace?: boolean;
  tallyBaseline?: boolean;
  /** A baseline read earlier (fleetsim tally-baseline), for --shard runs that share it. */
  tallyBaselineFile?: string;
  talliesUrl?: string;
  /** No live progress. */
  quiet: boolean;
  /** pino level of <run folder>/fleetsim.log. @default "info" */
  logLevel?: Level | 'silent';
  /** A baseline report.json (or run folder) for report.html's "Against the baseline". */
  baseline?: string;
  /** --time-scale, --rate, --ramp (scenario values from the command line or FLEETSIM_*). */
  load?: LoadFlags;
  /** --duration: stop sending after this much wall time, settle, report. */
  duration?: string;
  /** Streaming outputs: --jsonl, --jsonl-events, --csv, --metrics-port, --otlp, --prom-remote-write. */
  outputs?: OutputFlags;
  /** Scale flags: shard, workers, transport tuning. */
  scale?: ScaleArgs;
}

export async function runCommand(a: RunCommandArgs): Promise<number> {
  if (a.devices !== undefined && (!Number.isInteger(a.devices) || a.devices < 1)) {
    throw new UsageError(`--devices ${a.devices} is not a whole number of devices >= 1.`);
  }
  refuseK6Out(a.out);
  const scenario = loadScenario(a.scenario, { set: loadOverrides(a.load ?? {}) });
  for (const n of scenarioNotices(scenario)) process.stderr.write(`fleetsim: warning: ${n}\n`);
  // read before the run, so a wrong path costs nothing
  const html = baselineOption(a.baseline);
  const heldBefore = a.tallyBaselineFile ? loadBaselineFile(a.tallyBaselineFile, scenario) : undefined;
  const limit = durationMs(a.duration);
  for (const n of faultsPastDuration(scenario, limit)) process.stderr.write(`fleetsim: warning: ${n}\n`);
  const started = new Date(systemClock.now());
  const dir = a.out ?? defaultRunDir('out', scenario.name, started);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new UsageError(
      `Cannot create the run folder ${dir}: ${(err as Error).message}. Pass --out with a folder you can write.`,
    );
  }
  // Synchronous writes: a few lines a second at most, and nothing is lost when the process exits.
  const logFile = join(dir, 'fleetsim.log');
  const logger = pino({ level: a.logLevel ?? 'info' }, pino.destination({ dest: logFile, sync: true }));
  const progress = createProgress(process.stderr, { quiet: a.quiet, scenario: scenario.name });
  logger.info(
    {
      scenario: scenario.name,
      file: a.scenario,
      transport: a.transport ?? scenario.transport,
      target: a.targetFile ? `target file ${a.targetFile}` : (a.target ?? 'embedded'),
      devices: a.devices,
      seed: a.seed ?? scenario.seed,
      workers: a.scale?.shard ? 1 : a.scale?.workers,
      shard: a.scale?.shard,
    },
    'run starting',
  );
  const shardTag = a.scale?.shard ? `${a.scale.shard.index + 1}/${a.scale.shard.count}` : 'all';
  const outputs = await openOutputs(a.outputs ?? {}, { scenario: scenario.name, shard: shardTag });
  if (outputs.metricsUrl) process.stderr.write(`fleetsim: run metrics at ${outputs.metricsUrl}\n`);
  if (outputs.otlpTarget) process.stderr.write(`fleetsim: pushing run metrics to ${outputs.otlpTarget} (OTLP)\n`);
  if (outputs.remoteWriteTarget)
    process.stderr.write(`fleetsim: pushing run metrics to ${outputs.remoteWriteTarget} (Prometheus remote write)\n`);
  const stop = stopControl({
    ...(limit !== undefined ? { durationMs: limit } : {}),
    say: (line) => {
      progress.end();
      process.stderr.write(`${line}\n`);
      logger.warn({}, line);
    },
  });
  let result;
  try {
    result = await runScaled(
      scenario,
      {
        scenarioFile: a.scenario,
        ...(a.transport ? { transport: a.transport } : {}),
        ...(a.devices !== undefined ? { devices: a.devices } : {}),
        ...(a.seed !== undefined ? { seed: parseSeedFlag(a.seed)! } : {}),
        ...(a.target ? { target: a.target } : {}),
        ...(a.targetFile ? { targetFile: a.targetFile } : {}),
        ...(a.runId ? { runId: a.runId } : {}),
        ...(a.namespace ? { namespace: true } : {}),
        ...(a.tallyBaseline || a.tallyBaselineFile ? { tallyBaseline: true } : {}),
        ...(heldBefore ? { baselineBefore: heldBefore } : {}),
        ...(a.talliesUrl ? { talliesUrl: a.talliesUrl } : {}),
        onTick: (s) => {
          progress.tick(s);
          outputs.onTick(s);
        },
        ...(outputs.onPoint ? { onPoint: outputs.onPoint } : {}),
        // the embedded endpoint's live page (charts, per-app funnel) is open while the run lasts
        ...(a.quiet
          ? {}
          : { onEndpoint: (ep) => process.stderr.write(`fleetsim: live page ${ep.httpUrl}/ while the run lasts\n`) }),
        signal: stop.signal,
        logger,
        ...scaleRunOptions(a.scale),
      },
      a.scale,
    );
  } catch (err) {
    logger.error({ err }, 'run failed');
    await outputs.close({ error: (err as Error).message });
    throw err;
  } finally {
    progress.end();
    stop.dispose();
  }
  await outputs.close({
    verdict: result.verdict,
    exitCode: result.exitCode,
    events: result.events,
    devices: result.devices,
    ...(result.aborted ? { aborted: result.aborted } : {}),
  });
  logger.info(
    {
      verdict: result.verdict,
      exitCode: result.exitCode,
      parts: result.parts,
      events: result.events,
      eventsPerSec: result.throughput.eventsPerSec,
      ackP99: result.latency.ack.p99,
      differences: result.reconciliation.differences.length,
      failedThresholds: result.thresholds.filter((t) => !t.passed).map((t) => t.check),
    },
    'run finished',
  );
  const files = writeReports(dir, result, html);
  process.stdout.write(`${renderSummary(result, process.stdout.isTTY ? ansi : plain)}\n`);
  if (result.runId) process.stdout.write(`\nrun id: ${result.runId}`);
  process.stdout.write(`\nreport: ${files.json} (also summary.md, report.html, junit.xml, fleetsim.log in ${dir})\n`);
  // A shard leaves reconciliation to `fleetsim merge` (unchecked is not a mismatch): it passes
  // when its thresholds do, by default when every event was acknowledged.
  return stop.exitFor(result);
}
