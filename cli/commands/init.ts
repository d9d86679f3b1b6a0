/** `fleetsim init [file]`: a commented scenario that runs as it is. */
import { initCommand } from '../init-command.js';
import { wholeNumberOption } from '../number-flags.js';
import { defineCommand } from './command.js';

export const initModule = defineCommand({
  command: 'init [file]',
  describe:
    'write a commented scenario that runs as it is, and with --target a target file for your service (asks when the terminal is interactive)',
  builder: (y) =>
    y
      .positional('file', { type: 'string', default: 'scenario.yaml', describe: 'file to write' })
      .option('name', { type: 'string', describe: 'scenario name (default my-rollout)' })
      .option('platforms', { type: 'string', describe: 'comma-separated: ios,android,windows,dme (default all)' })
      .option('devices', wholeNumberOption('devices in all, split over the platforms (default 1000)'))
      .option('transport', { type: 'string', describe: 'mqtt or http (default mqtt)' })
      .option('app', { type: 'string', describe: 'app id (default com.example.app)' })
      .option('target', {
        type: 'string',
        describe:
          "your service's URL: also writes <file>.target.yaml, a commented target description (docs/targets.md)",
      })
      .option('interactive', {
        type: 'boolean',
        describe: 'ask for what the flags leave out (default: on a terminal)',
      })
      .option('force', { type: 'boolean', default: false, describe: 'overwrite the file' }),
  handler: (a) =>
    initCommand({
      file: a.file as string,
      ...(a.name !== undefined ? { name: a.name } : {}),
      ...(a.platforms !== undefined ? { platforms: a.platforms } : {}),
      ...(a.devices !== undefined ? { devices: a.devices } : {}),
      ...(a.transport !== undefined ? { transport: a.transport } : {}),
      ...(a.app !== undefined ? { app: a.app } : {}),
      ...(a.target !== undefined ? { target: a.target as string } : {}),
      ...(a.interactive !== undefined ? { interactive: a.interactive } : {}),
      force: a.force,
    }),
});
