/** `fleetsim report <result>`: a report.json rendered again. */
import { reportCommand } from '../report-command.js';
import { defineCommand } from './command.js';

export const reportModule = defineCommand({
  command: 'report <result>',
  describe: 'render a report.json again: summary.md, junit.xml, report.html and the terminal summary',
  builder: (y) =>
    y
      .positional('result', {
        type: 'string',
        describe: 'report.json of a run (or of fleetsim merge)',
        demandOption: true,
      })
      .option('out', { type: 'string', describe: "folder for the renderings (default: the report.json's folder)" })
      .option('quiet', { type: 'boolean', default: false, describe: 'no terminal summary' })
      .option('baseline', { type: 'string', describe: 'an earlier report.json (or run folder) to compare with' }),
  handler: (a) =>
    reportCommand({
      file: a.result as string,
      ...(a.out ? { out: a.out } : {}),
      quiet: a.quiet,
      ...(a.baseline ? { baseline: a.baseline } : {}),
    }),
});
