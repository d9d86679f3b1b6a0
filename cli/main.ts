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

const EPILOG = [
  'Every flag can come from the environment as FLEETSIM_<FLAG> (FLEETSIM_DEVICES=5000, FLEETSIM_MAX_IN_FLIGHT=2000); a flag on the command line wins.',
  'Exit codes: 0 passed, 1 a threshold failed, 2 reconciliation mismatch, 3 invalid scenario or usage, 4 target unreachable, 5 compare found a regression, 6 a port is in use, 70 internal error (a bug), 130/143 stopped by SIGINT/SIGTERM (reports written).',
  'Docs: README.md, docs/report.md (report.json, thresholds), docs/scale.md (load, workers, shards), docs/protocol.md, docs/endpoint.md.',
].join('\n');

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
          .option('out', {
            type: 'string',
            describe: 'run folder for report.json, report.html, junit.xml (default: out/<scenario>-<timestamp>)',
          })
          .option('time-scale', {
            type: 'string',
            describe: "simulated seconds per real second, or asap (the scenario's timeScale)",
          })
          .option('rate', { type: 'string', describe: "most events sent per second (the scenario's load.rate)" })
          .option('ramp', {
            type: 'string',
            describe: 'closed model: devices come online over this simulated time, e.g. 10m; 0s = all at once',
          })
          .option('duration', {
            type: 'string',
            describe: 'stop sending after this wall time (e.g. 5m), settle, reconcile what was sent',
          })
          .option('jsonl', { type: 'string', describe: "stream a JSON line per second (k6's --out json) to this file" })
          .option('jsonl-events', { type: 'boolean', describe: 'with --jsonl: also a line per event sent' })
          .option('csv', { type: 'string', describe: 'stream a CSV row per second to this file' })
          .option(
            'metrics-port',
            wholeNumberOption('serve Prometheus /metrics of the run on this port while it runs (0 = any)'),
          )
          .option('metrics-host', {
            type: 'string',
            describe: 'address for --metrics-port (default 127.0.0.1; 0.0.0.0 in a pod)',
          })
          .option('otlp', {
            type: 'string',
            describe: "push the run's figures to an OpenTelemetry collector (OTLP/HTTP), e.g. http://127.0.0.1:4318",
          })
          .option('otlp-interval', { type: 'string', describe: 'with --otlp: wall time between pushes (default 10s)' })
          .middleware(
            (parsed) => envFlags(parsed, argv, (y as unknown as { getOptions(): EnvOptions }).getOptions()),
            true,
          )
          .example('$0 run scenarios/quickstart.yaml', 'the quick start: embedded endpoint, reconciled tallies')
          .example('$0 run my.yaml --devices 5000 --rate 2000 --duration 5m', 'load from the command line')
          .example('FLEETSIM_DEVICES=200 $0 run ci.yaml', 'any flag as FLEETSIM_<FLAG>')
          .example('$0 run my.yaml --jsonl m.jsonl --metrics-port 9464', 'stream figures while it runs')
          .epilog(EPILOG)
          .option('target', {
            type: 'string',
            describe: 'external endpoint: mqtt(s)://, ws(s)://, http(s)://host:port[/path] (the path is honoured)',
          })
          .option('target-file', {
            type: 'string',
            describe:
              'a target description of your own service: URL, TLS, wire templates, tally source (docs/targets.md)',
          })
          .option('run-id', {
            type: 'string',
            describe: 'the run id (default: a fresh one); the {runId} of templates and queries',
          })
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
          ...(a['target-file'] ? { targetFile: a['target-file'] } : {}),
          ...(a['run-id'] ? { runId: a['run-id'] } : {}),
          talliesUrl: a['tallies-url'],
          quiet: a.quiet,
          ...(a.baseline ? { baseline: a.baseline } : {}),
          load: {
            ...(a['time-scale'] !== undefined ? { timeScale: a['time-scale'] } : {}),
            ...(a.rate !== undefined ? { rate: a.rate } : {}),
            ...(a.ramp !== undefined ? { ramp: a.ramp } : {}),
          },
          ...(a.duration !== undefined ? { duration: a.duration } : {}),
          outputs: {
            ...(a.jsonl ? { jsonl: a.jsonl } : {}),
            ...(a['jsonl-events'] ? { jsonlEvents: true } : {}),
            ...(a.csv ? { csv: a.csv } : {}),
            ...(a['metrics-port'] !== undefined
              ? { metricsPort: optionalWholeNumber('metrics-port', a['metrics-port'], 0)! }
              : {}),
            ...(a['metrics-host'] ? { metricsHost: a['metrics-host'] } : {}),
            ...(a.otlp ? { otlp: a.otlp } : {}),
            ...(a['otlp-interval'] !== undefined ? { otlpInterval: a['otlp-interval'] } : {}),
          },
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
    .epilog(EPILOG)
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

interface EnvOptions {
  key: Record<string, unknown>;
  boolean: string[];
  number: string[];
}

/**
 * FLEETSIM_<FLAG> for every flag of the command that the command line does not give: what a CI
 * job varies (FLEETSIM_DEVICES=5000) without editing the scenario. Other FLEETSIM_ variables
 * (FLEETSIM_AUTH_SECRET) are left alone, so they are not unknown flags.
 */
function envFlags(parsed: Record<string, unknown>, argv: readonly string[], options: EnvOptions): void {
  for (const key of Object.keys(options.key)) {
    if (!/^[a-z][a-z0-9-]*$/.test(key) || key === 'help' || key === 'version') continue;
    const value = process.env[`FLEETSIM_${key.toUpperCase().replace(/-/g, '_')}`];
    if (value === undefined) continue;
    if (argv.some((t) => t === `--${key}` || t.startsWith(`--${key}=`) || t === `--no-${key}`)) continue;
    const v = options.boolean.includes(key)
      ? value === 'true' || value === '1'
      : options.number.includes(key)
        ? Number(value)
        : value;
    parsed[key] = v;
    parsed[key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = v;
  }
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
