/** `fleetsim trace <scenario> --device <id>`: one device's exact path, with no network. */
import { optionalWholeNumber, wholeNumberOption } from '../number-flags.js';
import { traceCommand } from '../trace-command.js';
import { defineCommand } from './command.js';

export const traceModule = defineCommand({
  command: 'trace <scenario>',
  describe: "print one device's exact path, with no network",
  builder: (y) =>
    y
      .positional('scenario', { type: 'string', describe: 'scenario YAML file', demandOption: true })
      .option('device', { type: 'string', demandOption: true, describe: 'device id, e.g. ios-000417' })
      .option('devices', wholeNumberOption('total devices, as given to run'))
      .option('seed', { type: 'string', describe: "seed (default: the scenario's)" })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON lines' }),
  handler: (a) =>
    traceCommand({
      scenario: a.scenario as string,
      device: a.device,
      devices: optionalWholeNumber('devices', a.devices),
      seed: a.seed,
      json: a.json,
    }),
});
