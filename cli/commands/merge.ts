/** `fleetsim merge <reports..>`: shard results into one, reconciled once. */
import { mergeCommand } from '../merge-command.js';
import { defineCommand } from './command.js';

export const mergeModule = defineCommand({
  command: 'merge <reports..>',
  describe: 'merge shard results (run --shard i/N) exactly and reconcile the whole fleet once',
  builder: (y) =>
    y
      .positional('reports', {
        type: 'string',
        array: true,
        describe: 'report.json files (or run folders)',
        demandOption: true,
      })
      .option('tallies-url', {
        type: 'string',
        describe: 'tallies API of the endpoint the shards sent to (default: their target when HTTP)',
      })
      .option('target-file', {
        type: 'string',
        describe: 'the target description the shards sent to: its tally source reconciles the fleet (MQTT too)',
      })
      .option('out', {
        type: 'string',
        describe: 'folder for the merged report (default: out/<scenario>-merged-<timestamp>)',
      }),
  handler: (a) =>
    mergeCommand({
      reports: a.reports as string[],
      talliesUrl: a['tallies-url'],
      targetFile: a['target-file'],
      out: a.out,
    }),
});
