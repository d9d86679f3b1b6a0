/**
 * `fleetsim tally-baseline <scenario> --out baseline.json`: the target's counts (and device rows,
 * where its tally source lists devices) for the scenario's apps, read once before separate
 * `--shard` runs start, so that every shard reconciles against the same reading
 * (`run --tally-baseline-file`) and `fleetsim merge` judges after - before once. Exit 0, 3 for a
 * description or query that cannot work, 4 when the counts cannot be read.
 */
import { loadScenario } from '../agent/scenario/load.js';
import { readBaselineNow, writeBaselineFile } from '../run/baseline-file.js';
import { resolveRunTarget } from '../run/run-target.js';

export interface TallyBaselineArgs {
  scenario: string;
  out: string;
  targetFile?: string | undefined;
  target?: string | undefined;
  talliesUrl?: string | undefined;
  runId?: string | undefined;
}

export async function tallyBaselineCommand(a: TallyBaselineArgs): Promise<number> {
  const scenario = loadScenario(a.scenario);
  const rt = resolveRunTarget(scenario, {
    ...(a.targetFile ? { targetFile: a.targetFile } : {}),
    ...(a.target ? { target: a.target } : {}),
    ...(a.talliesUrl ? { talliesUrl: a.talliesUrl } : {}),
    ...(a.runId ? { runId: a.runId } : {}),
    tallyBaseline: true,
  });
  const b = await readBaselineNow(rt, scenario);
  writeBaselineFile(a.out, b);
  const rows = b.rows ? b.rows.reduce((n, [, r]) => n + r.length, 0) : undefined;
  process.stdout.write(
    `baseline of ${b.target} for ${b.appIds.join(', ')}: ${b.pairs.toLocaleString('en-US')} (device, app) pairs held${rows === undefined ? ' (the tally source lists no devices: every pair a run sends is assumed new)' : `, ${rows.toLocaleString('en-US')} device rows`}, read at ${b.readAt}\n` +
      `written to ${a.out}: give every shard --tally-baseline-file ${a.out}, then fleetsim merge their reports\n`,
  );
  return 0;
}
