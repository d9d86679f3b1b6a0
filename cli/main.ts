/**
 * The fleetsim command line: wires scenario -> fleet -> transport -> endpoint -> reconciliation
 * -> reports. User mistakes print one clear paragraph and a documented exit code; anything else
 * is a bug and prints its stack.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { INTERNAL_EXIT_CODE, isFleetsimError, UsageError } from '../protocol/errors.js';
import { VERSION } from '../protocol/version.js';
import { scenarioJsonSchemaText } from '../agent/scenario/json-schema.js';
import { reportCommand } from './report-command.js';
import { runCommand } from './run-command.js';
import { serveCommand } from './serve-command.js';
import { serveClusterCommand } from './serve-cluster-command.js';
import { mergeCommand } from './merge-command.js';
import { scaleArgs, scaleOptions } from './scale-options.js';
import { traceCommand } from './trace-command.js';
import { validateCommand } from './validate-command.js';
import { initCommand } from './init-command.js';
import { compareCommand } from './compare-command.js';
import { optionalWholeNumber, wholeNumberOption } from './number-flags.js';
import { TRANSPORT_KINDS } from '../transport/kinds/kinds.js';

export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const cli = yargs(argv)
    .scriptName('fleetsim')
    .usage(
      '$0 <command> [options]\n\nA device-fleet simulator and load-test harness for MDM app-installation status ingestion.',
    )
    .command(
      'run <scenario>',
      'run a scenario against the embedded endpoint (or --target) and reconcile',
      (y) =>
        y
          .positional('scenario', { type: 'string', describe: 'scenario YAML file', demandOption: true })
          .option('transport', { choices: TRANSPORT_KINDS, describe: "transport (default: the scenario's)" })
          .option('devices', wholeNumberOption('total devices (cohorts scaled in proportion)'))
          .option('seed', { type: 'string', describe: "seed (default: the scenario's)" })
          .option('out', { type: 'string', describe: 'run folder (default: out/<scenario>-<timestamp>)' })
          .option('target', { type: 'string', describe: 'external endpoint: mqtt://host:port or http://host:port' })
          .option('tallies-url', { type: 'string', describe: 'tallies API of an external target (http://host:port)' })
          .option('quiet', { type: 'boolean', default: false, describe: 'no live progress' })
          .option('baseline', {
            type: 'string',
            describe: 'an earlier report.json (or run folder): report.html compares this run with it',
          })
          .option('log-level', {
            choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
            default: 'info' as const,
            describe: 'level of the pino log written to <run folder>/fleetsim.log (debug: one line per second)',
          })
          .options(scaleOptions),
      async (a) => {
        code = await runCommand({
          scenario: a.scenario as string,
          transport: a.transport,
          devices: optionalWholeNumber('devices', a.devices),
          seed: a.seed,
          out: a.out,
          target: a.target,
          talliesUrl: a['tallies-url'],
          quiet: a.quiet,
          ...(a.baseline ? { baseline: a.baseline } : {}),
          logLevel: a['log-level'],
          ...scaleArgs(a),
        });
      },
    )
    .command(
      'serve',
      'run the embedded ingestion endpoint alone (docs/endpoint.md)',
      (y) =>
        y
          .option('mqtt-port', { ...wholeNumberOption('MQTT port (0 = any free port)'), default: 1883 })
          .option('http-port', {
            ...wholeNumberOption('HTTP port, also MQTT over WebSocket at /mqtt (0 = any free port)'),
            default: 8080,
          })
          .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on' })
          .option('data-dir', {
            type: 'string',
            describe: 'journal accepted events here before acknowledging them; rebuild tallies from it on start',
          })
          .option('compact-mb', {
            type: 'number',
            default: 64,
            describe: 'compact the journal (snapshot, then empty it) once it is larger than this many MiB',
          })
          .option('tls-cert', { type: 'string', describe: 'PEM certificate: serve mqtts, https and wss' })
          .option('tls-key', { type: 'string', describe: 'PEM private key for --tls-cert' })
          .option('auth-file', {
            type: 'string',
            describe: 'JSON credentials: fleetToken, deviceSecret, devices, adminToken (turns auth on)',
          })
          .option('fleet-token', {
            type: 'string',
            describe: 'fleet token (turns auth on; or env FLEETSIM_FLEET_TOKEN)',
          })
          .option('websocket', {
            type: 'boolean',
            default: true,
            describe: 'MQTT over WebSocket at /mqtt on the HTTP port (--no-websocket to turn off)',
          })
          .option('log-level', {
            choices: ['fatal', 'error', 'warn', 'info', 'debug', 'silent'] as const,
            default: 'info' as const,
            describe: 'pino log level (JSON logs on stdout)',
          })
          .option('workers', {
            ...wholeNumberOption(
              'MQTT brokers in this many processes sharing the port, one owner of the tallies (past ~19,000 connections)',
            ),
            default: 1,
          }),
      async (a) => {
        const workers = optionalWholeNumber('workers', a.workers) ?? 1;
        const serve =
          workers > 1
            ? (args: Parameters<typeof serveCommand>[0]) => serveClusterCommand({ ...args, workers })
            : serveCommand;
        code = await serve({
          mqttPort: optionalWholeNumber('mqtt-port', a['mqtt-port'], 0) ?? 1883,
          httpPort: optionalWholeNumber('http-port', a['http-port'], 0) ?? 8080,
          host: a.host,
          dataDir: a['data-dir'],
          compactMb: a['compact-mb'],
          tlsCert: a['tls-cert'],
          tlsKey: a['tls-key'],
          authFile: a['auth-file'],
          fleetToken: a['fleet-token'],
          websocket: a.websocket,
          logLevel: a['log-level'],
        });
      },
    )
    .command(
      'merge <reports..>',
      'merge shard results (run --shard i/N) exactly and reconcile the whole fleet once',
      (y) =>
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
          .option('out', {
            type: 'string',
            describe: 'folder for the merged report (default: out/<scenario>-merged-<timestamp>)',
          }),
      async (a) => {
        code = await mergeCommand({ reports: a.reports as string[], talliesUrl: a['tallies-url'], out: a.out });
      },
    )
    .command(
      'trace <scenario>',
      "print one device's exact path, with no network",
      (y) =>
        y
          .positional('scenario', { type: 'string', describe: 'scenario YAML file', demandOption: true })
          .option('device', { type: 'string', demandOption: true, describe: 'device id, e.g. ios-000417' })
          .option('devices', wholeNumberOption('total devices, as given to run'))
          .option('seed', { type: 'string', describe: "seed (default: the scenario's)" })
          .option('json', { type: 'boolean', default: false, describe: 'print JSON lines' }),
      async (a) => {
        code = await traceCommand({
          scenario: a.scenario as string,
          device: a.device,
          devices: optionalWholeNumber('devices', a.devices),
          seed: a.seed,
          json: a.json,
        });
      },
    )
    .command(
      'report <result>',
      'render a report.json again: summary.md, junit.xml, report.html and the terminal summary',
      (y) =>
        y
          .positional('result', {
            type: 'string',
            describe: 'report.json of a run (or of fleetsim merge)',
            demandOption: true,
          })
          .option('out', { type: 'string', describe: "folder for the renderings (default: the report.json's folder)" })
          .option('quiet', { type: 'boolean', default: false, describe: 'no terminal summary' })
          .option('baseline', { type: 'string', describe: 'an earlier report.json (or run folder) to compare with' }),
      async (a) => {
        code = await reportCommand({
          file: a.result as string,
          ...(a.out ? { out: a.out } : {}),
          quiet: a.quiet,
          ...(a.baseline ? { baseline: a.baseline } : {}),
        });
      },
    )
    .command(
      'validate <scenario>',
      'check a scenario with no network: every problem at once, exit 0 valid or 3 invalid',
      (y) =>
        y
          .positional('scenario', { type: 'string', describe: 'scenario YAML file', demandOption: true })
          .option('devices', wholeNumberOption('total devices, as given to run (quotas are checked at this size)')),
      async (a) => {
        code = await validateCommand({ scenario: a.scenario as string, devices: a.devices });
      },
    )
    .command(
      'compare <base> <new>',
      'compare two runs (report.json or run folders): deltas, and exit 5 on a regression beyond tolerance',
      (y) =>
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
      async (a) => {
        code = await compareCommand({
          base: a.base as string,
          next: a.new as string,
          tolerance: a.tolerance,
          ...(a.json ? { json: a.json } : {}),
        });
      },
    )
    .command(
      'init [file]',
      'write a commented scenario that runs as it is (asks when the terminal is interactive)',
      (y) =>
        y
          .positional('file', { type: 'string', default: 'scenario.yaml', describe: 'file to write' })
          .option('name', { type: 'string', describe: 'scenario name (default my-rollout)' })
          .option('platforms', { type: 'string', describe: 'comma-separated: ios,android,windows,dme (default all)' })
          .option('devices', wholeNumberOption('devices in all, split over the platforms (default 1000)'))
          .option('transport', { type: 'string', describe: 'mqtt or http (default mqtt)' })
          .option('app', { type: 'string', describe: 'app id (default com.example.app)' })
          .option('interactive', {
            type: 'boolean',
            describe: 'ask for what the flags leave out (default: on a terminal)',
          })
          .option('force', { type: 'boolean', default: false, describe: 'overwrite the file' }),
      async (a) => {
        code = await initCommand({
          file: a.file as string,
          ...(a.name !== undefined ? { name: a.name } : {}),
          ...(a.platforms !== undefined ? { platforms: a.platforms } : {}),
          ...(a.devices !== undefined ? { devices: a.devices } : {}),
          ...(a.transport !== undefined ? { transport: a.transport } : {}),
          ...(a.app !== undefined ? { app: a.app } : {}),
          ...(a.interactive !== undefined ? { interactive: a.interactive } : {}),
          force: a.force,
        });
      },
    )
    .command(
      'schema',
      'print the scenario JSON Schema (for editors; scenarios/scenario.schema.json is this)',
      (y) => y,
      async () => {
        process.stdout.write(scenarioJsonSchemaText());
        code = 0;
      },
    )
    .demandCommand(
      1,
      'Name a command: run, validate, init, compare, serve, merge, trace, report or schema (fleetsim --help lists them).',
    )
    .strict()
    .recommendCommands()
    .help()
    .version(VERSION)
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((msg, err) => {
      if (err) throw err;
      const what = msg?.startsWith('Did you mean') ? `Unknown command "${argv[0]}". ${msg}` : msg;
      throw new UsageError(`${what}\nRun "fleetsim --help" for usage.`);
    });
  await cli.parseAsync();
  return code;
}

export function reportFatal(err: unknown): number {
  if (isFleetsimError(err) && !err.internal) {
    process.stderr.write(`fleetsim: ${err.message}\n`);
    return err.exitCode;
  }
  process.stderr.write(
    `fleetsim: internal error (a bug; please report it with this output):\n${(err as Error)?.stack ?? String(err)}\n`,
  );
  return isFleetsimError(err) ? err.exitCode : INTERNAL_EXIT_CODE;
}

export async function cliEntry(): Promise<void> {
  // `fleetsim ... | head` closes stdout early: that is the reader's choice, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  try {
    process.exitCode = await main(hideBin(process.argv));
  } catch (err) {
    process.exitCode = reportFatal(err);
  }
}
