/** `fleetsim validate <scenario>`: every problem a run would refuse, with no network. */
import { wholeNumberOption } from '../number-flags.js';
import { validateCommand } from '../validate-command.js';
import { defineCommand } from './command.js';

export const validateModule = defineCommand({
  command: 'validate <scenario>',
  describe: 'check a scenario with no network: every problem at once, exit 0 valid or 3 invalid',
  builder: (y) =>
    y
      .positional('scenario', { type: 'string', describe: 'scenario YAML file', demandOption: true })
      .option('devices', wholeNumberOption('total devices, as given to run (quotas are checked at this size)'))
      .option('target-file', {
        type: 'string',
        describe: 'check this target description too, as run --target-file would use it (docs/targets.md)',
      })
      .option('target', {
        type: 'string',
        describe: "the target URL, as given to run (replaces the description's url)",
      }),
  handler: (a) =>
    validateCommand({
      scenario: a.scenario as string,
      devices: a.devices,
      targetFile: a.targetFile as string | undefined,
      target: a.target as string | undefined,
    }),
});
