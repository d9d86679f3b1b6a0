/** `fleetsim reconcile <report>`: a finished run reconciled again, later, against the target's counts. */
import { reconcileCommand } from '../reconcile-command.js';
import { defineCommand } from './command.js';

export const reconcileModule = defineCommand({
  command: 'reconcile <report>',
  describe:
    "reconcile a finished run again, later, against the target's counts (its report.json keeps the expected tallies)",
  builder: (y) =>
    y
      .positional('report', { type: 'string', describe: 'report.json of the run (or its folder)', demandOption: true })
      .option('target-file', {
        type: 'string',
        describe:
          "the target description (its tally source reads the counts; default: the one the run was given, else the scenario's target:, else the run's fleetsim API)",
      })
      .option('scenario', {
        type: 'string',
        describe:
          "the run's scenario file, for its target: and to simulate its ground truth again for the device-by-device check (default: the report's)",
      })
      .option('tallies-url', {
        type: 'string',
        describe: 'a fleetsim tallies API (http://host:port of fleetsim serve)',
      })
      .option('run-id', { type: 'string', describe: "the run id of {runId} in queries (default: the report's)" })
      .option('settle', {
        type: 'string',
        describe: 'read again until consistent for at most this long (default: one read)',
      })
      .option('out', {
        type: 'string',
        describe: "folder for the reconciled report (default: <the report's folder>/reconciled)",
      }),
  handler: (a) =>
    reconcileCommand({
      report: a.report as string,
      targetFile: a['target-file'],
      talliesUrl: a['tallies-url'],
      runId: a['run-id'],
      scenario: a.scenario,
      settle: a.settle,
      out: a.out,
    }),
});
