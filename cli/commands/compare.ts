/** `fleetsim compare <base> <new>`: deltas between two runs, exit 5 on a regression. */
import { compareCommand } from '../compare-command.js';
import { defineCommand } from './command.js';

export const compareModule = defineCommand({
  command: 'compare <base> <new>',
  describe: 'compare two runs (report.json or run folders): deltas, and exit 5 on a regression beyond tolerance',
  builder: (y) =>
    y
      .positional('base', { type: 'string', describe: 'the baseline run', demandOption: true })
      .positional('new', { type: 'string', describe: 'the run to judge', demandOption: true })
      .option('tolerance', {
        type: 'string',
        array: true,
        default: [] as string[],
        describe:
          'how far a figure may move the wrong way, e.g. latency.ack.p99=10%, latency=5ms, throughput=5%, errors.count=0 (repeatable; defaults: throughput 10%, latency 20% and 1 ms, errors 0)',
      })
      .option('json', { type: 'string', describe: 'also write the comparison as JSON to this file' }),
  handler: (a) =>
    compareCommand({
      base: a.base as string,
      next: a.new as string,
      tolerance: a.tolerance,
      ...(a.json ? { json: a.json } : {}),
    }),
});
