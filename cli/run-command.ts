import { loadScenario } from '../agent/scenario/load.js';
import { runScenario } from '../agent/runner.js';
import { UsageError } from '../protocol/errors.js';
import { ansi, plain, renderSummary } from '../reports/summary.js';
import { defaultRunDir, writeReports } from '../reports/write.js';
import { createProgress } from './progress.js';
import { parseSeedFlag } from './seed.js';
import { runScaled, scaleRunOptions, type ScaleArgs } from './scale-options.js';

export interface RunCommandArgs {
  scenario: string;
  transport?: 'mqtt' | 'http';
  devices?: number;
  seed?: string;
  out?: string;
  target?: string;
  talliesUrl?: string;
  quiet: boolean;
  /** Scale flags (issue 6): shard, workers, transport tuning. */
  scale?: ScaleArgs;
}

export async function runCommand(a: RunCommandArgs): Promise<number> {
  if (a.devices !== undefined && (!Number.isInteger(a.devices) || a.devices < 1)) {
    throw new UsageError(`--devices ${a.devices} is not a whole number of devices >= 1.`);
  }
  const scenario = loadScenario(a.scenario);
  const progress = createProgress(process.stderr, { quiet: a.quiet });
  const started = new Date();
  let result;
  try {
    result = await runScaled(scenario, {
      scenarioFile: a.scenario,
      ...(a.transport ? { transport: a.transport } : {}),
      ...(a.devices !== undefined ? { devices: a.devices } : {}),
      ...(a.seed !== undefined ? { seed: parseSeedFlag(a.seed)! } : {}),
      ...(a.target ? { target: a.target } : {}),
      ...(a.talliesUrl ? { talliesUrl: a.talliesUrl } : {}),
      onTick: (s) => progress.tick(s),
      ...scaleRunOptions(a.scale),
    }, a.scale);
  } finally {
    progress.end();
  }
  const dir = a.out ?? defaultRunDir('out', scenario.name, started);
  const files = writeReports(dir, result);
  process.stdout.write(renderSummary(result, process.stdout.isTTY ? ansi : plain) + '\n');
  process.stdout.write(`\nreport: ${files.json}\n`);
  // A shard leaves reconciliation to `fleetsim merge` (unchecked is not a mismatch): it passes
  // when its thresholds do, by default when every event was acknowledged.
  return result.exitCode;
}
