/** `fleetsim tally-baseline <scenario>`: a target's counts read once, for separate --shard runs to share. */
import { tallyBaselineCommand } from '../tally-baseline-command.js';
import { defineCommand } from './command.js';

export const tallyBaselineModule = defineCommand({
  command: 'tally-baseline <scenario>',
  describe: "read a target's counts once, before separate --shard runs that reconcile after - before against them",
  builder: (y) =>
    y
      .positional('scenario', { type: 'string', describe: 'the scenario the shards will run', demandOption: true })
      .option('out', { type: 'string', describe: 'the baseline file to write', demandOption: true })
      .option('target-file', { type: 'string', describe: 'the target description (its tally source reads the counts)' })
      .option('target', { type: 'string', describe: 'an external endpoint (with --tallies-url for fleetsim serve)' })
      .option('tallies-url', {
        type: 'string',
        describe: 'a fleetsim tallies API (http://host:port of fleetsim serve)',
      })
      .option('run-id', { type: 'string', describe: 'the {runId} of tally URLs and queries' })
      .example(
        '$0 tally-baseline fleet.yaml --target-file staging.yaml --out baseline.json',
        'then: run --shard i/N --tally-baseline-file baseline.json on each machine, and merge',
      ),
  handler: (a) =>
    tallyBaselineCommand({
      scenario: a.scenario as string,
      out: a.out,
      targetFile: a['target-file'],
      target: a.target,
      talliesUrl: a['tallies-url'],
      runId: a['run-id'],
    }),
});
